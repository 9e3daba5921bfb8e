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

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import unquote

from braze_cdi_contract import Operation as ContractOperation
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.transport import HttpMethod
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from braze_cdi_conformance import invariants, judgements
from braze_cdi_conformance.evidence import (
    MAX_PAGES,
    Evidence,
    cursor_of,
    feed_invariants,
    page_link_problems,
    parse_link,
    read_all_pages,
    results,
)
from braze_cdi_conformance.run import Recorder, Run
from braze_cdi_conformance.transport import Case, Exchange, window_of

ODD_AUTHENTICATION_ID = "odd id \u00fc!"
OTHER_METHODS: tuple[HttpMethod, ...] = ("GET", "PUT", "PATCH", "DELETE")
F = TypeVar("F", bound=Callable[..., None])
SCHEMA_CHECKS: list[Any] = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


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
    return id_of(exchange.case)


def id_of(case: Case) -> str:
    """The integration ID of a request, decoded ("" when it has none)."""
    return unquote(str((case.path_parameters or {}).get("integration_id", "")))


# Observers.


@observer("response-conformance")
def response_conformance(check: Recorder, run: Run, exchange: Exchange) -> None:
    """Every answer's status, content type, headers and body conform to the document."""
    operation = exchange.case.operation
    if exchange.response is None or exchange.case.method.upper() not in run.contract.methods_at(
        operation.path
    ):
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
        bounds = run.sender.bounds
        check.fail(
            exchange,
            what=f"No complete answer ({exchange.label})",
            expected=f"an HTTP answer within {bounds.answer_seconds:g} s and "
            f"{bounds.max_answer_bytes:,} bytes",
            received=exchange.error or "nothing",
        )
    else:
        _record(check, exchange, judgements.server_error(exchange.response))


@observer("rate-limit-headers")
def rate_limit_headers(check: Recorder, run: Run, exchange: Exchange) -> None:
    """X-RateLimit-* are integers, Remaining <= Limit and falls within a window, Reset is near."""
    response = exchange.response
    if response is None or exchange.status == 401:
        return
    if not any(response.headers.get(name.lower()) for name in judgements.RATE_HEADERS):
        return
    check.applied()
    operation = run.contract.operation_at(exchange.case.method, exchange.case.operation.path)
    window = operation.rate_limit.window_seconds
    problems = judgements.rate_limit_problems(response, sent_at=exchange.sent_at, window=window)
    for problem in problems:
        _record(check, exchange, problem)
    values = [exchange.header_int(name) for name in judgements.RATE_HEADERS]
    if problems or None in values:
        return
    limit, remaining, reset = (int(value or 0) for value in values)
    # What one answer cannot show: the limit holds still and Remaining falls within a window.
    received = f"Limit {limit}, Remaining {remaining}, Reset {reset}"
    memory = run.rate_window(window_of(exchange.case))
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


@observer("too-many-requests")
def too_many_requests(check: Recorder, run: Run, exchange: Exchange) -> None:
    """A 429 says which it is: the in-progress message, or the rate limit with none remaining."""
    if exchange.status != 429 or exchange.response is None:
        return
    check.applied()
    case = exchange.case
    operation = judgements.documented_operation(run.contract, case.method, case.operation.path)
    problem = judgements.too_many_requests_problem(exchange.response, run.contract, operation)
    _record(check, exchange, problem)


@observer("no-reflected-key")
def no_reflected_key(check: Recorder, run: Run, exchange: Exchange) -> None:
    """No answer carries the key its request presented, in its body or its headers."""
    key = exchange.key_sent
    if exchange.response is None or key is None or len(key) < judgements.MIN_KEY_LENGTH:
        return
    check.applied()
    _record(check, exchange, judgements.reflected_key_problem(exchange.response, key))


@observer(invariants.JOB_CONSISTENCY)
def job_consistency(check: Recorder, run: Run, exchange: Exchange) -> None:
    """No job finishes before it starts or runs once ended; one runs at a time, one per 202."""
    _record_invariants(check, run, exchange)


@observer(invariants.INTEGRATION_LISTED)
def integration_listed(check: Recorder, run: Run, exchange: Exchange) -> None:
    """The list of integrations holds every integration the same key triggers or reads jobs of."""
    _record_invariants(check, run, exchange)


def _record_invariants(check: Recorder, run: Run, exchange: Exchange) -> None:
    """Record what the exchange showed the invariants (`invariants.py`) under this check's name."""
    judged = _invariants_judged(run, exchange)
    if check.name in judged.judged:
        check.applied()
    for finding in judged.findings:
        if finding.check == check.name:
            check.fail(
                finding.ref,
                what=f"{finding.what} ({finding.ref.label})",
                expected=finding.expected,
                received=finding.received,
            )


def _invariants_judged(run: Run, exchange: Exchange) -> invariants.Judged[Exchange]:
    """What the exchange showed the run's invariants: fed once, read by each of their checks."""
    cached = run.invariants_judged
    if cached is not None and cached[0] is exchange:
        return cached[1]
    judged = _feed_invariants(run, exchange)
    run.invariants_judged = (exchange, judged)
    return judged


def _feed_invariants(run: Run, exchange: Exchange) -> invariants.Judged[Exchange]:
    case = exchange.case
    if exchange.key_sent is None or not exchange.sent:
        return invariants.Judged()
    operation = run.contract.operation_at(case.method, case.operation.path)
    if case.method.upper() != operation.method:
        return invariants.Judged()
    sent, received = _monotonic_times(exchange)
    return feed_invariants(
        run.invariants,
        run.contract,
        exchange,
        operation_id=operation.operation_id,
        integration_id=sent_id(exchange),
        sent=sent,
        received=received,
    )


def _monotonic_times(exchange: Exchange) -> tuple[float, float]:
    """When the request went and its answer came, on the monotonic clock (derived from the wall
    clock's `sent_at` for an exchange not timed so, judged as its answer comes).
    """
    if exchange.sent_monotonic is not None and exchange.received_monotonic is not None:
        return exchange.sent_monotonic, exchange.received_monotonic
    now = time.monotonic()
    return now - max(0.0, time.time() - exchange.sent_at), now


def _record(check: Recorder, exchange: Exchange, problem: judgements.Problem | None) -> None:
    """Record a judgement's problem, if any, naming the step that sent the request."""
    if problem is not None:
        check.fail(
            exchange,
            what=f"{problem.what} ({exchange.label})",
            expected=problem.expected,
            received=problem.received,
        )


# Probes, in the order they run; what the suite gathered before them arrives as `evidence`.


@probe("documented-request")
def documented_request(check: Recorder, run: Run, evidence: Evidence) -> None:
    """Braze's documented request starts a sync, with or without its Content-Type header."""
    if evidence.missing is not None:
        check.skip(evidence.missing)
        return
    if evidence.started is not None:
        check.applied()
    else:
        refused = next(
            (ex for ex in evidence.burst if run.sender.judgeable(ex) and ex.status != 429), None
        )
        if refused is None:
            check.skip("no answer to the documented request could be judged")
            return
        check.fail(
            refused,
            what="Braze's documented request (the contract's curl sample) was not accepted",
            expected=f"202, or 429 {run.contract.messages.another_job_in_progress}",
        )
    follow_up = evidence.follow_up
    if follow_up is not None and run.sender.judgeable(follow_up):
        check.applied()
        if not follow_up.succeeded and follow_up.status != 429:
            check.fail(
                follow_up,
                what="The documented request without Content-Type was refused",
                expected=f"429 {run.contract.messages.another_job_in_progress} "
                "(the request has no body, so the header is optional)",
            )


@probe("concurrency")
def concurrency(check: Recorder, run: Run, evidence: Evidence) -> None:
    """Simultaneous triggers for one idle integration start at most one sync."""
    if evidence.missing is not None:
        check.skip(evidence.missing)
        return
    if evidence.started is None:
        check.skip("no trigger of the integration was accepted, so no sync was seen to start")
        return
    if not evidence.simultaneous:
        check.skip(
            "the integration was syncing when the run started, so the simultaneous triggers "
            "met a running sync"
        )
        return
    check.applied()
    started = [exchange for exchange in evidence.burst if exchange.succeeded]
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
    if evidence.missing is not None:
        check.skip(evidence.missing)
        return
    for exchange in evidence.burst:
        _judge_trigger_answer(check, run, exchange)
    follow_up = evidence.follow_up
    if evidence.started is None or follow_up is None:
        if check.state.total_findings == 0:
            check.skip("no trigger of the integration was accepted, so no sync was seen running")
        return
    check.applied()  # a sync was seen to start
    if run.sender.is_rate_limited(follow_up):
        run.note("sync-lifecycle: the trigger after the first was rate limited throughout")
    elif not evidence.follow_up_waited and follow_up.succeeded:
        check.fail(
            follow_up,
            what="A second sync started while the first was running",
            expected=f"429 {run.contract.messages.another_job_in_progress}",
        )
    elif not (evidence.follow_up_waited and follow_up.status == 202):
        # (after a wait for the rate limit, the first sync may have ended: a 202 is fine then)
        _judge_trigger_answer(check, run, follow_up, must_be_in_progress=True)


def _judge_trigger_answer(
    check: Recorder, run: Run, exchange: Exchange, *, must_be_in_progress: bool = False
) -> None:
    """A trigger of the real integration is 202, or 429 with the in-progress message; a finding
    otherwise (unless no answer came or it was the rate limit).
    """
    messages = run.contract.messages
    in_progress = messages.another_job_in_progress
    if not run.sender.judgeable(exchange):
        return
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
    """A missing or unknown key is answered 401 for any ID, before any lookup; never 403 or 2xx."""
    unknown_key = f"conformance-unknown-key-{run.made_up_id()}"
    targets = [("a made-up ID", run.made_up_id()), ("an odd ID", ODD_AUTHENTICATION_ID)]
    if run.options.integration_id is not None:
        targets.insert(0, ("the real ID", run.options.integration_id))
    keys = [("no key", None), ("an unknown key", unknown_key)]
    # Compact: each ID once, the two kinds of key taking turns.
    pairs = (
        [(target, keys[index % 2]) for index, target in enumerate(targets)]
        if run.compact
        else [(target, key) for target in targets for key in keys]
    )
    for (where, integration_id), (label, key) in pairs:
        exchange = run.sender.send(run.case(integration_id, key=key), label=f"{label} for {where}")
        outcome = "accepted" if exchange.succeeded else "not rejected with 401"
        _expect_status(
            check,
            run,
            exchange,
            status=401,
            what=f"A request with {label} for {where} was {outcome}",
            expected=f"401 {run.contract.messages.invalid_api_key}",
        )


@probe("permission")
def permission(check: Recorder, run: Run, evidence: Evidence) -> None:
    """Each operation asks for its own permission: a key without it is answered 403, with it not."""
    limited = run.options.limited_token
    if limited is None:
        check.skip("no LIMITED_TOKEN given")
        return
    trigger = run.contract.trigger
    # For a made-up ID a server may look the ID up before it checks the permission, so 400 and
    # 404 conform there too; only the real ID leaves it no choice but 403. Compact: the real ID.
    real = run.options.integration_id
    targets = [run.target_id()] if run.compact else [run.made_up_id(), run.target_id()]
    for integration_id in dict.fromkeys(targets):
        exchange = run.sender.send(
            run.case(integration_id, key=limited), label="key lacking the trigger's permission"
        )
        if integration_id != real and exchange.status in {400, 404}:
            if real is None:
                run.note(
                    "permission: a made-up ID was answered before the permission was checked; "
                    "give INTEGRATION_ID to judge the trigger's permission"
                )
            continue
        _expect_status(
            check,
            run,
            exchange,
            status=403,
            what=f"A key without {trigger.permission} was not refused with 403",
            expected=f"403 {run.contract.messages.access_denied}",
        )
    has = run.options.limited_permissions
    if has is None:
        run.note(
            "permission: the reads were not tried with LIMITED_TOKEN (say which permissions it "
            "has with --limited-permissions)"
        )
        return
    reads: list[tuple[ContractOperation, str | None]] = [
        (run.contract.list_integrations, None),
        (run.contract.job_sync_status, run.target_id()),
    ]
    for operation, read_id in reads:
        exchange = run.sender.send(
            run.read_case(operation.operation_id, key=limited, integration_id=read_id),
            label=f"LIMITED_TOKEN on {operation.operation_id}",
        )
        if not run.sender.judgeable(exchange):
            continue
        check.applied()
        if operation.permission in has and exchange.status in {401, 403}:
            check.fail(
                exchange,
                what=f"A key with {operation.permission} was refused by {operation.operation_id}",
                expected=f"an answer other than 401 or 403: the key has {operation.permission}, "
                "the one permission this operation asks for",
            )
        elif operation.permission not in has and exchange.status != 403:
            check.fail(
                exchange,
                what=f"A key without {operation.permission} was not refused with 403 by "
                f"{operation.operation_id}",
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


@probe("undocumented-methods")
def undocumented_methods(check: Recorder, run: Run, evidence: Evidence) -> None:
    """A method the document does not list never succeeds or starts a sync; 404 and 405 conform."""
    documented = run.contract.methods_at(run.contract.trigger.path)
    answers = []
    in_progress = run.contract.messages.another_job_in_progress
    targets = [("a made-up ID", run.made_up_id())]
    if run.options.integration_id is not None:
        targets.append(("the real ID", run.options.integration_id))
    if run.compact:
        targets = targets[-1:]  # the real ID, where a method that triggers would show it
    for method in OTHER_METHODS:
        if method in documented:
            continue
        for where, integration_id in targets:
            exchange = run.sender.send(
                run.case(integration_id, key=run.options.token, method=method),
                label=f"{method} for {where}",
            )
            if not exchange.sent:
                continue
            answers.append(f"{method} {exchange.status if exchange.status else exchange.error}")
            if not run.sender.judgeable(exchange):
                continue
            check.applied()
            if exchange.succeeded or (exchange.status == 429 and exchange.message == in_progress):
                check.fail(
                    exchange,
                    what=f"{method}, which the document does not list, was answered as a trigger",
                    expected="404 or 405, and no sync",
                )
    run.note("undocumented methods answered: " + ", ".join(dict.fromkeys(answers)))


@probe("unknown-integration")
def unknown_integration(check: Recorder, run: Run, evidence: Evidence) -> None:
    """An integration ID that cannot exist never starts a sync: it gets 400 or 404."""
    made_up = [run.made_up_id(), f"conformance-made-up-{run.made_up_id()}"]
    if run.compact:
        made_up = made_up[1:]  # the preflight's made-up ID was a UUID
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
    if exchange.succeeded or (strict and exchange.status not in {400, 404}):
        check.fail(
            exchange,
            what="A sync was started for an integration that cannot exist"
            if exchange.succeeded
            else "A made-up integration ID was not refused with 400 or 404",
            expected=f"400 {messages.invalid_integration_id} "
            f"or 404 {messages.integration_not_found}",
        )


@probe("job-status")
def job_status(check: Recorder, run: Run, evidence: Evidence) -> None:
    """After a 202 the job status shows a running job, then an ended one; then triggers start."""
    if evidence.missing is not None:
        check.skip(evidence.missing)
        return
    if evidence.started is None or not evidence.status_while_running:
        check.skip("no trigger of the integration was accepted, so no sync was seen to start")
        return
    pages = list(evidence.status_while_running)
    if pages[0].status in {401, 403}:
        check.skip(
            f"TOKEN may not read the job status ({pages[0].status}); give it "
            f"{run.contract.job_sync_status.permission} to check it"
        )
        return
    jobs = _jobs_of(check, run, pages, when="right after a sync started")
    if jobs is None:
        return
    running = _running(run, jobs)
    if not running:
        late = _wait_for_listing(check, run)
        if late is None:
            return
        pages, jobs = late
        running = _running(run, jobs)
    check.applied()
    if not running:
        check.fail(
            pages[0],
            what=f"The job status showed no running job within {JOB_GRACE_SECONDS:g} s after a "
            "trigger was answered 202",
            expected="a job with job_status " + " or ".join(sorted(run.contract.jobs.running)),
            received=_statuses(jobs),
        )
        return
    if run.compact:
        run.note("job-status: with a budget, the end of the sync was not awaited")
        return
    started_at = running[0].get("sync_start_time")
    ended = _wait_for_end(check, run, started_at)
    if ended is None:
        return
    seen_ended = time.monotonic()
    integration_id = run.options.integration_id or ""
    exchange = run.sender.send(
        run.documented_case(integration_id),
        label="Braze's documented request, after the job status showed the sync ended",
    )
    if not run.sender.judgeable(exchange):
        return
    check.applied()
    in_progress = run.contract.messages.another_job_in_progress
    if exchange.status == 429 and exchange.message == in_progress:
        check.fail(
            exchange,
            what=f"A trigger got 429 {in_progress} though the job status shows no running job",
            expected="202: the job status says the last sync ended "
            f"({ended.get('job_status')}), so nothing is in progress",
        )
        return
    # One more read, a while after the end: the ended job must still show ended (job-consistency
    # judges it, as every read), whatever the new trigger started.
    left = ENDED_RECHECK_SECONDS - (time.monotonic() - seen_ended)
    if left > 0:
        run.sender.wait(left, reason="to read the ended job once more")
    read_all_pages(
        run,
        run.contract.job_sync_status.operation_id,
        integration_id=integration_id,
        label="the job status, a while after the sync ended",
        max_pages=MAX_PAGES,
    )


JOB_POLL_SECONDS = 1.0
# How long after the job status first showed the sync ended the suite reads it once more: an ended
# job never shows another status later, and a read right after the end could not see it come back.
ENDED_RECHECK_SECONDS = 3.0
# How long a started sync may take to show in the job status (Braze promises no immediacy; a
# server with a queue may list it a moment later). Read at JOB_POLL_SECONDS, well within the
# job status's limit; with a budget, two more reads.
JOB_GRACE_SECONDS = 10.0
COMPACT_GRACE_READS = 2


def _running(run: Run, jobs: list[dict[str, object]]) -> list[dict[str, object]]:
    return [job for job in jobs if job.get("job_status") in run.contract.jobs.running]


def _wait_for_listing(
    check: Recorder, run: Run
) -> tuple[list[Exchange], list[dict[str, object]]] | None:
    """Read the job status until it shows a running job, for at most JOB_GRACE_SECONDS: the last
    pages and their jobs (None when they could not be read, recorded).
    """
    deadline = time.monotonic() + JOB_GRACE_SECONDS
    reads = 0
    while True:
        run.sender.wait(JOB_POLL_SECONDS, reason="for the started sync to show in the job status")
        reads += 1
        pages = read_all_pages(
            run,
            run.contract.job_sync_status.operation_id,
            integration_id=run.options.integration_id,
            label="the job status, for the started sync to show",
            max_pages=2 if run.compact else MAX_PAGES,
        )
        jobs = _jobs_of(check, run, pages, when="while waiting for the started sync to show")
        if jobs is None:
            return None
        done = _running(run, jobs) or time.monotonic() >= deadline
        if done or (run.compact and reads >= COMPACT_GRACE_READS):
            if _running(run, jobs):
                run.note(f"job-status: the started sync showed in the job status after {reads} s")
            return pages, jobs


def _wait_for_end(check: Recorder, run: Run, started_at: object) -> dict[str, object] | None:
    """Read the job status until no job runs; the job that ended, or None (reported).

    Every CONTRADICTION_PROBE_SECONDS while a job shows running, Braze's documented request is
    sent: it must meet that job (429 in progress). A 202 means the server started a sync; if the
    job status then still shows the earlier job running, or two jobs running, the two answers
    contradict each other (only one sync of an integration runs at a time), and that is a finding
    now, not after Braze's unpromised duration. If the earlier job had ended, the new sync is
    waited for in its place.
    """
    deadline = time.monotonic() + run.options.job_wait_seconds
    probed = time.monotonic()
    while True:
        pages, jobs = _read_jobs(check, run, wait=True)
        if jobs is None:
            return None
        running = _running(run, jobs)
        if not running:
            break
        if time.monotonic() >= deadline:
            run.note(
                f"job-status: the sync was still running after {run.options.job_wait_seconds:g} s "
                "(--job-wait; Braze promises no duration), so its end was not judged"
            )
            return None
        if time.monotonic() - probed < CONTRADICTION_PROBE_SECONDS:
            continue
        probed = time.monotonic()
        outcome = _trigger_while_running(check, run, started_at)
        if outcome is None:
            return None
        started_at = outcome
    check.applied()
    same = [
        job for job in jobs if started_at is not None and job.get("sync_start_time") == started_at
    ]
    if started_at is not None and not same:
        check.fail(
            pages[0],
            what="The job seen running is gone from the job status",
            expected=f"a job with sync_start_time {started_at} and an ended job_status",
            received=_statuses(jobs),
        )
        return None
    return same[0] if same else jobs[0] if jobs else {}


# While a job shows running, how often the suite checks that a trigger meets it.
CONTRADICTION_PROBE_SECONDS = 15.0


def _read_jobs(
    check: Recorder, run: Run, *, wait: bool
) -> tuple[list[Exchange], list[dict[str, object]] | None]:
    if wait:
        run.sender.wait(
            JOB_POLL_SECONDS, reason="for the sync the suite started to end (--job-wait)"
        )
    pages = read_all_pages(
        run,
        run.contract.job_sync_status.operation_id,
        integration_id=run.options.integration_id,
        label="the job status, waiting for the sync to end",
        max_pages=MAX_PAGES,
    )
    return pages, _jobs_of(check, run, pages, when="while the sync ran")


def _trigger_while_running(check: Recorder, run: Run, started_at: object) -> object | None:
    """Send the documented request while the job status shows a job running. The start time of
    the job to wait for next (the same, or the one the trigger started); None when the answers
    contradict each other (recorded) or the job status could not be read.
    """
    exchange = run.sender.send(
        run.documented_case(run.options.integration_id or ""),
        label="Braze's documented request, while the job status shows a job running",
    )
    if not (run.sender.judgeable(exchange) and exchange.succeeded):
        return started_at
    _, jobs = _read_jobs(check, run, wait=False)
    if jobs is None:
        return None
    running = _running(run, jobs)
    still = [
        job
        for job in running
        if started_at is not None and job.get("sync_start_time") == started_at
    ]
    if len(running) > 1 or still:
        check.applied()
        check.fail(
            exchange,
            what="A trigger was answered 202 while the job status showed a sync of the "
            "integration running",
            expected=f"429 {run.contract.messages.another_job_in_progress} while a job runs (one "
            "sync at a time), or a job status that shows the earlier job ended",
            received=f"202, then the job status: {_statuses(jobs)} ({len(running)} running)",
        )
        return None
    return running[0].get("sync_start_time") if running else started_at


def _jobs_of(
    check: Recorder, run: Run, pages: tuple[Exchange, ...] | list[Exchange], *, when: str
) -> list[dict[str, object]] | None:
    """Every job on the pages, or None after recording why they could not be read."""
    jobs: list[dict[str, object]] = []
    for page in pages:
        if not run.sender.judgeable(page):
            return None
        items = results(page)
        if items is None:
            check.fail(
                page,
                what=f"The job status of the integration could not be read {when}",
                expected="200 with the integration's jobs in `results`",
            )
            return None
        jobs += items
    return jobs


def _statuses(jobs: list[dict[str, object]]) -> str:
    shown = ", ".join(str(job.get("job_status")) for job in jobs[:10])
    return f"job_status values: {shown or 'no job at all'}"


BAD_CURSOR = "conformance-not-a-cursor"


@probe("paging")
def paging(check: Recorder, run: Run, evidence: Evidence) -> None:
    """Lists come in full pages (fewer only on the last), linked by Link prev/next, items once."""
    contract = run.contract
    lists: list[tuple[str, str, str | None]] = [
        ("the integrations", contract.list_integrations.operation_id, None)
    ]
    if run.options.integration_id is not None:
        lists.append(
            ("the jobs", contract.job_sync_status.operation_id, run.options.integration_id)
        )
    for name, operation_id, integration_id in lists:
        pages = read_all_pages(
            run,
            operation_id,
            integration_id=integration_id,
            label=f"the list of {name}",
            max_pages=2 if run.compact else MAX_PAGES,
        )
        _judge_pages(
            check, run, name, pages, identity="integration_id" if integration_id is None else None
        )
        if len(pages) >= 2 and integration_id is None and not run.compact:
            # (jobs may end between two reads, which changes their items: integrations only)
            _judge_prev(check, run, name=name, pages=pages, operation_id=operation_id)
    exchange = run.sender.send(
        run.read_case(
            contract.list_integrations.operation_id, key=run.options.token, cursor=BAD_CURSOR
        ),
        label="a cursor the server never gave",
    )
    if run.sender.judgeable(exchange) and exchange.status not in {401, 403}:
        check.applied()
        if exchange.status != 400:
            check.fail(
                exchange,
                what="A cursor the server never gave was not refused with 400",
                expected=f"400 {contract.messages.invalid_cursor}",
            )


def _judge_pages(
    check: Recorder, run: Run, name: str, pages: list[Exchange], *, identity: str | None
) -> None:
    size = run.contract.jobs.page_size
    seen: set[str] = set()
    for number, page in enumerate(pages, start=1):
        if not run.sender.judgeable(page):
            return
        if page.status in {401, 403}:
            run.note(f"paging: TOKEN may not read {name} ({page.status})")
            return
        items = results(page)
        if items is None:
            return  # response-conformance judges an answer that is not a page
        check.applied()
        links = parse_link(page)
        where = f"page {number} of {name}"
        if links is None:
            check.fail(
                page,
                what=f"The Link header of {where} cannot be read",
                expected='<URL>; rel="prev", <URL>; rel="next"',
            )
            return
        for problem in page_link_problems(
            links, count=len(items), page_size=size, base_url=run.options.base_url, where=where
        ):
            what, expected, received = problem.what, problem.expected, problem.received
            check.fail(page, what=what, expected=expected, received=received)
        if number == 1 and "prev" in links:
            check.fail(
                page,
                what=f"The first page of {name} names a previous page",
                expected='no rel="prev" on a request without cursor',
                received=str(links),
            )
        if number > 1 and "prev" not in links:
            check.fail(
                page,
                what=f"{where.capitalize()} names no previous page",
                expected='rel="prev" after the first page',
                received=str(links) or "no Link header",
            )
        for item in items:
            key = str(item.get(identity)) if identity else json.dumps(item, sort_keys=True)
            if key in seen:
                check.fail(
                    page,
                    what=f"An item of {name} came twice while paging",
                    expected="every item once",
                    received=key[:120],
                )
            seen.add(key)
    if len(pages) >= MAX_PAGES:
        run.note(f"paging: read the first {MAX_PAGES} pages of {name} only")


def _judge_prev(
    check: Recorder, run: Run, *, name: str, pages: list[Exchange], operation_id: str
) -> None:
    """The second page's previous link leads back to the first page's items."""
    links = parse_link(pages[1]) or {}
    cursor = cursor_of(links.get("prev"))
    first = results(pages[0])
    if cursor is None or first is None:
        return
    exchange = run.sender.send(
        run.read_case(operation_id, key=run.options.token, cursor=cursor),
        label=f"the list of {name}, back to page 1",
    )
    back = results(exchange)
    if back is None or not run.sender.judgeable(exchange):
        return
    check.applied()
    # Integrations by ID: their other fields (the last job) may change between the two reads.
    if [item.get("integration_id") for item in back] != [
        item.get("integration_id") for item in first
    ]:
        check.fail(
            exchange,
            what=f"The previous link of page 2 of {name} does not lead to page 1",
            expected="the integrations of the first page, in its order",
        )


CHECKS: list[Check] = OBSERVERS + PROBES
