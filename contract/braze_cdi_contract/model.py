"""Read `openapi/openapi.yaml` into the facts the other parts need; nothing here is typed twice.

Messages come from the `x-braze-messages` of the document's shared answers (`components.responses`)
and the `const` of `SyncAccepted.message`, permissions and rate limits from the `x-braze-*`
extensions of each operation, instance names from each server's `x-braze-instance`, IDs from the
parameter's examples. Nothing is read from prose or from an example.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

# The contract document this package carries (package data; in the repository, a link to the one
# source, openapi/openapi.yaml). Found beside this module, never by a path of a checkout.
DOCUMENT = Path(str(files("braze_cdi_contract").joinpath("openapi.yaml")))
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
TRIGGER = "triggerIntegrationSync"
LIST_INTEGRATIONS = "listIntegrations"
JOB_SYNC_STATUS = "listJobSyncStatus"


class ContractError(Exception):
    """The document lacks something the project needs; the message says what, in one line."""


@dataclass(frozen=True)
class Messages:
    """Braze's messages by name: each error message from the `x-braze-messages` of the shared
    answers that carry it (`another_job_in_progress` in `TooManyRequests`), the success
    message from the `const` of `SyncAccepted.message`.
    """

    sync_accepted: str
    invalid_integration_id: str
    invalid_api_key: str
    access_denied: str
    integration_not_found: str
    invalid_url: str
    another_job_in_progress: str
    over_rate_limit: str
    internal_server_error: str
    invalid_cursor: str


MESSAGE_NAMES = tuple(field_.name for field_ in fields(Messages))


@dataclass(frozen=True)
class RateLimitRule:
    """An operation's documented rate limit (`x-braze-rate-limit`)."""

    limit: int
    window_seconds: int
    scope: str


@dataclass(frozen=True)
class DocumentedRequest:
    """The request of a curl code sample (`x-codeSamples`): its method, headers and body."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: str | None

    def headers_for(self, key: str) -> dict[str, str]:
        """The sample's headers with the placeholder key in `Authorization` replaced by `key`."""
        return {
            name: f"{value.split(' ', 1)[0]} {key}" if name.lower() == "authorization" else value
            for name, value in self.headers
        }


def parse_curl(source: str) -> DocumentedRequest:
    """Read a curl command line: `--request`/`-X`, `--header`/`-H`, `--data*`/`-d` and the URL."""
    try:
        words = shlex.split(source.replace("\\\n", " "))
    except ValueError as error:
        raise ContractError(f"a code sample is not a readable curl command: {error}") from error
    method, url, body = "", "", None
    headers: list[tuple[str, str]] = []
    pending = ""
    for word in words[1:]:
        if pending in {"--request", "-X"}:
            method = word.upper()
        elif pending in {"--header", "-H"}:
            name, _, value = word.partition(":")
            headers.append((name.strip(), value.strip()))
        elif pending.startswith(("--data", "-d")):
            body = word
        elif word.startswith("http"):
            url = word
        pending = word if word.startswith("-") else ""
    if not url:
        raise ContractError("a curl code sample names no URL")
    return DocumentedRequest(method or ("POST" if body else "GET"), url, tuple(headers), body)


@dataclass(frozen=True)
class Operation:
    """One operation: where it lives, what it needs, and what it may answer."""

    operation_id: str
    method: str
    path: str
    permission: str
    rate_limit: RateLimitRule
    statuses: tuple[str, ...]
    code_samples: tuple[str, ...]
    # Braze's messages each documented status may carry, from its answer's `x-braze-messages`
    # (a 429 of the trigger: in progress or over the rate limit; of a read: over the rate limit).
    answer_messages: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def messages_for(self, status: int) -> tuple[str, ...]:
        """The messages the document lists for an answer of this status (none: not listed)."""
        return next((listed for code, listed in self.answer_messages if code == str(status)), ())

    def documented_request(self) -> DocumentedRequest:
        """The request of the operation's first curl code sample."""
        for source in self.code_samples:
            if source.lstrip().startswith("curl"):
                return parse_curl(source)
        raise ContractError(f"the operation {self.operation_id!r} has no curl code sample")


@dataclass(frozen=True)
class JobFacts:
    """What the document says of sync jobs and of the pages that list them."""

    statuses: tuple[str, ...]
    running: frozenset[str]
    page_size: int

    @property
    def ended(self) -> tuple[str, ...]:
        """The statuses of a job that has ended, in the document's order."""
        return tuple(status for status in self.statuses if status not in self.running)


@dataclass(frozen=True)
class Contract:
    """Everything the project takes from the document, and the parsed document itself."""

    source: Path
    version: str
    document: Mapping[str, Any]
    operations: Mapping[str, Operation]
    messages: Messages
    example_ids: tuple[str, ...]
    servers: tuple[tuple[str, str], ...]  # (URL, instance name)
    jobs: JobFacts

    @property
    def trigger(self) -> Operation:
        """The Trigger a sync operation."""
        return self.operation(TRIGGER)

    @property
    def list_integrations(self) -> Operation:
        """The List integrations operation."""
        return self.operation(LIST_INTEGRATIONS)

    @property
    def job_sync_status(self) -> Operation:
        """The List job sync status operation."""
        return self.operation(JOB_SYNC_STATUS)

    def operation(self, operation_id: str) -> Operation:
        """The operation with this operationId."""
        try:
            return self.operations[operation_id]
        except KeyError:
            raise ContractError(f"the document has no operation {operation_id!r}") from None

    def operation_at(self, method: str, path: str) -> Operation:
        """The operation a request to `method path` is for: the one documented there, else the
        first at that path (an undocumented method), else the trigger.
        """
        at_path = [op for op in self.operations.values() if op.path == path]
        exact = [op for op in at_path if op.method == method.upper()]
        return (exact or at_path or [self.trigger])[0]

    def methods_at(self, path: str) -> frozenset[str]:
        """The methods (upper case) the document lists for a path."""
        return frozenset(op.method for op in self.operations.values() if op.path == path)

    def permissions(self) -> frozenset[str]:
        """Every permission an operation of the document asks for."""
        return frozenset(op.permission for op in self.operations.values())


def _dig(document: Mapping[str, Any], *keys: str) -> Any:  # noqa: ANN401 - a YAML node
    node: Any = document
    for key in keys:
        if not isinstance(node, Mapping) or key not in node:
            raise ContractError(f"the document lacks {'.'.join(keys)}")
        node = node[key]
    return node


def _messages(document: Mapping[str, Any]) -> Messages:
    """Every message by name, from `x-braze-messages`; the named examples of each answer must
    show one of its messages (so an example cannot drift from the fact it illustrates).
    """
    accepted = _dig(document, "components", "schemas", "SyncAccepted", "properties", "message")
    values: dict[str, object] = {"sync_accepted": accepted.get("const") if accepted else None}
    for answer, response in (_dig(document, "components", "responses") or {}).items():
        listed = response.get("x-braze-messages") if isinstance(response, Mapping) else None
        if listed is None:
            continue
        if not isinstance(listed, Mapping):
            raise ContractError(f"x-braze-messages of the answer {answer!r} is not a mapping")
        for name, message in listed.items():
            if values.setdefault(str(name), message) != message:
                raise ContractError(f"the message {name!r} differs between answers ({answer!r})")
        _examples_show(document, answer, response, set(listed.values()))
    if len(values) == 1:
        values |= _legacy_messages(document)
    unknown = sorted(set(values) - set(MESSAGE_NAMES))
    if unknown:
        raise ContractError(
            f"x-braze-messages names a message the project does not know: {unknown[0]}"
        )
    for name in MESSAGE_NAMES:
        if not isinstance(values.get(name), str) or not values[name]:
            raise ContractError(f"no answer lists the message {name!r} in x-braze-messages")
    return Messages(**{name: str(values[name]) for name in MESSAGE_NAMES})


def _legacy_messages(document: Mapping[str, Any]) -> dict[str, object]:
    """Contract 1.1.0 and before (no `x-braze-messages` at all): each message from the named
    example of `components.examples` whose name is the message's in CamelCase. Read so that the
    review can still generate the client of such a base; the current contract never is.
    """
    examples = _dig(document, "components", "examples")
    values: dict[str, object] = {}
    for name in MESSAGE_NAMES:
        example = examples.get("".join(word.capitalize() for word in name.split("_")))
        value = example.get("value") if isinstance(example, Mapping) else None
        values[name] = value.get("message") if isinstance(value, Mapping) else None
    return values


def _examples_show(
    document: Mapping[str, Any], answer: str, response: Mapping[str, Any], messages: set[str]
) -> None:
    """Each example of an answer shows one of the messages the answer lists."""
    for media in (response.get("content") or {}).values():
        for name, given in ((media or {}).get("examples") or {}).items():
            reference = given.get("$ref", "") if isinstance(given, Mapping) else ""
            example = given
            if reference.startswith("#/components/examples/"):
                example = _dig(document, "components", "examples", reference.rsplit("/", 1)[1])
            value = example.get("value") if isinstance(example, Mapping) else None
            shown = value.get("message") if isinstance(value, Mapping) else None
            if shown not in messages:
                raise ContractError(
                    f"the example {name!r} of the answer {answer!r} shows {shown!r}, which its "
                    "x-braze-messages does not list"
                )


def _answer_messages(
    document: Mapping[str, Any], responses: Mapping[str, Any]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(status, messages) for each answer of an operation that lists `x-braze-messages`."""
    found: list[tuple[str, tuple[str, ...]]] = []
    for status, given in responses.items():
        reference = given.get("$ref", "") if isinstance(given, Mapping) else ""
        answer = given
        if reference.startswith("#/components/responses/"):
            answer = _dig(document, "components", "responses", reference.rsplit("/", 1)[1])
        listed = answer.get("x-braze-messages") if isinstance(answer, Mapping) else None
        if isinstance(listed, Mapping):
            found.append((str(status), tuple(str(message) for message in listed.values())))
    return tuple(found)


def _operation(
    document: Mapping[str, Any], path: str, method: str, raw: Mapping[str, Any]
) -> Operation:
    operation_id = str(raw.get("operationId", f"{method} {path}"))
    try:
        limits = raw["x-braze-rate-limit"]
        return Operation(
            operation_id=operation_id,
            method=method.upper(),
            path=path,
            permission=str(raw["x-braze-permission"]),
            rate_limit=RateLimitRule(
                limit=int(limits["limit"]),
                window_seconds=int(limits["window-seconds"]),
                scope=str(limits["scope"]),
            ),
            statuses=tuple(str(status) for status in raw["responses"]),
            code_samples=tuple(
                str(sample["source"]) for sample in raw.get("x-codeSamples", ()) or ()
            ),
            answer_messages=_answer_messages(document, raw["responses"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ContractError(f"the operation {operation_id!r} lacks {error}") from error


def from_document(document: Mapping[str, Any], *, source: Path = DOCUMENT) -> Contract:
    """The model of an already parsed document."""
    operations: dict[str, Operation] = {}
    for path, item in _dig(document, "paths").items():
        for method in HTTP_METHODS:
            if isinstance(item, Mapping) and method in item:
                operation = _operation(document, str(path), method, item[method])
                operations[operation.operation_id] = operation
    parameter = _dig(document, "components", "parameters", "IntegrationId")
    examples = parameter.get("examples", {}) if isinstance(parameter, Mapping) else {}
    return Contract(
        source=source,
        version=str(_dig(document, "info", "version")),
        document=document,
        operations=operations,
        messages=_messages(document),
        example_ids=tuple(str(example["value"]) for example in examples.values()),
        servers=_servers(document),
        jobs=_jobs(document),
    )


def _servers(document: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """(URL, instance name) of every server, the name from its `x-braze-instance` (in contract
    1.1.0 and before, where no server has one: the first word of its description).
    """
    listed = [server for server in document.get("servers") or () if isinstance(server, Mapping)]
    legacy = not any("x-braze-instance" in server for server in listed)
    servers: list[tuple[str, str]] = []
    for server in listed:
        if legacy:
            instance: object = str(server.get("description", "")).split(" ")[0]
        else:
            instance = server.get("x-braze-instance")
        if not isinstance(instance, str) or not instance or " " in instance:
            raise ContractError(
                f"the server {server.get('url')!r} has no x-braze-instance name (one word)"
            )
        servers.append((str(server["url"]), instance))
    return tuple(servers)


def _jobs(document: Mapping[str, Any]) -> JobFacts:
    status = _dig(document, "components", "schemas", "JobStatus")
    statuses = tuple(str(value) for value in status.get("enum", ()))
    running = frozenset(str(value) for value in status.get("x-braze-running", ()))
    if not statuses or not running or not running <= set(statuses):
        raise ContractError("JobStatus needs an enum and x-braze-running values from it")
    results = _dig(document, "components", "schemas", "JobSyncStatusList", "properties", "results")
    page_size = results.get("maxItems") if isinstance(results, Mapping) else None
    if not isinstance(page_size, int) or page_size < 1:
        raise ContractError("JobSyncStatusList.results needs maxItems (the page size)")
    return JobFacts(statuses=statuses, running=running, page_size=page_size)


@lru_cache(maxsize=8)
def load(path: Path = DOCUMENT) -> Contract:
    """Read and model the document at path (once per path and process)."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ContractError(f"cannot read {path}: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise ContractError(f"{path} is not valid YAML") from error
    if not isinstance(document, dict):
        raise ContractError(f"{path} is not an OpenAPI document")
    return from_document(document, source=path)
