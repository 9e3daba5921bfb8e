"""The client's decisions, written once for the blocking and the asyncio client (no I/O here).

A flow is a generator: it yields `Send` (one request) or `Sleep`, and gets back the answer (an
`httpx.Response`, or the `httpx.TransportError` that stood in for one) or None after a sleep. The
drivers in `clients.py` do the sending and the sleeping, and log one line per attempt.

What the flows promise:
- transient failures (502, 503, 504, connection errors) of a read are retried with bounded
  exponential backoff and full jitter; a read over its rate limit waits for X-RateLimit-Reset;
- the trigger is never blindly repeated: only a request that never reached the server (the
  connection was refused) is sent again at once. After an answer whose effect is unknown (502,
  503, 504, a timeout or a cut connection) the job status is read first: if a new job is listed
  (the trigger's, or a scheduled sync's: no answer says which), the trigger is sent again only
  once that job has ended, and the job of the clear answer is the one reported; if none is, the
  trigger is tried again after the backoff;
- waiting polls the job status no faster than its documented rate limit allows, and ends at the
  timeout, with a last poll at it;
- the trigger's job is the one the job status did not list just before the trigger: a job that
  was listed then (ended or running) is never it, whatever the clocks say, and a job listed late
  is waited for.
"""

from __future__ import annotations

import json
import logging
import random
import re
from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

import httpx
from braze_cdi_client.api.cloud_data_ingestion import (
    list_integrations,
    list_job_sync_status,
    trigger_integration_sync,
)
from braze_cdi_client.contract_facts import (
    LIST_INTEGRATIONS_PERMISSION,
    LIST_JOB_SYNC_STATUS_PERMISSION,
    LIST_JOB_SYNC_STATUS_RATE_LIMIT,
    LIST_JOB_SYNC_STATUS_RATE_WINDOW_SECONDS,
    OVER_RATE_LIMIT_MESSAGE,
    TRIGGER_INTEGRATION_SYNC_PERMISSION,
    TRIGGER_INTEGRATION_SYNC_RATE_LIMIT,
    TRIGGER_INTEGRATION_SYNC_RATE_WINDOW_SECONDS,
)

from braze_cdi_sync.jobs import Integration, Job
from braze_cdi_sync.outcomes import (
    BrazeApiError,
    Outcome,
    RateLimit,
    RateLimited,
    SyncInProgress,
    SyncStarted,
    Unavailable,
    UnexpectedAnswer,
    api_error,
    error_message,
    interpret,
    json_body,
    shown,
)

log = logging.getLogger("braze_cdi_sync")
# What a long wait waits for, at least every PROGRESS_SECONDS (braze-cdi shows it without -v).
progress = logging.getLogger("braze_cdi_sync.progress")
PROGRESS_SECONDS = 30.0
QUIET_WAIT_SECONDS = PROGRESS_SECONDS  # a single wait this long is told as it starts
T = TypeVar("T")
TRANSIENT_STATUSES = frozenset({502, 503, 504})
# The status endpoint's documented pace: never poll faster than one request per this many seconds.
STATUS_INTERVAL_SECONDS = LIST_JOB_SYNC_STATUS_RATE_WINDOW_SECONDS / LIST_JOB_SYNC_STATUS_RATE_LIMIT
LINK_NEXT = re.compile(r'<(?P<url>[^<>]*)>\s*;\s*rel="?next"?')
IfRunning = Literal["wait", "fail"]


@dataclass(frozen=True)
class Send:
    """One request: keyword arguments for `httpx.Client.request`, and a label for the log."""

    request: dict[str, Any]
    label: str


@dataclass(frozen=True)
class Sleep:
    """A pause, and why. `whole`: a pause that is taken whole or not at all (a rate limit's
    reset): a driver whose deadline it would pass throws DeadlinePassed into the flow at once.
    """

    seconds: float
    reason: str
    whole: bool = False


Reply = httpx.Response | httpx.TransportError
Flow = Generator[Send | Sleep, Reply | None, T]


@dataclass(frozen=True)
class Retry:
    """Bounded exponential backoff with full jitter for transient failures."""

    attempts: int = 5
    base_seconds: float = 1.0
    max_seconds: float = 30.0
    jitter: Callable[[], float] = field(default=random.random, compare=False)

    def delay(self, attempt: int) -> float:
        """The pause after failed attempt number `attempt` (1-based): up to base * 2^(n-1)."""
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** (attempt - 1))
        return float(ceiling * self.jitter())


class EffectUnknown(Exception):
    """A trigger got no answer that says whether a sync started (502, 503, 504, or no answer)."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(describe(reply))
        self.reply = reply


class DeadlinePassed(Exception):
    """Thrown into a flow by its driver: the call's timeout has passed, or a whole pause would
    pass it. On its way out of a request's attempts it carries the last answer, if any.
    """

    def __init__(self, last: Reply | None = None, attempts: int = 0) -> None:
        super().__init__("the call's deadline passed")
        self.last = last
        self.attempts = attempts


class SyncAlreadyRunning(Exception):
    """A sync of the integration was running, and the caller asked not to wait for it."""


class WaitTimedOut(Exception):
    """The sync did not end before the timeout; `last_seen` is the job as last read, if any."""

    def __init__(self, message: str, last_seen: Job | None) -> None:
        super().__init__(message)
        self.last_seen = last_seen


def describe(reply: Reply) -> str:
    """A reply in a few words, for logs: its status and reason phrase, never the server's text
    (which may carry the key back) and never a header.
    """
    if isinstance(reply, httpx.TransportError):
        return f"no answer ({type(reply).__name__})"
    return f"{reply.status_code} {reply.reason_phrase}".strip()


def _never_arrived(reply: Reply) -> bool:
    """Whether the request cannot have reached the server (so repeating it is safe)."""
    return isinstance(reply, httpx.ConnectError | httpx.ConnectTimeout)


def _transient(reply: Reply) -> bool:
    return isinstance(reply, httpx.TransportError) or reply.status_code in TRANSIENT_STATUSES


def _over_rate_limit(reply: Reply) -> bool:
    if isinstance(reply, httpx.TransportError) or reply.status_code != 429:
        return False
    return error_message(reply, json_body(reply)) == OVER_RATE_LIMIT_MESSAGE


def attempts(
    send: Send,
    *,
    retry: Retry,
    clock: Callable[[], float],
    retryable: Callable[[Reply], bool],
    wait_out_rate_limit: bool,
) -> Flow[Reply]:
    """Send until an answer is not retryable or the attempts are spent; the last answer.

    A retryable answer is sent again after the backoff; with `wait_out_rate_limit`, an answer
    over the rate limit is sent again after the window's reset. A deadline that passes on the
    way leaves as DeadlinePassed with the last answer.
    """
    last: Reply | None = None
    tried = 0
    try:
        for attempt in range(1, retry.attempts + 1):
            reply = yield send
            assert reply is not None
            last, tried = reply, attempt
            final = attempt == retry.attempts
            if wait_out_rate_limit and _over_rate_limit(reply) and not final:
                assert isinstance(reply, httpx.Response)
                wait = RateLimit.from_headers(reply.headers).wait_seconds(clock())
                log.info("%s: over the rate limit; waiting %.1f s for the reset", send.label, wait)
                yield Sleep(wait, "the rate-limit reset", whole=True)
                continue
            if final or not retryable(reply):
                return reply
            delay = retry.delay(attempt)
            log.warning(
                "%s: %s; retrying in %.1f s (attempt %d of %d)",
                send.label,
                describe(reply),
                delay,
                attempt + 1,
                retry.attempts,
            )
            yield Sleep(delay, "a transient failure")
    except DeadlinePassed:
        raise DeadlinePassed(last, tried) from None
    raise AssertionError("unreachable: the last attempt returns")


def out_of_time(passed: DeadlinePassed, seconds: float) -> BrazeApiError:
    """The error of a call without a wait that its bound (`seconds`) ended: the last answer's
    (a 429 over the rate limit whose reset lies past the bound is RateLimitExceeded), else
    Unavailable.
    """
    within = f"within the call's bound of {seconds:g} s"
    last = passed.last
    if isinstance(last, httpx.Response) and not _transient(last):
        return _failure(last, f"the next try would pass the call's bound of {seconds:g} s")
    if last is None:
        return Unavailable(0, f"no complete answer {within}", headers=httpx.Headers())
    return _failure(last, f"{within}, after {passed.attempts} attempt(s)")


def read(send: Send, *, retry: Retry, clock: Callable[[], float]) -> Flow[httpx.Response]:
    """A read, retried through transient failures and its rate limit; BrazeApiError at the end."""
    reply = yield from attempts(
        send, retry=retry, clock=clock, retryable=_transient, wait_out_rate_limit=True
    )
    if _transient(reply):
        raise _failure(reply, f"after {retry.attempts} attempts")
    assert isinstance(reply, httpx.Response)
    return reply


def _failure(reply: Reply, when: str) -> BrazeApiError:
    if isinstance(reply, httpx.TransportError):
        return Unavailable(0, f"no answer {when} ({type(reply).__name__})", headers=httpx.Headers())
    body = json_body(reply)
    message = error_message(reply, body)
    if when and (_transient(reply) or reply.status_code == 429):
        message = f"{message} ({when})"
    return api_error(
        reply.status_code,
        message,
        headers=reply.headers,
        permission=_permission(str(reply.request.url.path)),
    )


def _permission(path: str) -> str:
    """The permission of the operation a request path belongs to."""
    if path.endswith("/job_sync_status"):
        return LIST_JOB_SYNC_STATUS_PERMISSION
    if path.endswith("/sync"):
        return TRIGGER_INTEGRATION_SYNC_PERMISSION
    return LIST_INTEGRATIONS_PERMISSION


def trigger(integration_id: str, *, retry: Retry, clock: Callable[[], float]) -> Flow[Outcome]:
    """One trigger: resent only if it never reached the server; EffectUnknown if unsure."""
    request = trigger_integration_sync._get_kwargs(integration_id=integration_id)
    send = Send(request, f"{request['method'].upper()} {request['url']}")
    reply = yield from attempts(
        send, retry=retry, clock=clock, retryable=_never_arrived, wait_out_rate_limit=False
    )
    if not _transient(reply):
        assert isinstance(reply, httpx.Response)
        return interpret(reply)
    if _never_arrived(reply):
        raise _failure(reply, f"after {retry.attempts} attempts")
    raise EffectUnknown(reply)


@dataclass(frozen=True)
class Page:
    """One page of a list: its items, and the request for the next page (None on the last)."""

    items: list[dict[str, Any]]
    next: Send | None


def page(send: Send, *, retry: Retry, clock: Callable[[], float]) -> Flow[Page]:
    """Read one page; the next page's request comes from the `Link` header, as given."""
    response = yield from read(send, retry=retry, clock=clock)
    body = json_body(response)
    if response.status_code != 200:
        raise _failure(response, "")
    items = body.get("results") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise UnexpectedAnswer(200, "a list answer without `results`", headers=response.headers)
    match = LINK_NEXT.search(response.headers.get("link", ""))
    following = None
    if match is not None:
        url = _same_origin(response, match["url"])
        following = Send({"method": "get", "url": url}, f"GET {url.split('?')[0]} (next page)")
    return Page([item for item in items if isinstance(item, dict)], following)


# The most pages one list is read to (10 items a page: 5,000 items).
MAX_PAGES = 500


def _same_origin(response: httpx.Response, link: str) -> str:
    """The next page's URL, resolved against the page it came on, if it stays on that page's
    origin (scheme, host and port); BrazeApiError otherwise, and nothing is sent there: the
    client's key goes to the configured origin only.
    """
    here = response.request.url
    there = here.join(link)
    if (there.scheme, there.host, there.port) != (here.scheme, here.host, here.port):
        shown = f"{there.scheme}://{there.host}" + (f":{there.port}" if there.port else "")
        raise UnexpectedAnswer(
            response.status_code,
            f"the Link header leads to another origin ({shown}); it was not followed, so the "
            "key stays with the configured host",
            headers=response.headers,
        )
    return str(there)


class Pages:
    """The pages of one list as they are followed: refuses a page seen twice, and more than
    MAX_PAGES, so a Link that loops cannot keep a reader forever.
    """

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def follow(self, page: Page) -> Send | None:
        """The next page's request, or None after the last page."""
        if page.next is None:
            return None
        url = str(page.next.request["url"])
        if url in self.seen or len(self.seen) >= MAX_PAGES:
            why = "came twice" if url in self.seen else f"is past {MAX_PAGES} pages"
            where = url.split("?", maxsplit=1)[0]
            raise UnexpectedAnswer(
                200, f"a list's next page ({where}) {why}", headers=httpx.Headers()
            )
        self.seen.add(url)
        return page.next


def first_integrations_page() -> Send:
    """The request for the first page of integrations."""
    request = list_integrations._get_kwargs()
    return Send(request, f"GET {request['url']}")


def first_jobs_page(integration_id: str) -> Send:
    """The request for the first page of an integration's jobs."""
    request = list_job_sync_status._get_kwargs(integration_id=integration_id)
    return Send(request, f"GET {request['url']}")


def integrations(items: list[dict[str, Any]]) -> list[Integration]:
    """A page's items as integrations."""
    return [Integration.from_item(item) for item in items]


def jobs(items: list[dict[str, Any]], *, of: str | None = None) -> list[Job]:
    """A page's items as jobs (of the integration, where given)."""
    return [Job.from_item(item, integration_id=of) for item in items]


def job_state(integration_id: str, *, retry: Retry, clock: Callable[[], float]) -> Flow[Job | None]:
    """The running job of the integration, reading page after page until one shows; None when
    every page was read and none runs.
    """
    send: Send | None = first_jobs_page(integration_id)
    pages = Pages()
    while send is not None:
        current = yield from page(send, retry=retry, clock=clock)
        running = next((job for job in jobs(current.items, of=integration_id) if job.running), None)
        if running is not None:
            return running
        send = pages.follow(current)
    return None


def job_key(job: Job) -> str:
    """What tells one job from another: its start time where it has one (it never changes), else
    its whole item (which no longer changes once the job has ended).
    """
    started = job.raw.get("sync_start_time")
    if isinstance(started, str) and started:
        return f"started {started}"
    return "item " + json.dumps(dict(job.raw), sort_keys=True, default=str)


@dataclass(frozen=True)
class Listed:
    """The jobs the job status listed before a trigger: how many of each key, and whether one
    was running.
    """

    keys: Counter[str]
    running: Job | None


def listed(integration_id: str, *, retry: Retry, clock: Callable[[], float]) -> Flow[Listed]:
    """Every job the job status lists now (every page)."""
    keys: Counter[str] = Counter()
    running: Job | None = None
    send: Send | None = first_jobs_page(integration_id)
    pages = Pages()
    while send is not None:
        current = yield from page(send, retry=retry, clock=clock)
        for job in jobs(current.items, of=integration_id):
            keys[job_key(job)] += 1
            running = running or (job if job.running else None)
        send = pages.follow(current)
    return Listed(keys, running)


def new_jobs(
    integration_id: str,
    before: Listed,
    *,
    retry: Retry,
    clock: Callable[[], float],
    every_page: bool = True,
) -> Flow[list[Job]]:
    """The jobs listed now that were not listed before the trigger: from every page, or (not
    `every_page`) from the first page that holds one, enough to know whether any is new.
    """
    seen: set[str] = set()
    send: Send | None = first_jobs_page(integration_id)
    pages = Pages()
    found: list[Job] = []
    while send is not None:
        current = yield from page(send, retry=retry, clock=clock)
        for job in jobs(current.items, of=integration_id):
            key = job_key(job)
            # A job listed twice (a listing that shifts between pages) is one job.
            if key not in before.keys and key not in seen:
                found.append(job)
            seen.add(key)
        if found and not every_page:
            break
        send = pages.follow(current)
    return found


def ours(new: list[Job]) -> Job | None:
    """The trigger's job among the new ones: a running one while it runs; once none runs, the
    first that started (a scheduled sync can only start after it ended). None if none is new.
    """
    if not new:
        return None
    running = [job for job in new if job.running]
    ended = [job for job in new if not job.running]
    if not ended:
        return running[0]
    return min(
        ended,
        key=lambda job: job.started_at or datetime.max.replace(tzinfo=UTC),
    )


@dataclass
class Waiting:
    """One wait for a sync: its deadline, and the job as last read."""

    integration_id: str
    timeout: float
    poll: float
    retry: Retry
    clock: Callable[[], float]
    deadline: float = 0.0
    last_seen: Job | None = None
    told: float = 0.0

    def __post_init__(self) -> None:
        self.deadline = self.clock() + self.timeout
        self.told = self.clock()
        self.poll = max(self.poll, STATUS_INTERVAL_SECONDS)

    def pause(self, seconds: float, reason: str, *, whole: bool = False) -> Sleep:
        """A sleep that ends by the deadline (so the last poll comes at it), or WaitTimedOut when
        the deadline has passed; `whole`: a wait that must be taken whole or not at all (the
        rate limit's reset), WaitTimedOut at once if it would pass the deadline.
        """
        left = self.deadline - self.clock()
        if left <= 0 or (whole and seconds > left):
            raise self.timed_out(reason)
        return Sleep(min(seconds, left), reason)

    def timed_out(self, reason: str) -> WaitTimedOut:
        """The timeout, with the job as last read."""
        return WaitTimedOut(
            f"no ended job of {self.integration_id} within {self.timeout:g} s ({reason})",
            self.last_seen,
        )

    def wait(self, seconds: float, reason: str, *, whole: bool = False) -> Flow[None]:
        """Sleep as `pause` allows, in steps of at most PROGRESS_SECONDS, telling the progress
        logger what it waits for whenever PROGRESS_SECONDS have passed without a word (and at
        the start of a wait that long).
        """
        step = self.pause(seconds, reason, whole=whole)
        left = step.seconds
        if left >= QUIET_WAIT_SECONDS:
            self.tell(f"waiting {left:.0f} s for {reason}")
        while left > 0:
            chunk = min(left, PROGRESS_SECONDS)
            yield Sleep(chunk, reason)
            left -= chunk
            if self.clock() - self.told >= PROGRESS_SECONDS:
                self.tell(f"still waiting for {reason}")

    def tell(self, what: str) -> None:
        """One progress line: what, the time elapsed, the time left until the timeout."""
        now = self.clock()
        self.told = now
        elapsed, left = now - (self.deadline - self.timeout), self.deadline - now
        progress.info(
            "%s (%s: %.0f s elapsed, %.0f s left of --timeout)",
            what,
            self.integration_id,
            elapsed,
            max(0.0, left),
        )

    def running(self) -> Flow[Job | None]:
        """The running job of the integration now; remembers it."""
        job = yield from job_state(self.integration_id, retry=self.retry, clock=self.clock)
        self.last_seen = job or self.last_seen
        return job


def sync_and_wait(
    integration_id: str,
    *,
    timeout: float,
    poll: float,
    if_running: IfRunning,
    retry: Retry,
    clock: Callable[[], float],
) -> Flow[Job]:
    """Trigger a sync and return the job once it has ended (see the module docstring).

    The trigger's job is the one the job status did not list before the trigger (never one
    guessed from clocks): a job listed late is waited for, up to the deadline.
    """
    waiting = Waiting(integration_id, timeout, poll, retry, clock)
    try:
        return (yield from _sync_and_wait(waiting, if_running=if_running))
    except DeadlinePassed:
        raise waiting.timed_out("the deadline passed during a request") from None


def _sync_and_wait(waiting: Waiting, *, if_running: IfRunning) -> Flow[Job]:
    integration_id, retry, clock = waiting.integration_id, waiting.retry, waiting.clock
    before = yield from start(waiting, if_running=if_running)
    key: str | None = None
    while True:
        yield from waiting.wait(waiting.poll, "the sync to end")
        if key is None:
            # Until the trigger's job is first seen, every page is read: the first of the new
            # jobs to start is the trigger's, wherever the server lists it.
            job = ours((yield from new_jobs(integration_id, before, retry=retry, clock=clock)))
            if job is not None and job_key(job).startswith("started "):
                key = job_key(job)
        else:
            # Then it is found by its start time, which never changes: where the server lists
            # newest first, on the first page, however long the history.
            job = yield from _find(integration_id, key, retry=retry, clock=clock)
        waiting.last_seen = job or waiting.last_seen
        if job is None:
            log.info("job of %s: not listed yet", integration_id)
        elif job.running:
            log.info("job of %s: %s", integration_id, shown(job.status))
        else:
            log.info(
                "job of %s ended: %s, %s rows synced, %s failed",
                integration_id,
                shown(job.status),
                job.rows_synced,
                job.rows_failed,
            )
            return job


def wait_for_running(
    integration_id: str, *, timeout: float, poll: float, retry: Retry, clock: Callable[[], float]
) -> Flow[Job | None]:
    """Wait for the sync that runs now (started by the schedule or a bare trigger) to end, and
    return its job as it ended; None when none runs.
    """
    waiting = Waiting(integration_id, timeout, poll, retry, clock)
    try:
        return (yield from _wait_for_running(waiting))
    except DeadlinePassed:
        raise waiting.timed_out("the deadline passed during a request") from None


def _wait_for_running(waiting: Waiting) -> Flow[Job | None]:
    integration_id, retry, clock = waiting.integration_id, waiting.retry, waiting.clock
    before = yield from listed(integration_id, retry=retry, clock=clock)
    if before.running is None:
        return None
    waiting.last_seen = before.running
    key = job_key(before.running)
    while True:
        yield from waiting.wait(waiting.poll, "the running sync to end")
        if key.startswith("started "):
            # Its start time tells it apart wherever it is listed.
            job = yield from _find(integration_id, key, retry=retry, clock=clock)
        else:
            # Without one, its item changes when it ends: the job new since the note is it.
            job = ours((yield from new_jobs(integration_id, before, retry=retry, clock=clock)))
            job = job or before.running
        if job is None:
            continue
        waiting.last_seen = job
        if not job.running:
            return job


def _find(
    integration_id: str, key: str, *, retry: Retry, clock: Callable[[], float]
) -> Flow[Job | None]:
    """The job with this key, reading pages until it shows."""
    send: Send | None = first_jobs_page(integration_id)
    pages = Pages()
    while send is not None:
        current = yield from page(send, retry=retry, clock=clock)
        for job in jobs(current.items, of=integration_id):
            if job_key(job) == key:
                return job
        send = pages.follow(current)
    return None


def _until_none_runs(waiting: Waiting) -> Flow[None]:
    """Poll until no job of the integration runs."""
    while True:
        yield from waiting.wait(waiting.poll, "the running sync to end")
        if (yield from waiting.running()) is None:
            return


def start(waiting: Waiting, *, if_running: IfRunning) -> Flow[Listed]:
    """Trigger until a sync of ours starts; the jobs listed just before that trigger."""
    integration_id, retry, clock = waiting.integration_id, waiting.retry, waiting.clock
    attempt = 0
    sent: list[float] = []
    window = float(TRIGGER_INTEGRATION_SYNC_RATE_WINDOW_SECONDS)
    while True:
        attempt += 1
        # Never more triggers in a window than the documented limit, whatever the server says
        # of its own limit. Waited before the note, so the note comes just before the trigger.
        sent = [moment for moment in sent if moment > clock() - window]
        if len(sent) >= TRIGGER_INTEGRATION_SYNC_RATE_LIMIT:
            wait = sent[0] + window - clock()
            yield from waiting.wait(wait, "the trigger's documented limit", whole=True)
        before = yield from listed(integration_id, retry=retry, clock=clock)
        if before.running is not None:
            # A job runs (the trigger would meet it): wait for it, then note the jobs again.
            outcome: Outcome = SyncInProgress("", RateLimit.from_headers(httpx.Headers()))
        else:
            sent.append(clock())
            try:
                outcome = yield from trigger(integration_id, retry=retry, clock=clock)
            except EffectUnknown as unknown:
                log.warning(
                    "trigger of %s: %s; reading the job status before trying again",
                    integration_id,
                    unknown,
                )
                if (
                    yield from new_jobs(
                        integration_id, before, retry=retry, clock=clock, every_page=False
                    )
                ):
                    # Ours, or a scheduled sync's that met the trigger: no answer says which.
                    # Never repeated while it runs; once it has ended, a trigger with a clear
                    # answer starts the job the wait reports.
                    log.info(
                        "trigger of %s: a new job is listed, whose start no answer confirms; "
                        "waiting for it to end, then triggering again",
                        integration_id,
                    )
                    yield from _until_none_runs(waiting)
                    continue
                yield from waiting.wait(
                    retry.delay(min(attempt, retry.attempts)), "a failed trigger"
                )
                continue
        if isinstance(outcome, SyncStarted):
            log.info("trigger of %s: sync started", integration_id)
            return before
        if isinstance(outcome, SyncInProgress):
            if if_running == "fail":
                raise SyncAlreadyRunning(f"a sync of {integration_id} is running")
            log.info("trigger of %s: a sync is running; waiting for it to end", integration_id)
            yield from _until_none_runs(waiting)
            continue
        assert isinstance(outcome, RateLimited)
        wait = outcome.rate_limit.wait_seconds(clock())
        log.info("trigger of %s: over the rate limit; waiting %.1f s", integration_id, wait)
        at = datetime.fromtimestamp(clock() + wait, UTC).strftime("%H:%M:%S UTC")
        yield from waiting.wait(wait, f"the trigger's rate limit to reset at {at}", whole=True)
