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
- the trigger's job is the first job to start of those the job status did not list just before
  the trigger: a job that was listed then (ended or running) is never it, whatever the clocks
  say, and a job listed late is waited for;
- what a wait reads does not grow with the history (see `note`): where the job status lists the
  newest first, one page before the trigger and one page a poll; otherwise the whole list, if it
  fits in NOTE_PAGES pages, and then the last page a poll; else the wait ends before its
  trigger (HistoryOutOfReach);
- no client spends more than BUDGET_SHARE of an operation's documented rate limit in any window
  of it (`Budget`, applied by `paced`): a wait that would need more slows down instead;
- a 202 is a started sync, whatever follows its status line (a body cut short or not JSON,
  broken framing, another Content-Type): one warning says what was odd, and the trigger is not
  sent again.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import random
import re
import threading
from collections import deque
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
    LIST_INTEGRATIONS_RATE_LIMIT,
    LIST_INTEGRATIONS_RATE_WINDOW_SECONDS,
    LIST_JOB_SYNC_STATUS_PERMISSION,
    LIST_JOB_SYNC_STATUS_RATE_LIMIT,
    LIST_JOB_SYNC_STATUS_RATE_WINDOW_SECONDS,
    OVER_RATE_LIMIT_MESSAGE,
    PAGE_SIZE,
    TRIGGER_INTEGRATION_SYNC_PERMISSION,
    TRIGGER_INTEGRATION_SYNC_RATE_LIMIT,
    TRIGGER_INTEGRATION_SYNC_RATE_WINDOW_SECONDS,
)

from braze_cdi_sync.jobs import Integration, Job, parse_time
from braze_cdi_sync.outcomes import (
    BrazeApiError,
    Outcome,
    Progress,
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
# What a user must hear of even when the call goes well (braze-cdi shows it without -v): a 202
# whose answer was odd after its status line.
notice = logging.getLogger("braze_cdi_sync.notice")
PROGRESS_SECONDS = 30.0
QUIET_WAIT_SECONDS = PROGRESS_SECONDS  # a single wait this long is told as it starts
T = TypeVar("T")
TRANSIENT_STATUSES = frozenset({502, 503, 504})
LINK_NEXT = re.compile(r'<(?P<url>[^<>]*)>\s*;\s*rel="?next"?')
IfRunning = Literal["wait", "fail"]

# The operations, by the generated client's module names, with their documented rate limits.
TRIGGER = trigger_integration_sync.__name__.rsplit(".", 1)[-1]
LIST = list_integrations.__name__.rsplit(".", 1)[-1]
STATUS = list_job_sync_status.__name__.rsplit(".", 1)[-1]
RATE_LIMITS = {
    TRIGGER: (TRIGGER_INTEGRATION_SYNC_RATE_LIMIT, TRIGGER_INTEGRATION_SYNC_RATE_WINDOW_SECONDS),
    LIST: (LIST_INTEGRATIONS_RATE_LIMIT, LIST_INTEGRATIONS_RATE_WINDOW_SECONDS),
    STATUS: (LIST_JOB_SYNC_STATUS_RATE_LIMIT, LIST_JOB_SYNC_STATUS_RATE_WINDOW_SECONDS),
}
OPERATION_NAMES = {
    TRIGGER: "the trigger",
    LIST: "the list of integrations",
    STATUS: "the job status",
}
# The share of each operation's documented limit that one client spends in any window of it:
# the workspace's limits are shared with its other pipelines, which get the rest.
BUDGET_SHARE = 0.5
# Never poll the job status faster than the share allows on average (one read each 1.2 s).
STATUS_INTERVAL_SECONDS = LIST_JOB_SYNC_STATUS_RATE_WINDOW_SECONDS / (
    LIST_JOB_SYNC_STATUS_RATE_LIMIT * BUDGET_SHARE
)


@dataclass(frozen=True)
class Send:
    """One request: keyword arguments for `httpx.Client.request`, a label for the log, and the
    operation it belongs to (a key of RATE_LIMITS).
    """

    request: dict[str, Any]
    label: str = field(compare=False)
    operation: str = ""


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
    pass it. On its way out of a request's attempts it carries the last answer, if any; `reason`
    says what the call was waiting for, where a pause was cut short.
    """

    def __init__(self, last: Reply | None = None, attempts: int = 0, reason: str = "") -> None:
        super().__init__("the call's deadline passed")
        self.last = last
        self.attempts = attempts
        self.reason = reason


class SyncAlreadyRunning(Exception):
    """A sync of the integration was running, and the caller asked not to wait for it."""


class WaitTimedOut(Exception):
    """The sync did not end before the timeout; `last_seen` is the job as last read, if any;
    `progress` says whether a trigger was sent and accepted (then a sync runs on Braze).
    """

    def __init__(
        self, message: str, last_seen: Job | None, progress: Progress | None = None
    ) -> None:
        super().__init__(message)
        self.last_seen = last_seen
        self.progress = progress or Progress()


class HistoryOutOfReach(Exception):
    """The job status lists an integration's jobs in an order that puts the newest beyond the
    pages a wait may read (NOTE_PAGES): nothing could tell the trigger's job from the others, so
    no trigger was sent.
    """


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
    except DeadlinePassed as passed:
        raise DeadlinePassed(last, tried, passed.reason) from None
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
    if last is None and passed.reason:
        return Unavailable(
            0,
            f"{passed.reason} would pass the call's bound of {seconds:g} s",
            headers=httpx.Headers(),
        )
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
    send = Send(request, f"{request['method'].upper()} {request['url']}", TRIGGER)
    reply = yield from attempts(
        send, retry=retry, clock=clock, retryable=_never_arrived, wait_out_rate_limit=False
    )
    if not _transient(reply):
        assert isinstance(reply, httpx.Response)
        outcome = interpret(reply)
        if isinstance(outcome, SyncStarted) and outcome.odd:
            notice.warning(
                "trigger of %s: accepted (202), though %s; taken as a started sync",
                integration_id,
                outcome.odd,
            )
        return outcome
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
        label = f"GET {url.split('?')[0]} (next page)"
        following = Send({"method": "get", "url": url}, label, send.operation)
    return Page([item for item in items if isinstance(item, dict)], following)


# The most pages the list of integrations is read to (10 a page: 1,000 integrations, four
# windows of the list's share at most); a whole job status (`--all`) has no bound but its
# call's timeout, and a page that comes twice ends either.
MAX_PAGES = 100


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
    `most` pages (MAX_PAGES unless given; None: no bound), so a Link that loops cannot keep a
    reader forever.
    """

    def __init__(self, most: int | None = MAX_PAGES) -> None:
        self.seen: set[str] = set()
        self.most = most

    def follow(self, page: Page) -> Send | None:
        """The next page's request, or None after the last page."""
        if page.next is None:
            return None
        url = str(page.next.request["url"])
        past = self.most is not None and len(self.seen) + 1 >= self.most
        if url in self.seen or past:
            why = "came twice" if url in self.seen else f"is past {self.most} pages"
            where = url.split("?", maxsplit=1)[0]
            raise UnexpectedAnswer(
                200, f"a list's next page ({where}) {why}", headers=httpx.Headers()
            )
        self.seen.add(url)
        return page.next


def first_integrations_page() -> Send:
    """The request for the first page of integrations."""
    request = list_integrations._get_kwargs()
    return Send(request, f"GET {request['url']}", LIST)


def first_jobs_page(integration_id: str) -> Send:
    """The request for the first page of an integration's jobs."""
    request = list_job_sync_status._get_kwargs(integration_id=integration_id)
    return Send(request, f"GET {request['url']}", STATUS)


def integrations(items: list[dict[str, Any]]) -> list[Integration]:
    """A page's items as integrations."""
    return [Integration.from_item(item) for item in items]


def jobs(items: list[dict[str, Any]], *, of: str | None = None) -> list[Job]:
    """A page's items as jobs (of the integration, where given)."""
    return [Job.from_item(item, integration_id=of) for item in items]


def job_key(job: Job) -> str:
    """What tells one job from another: its start time where it has one (it never changes), else
    its whole item (which no longer changes once the job has ended).
    """
    started = job.raw.get("sync_start_time")
    if isinstance(started, str) and started:
        return f"started {started}"
    return "item " + json.dumps(dict(job.raw), sort_keys=True, default=str)


# The budget: a share of each operation's documented limit, in any window of it.


class Budget:
    """What one client has spent of each operation's documented rate limit: at most `share` of
    it in any window of the documented length (a sliding window, so in every fixed window of the
    server's too). Shared by every call of the client, and safe across threads. A share of None
    spends without bound: only for a server that is not Braze (a test double, a benchmark).
    """

    def __init__(self, share: float | None = BUDGET_SHARE) -> None:
        if share is not None and not 0 < share <= 1:
            raise ValueError(f"the budget share must be more than 0 and at most 1, not {share!r}")
        self.share = share
        self._sent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allowance(self, operation: str) -> int:
        """How many requests of the operation one window may hold."""
        limit, _ = RATE_LIMITS[operation]
        return limit if self.share is None else max(1, math.floor(limit * self.share))

    def wait(self, operation: str, now: float) -> float:
        """Seconds until a request of the operation may be sent (0: at once)."""
        if operation not in RATE_LIMITS or self.share is None:
            return 0.0
        with self._lock:
            sent = self._recent(operation, now)
            if len(sent) < self.allowance(operation):
                return 0.0
            return max(0.0, sent[0] + RATE_LIMITS[operation][1] - now)

    def spend(self, operation: str, now: float) -> None:
        """Count a request of the operation sent now."""
        if operation in RATE_LIMITS and self.share is not None:
            with self._lock:
                self._recent(operation, now).append(now)

    def _recent(self, operation: str, now: float) -> deque[float]:
        sent = self._sent.setdefault(operation, deque())
        window = RATE_LIMITS[operation][1]
        while sent and sent[0] <= now - window:
            sent.popleft()
        return sent

    def pace(self, operation: str) -> str:
        """The budget in words: `the job status's budget (50 reads per 60 s, 50% of its limit)`."""
        limit, window = RATE_LIMITS[operation]
        share = "no bound" if self.share is None else f"{self.share:.0%}"
        return (
            f"{OPERATION_NAMES[operation]}'s budget ({self.allowance(operation)} requests per "
            f"{window} s, {share} of its documented {limit})"
        )


def paced(flow: Flow[T], budget: Budget, clock: Callable[[], float]) -> Flow[T]:
    """The flow, with a pause before any request its budget does not allow yet: as long as it
    takes for the window to make room, taken whole (a pause that would pass the call's deadline
    ends the call at once, saying what it waited for).
    """
    reply: Reply | None = None
    failure: DeadlinePassed | None = None
    while True:
        try:
            action = flow.throw(failure) if failure is not None else flow.send(reply)
        except StopIteration as done:
            result: T = done.value
            return result
        failure = None
        if isinstance(action, Send):
            wait = budget.wait(action.operation, clock())
            if wait > 0:
                reason = f"room in {budget.pace(action.operation)}"
                log.info("%s: waiting %.1f s for %s", action.label, wait, reason)
                try:
                    yield Sleep(wait, reason, whole=True)
                except DeadlinePassed:
                    failure = DeadlinePassed(reason=reason)
                    continue
            budget.spend(action.operation, clock())
        try:
            reply = yield action
        except DeadlinePassed as passed:
            failure = passed


# Noting the job status before a trigger, and reading what is new since.

# How the job status reads, as a wait notes it: the newest first (new jobs show on the first
# page), or the whole list read (new jobs show on its last page, or anywhere: `whole`).
Mode = Literal["head", "tail", "whole"]
# A wait reads at most this many pages to note a job status that does not show the newest first
# (250 jobs at Braze's 10 a page): a quarter of the job status's documented 100 a minute, half
# of the client's share. A longer history in such an order ends the wait before its trigger.
NOTE_PAGES = 25
# The job status shows the newest first when this many jobs read from its first pages (a page
# of Braze's) are each listed after one that started later, and none after an earlier one.
ORDER_EVIDENCE = PAGE_SIZE


def listing_order(starts: list[datetime]) -> str:
    """The order of start times as listed: `newest first`, `oldest first`, `no order` (both
    ways), or `unknown` (fewer than two different times).
    """
    later = any(after > before for before, after in itertools.pairwise(starts))
    earlier = any(after < before for before, after in itertools.pairwise(starts))
    if later and earlier:
        return "no order"
    if earlier:
        return "newest first"
    return "oldest first" if later else "unknown"


@dataclass(frozen=True)
class Listed:
    """What the job status listed when it was noted: the keys of the jobs read, the one running
    (if any), the newest start time among them, how the listing reads (`mode`), and the request
    of the last page read (where a `tail` listing shows new jobs).
    """

    keys: frozenset[str]
    running: Job | None
    newest: datetime | None
    mode: Mode
    tail: Send
    pages: int

    def as_dict(self) -> dict[str, Any]:
        """Plain values (JSON-ready) that `from_dict` reads back; the running job is left out
        (a note a trigger was accepted after has none).
        """
        return {
            "keys": sorted(self.keys),
            "newest": self.newest.isoformat() if self.newest else None,
            "mode": self.mode,
            "tail": str(self.tail.request["url"]),
            "pages": self.pages,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Listed:  # noqa: ANN401 - read from outside, checked here
        """A note from `as_dict`'s values; ValueError naming the first that is not one."""
        if not isinstance(data, dict):
            raise ValueError(f"a note is a mapping, not {type(data).__name__}")
        keys, newest, mode = data.get("keys"), data.get("newest"), data.get("mode")
        tail, pages = data.get("tail"), data.get("pages")
        if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
            raise ValueError("a note's keys are a list of strings")
        if mode not in ("head", "tail", "whole"):
            raise ValueError(f"a note's mode is head, tail or whole, not {mode!r}")
        if not isinstance(tail, str) or not tail:
            raise ValueError("a note's tail is the URL of its last page")
        if not isinstance(pages, int) or isinstance(pages, bool) or pages < 1:
            raise ValueError(f"a note's pages are a count of 1 or more, not {pages!r}")
        moment = parse_time(newest) if newest is not None else None
        if newest is not None and moment is None:
            raise ValueError(f"a note's newest start time is ISO 8601, not {newest!r}")
        label = f"GET {tail.split('?')[0]} (noted)"
        return cls(
            keys=frozenset(keys),
            running=None,
            newest=moment,
            mode=mode,
            tail=Send({"method": "get", "url": tail}, label, STATUS),
            pages=pages,
        )


@dataclass(frozen=True)
class StartedSync:
    """A trigger the server accepted (202), with what a wait for its job needs: the job status
    as noted just before it, and when the 202 came (the client's clock). Plain values survive a
    restart (`as_dict`, `from_dict`), so another process can wait for the job (an Airflow
    trigger, a retried task): it never triggers again.
    """

    integration_id: str
    before: Listed
    accepted_at: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready values."""
        return {
            "integration_id": self.integration_id,
            "before": self.before.as_dict(),
            "accepted_at": self.accepted_at,
        }

    @classmethod
    def from_dict(cls, data: Any) -> StartedSync:  # noqa: ANN401 - read from outside
        """A started sync from `as_dict`'s values; ValueError naming what is wrong."""
        if not isinstance(data, dict):
            raise ValueError(f"a started sync is a mapping, not {type(data).__name__}")
        integration_id, accepted_at = data.get("integration_id"), data.get("accepted_at")
        if not isinstance(integration_id, str) or not integration_id:
            raise ValueError("a started sync names its integration_id")
        if not isinstance(accepted_at, int | float) or isinstance(accepted_at, bool):
            raise ValueError("a started sync's accepted_at is a time in epoch seconds")
        return cls(integration_id, Listed.from_dict(data.get("before")), float(accepted_at))


def note(integration_id: str, *, retry: Retry, clock: Callable[[], float]) -> Flow[Listed]:
    """What the job status lists now, read at a cost that does not grow with the history.

    The first page is read, and more until the start times show an order: where ORDER_EVIDENCE
    jobs show the newest first, the note stops there (one page at Braze's page size), and new
    jobs are looked for on the first page (`head`). Otherwise every page is read, up to
    NOTE_PAGES: new jobs are then looked for on the first page where the whole list shows the
    newest first, from the last page on where it shows the oldest first (`tail`), and on every
    page where it shows no order (`whole`). A longer list in such an order is HistoryOutOfReach.
    """
    send = first_jobs_page(integration_id)
    pages = Pages(None)
    seen: list[Job] = []
    read = 0
    while True:
        current = yield from page(send, retry=retry, clock=clock)
        read += 1
        seen += jobs(current.items, of=integration_id)
        starts = [job.started_at for job in seen if job.started_at is not None]
        order = listing_order(starts)
        mode: Mode | None = None
        if current.next is None:
            # The whole list was read: its order says where new jobs show.
            mode = (
                "head"
                if order == "newest first"
                else "tail"
                if order == "oldest first"
                else "whole"
            )
        elif order == "newest first" and len(starts) >= ORDER_EVIDENCE:
            mode = "head"
        if mode is not None:
            return Listed(
                keys=frozenset(job_key(job) for job in seen),
                running=next((job for job in seen if job.running), None),
                newest=max(starts, default=None),
                mode=mode,
                tail=send,
                pages=read,
            )
        if read >= NOTE_PAGES:
            raise HistoryOutOfReach(
                f"the job status of {integration_id} lists more than {NOTE_PAGES} pages of jobs "
                f"{_described(order)}; its newest jobs are past the {NOTE_PAGES} pages a wait "
                "may read, so nothing could tell a trigger's job from the others"
            )
        following = pages.follow(current)
        assert following is not None
        send = following


def _described(order: str) -> str:
    return "oldest first" if order == "oldest first" else "in no order of start time"


def _unnoted(job: Job, listed: Listed, after: datetime | None) -> bool:
    """Whether a job was not noted, and (where the listing shows the newest first) started after
    `after`: where it is dated and the listing is newest first, an older job that was not noted
    was on a page the note did not read.
    """
    if job_key(job) in listed.keys:
        return False
    return (
        listed.mode != "head" or job.started_at is None or after is None or job.started_at > after
    )


def look(
    integration_id: str,
    listed: Listed,
    *,
    after: datetime | None,
    retry: Retry,
    clock: Callable[[], float],
) -> Flow[list[Job]]:
    """The jobs listed now where new ones show, as the note found the listing: `head`: the
    first page, and the next while a page holds only jobs not noted that started after `after`;
    `tail`: from the last page noted to the end; `whole`: every page. At most NOTE_PAGES pages.
    """
    send: Send | None = listed.tail if listed.mode == "tail" else first_jobs_page(integration_id)
    pages = Pages(NOTE_PAGES)
    found: list[Job] = []
    while send is not None:
        current = yield from page(send, retry=retry, clock=clock)
        batch = jobs(current.items, of=integration_id)
        found += batch
        if listed.mode == "head" and not all(_unnoted(job, listed, after) for job in batch):
            break
        if len(pages.seen) + 1 >= NOTE_PAGES:
            break
        send = pages.follow(current)
    return found


def new_jobs(
    integration_id: str, before: Listed, *, retry: Retry, clock: Callable[[], float]
) -> Flow[list[Job]]:
    """The jobs listed now that were not listed before the trigger (a job a shifting listing
    shows twice counts once).
    """
    found = yield from look(integration_id, before, after=before.newest, retry=retry, clock=clock)
    new: dict[str, Job] = {}
    for job in found:
        if _unnoted(job, before, before.newest):
            new.setdefault(job_key(job), job)
    return list(new.values())


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


def _find(
    integration_id: str,
    listed: Listed,
    key: str,
    started: datetime,
    *,
    retry: Retry,
    clock: Callable[[], float],
) -> Flow[Job | None]:
    """The job with this key (a start time, which never changes), where new jobs show."""
    found = yield from look(integration_id, listed, after=started, retry=retry, clock=clock)
    return next((job for job in found if job_key(job) == key), None)


@dataclass
class Waiting:
    """One wait for a sync: its deadline, the job as last read, and how far it got."""

    integration_id: str
    timeout: float
    poll: float
    retry: Retry
    clock: Callable[[], float]
    progress: Progress = field(default_factory=Progress)
    deadline: float = 0.0
    told: float = 0.0

    def __post_init__(self) -> None:
        self.deadline = self.clock() + self.timeout
        self.told = self.clock()
        self.poll = max(self.poll, STATUS_INTERVAL_SECONDS)

    @property
    def last_seen(self) -> Job | None:
        return self.progress.job

    def seen(self, job: Job | None) -> None:
        """Remember the job as last read (a None read keeps the last)."""
        self.progress.job = job or self.progress.job

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
        """The timeout, with the job as last read and what it says of the trigger."""
        within = f"within {self.timeout:g} s ({reason})"
        if self.progress.trigger_accepted:
            message = f"no ended job of {self.integration_id} {within}"
        elif self.progress.trigger_sent:
            message = (
                f"no trigger of {self.integration_id} was confirmed {within}: one was sent, "
                "and no answer said whether it started a sync"
            )
        else:
            message = f"no trigger of {self.integration_id} was sent {within}"
        return WaitTimedOut(message, self.last_seen, self.progress)

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


def _within(waiting: Waiting, flow: Flow[T]) -> Flow[T]:
    """A wait's flow, its passed deadline told as WaitTimedOut; an error on the way carries how
    far the wait got (BrazeApiError.progress).
    """
    try:
        return (yield from flow)
    except DeadlinePassed as passed:
        raise waiting.timed_out(passed.reason or "the deadline passed during a request") from None
    except BrazeApiError as error:
        error.progress = waiting.progress
        raise


def sync_and_wait(
    integration_id: str,
    *,
    timeout: float,
    poll: float,
    if_running: IfRunning,
    retry: Retry,
    clock: Callable[[], float],
    progress: Progress | None = None,
) -> Flow[Job]:
    """Trigger a sync and return the job once it has ended (see the module docstring).

    The trigger's job is the first to start of those the job status did not list before the
    trigger (never one guessed from clocks): a job listed late is waited for, up to the deadline.
    `progress`, where given, is kept up to date as the wait goes.
    """
    waiting = Waiting(integration_id, timeout, poll, retry, clock, progress or Progress())
    return (yield from _within(waiting, _sync_and_wait(waiting, if_running=if_running)))


def _sync_and_wait(waiting: Waiting, *, if_running: IfRunning) -> Flow[Job]:
    before = yield from start(waiting, if_running=if_running)
    return (yield from follow(waiting, before))


def start_sync(
    integration_id: str,
    *,
    timeout: float,
    if_running: IfRunning,
    retry: Retry,
    clock: Callable[[], float],
    progress: Progress | None = None,
) -> Flow[StartedSync]:
    """Trigger until a sync of ours starts (the first half of `sync_and_wait`, within `timeout`),
    and return what a wait for its job needs.
    """
    waiting = Waiting(integration_id, timeout, 0.0, retry, clock, progress or Progress())
    before = yield from _within(waiting, start(waiting, if_running=if_running))
    accepted = waiting.progress.accepted_at
    return StartedSync(integration_id, before, accepted if accepted is not None else clock())


def wait_for_sync(
    started: StartedSync,
    *,
    timeout: float,
    poll: float,
    retry: Retry,
    clock: Callable[[], float],
    progress: Progress | None = None,
) -> Flow[Job]:
    """Wait for the job of a started sync to end (the second half of `sync_and_wait`); it never
    triggers.
    """
    progress = progress or Progress()
    progress.trigger_sent = progress.trigger_accepted = True
    progress.accepted_at = started.accepted_at
    waiting = Waiting(started.integration_id, timeout, poll, retry, clock, progress)
    return (yield from _within(waiting, follow(waiting, started.before)))


def follow(waiting: Waiting, before: Listed) -> Flow[Job]:
    """Poll until the trigger's job (new since `before`) has ended, and return it."""
    integration_id, retry, clock = waiting.integration_id, waiting.retry, waiting.clock
    key: str | None = None
    started: datetime | None = None
    while True:
        yield from waiting.wait(waiting.poll, "the sync to end")
        if key is None or started is None:
            # Until the trigger's job is first seen with a start time, the first of the new jobs
            # to start is the trigger's; then it is found by that start time, which never changes.
            job = ours((yield from new_jobs(integration_id, before, retry=retry, clock=clock)))
            if job is not None and job.started_at is not None:
                key, started = job_key(job), job.started_at
        else:
            job = yield from _find(integration_id, before, key, started, retry=retry, clock=clock)
        waiting.seen(job)
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
    integration_id: str,
    *,
    timeout: float,
    poll: float,
    retry: Retry,
    clock: Callable[[], float],
    progress: Progress | None = None,
) -> Flow[Job | None]:
    """Wait for the sync that runs now (started by the schedule or a bare trigger) to end, and
    return its job as it ended; None when none runs.
    """
    waiting = Waiting(integration_id, timeout, poll, retry, clock, progress or Progress())
    return (yield from _within(waiting, _wait_for_running(waiting)))


def _wait_for_running(waiting: Waiting) -> Flow[Job | None]:
    integration_id, retry, clock = waiting.integration_id, waiting.retry, waiting.clock
    before = yield from note(integration_id, retry=retry, clock=clock)
    if before.running is None:
        return None
    running = before.running
    waiting.seen(running)
    while True:
        yield from waiting.wait(waiting.poll, "the running sync to end")
        if running.started_at is not None:
            # Its start time tells it apart wherever it is listed.
            job = yield from _find(
                integration_id,
                before,
                job_key(running),
                running.started_at,
                retry=retry,
                clock=clock,
            )
        else:
            # Without one, its item changes when it ends: the job new since the note is it.
            job = ours((yield from new_jobs(integration_id, before, retry=retry, clock=clock)))
            job = job or running
        if job is None:
            continue
        waiting.seen(job)
        if not job.running:
            return job


def _until_none_runs(waiting: Waiting, listed: Listed) -> Flow[None]:
    """Poll, where new jobs show, until none of the jobs read there runs."""
    integration_id, retry, clock = waiting.integration_id, waiting.retry, waiting.clock
    while True:
        yield from waiting.wait(waiting.poll, "the running sync to end")
        found = yield from look(integration_id, listed, after=None, retry=retry, clock=clock)
        running = next((job for job in found if job.running), None)
        if running is None:
            return
        waiting.seen(running)


def start(waiting: Waiting, *, if_running: IfRunning) -> Flow[Listed]:
    """Trigger until a sync of ours starts; the job status as noted just before that trigger."""
    integration_id, retry, clock = waiting.integration_id, waiting.retry, waiting.clock
    attempt = 0
    while True:
        attempt += 1
        before = yield from note(integration_id, retry=retry, clock=clock)
        if before.running is not None:
            # A job runs (the trigger would meet it): wait for it, then note the jobs again.
            outcome: Outcome = SyncInProgress("", RateLimit.from_headers(httpx.Headers()))
        else:
            try:
                outcome = yield from trigger(integration_id, retry=retry, clock=clock)
                waiting.progress.trigger_sent = True
            except DeadlinePassed as passed:
                # Sent, unless the deadline came before it or it never reached the server.
                waiting.progress.trigger_sent |= passed.last is not None and not _never_arrived(
                    passed.last
                )
                raise
            except EffectUnknown as unknown:
                waiting.progress.trigger_sent = True
                log.warning(
                    "trigger of %s: %s; reading the job status before trying again",
                    integration_id,
                    unknown,
                )
                if (yield from new_jobs(integration_id, before, retry=retry, clock=clock)):
                    # Ours, or a scheduled sync's that met the trigger: no answer says which.
                    # Never repeated while it runs; once it has ended, a trigger with a clear
                    # answer starts the job the wait reports.
                    log.info(
                        "trigger of %s: a new job is listed, whose start no answer confirms; "
                        "waiting for it to end, then triggering again",
                        integration_id,
                    )
                    yield from _until_none_runs(waiting, before)
                    continue
                yield from waiting.wait(
                    retry.delay(min(attempt, retry.attempts)), "a failed trigger"
                )
                continue
        if isinstance(outcome, SyncStarted):
            log.info("trigger of %s: sync started", integration_id)
            waiting.progress.trigger_accepted = True
            waiting.progress.accepted_at = clock()
            return before
        if isinstance(outcome, SyncInProgress):
            if if_running == "fail":
                raise SyncAlreadyRunning(f"a sync of {integration_id} is running")
            log.info("trigger of %s: a sync is running; waiting for it to end", integration_id)
            yield from _until_none_runs(waiting, before)
            continue
        assert isinstance(outcome, RateLimited)
        wait = outcome.rate_limit.wait_seconds(clock())
        log.info("trigger of %s: over the rate limit; waiting %.1f s", integration_id, wait)
        at = datetime.fromtimestamp(clock() + wait, UTC).strftime("%H:%M:%S UTC")
        yield from waiting.wait(wait, f"the trigger's rate limit to reset at {at}", whole=True)


# The most recent jobs (braze-cdi status).

DEFAULT_RECENT = 10


def recent_jobs(
    integration_id: str, limit: int, *, retry: Retry, clock: Callable[[], float]
) -> Flow[list[Job]]:
    """The `limit` most recent jobs of an integration, newest first: read from the first pages
    where the job status shows the newest first (see `note`), else from every page, up to
    NOTE_PAGES (HistoryOutOfReach past them).
    """
    send: Send | None = first_jobs_page(integration_id)
    pages = Pages(None)
    seen: list[Job] = []
    read = 0
    while send is not None:
        current = yield from page(send, retry=retry, clock=clock)
        read += 1
        seen += jobs(current.items, of=integration_id)
        starts = [job.started_at for job in seen if job.started_at is not None]
        order = listing_order(starts)
        newest_first = order == "newest first" and len(starts) >= ORDER_EVIDENCE
        if newest_first and len(seen) >= limit:
            return _newest_first(seen)[:limit]
        if current.next is not None and read >= NOTE_PAGES and not newest_first:
            raise HistoryOutOfReach(
                f"the job status of {integration_id} lists more than {NOTE_PAGES} pages of jobs "
                f"{_described(order)}, so its most recent are past the {NOTE_PAGES} pages read "
                "for them; --all reads every page"
            )
        send = pages.follow(current)
    return _newest_first(seen)[:limit]


def _newest_first(found: list[Job]) -> list[Job]:
    """Jobs by start time, the newest first (jobs without one last, as listed)."""
    dated = sorted(
        (job for job in found if job.started_at is not None),
        key=lambda job: job.started_at or datetime.min.replace(tzinfo=UTC),
        reverse=True,
    )
    return dated + [job for job in found if job.started_at is None]
