"""The state of one conformance run: options, the sender, and what each check found."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import Enum
from urllib.parse import quote

from schemathesis.core.transport import HttpMethod

from conformance.contract import Contract
from conformance.transport import Case, Exchange, Sender

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


class Run:
    """Shared by every check during one run against one server."""

    def __init__(self, *, options: Options, contract: Contract, sender: Sender) -> None:
        self.options = options
        self.contract = contract
        self.sender = sender
        self.states: dict[str, CheckState] = {}
        self.notes: list[str] = []
        self.generated_cases = 0
        # Shared between checks: the simultaneous triggers, and the rate-limit window last seen.
        self.burst: list[Exchange] = []
        self.first_limit: int | None = None
        self.last_window: tuple[int, int] | None = None

    def state(self, check: str) -> CheckState:
        """The state of a check, created on first use."""
        return self.states.setdefault(check, CheckState())

    def applied(self, check: str) -> None:
        """Record that a check judged something."""
        self.state(check).applied += 1

    def skip(self, check: str, reason: str) -> None:
        """Record why a check could not judge anything."""
        self.state(check).skip_reason = reason

    def fail(
        self,
        check: str,
        exchange: Exchange,
        *,
        what: str,
        expected: str,
        received: str | None = None,
    ) -> None:
        """Record a broken promise with a curl reproduction; `received` defaults to the answer."""
        state = self.state(check)
        state.applied += 1
        state.total_findings += 1
        if len(state.findings) < FINDINGS_SHOWN_PER_CHECK:
            seen = exchange.received() if received is None else received
            state.findings.append(Finding(what, expected, self.mask(seen), self.curl(exchange)))

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
        return self.contract.operation.Case(
            method=method,
            path_parameters={"integration_id": quote(integration_id, safe="")},
            headers=headers,
        )

    def made_up_id(self) -> str:
        """An integration ID no server can know: a fresh random UUID."""
        return str(uuid.uuid4())

    def target_id(self) -> str:
        """The user's integration ID if given, else a made-up one."""
        return self.options.integration_id or self.made_up_id()
