"""The project's single-exchange checks as schemathesis checks, for `schemathesis run` and pytest.

`schemathesis.toml` at the repository root names this module (`hooks`), so a plain
`schemathesis run openapi/openapi.yaml --url URL` from there applies these checks in every phase
(examples, coverage, fuzzing, stateful). They call the same judgements as the suite's observers
(`conformance.judgements`); checks that send their own requests (concurrency, the sync lifecycle,
the permission) stay in the suite, but for `authentication`: once per operation it sends the
operation with no key and with an unknown one (to a made-up integration) and expects 401 with the
key not sent back, since every generated request carries TOKEN.

Three hooks shape what is sent: the suite's odd inputs (`conformance.inputs`) and the known
integration (`INTEGRATION_ID`, if set) become explicit examples, sent every run, and half the
generated requests go to the known integration, so they reach past "not found". A fixed
`[parameters]` value in the config would send the known ID only, and no odd one ever. And no
trigger ever reaches an integration other than the known one: the stateful phase follows the
document's link from a listed integration to its trigger, which would start a real sync of an
integration the user never named; such a trigger is sent for a made-up ID instead.
"""

from __future__ import annotations

import os
import time
import uuid
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import httpx
import schemathesis
from braze_cdi_contract import load as load_contract
from hypothesis import strategies

from braze_cdi_conformance import judgements
from braze_cdi_conformance.inputs import ODD_HEADERS, ODD_IDS

CONTRACT = load_contract()
Context = schemathesis.CheckContext
Response = schemathesis.Response
Case = schemathesis.Case[Any]


def _fail(problem: judgements.Problem | None) -> None:
    if problem is not None:
        raise AssertionError(problem.text())


@schemathesis.check
def robustness(ctx: Context, response: Response, case: Case) -> None:
    """No request gets a 5xx."""
    _fail(judgements.server_error(response))


@schemathesis.check
def rate_limit_headers(ctx: Context, response: Response, case: Case) -> None:
    """X-RateLimit-* are integers, Remaining <= Limit, Reset lies within the documented window."""
    window = CONTRACT.operation_at(case.method, case.operation.path).rate_limit.window_seconds
    sent_at = time.time() - response.elapsed
    for problem in judgements.rate_limit_problems(response, sent_at=sent_at, window=window):
        _fail(problem)


@schemathesis.check
def too_many_requests(ctx: Context, response: Response, case: Case) -> None:
    """A 429 says which it is: the in-progress message, or the rate limit with none remaining."""
    operation = judgements.documented_operation(CONTRACT, case.method, case.operation.path)
    _fail(judgements.too_many_requests_problem(response, CONTRACT, operation))


@schemathesis.check
def no_reflected_key(ctx: Context, response: Response, case: Case) -> None:
    """No answer carries the key its request presented, in its body or its headers."""
    _fail(
        judgements.reflected_key_problem(response, judgements.bearer_key(response.request.headers))
    )


# Operations whose key probes were sent in this process (once per operation and run).
PROBED: set[str] = set()
PROBE_TIMEOUT_SECONDS = 10.0


@schemathesis.check
def authentication(ctx: Context, response: Response, case: Case) -> None:
    """A missing or unknown key is answered 401, and the unknown key is not sent back.

    Once per operation, beside the first answer judged: two probes of the same operation, one
    without `Authorization` and one with a key no server knows, to a made-up integration (a
    trigger for the real one would start a sync if the server took the key). The generated
    requests all carry TOKEN, so without these probes `no_reflected_key` never sees a key the
    server does not know, and a server that takes any key passes.
    """
    # The documented method of the path (a case may be a generated request with another one).
    operation = CONTRACT.operation_at(case.method, case.operation.path)
    label = f"{operation.method} {operation.path}"
    if label in PROBED:
        return
    PROBED.add(label)
    if not response.request.url:
        return
    url = _made_up_target(response.request.url, case)
    unknown = f"conformance-unknown-key-{uuid.uuid4()}"
    problems: list[str] = []
    with httpx.Client(timeout=PROBE_TIMEOUT_SECONDS, follow_redirects=False) as client:
        for what, headers in (
            ("no key", {}),
            ("an unknown key", {"Authorization": f"Bearer {unknown}"}),
        ):
            try:
                probe = client.request(operation.method, url, headers=headers)
            except httpx.HTTPError as error:
                problems.append(f"A request with {what} got no answer: {type(error).__name__}")
                continue
            if probe.status_code != 401:
                problems.append(
                    f"A request with {what} to {label} was answered {probe.status_code}, not "
                    f"401 {CONTRACT.messages.invalid_api_key}"
                )
            echoed = unknown in probe.text or any(unknown in v for v in probe.headers.values())
            if headers and echoed:
                problems.append(f"The answer to a request with {what} carries that key back")
    if problems:
        raise AssertionError("; ".join(problems))


def _made_up_target(sent: str, case: Case) -> str:
    """The URL a request went to, without its query, with a made-up integration ID in place of
    the one it named (if its operation takes one).
    """
    parts = urlsplit(sent)
    path = parts.path
    template = case.operation.path
    if "{integration_id}" in template:
        after = template.split("{integration_id}", 1)[1]  # "/sync", "/job_sync_status"
        named = path.removesuffix(after) if after else path
        path = named[: named.rfind("/") + 1] + str(uuid.uuid4()) + after
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


@schemathesis.hook
def before_call(context: schemathesis.HookContext, case: Case, **kwargs: Any) -> None:  # noqa: ANN401
    """In the stateful phase, a trigger of any integration but the known one goes to a made-up
    ID: its ID may have come from a list answer, so it may be a real integration.
    """
    trigger = CONTRACT.trigger
    if case.operation.path != trigger.path or case.method.upper() != trigger.method:
        return
    if case.meta is None or case.meta.phase.name != "stateful":
        return
    parameters = dict(case.path_parameters or {})
    if unquote(str(parameters.get("integration_id", ""))) != _known_id():
        case.path_parameters = {**parameters, "integration_id": str(uuid.uuid4())}


def _known_id() -> str | None:
    return os.environ.get("INTEGRATION_ID") or None


@schemathesis.hook
def before_add_examples(context: schemathesis.HookContext, examples: list[Case]) -> None:
    """Explicit examples, sent every run: the known integration, each odd ID, each odd header.

    They carry TOKEN themselves (schemathesis authenticates only the cases it builds) and their
    IDs percent-encoded, as the suite sends them.
    """
    operation = context.operation
    if operation is None or "{integration_id}" not in operation.path:
        return
    auth = {"Authorization": f"Bearer {os.environ.get('TOKEN', '')}"}
    known = _known_id()
    for value in ([known] if known else []) + list(ODD_IDS):
        examples.append(_example(operation, value, auth))
    for headers in ODD_HEADERS:
        examples.append(_example(operation, str(uuid.uuid4()), auth | headers))


def _example(operation: Any, integration_id: str, headers: dict[str, str]) -> Case:  # noqa: ANN401
    case: Case = operation.Case(
        path_parameters={"integration_id": quote(integration_id, safe="")}, headers=headers
    )
    # The key is the user's (as schemathesis' own configured auth would set it), so its
    # ignored_auth check may probe the example without it and with a wrong one.
    case._has_explicit_auth = True
    return case


@schemathesis.hook
def before_generate_path_parameters(
    context: schemathesis.HookContext, strategy: strategies.SearchStrategy[dict[str, Any]]
) -> strategies.SearchStrategy[dict[str, Any]]:
    """Half the generated requests go to the known integration, to reach past "not found"."""
    known = _known_id()
    if known is None:
        return strategy
    return strategies.one_of(strategy, strategies.just({"integration_id": known}))
