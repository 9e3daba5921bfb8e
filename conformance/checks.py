"""The checks: one per promise of the contract, each named, each with a one-line docstring.

Two kinds:
- observers judge every exchange of the run, whatever sent it (`OBSERVERS`);
- probes send their own requests and judge the answers (`PROBES`, in the order they run).
`CHECKS` lists them all; every check must have a faulty server that it catches (see
`conformance.servers`), which a test enforces.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conformance.run import CannotJudge, Run
from conformance.transport import RATE_LIMIT_RETRIES, Exchange

CLOCK_SKEW_SECONDS = 5
RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
SCHEMA_CHECKS: list[Any] = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@dataclass(frozen=True)
class Check:
    """A named promise and the function that holds a server to it."""

    name: str
    promise: str
    function: Callable[..., None]


OBSERVERS: list[Check] = []
PROBES: list[Check] = []


def _register(
    registry: list[Check], name: str
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def decorate(function: Callable[..., None]) -> Callable[..., None]:
        promise = (function.__doc__ or "").strip().splitlines()[0]
        registry.append(Check(name, promise, function))
        return function

    return decorate


def observer(name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a check that judges every exchange."""
    return _register(OBSERVERS, name)


def probe(name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a check that sends its own requests."""
    return _register(PROBES, name)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def sent_id(exchange: Exchange) -> str:
    """The integration ID an exchange was sent for, decoded."""
    return unquote(str((exchange.case.path_parameters or {}).get("integration_id", "")))


# Observers.


@observer("response-conformance")
def response_conformance(run: Run, exchange: Exchange) -> None:
    """Every answer's status, content type, headers and body conform to the document."""
    if (
        exchange.response is None
        or exchange.case.method.upper() != run.contract.operation.method.upper()
    ):
        return
    run.applied("response-conformance")
    failures: list[Failure] = []
    try:
        exchange.case.validate_response(exchange.response, checks=SCHEMA_CHECKS)
    except FailureGroup as group:
        failures.extend(group.exceptions)
    except Failure as single:
        failures.append(single)
    for failure in failures:
        run.fail(
            "response-conformance",
            exchange,
            what=f"{failure.title} ({exchange.label})",
            expected=_one_line(failure.message) or "an answer the document describes",
        )


@observer("robustness")
def robustness(run: Run, exchange: Exchange) -> None:
    """No request gets a 5xx or a dropped connection."""
    run.applied("robustness")
    if exchange.response is None:
        run.fail(
            "robustness",
            exchange,
            what=f"No answer ({exchange.label})",
            expected="an HTTP answer",
        )
    elif exchange.response.status_code >= 500:
        run.fail(
            "robustness",
            exchange,
            what=f"Server error ({exchange.label})",
            expected="a documented 2xx or 4xx answer",
        )


@observer("rate-limit-headers")
def rate_limit_headers(run: Run, exchange: Exchange) -> None:
    """X-RateLimit-* are integers, Remaining <= Limit and falls within a window, Reset is near."""
    response = exchange.response
    if response is None or exchange.status == 401:
        return
    present = [name for name in RATE_HEADERS if response.headers.get(name.lower())]
    if not present:
        return
    run.applied("rate-limit-headers")
    values = {name: exchange.header_int(name) for name in present}
    broken = [name for name, value in values.items() if value is None]
    if broken:
        run.fail(
            "rate-limit-headers",
            exchange,
            what=f"{broken[0]} is not an integer ({exchange.label})",
            expected=f"{broken[0]}: a whole number",
            received=f"{broken[0]}: {response.headers[broken[0].lower()][0]}",
        )
        return
    if len(present) < len(RATE_HEADERS):
        return  # a missing required header is response-conformance's finding
    limit, remaining, reset = (int(values[name] or 0) for name in RATE_HEADERS)
    window = run.contract.rate_window_seconds
    received = f"Limit {limit}, Remaining {remaining}, Reset {reset}"
    if remaining > limit:
        run.fail(
            "rate-limit-headers",
            exchange,
            what="X-RateLimit-Remaining exceeds X-RateLimit-Limit",
            expected="Remaining <= Limit",
            received=received,
        )
    earliest = exchange.sent_at - CLOCK_SKEW_SECONDS
    latest = exchange.sent_at + window + CLOCK_SKEW_SECONDS
    if not earliest <= reset <= latest:
        run.fail(
            "rate-limit-headers",
            exchange,
            what="X-RateLimit-Reset is not the end of the current window in epoch seconds",
            expected=f"between {int(earliest)} and {int(latest)} (now to now + {window} s)",
            received=received,
        )
    if run.first_limit is None:
        run.first_limit = limit
    elif limit != run.first_limit:
        run.fail(
            "rate-limit-headers",
            exchange,
            what="X-RateLimit-Limit changed during the run",
            expected=f"Limit {run.first_limit} throughout",
            received=received,
        )
    if exchange.sequential:
        previous = run.last_window
        if previous is not None and previous[1] == reset and 0 < previous[0] <= remaining:
            run.fail(
                "rate-limit-headers",
                exchange,
                what="X-RateLimit-Remaining did not fall within a window",
                expected=f"Remaining below {previous[0]} after one more request in the window",
                received=received,
            )
        run.last_window = (remaining, reset)


# Probes, in the order they run. The lifecycle comes first, while the integration is idle.


@probe("concurrency")
def concurrency(run: Run) -> None:
    """Simultaneous triggers for one idle integration start at most one sync."""
    integration_id = run.options.integration_id
    if integration_id is None:
        run.skip("concurrency", "no INTEGRATION_ID given")
        return
    cases = [run.case(integration_id, key=run.options.token) for _ in range(run.options.burst)]
    exchanges = run.sender.send_together(cases, label="simultaneous triggers")
    for _ in range(RATE_LIMIT_RETRIES):
        if not all(run.sender.is_rate_limited(exchange) for exchange in exchanges):
            break
        run.sender.wait_for_reset()
        exchanges = run.sender.send_together(cases, label="simultaneous triggers")
    run.burst = exchanges
    if all(run.sender.is_rate_limited(exchange) for exchange in exchanges):
        run.skip("concurrency", "rate limited on every attempt")
        return
    answers = [exchange.status for exchange in exchanges]
    if all(status in {400, 404} for status in answers):
        raise CannotJudge(
            f"the server does not know INTEGRATION_ID {integration_id} ({answers[0]}); "
            "pass the ID of an existing integration."
        )
    run.applied("concurrency")
    started = [exchange for exchange in exchanges if 200 <= (exchange.status or 0) < 300]
    if len(started) > 1:
        statuses = ", ".join(str(exchange.status) for exchange in exchanges)
        run.fail(
            "concurrency",
            started[1],
            what=f"{len(started)} of {len(exchanges)} simultaneous triggers started a sync",
            expected="at most one 202; the others 429 Another job is in progress",
            received=statuses,
        )


@probe("sync-lifecycle")
def sync_lifecycle(run: Run) -> None:
    """A trigger while a sync runs gets 429 'Another job is in progress', never a second 202."""
    integration_id = run.options.integration_id
    if integration_id is None:
        run.skip("sync-lifecycle", "no INTEGRATION_ID given")
        return
    if not run.burst or all(run.sender.is_rate_limited(exchange) for exchange in run.burst):
        run.skip("sync-lifecycle", "rate limited on every attempt")
        return
    in_progress = run.contract.in_progress_message
    for exchange in run.burst:
        _expect_trigger_answer(run, exchange)
    started = any(200 <= (exchange.status or 0) < 300 for exchange in run.burst)
    waited_before = run.sender.seconds_waited
    follow_up = run.sender.send(
        run.case(integration_id, key=run.options.token), label="trigger while the sync runs"
    )
    if run.sender.is_rate_limited(follow_up):
        run.note("sync-lifecycle: the trigger after the first was rate limited throughout")
        return
    strict = started and run.sender.seconds_waited == waited_before
    if strict and follow_up.status is not None and 200 <= follow_up.status < 300:
        run.fail(
            "sync-lifecycle",
            follow_up,
            what="A second sync started while the first was running",
            expected=f"429 {in_progress}",
        )
        return
    if not strict and follow_up.status == 202:
        run.applied("sync-lifecycle")
        return
    _expect_trigger_answer(run, follow_up, must_be_in_progress=True)


def _expect_trigger_answer(
    run: Run, exchange: Exchange, *, must_be_in_progress: bool = False
) -> None:
    """A trigger of the real integration is 202, or 429 with the in-progress message."""
    in_progress = run.contract.in_progress_message
    if not run.sender.judgeable(exchange):
        return
    run.applied("sync-lifecycle")
    if exchange.status == 202 and not must_be_in_progress:
        return
    if exchange.status == 429 and exchange.message == in_progress:
        return
    if exchange.status == 429 and exchange.message == run.contract.over_rate_limit_message:
        what = "A running sync was reported as the rate limit, though requests remain"
    else:
        what = "A trigger of a running integration got the wrong answer"
    run.fail(
        "sync-lifecycle",
        exchange,
        what=what,
        expected=f"429 {in_progress}" + ("" if must_be_in_progress else ", or 202"),
    )


@probe("authentication")
def authentication(run: Run) -> None:
    """A missing or unknown key is answered 401, never 403 and never 2xx."""
    unknown_key = f"conformance-unknown-key-{run.made_up_id()}"
    for label, key in (("no key", None), ("unknown key", unknown_key)):
        exchange = run.sender.send(run.case(run.target_id(), key=key), label=label)
        outcome = "accepted" if 200 <= (exchange.status or 0) < 300 else "not rejected with 401"
        _expect_status(
            run,
            "authentication",
            exchange,
            status=401,
            what=f"A request with {label} was {outcome}",
            expected="401 Invalid API key",
        )


@probe("permission")
def permission(run: Run) -> None:
    """A key without cdi.integration_sync is answered 403."""
    if run.options.limited_token is None:
        run.skip("permission", "no LIMITED_TOKEN given")
        return
    exchange = run.sender.send(
        run.case(run.target_id(), key=run.options.limited_token), label="key lacking the permission"
    )
    _expect_status(
        run,
        "permission",
        exchange,
        status=403,
        what=f"A key without {run.contract.permission} was not refused with 403",
        expected="403 Access Denied",
    )


def _expect_status(
    run: Run, check: str, exchange: Exchange, *, status: int, what: str, expected: str
) -> None:
    """Judge a probe's answer by its status (unless it never came or was rate limited)."""
    if not run.sender.judgeable(exchange):
        return
    run.applied(check)
    if exchange.status != status:
        run.fail(check, exchange, what=what, expected=expected)


@probe("unknown-integration")
def unknown_integration(run: Run) -> None:
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
    might by chance be real): only a 2xx is a finding.
    """
    if not run.sender.judgeable(exchange) or sent_id(exchange) == run.options.integration_id:
        return
    run.applied("unknown-integration")
    started = 200 <= (exchange.status or 0) < 300
    if started or (strict and exchange.status not in {400, 404}):
        run.fail(
            "unknown-integration",
            exchange,
            what="A sync was started for an integration that cannot exist"
            if started
            else "A made-up integration ID was not refused with 400 or 404",
            expected="400 Invalid integration ID or 404 Integration not found",
        )


CHECKS: list[Check] = OBSERVERS + PROBES
