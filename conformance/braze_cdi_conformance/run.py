"""The state of one conformance run: options, the sender, and what each check found.

Each check records its verdicts through its own `Recorder`, bound to its name when the run starts.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import Enum
from typing import cast
from urllib.parse import quote

from braze_cdi_contract import Contract
from schemathesis.core.transport import HttpMethod

from braze_cdi_conformance.invariants import Invariants, Judged
from braze_cdi_conformance.schema import Operation
from braze_cdi_conformance.transport import Case, Exchange, Sender

MASK = "***"
FINDINGS_SHOWN_PER_CHECK = 3


class CannotJudge(Exception):
    """The run cannot reach a verdict; the message says why, in one sentence."""


def mask_secrets(text: str, secrets: tuple[str | None, ...]) -> str:
    """The text with every given secret replaced by ***."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text


@dataclass(frozen=True)
class Options:
    """What the user asked for."""

    base_url: str
    token: str
    integration_id: str | None = None
    limited_token: str | None = None
    seed: int | None = None
    max_examples: int = 100
    burst: int = 8
    busy_wait_seconds: float = 60.0
    answer_seconds: float = 30.0
    max_answer_bytes: int = 1024 * 1024
    run_seconds: float = 1800.0
    # The most requests the run sends (None: as many as the full run needs). With a budget, every
    # probe sends its compact set first and generated requests get what is left.
    budget: int | None = None
    # True when the limited key is known to lack the permission (a bundled server's demo key): a
    # server that lets it through is then judged, not taken for a key that has the permission.
    limited_token_lacks_permission: bool = False
    # The permissions the limited key has (None: not said); the permission check then expects
    # 403 from exactly the operations whose permission is not among them.
    limited_permissions: frozenset[str] | None = None
    # How long the job-status check waits for the sync it started to end.
    job_wait_seconds: float = 120.0


class Status(Enum):
    """A check's verdict."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Finding:
    """One broken promise: what broke, what was expected and received, and how to reproduce it."""

    what: str
    expected: str
    received: str
    reproduce: str


@dataclass
class CheckState:
    """What one check has seen so far."""

    findings: list[Finding] = field(default_factory=list)
    total_findings: int = 0
    applied: int = 0
    skip_reason: str | None = None

    @property
    def status(self) -> Status:
        """Failed if anything was found, skipped if never applied, passed otherwise."""
        if self.total_findings:
            return Status.FAILED
        if self.applied == 0:
            return Status.SKIPPED
        return Status.PASSED


class Recorder:
    """Records the verdicts of one check, under the name it was registered with."""

    def __init__(self, name: str, run: Run) -> None:
        self.name = name
        self.state = CheckState()
        self._run = run

    def applied(self) -> None:
        """Record that the check judged something."""
        self.state.applied += 1

    def skip(self, reason: str) -> None:
        """Record why the check could not judge anything."""
        self.state.skip_reason = reason

    def fail(
        self,
        exchange: Exchange,
        *,
        what: str,
        expected: str,
        received: str | None = None,
    ) -> None:
        """Record a broken promise with a curl reproduction; `received` defaults to the answer."""
        state = self.state
        state.applied += 1
        state.total_findings += 1
        if len(state.findings) < FINDINGS_SHOWN_PER_CHECK:
            seen = exchange.received() if received is None else received
            run = self._run
            state.findings.append(Finding(what, expected, run.mask(seen), run.curl(exchange)))


@dataclass
class RateWindowMemory:
    """What the rate-limit check remembers of one operation: the first limit, the last window."""

    first_limit: int | None = None
    last_window: tuple[int, int] | None = None


class Run:
    """Shared by every check during one run against one server."""

    def __init__(
        self,
        *,
        options: Options,
        contract: Contract,
        operations: dict[str, Operation],
        sender: Sender,
        check_names: tuple[str, ...],
    ) -> None:
        self.options = options
        self.contract = contract
        self.operations = operations
        self.operation = operations[contract.trigger.operation_id]
        self.sender = sender
        self.recorders = {name: Recorder(name, self) for name in check_names}
        self.notes: list[str] = []
        self.generated_cases = 0
        self.linked_steps = 0
        self.rate_windows: dict[str, RateWindowMemory] = {}
        # What several answers showed, for the checks that tie answers together; and what the
        # last exchange showed them (each of those checks reads it).
        self.invariants: Invariants[Exchange] = Invariants(
            running=contract.jobs.running, ended=contract.jobs.ended
        )
        self.invariants_judged: tuple[Exchange, Judged[Exchange]] | None = None

    def rate_window(self, window: str) -> RateWindowMemory:
        """What the rate-limit check remembers of one operation's window."""
        return self.rate_windows.setdefault(window, RateWindowMemory())

    def recorder(self, check: str) -> Recorder:
        """The recorder of a registered check."""
        return self.recorders[check]

    def note(self, text: str) -> None:
        """Something worth reporting that breaks no promise."""
        self.notes.append(self.mask(text))

    def mask(self, text: str) -> str:
        """The text with every key the user gave replaced by ***."""
        return mask_secrets(text, (self.options.token, self.options.limited_token))

    def curl(self, exchange: Exchange) -> str:
        """A curl command that repeats the exchange's request, with the key masked."""
        command = exchange.case.as_curl_command(base_url=self.sender.base_url)
        command = command.replace("Authorization: [Filtered]", f"Authorization: Bearer {MASK}")
        return self.mask(command)

    # Building requests.

    def case(
        self,
        integration_id: str,
        *,
        key: str | None,
        method: HttpMethod = "POST",
        extra_headers: dict[str, str] | None = None,
    ) -> Case:
        """A request to the operation for an integration ID (sent percent-encoded), with a key."""
        headers = dict(extra_headers or {})
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        return self.operation.Case(
            method=method,
            path_parameters={"integration_id": quote(integration_id, safe="")},
            headers=headers,
        )

    def read_case(
        self,
        operation_id: str,
        *,
        key: str | None,
        integration_id: str | None = None,
        cursor: str | None = None,
    ) -> Case:
        """A GET of one of the two lists (the job status one for an integration ID)."""
        headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
        path = {} if integration_id is None else {"integration_id": quote(integration_id, safe="")}
        return self.operations[operation_id].Case(
            method="GET",
            path_parameters=path,
            query={} if cursor is None else {"cursor": cursor},
            headers=headers,
        )

    def documented_case(self, integration_id: str, *, content_type: bool = True) -> Case:
        """Braze's documented request (the contract's curl sample) for an integration ID, with the
        user's key; without its `Content-Type` header if asked.
        """
        sample = self.contract.trigger.documented_request()
        headers = sample.headers_for(self.options.token)
        if not content_type:
            headers = {
                name: value for name, value in headers.items() if name.lower() != "content-type"
            }
        return self.operation.Case(
            method=cast(HttpMethod, sample.method),
            path_parameters={"integration_id": quote(integration_id, safe="")},
            headers=headers,
        )

    @property
    def compact(self) -> bool:
        """Whether the probes send their compact sets, to fit a budget."""
        return self.options.budget is not None

    def made_up_id(self) -> str:
        """An integration ID no server can know: a fresh random UUID."""
        return str(uuid.uuid4())

    def target_id(self) -> str:
        """The user's integration ID if given, else a made-up one."""
        return self.options.integration_id or self.made_up_id()
