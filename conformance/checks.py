"""The checks: one per promise of the contract, each named, each with a one-line docstring.

Two kinds:
- observers judge every exchange of the run, whatever sent it (`OBSERVERS`);
- probes send their own requests and judge the answers (`PROBES`, in the order they run); what
  the suite gathered for several of them (`Evidence`) is handed to each explicitly.
Registering binds a check to its name: it records through its own `Recorder`, and a second check
of the same name is refused. Every check must have a faulty server in the proving ground that it
catches, which a test enforces.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import unquote

from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conformance.run import CannotJudge, Recorder, Run
from conformance.transport import RATE_LIMIT_RETRIES, Exchange

CLOCK_SKEW_SECONDS = 5
RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
F = TypeVar("F", bound=Callable[..., None])
SCHEMA_CHECKS: list[Any] = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@dataclass(frozen=True)
class Evidence:
    """What the suite gathers before the probes and hands to each of them explicitly."""

    burst: tuple[Exchange, ...]
    burst_missing: str | None

    @property
    def sync_started(self) -> bool:
        """Whether one of the burst's triggers got a 2xx."""
        return any(200 <= (exchange.status or 0) < 300 for exchange in self.burst)


Observer = Callable[[Recorder, Run, Exchange], None]
Probe = Callable[[Recorder, Run, Evidence], None]


@dataclass(frozen=True)
class Check:
    """A named promise and the function that holds a server to it.

    The function gets the check's own `Recorder` first, so it never names itself again.
    """

    name: str
    promise: str
    function: Callable[..., None]


OBSERVERS: list[Check] = []
PROBES: list[Check] = []


def _register(registry: list[Check], name: str) -> Callable[[F], F]:
    def decorate(function: F) -> F:
        if any(check.name == name for check in OBSERVERS + PROBES):
            raise ValueError(f"a check named {name!r} is registered already")
        promise = (function.__doc__ or "").strip().splitlines()[0]
        registry.append(Check(name, promise, function))
        return function

    return decorate


def observer(name: str) -> Callable[[Observer], Observer]:
    """Register a check that judges every exchange: `function(check, run, exchange)`."""
    return _register(OBSERVERS, name)


def probe(name: str) -> Callable[[Probe], Probe]:
    """Register a check that sends its own requests: `function(check, run, evidence)`."""
    return _register(PROBES, name)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def sent_id(exchange: Exchange) -> str:
    """The integration ID an exchange was sent for, decoded."""
    return unquote(str((exchange.case.path_parameters or {}).get("integration_id", "")))


def gather_evidence(run: Run) -> Evidence:
    """Send `--burst` simultaneous triggers of the user's integration, while it is idle.

    Their answers judge concurrency and the start of the sync lifecycle; without an
    INTEGRATION_ID there is no burst, and the evidence says why.
    """
    integration_id = run.options.integration_id
    if integration_id is None:
        return Evidence((), "no INTEGRATION_ID given")
    sender = run.sender
    cases = [run.case(integration_id, key=run.options.token) for _ in range(run.options.burst)]
    exchanges = sender.send_together(cases, label="simultaneous triggers")
    for _ in range(RATE_LIMIT_RETRIES):
        if not all(sender.is_rate_limited(exchange) for exchange in exchanges):
            break
        sender.wait_for_reset()
        exchanges = sender.send_together(cases, label="simultaneous triggers")
    if all(sender.is_rate_limited(exchange) for exchange in exchanges):
        return Evidence(tuple(exchanges), "rate limited on every attempt")
    answers = [exchange.status for exchange in exchanges]
    if all(status in {400, 404} for status in answers):
        raise CannotJudge(
            f"the server does not know INTEGRATION_ID {integration_id} ({answers[0]}); "
            "pass the ID of an existing integration."
        )
    return Evidence(tuple(exchanges), None)


# Observers.


@observer("response-conformance")
def response_conformance(check: Recorder, run: Run, exchange: Exchange) -> None:
    """Every answer's status, content type, headers and body conform to the document."""
    if exchange.response is None or exchange.case.method.upper() != run.operation.method.upper():
        return
    check.applied()
    failures: list[Failure] = []
    try:
        exchange.case.validate_response(exchange.response, checks=SCHEMA_CHECKS)
    except FailureGroup as group:
        failures.extend(group.exceptions)
    except Failure as single:
        failures.append(single)
    for failure in failures:
        check.fail(
            exchange,
            what=f"{failure.title} ({exchange.label})",
            expected=_one_line(failure.message) or "an answer the document describes",
        )


@observer("robustness")
def robustness(check: Recorder, run: Run, exchange: Exchange) -> None:
    """No request gets a 5xx or a dropped connection."""
    check.applied()
    if exchange.response is None:
        check.fail(exchange, what=f"No answer ({exchange.label})", expected="an HTTP answer")
    elif exchange.response.status_code >= 500:
        check.fail(
            exchange,
            what=f"Server error ({exchange.label})",
            expected="a documented 2xx or 4xx answer",
        )


@observer("rate-limit-headers")
def rate_limit_headers(check: Recorder, run: Run, exchange: Exchange) -> None:
    """X-RateLimit-* are integers, Remaining <= Limit and falls within a window, Reset is near."""
    response = exchange.response
    if response is None or exchange.status == 401:
        return
    present = [name for name in RATE_HEADERS if response.headers.get(name.lower())]
    if not present:
        return
    check.applied()
    values = {name: exchange.header_int(name) for name in present}
    broken = [name for name, value in values.items() if value is None]
    if broken:
        check.fail(
            exchange,
            what=f"{broken[0]} is not an integer ({exchange.label})",
            expected=f"{broken[0]}: a whole number",
            received=f"{broken[0]}: {response.headers[broken[0].lower()][0]}",
        )
        return
    if len(present) < len(RATE_HEADERS):
        return  # a missing required header is response-conformance's finding
    limit, remaining, reset = (int(values[name] or 0) for name in RATE_HEADERS)
    window = run.contract.trigger.rate_limit.window_seconds
    received = f"Limit {limit}, Remaining {remaining}, Reset {reset}"
    if remaining > limit:
        check.fail(
            exchange,
            what="X-RateLimit-Remaining exceeds X-RateLimit-Limit",
            expected="Remaining <= Limit",
            received=received,
        )
    earliest = exchange.sent_at - CLOCK_SKEW_SECONDS
    latest = exchange.sent_at + window + CLOCK_SKEW_SECONDS
    if not earliest <= reset <= latest:
        check.fail(
            exchange,
            what="X-RateLimit-Reset is not the end of the current window in epoch seconds",
            expected=f"between {int(earliest)} and {int(latest)} (now to now + {window} s)",
            received=received,
        )
    memory = run.rate_window
    if memory.first_limit is None:
        memory.first_limit = limit
    elif limit != memory.first_limit:
        check.fail(
            exchange,
            what="X-RateLimit-Limit changed during the run",
            expected=f"Limit {memory.first_limit} throughout",
            received=received,
        )
    if exchange.sequential:
        previous = memory.last_window
        if previous is not None and previous[1] == reset and 0 < previous[0] <= remaining:
            check.fail(
                exchange,
                what="X-RateLimit-Remaining did not fall within a window",
                expected=f"Remaining below {previous[0]} after one more request in the window",
                received=received,
            )
        memory.last_window = (remaining, reset)


# Probes, in the order they run: the lifecycle's follow-up comes first, while the burst's sync runs.


@probe("concurrency")
def concurrency(check: Recorder, run: Run, evidence: Evidence) -> None:
    """Simultaneous triggers for one idle integration start at most one sync."""
    if evidence.burst_missing is not None:
        check.skip(evidence.burst_missing)
        return
    check.applied()
    started = [exchange for exchange in evidence.burst if 200 <= (exchange.status or 0) < 300]
    if len(started) > 1:
        statuses = ", ".join(str(exchange.status) for exchange in evidence.burst)
        check.fail(
            started[1],
            what=f"{len(started)} of {len(evidence.burst)} simultaneous triggers started a sync",
            expected="at most one 202; the others 429 "
            + run.contract.messages.another_job_in_progress,
            received=statuses,
        )


@probe("sync-lifecycle")
def sync_lifecycle(check: Recorder, run: Run, evidence: Evidence) -> None:
    """A trigger while a sync runs gets the 429 that says a job is in progress, never a 202."""
    integration_id = run.options.integration_id
    if integration_id is None or evidence.burst_missing is not None:
        check.skip(evidence.burst_missing or "no INTEGRATION_ID given")
        return
    in_progress = run.contract.messages.another_job_in_progress
    for exchange in evidence.burst:
        _expect_trigger_answer(check, run, exchange)
    waited_before = run.sender.seconds_waited
    follow_up = run.sender.send(
        run.case(integration_id, key=run.options.token), label="trigger while the sync runs"
    )
    if run.sender.is_rate_limited(follow_up):
        run.note("sync-lifecycle: the trigger after the first was rate limited throughout")
        return
    strict = evidence.sync_started and run.sender.seconds_waited == waited_before
    if strict and follow_up.status is not None and 200 <= follow_up.status < 300:
        check.fail(
            follow_up,
            what="A second sync started while the first was running",
            expected=f"429 {in_progress}",
        )
        return
    if not strict and follow_up.status == 202:
        check.applied()
        return
    _expect_trigger_answer(check, run, follow_up, must_be_in_progress=True)


def _expect_trigger_answer(
    check: Recorder, run: Run, exchange: Exchange, *, must_be_in_progress: bool = False
) -> None:
    """A trigger of the real integration is 202, or 429 with the in-progress message."""
    messages = run.contract.messages
    in_progress = messages.another_job_in_progress
    if not run.sender.judgeable(exchange):
        return
    check.applied()
    if exchange.status == 202 and not must_be_in_progress:
        return
    if exchange.status == 429 and exchange.message == in_progress:
        return
    if exchange.status == 429 and exchange.message == messages.over_rate_limit:
        what = "A running sync was reported as the rate limit, though requests remain"
    else:
        what = "A trigger of a running integration got the wrong answer"
    check.fail(
        exchange,
        what=what,
        expected=f"429 {in_progress}" + ("" if must_be_in_progress else ", or 202"),
    )


@probe("authentication")
def authentication(check: Recorder, run: Run, evidence: Evidence) -> None:
    """A missing or unknown key is answered 401, never 403 and never 2xx."""
    unknown_key = f"conformance-unknown-key-{run.made_up_id()}"
    for label, key in (("no key", None), ("unknown key", unknown_key)):
        exchange = run.sender.send(run.case(run.target_id(), key=key), label=label)
        outcome = "accepted" if 200 <= (exchange.status or 0) < 300 else "not rejected with 401"
        _expect_status(
            check,
            run,
            exchange,
            status=401,
            what=f"A request with {label} was {outcome}",
            expected=f"401 {run.contract.messages.invalid_api_key}",
        )


@probe("permission")
def permission(check: Recorder, run: Run, evidence: Evidence) -> None:
    """A key without the operation's permission is answered 403."""
    if run.options.limited_token is None:
        check.skip("no LIMITED_TOKEN given")
        return
    exchange = run.sender.send(
        run.case(run.target_id(), key=run.options.limited_token), label="key lacking the permission"
    )
    _expect_status(
        check,
        run,
        exchange,
        status=403,
        what=f"A key without {run.contract.trigger.permission} was not refused with 403",
        expected=f"403 {run.contract.messages.access_denied}",
    )


def _expect_status(
    check: Recorder, run: Run, exchange: Exchange, *, status: int, what: str, expected: str
) -> None:
    """Judge a probe's answer by its status (unless it never came or was rate limited)."""
    if not run.sender.judgeable(exchange):
        return
    check.applied()
    if exchange.status != status:
        check.fail(exchange, what=what, expected=expected)


@probe("unknown-integration")
def unknown_integration(check: Recorder, run: Run, evidence: Evidence) -> None:
    """An integration ID that cannot exist never starts a sync: it gets 400 or 404."""
    made_up = [run.made_up_id(), f"conformance-made-up-{run.made_up_id()}"]
    examples = [value for value in run.contract.example_ids if value != run.options.integration_id]
    for integration_id in made_up + examples:
        exchange = run.sender.send(
            run.case(integration_id, key=run.options.token), label="made-up integration ID"
        )
        judge_unknown_id(run, exchange, strict=True)


def judge_unknown_id(run: Run, exchange: Exchange, *, strict: bool) -> None:
    """A 2xx for an ID other than the user's is a sync that should not exist.

    Strict (IDs made up by the suite): only 400 and 404 conform. Otherwise (generated IDs, which
    might by chance be real): only a 2xx is a finding. Recorded under `unknown-integration`,
    whichever step sent the request.
    """
    if not run.sender.judgeable(exchange) or sent_id(exchange) == run.options.integration_id:
        return
    check = run.recorder("unknown-integration")
    check.applied()
    messages = run.contract.messages
    started = 200 <= (exchange.status or 0) < 300
    if started or (strict and exchange.status not in {400, 404}):
        check.fail(
            exchange,
            what="A sync was started for an integration that cannot exist"
            if started
            else "A made-up integration ID was not refused with 400 or 404",
            expected=f"400 {messages.invalid_integration_id} "
            f"or 404 {messages.integration_not_found}",
        )


CHECKS: list[Check] = OBSERVERS + PROBES
