"""Blocking and asyncio clients over the generated braze_cdi_client, with safe defaults.

Both run the same flows (`braze_cdi_sync.flows`): the blocking client with httpx.Client and
time.sleep, the asyncio one with httpx.AsyncClient and asyncio.sleep. Every attempt is logged on
the `braze_cdi_sync` logger as method, path, status and duration; the key never is.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import threading
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
from braze_cdi_client import AuthenticatedClient
from braze_cdi_client.contract_facts import SERVERS, TRIGGER_INTEGRATION_SYNC_PERMISSION

from braze_cdi_sync import flows
from braze_cdi_sync._version import USER_AGENT
from braze_cdi_sync.flows import Flow, IfRunning, Reply, Retry, Send, Sleep
from braze_cdi_sync.jobs import Integration, Job
from braze_cdi_sync.outcomes import (
    CUT_SHORT,
    BrazeApiError,
    Outcome,
    Progress,
    RateLimited,
    UnexpectedAnswer,
    api_error,
    shown,
)

log = logging.getLogger("braze_cdi_sync")
T = TypeVar("T")
DEFAULT_SYNC_TIMEOUT_SECONDS = 3600.0
DEFAULT_POLL_SECONDS = 10.0

DEFAULT_ANSWER_SECONDS = 30.0
# The bound of a call without a wait (a list read to its end, a job status, a bare trigger):
# retries, backoff, rate-limit waits and paging included.
DEFAULT_CALL_SECONDS = 120.0
DEFAULT_TIMEOUT = httpx.Timeout(DEFAULT_ANSWER_SECONDS, connect=10.0)
# Waiting helper bounds: never wait longer than this in all, nor try more often than this.
DEFAULT_MAX_WAIT_SECONDS = 120.0
DEFAULT_MAX_ATTEMPTS = 3


KEY_VARIABLE = "BRAZE_REST_API_KEY"
ENDPOINT_VARIABLE = "BRAZE_REST_ENDPOINT"


def resolve_host(given: str) -> str:
    """A REST host from a URL or an instance name of the contract (`US-03`, any case)."""
    name = given.strip()
    if name.upper() in SERVERS:
        return SERVERS[name.upper()]
    if name.startswith(("https://", "http://")):
        return name.rstrip("/")
    raise ValueError(
        f"unknown instance {given!r}: use a URL (https://rest.iad-01.braze.com) or one of "
        f"{', '.join(SERVERS)}"
    )


def _seconds(value: float, name: str) -> float:
    seconds = float(value)
    if not 0 < seconds < float("inf"):
        raise ValueError(f"{name} must be more than 0 seconds, not {value!r}")
    return seconds


def _timeout(value: float | httpx.Timeout) -> httpx.Timeout:
    """A timeout in seconds as httpx takes it (connecting gets at most 10 s of it)."""
    if isinstance(value, httpx.Timeout):
        return value
    seconds = _seconds(value, "timeout")
    return httpx.Timeout(seconds, connect=min(seconds, 10.0))


def _from_environment() -> tuple[str, str]:
    """(host, key) from BRAZE_REST_ENDPOINT and BRAZE_REST_API_KEY; ValueError if one is missing."""
    key = os.environ.get(KEY_VARIABLE, "").strip()
    host = os.environ.get(ENDPOINT_VARIABLE, "").strip()
    if not key or not host:
        missing = KEY_VARIABLE if not key else ENDPOINT_VARIABLE
        raise ValueError(f"{missing} is not set; set it to a Braze REST API key and host.")
    return resolve_host(host), key


class _Generated(AuthenticatedClient):
    """The generated client, whose repr shows its host and never its key."""

    def __repr__(self) -> str:
        return f"AuthenticatedClient(base_url={self._base_url!r}, token='***')"


def _generated_client(
    base_url: str, api_key: str, timeout: float | httpx.Timeout
) -> AuthenticatedClient:
    if not api_key:
        permission = TRIGGER_INTEGRATION_SYNC_PERMISSION
        raise ValueError(f"api_key is empty; pass a Braze REST API key with {permission}.")
    return _Generated(
        base_url=resolve_host(base_url),
        token=api_key,
        timeout=_timeout(timeout),
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPTED_ENCODINGS},
    )


def _unclear(unknown: flows.EffectUnknown) -> BrazeApiError:
    """A trigger whose effect is unknown, as the error a single trigger raises."""
    reply = unknown.reply
    status = reply.status_code if isinstance(reply, httpx.Response) else 0
    return api_error(
        status,
        f"the trigger got no clear answer ({unknown}): the sync may have started; read the job "
        "status before triggering again",
        headers=reply.headers if isinstance(reply, httpx.Response) else httpx.Headers(),
    )


def _wait_before_retry(outcome: Outcome, *, now: float, deadline: float) -> float | None:
    """Seconds to wait before trying again, or None if the outcome is final or time is up."""
    if not isinstance(outcome, RateLimited):
        return None
    wait = outcome.rate_limit.wait_seconds(now)
    return wait if now + wait <= deadline else None


def _log_attempt(send: Send, reply: Reply, seconds: float) -> None:
    log.info("%s -> %s (%.2f s)", send.label, flows.describe(reply), seconds)


# Bounds on one answer: all of it, from the request to the last byte, within the client's read
# timeout (a deadline for the whole answer, not a wait per byte), and at most this many bytes
# after decoding, read in steps so a compressed bomb stops early.
MAX_ANSWER_BYTES = 1024 * 1024
# Headers that describe the body as sent, not as read (the body below is decoded already).
_AS_SENT = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def _whole(response: httpx.Response, body: bytes, *, cut_short: str = "") -> httpx.Response:
    """An answer read whole, as a plain response (`cut_short`: what stopped it after the status
    line, where something did).
    """
    headers = [(name, value) for name, value in response.headers.items() if name not in _AS_SENT]
    extensions: dict[str, Any] = {"reason_phrase": response.reason_phrase.encode()}
    if cut_short:
        extensions[CUT_SHORT] = cut_short
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=body,
        request=response.request,
        extensions=extensions,
    )


def _accepted_anyway(
    started: list[httpx.Response], decoders: list[_Decoder], what: BaseException | str
) -> httpx.Response | None:
    """A 202 whose answer failed after its status line, as the 202 it is (with what came of
    its body and what went wrong): its status line says the sync started. None for any other
    answer, or none.
    """
    if not started or started[0].status_code != 202:
        return None
    body = bytes(decoders[0].body) if decoders else b""
    if isinstance(what, httpx.TransportError):
        why = f"{type(what).__name__}: {shown(str(what))}" if str(what) else type(what).__name__
    else:
        why = shown(str(what))
    return _whole(started[0], body, cut_short=why)


# The encodings the client asks for, and decodes itself in bounded steps (httpx would decode a
# whole network read at once: 64 KB of gzip can be 64 MB).
ACCEPTED_ENCODINGS = "gzip, deflate"


class _Decoder:
    """A body's bytes as read, decoded in steps of at most MAX_ANSWER_BYTES (+1) each, so a
    compressed bomb is stopped after at most that many bytes of it are decoded.
    """

    def __init__(self, response: httpx.Response) -> None:
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        self.body = bytearray()
        self.response = response
        self.inflate: Any = None
        if encoding in {"gzip", "x-gzip"}:
            self.inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self.inflate = zlib.decompressobj()
        elif encoding not in {"", "identity"}:
            raise UnexpectedAnswer(
                response.status_code,
                f"an answer in an encoding the client did not ask for ({shown(encoding)})",
                headers=response.headers,
            )

    def feed(self, chunk: bytes) -> None:
        """Add bytes as read; UnexpectedAnswer once the decoded body passes the bound."""
        if self.inflate is None:
            self._add(chunk)
            return
        try:
            data = chunk
            while data:
                self._add(self.inflate.decompress(data, MAX_ANSWER_BYTES + 1))
                data = self.inflate.unconsumed_tail
        except zlib.error as error:
            raise UnexpectedAnswer(
                self.response.status_code,
                f"a compressed answer that does not decode ({error})",
                headers=self.response.headers,
            ) from None

    def _add(self, data: bytes) -> None:
        self.body += data
        if len(self.body) > MAX_ANSWER_BYTES:
            raise _too_large(self.response)

    def whole(self) -> httpx.Response:
        if self.inflate is not None:
            self._add(self.inflate.flush())
        return _whole(self.response, bytes(self.body))


def _too_large(response: httpx.Response) -> BrazeApiError:
    return UnexpectedAnswer(
        response.status_code,
        f"the answer passed {MAX_ANSWER_BYTES:,} bytes (decoded); it was not read further",
        headers=response.headers,
    )


def _answer_seconds(timeout: httpx.Timeout) -> float:
    return timeout.read if timeout.read is not None else DEFAULT_ANSWER_SECONDS


def _late(seconds: float) -> httpx.ReadTimeout:
    return httpx.ReadTimeout(f"no complete answer within {seconds:g} s")


def exchange(client: httpx.Client, request: dict[str, Any], *, seconds: float) -> Reply:
    """One request and its whole answer within `seconds` and the size bound, in a worker thread,
    so that a server that drips its headers or body cannot hold the caller past the deadline.
    """
    outcome: list[httpx.Response | BaseException] = []
    streaming: list[httpx.Response] = []
    decoders: list[_Decoder] = []
    done = threading.Event()

    def work() -> None:
        try:
            with client.stream(**request) as response:
                streaming.append(response)
                decoder = _Decoder(response)
                decoders.append(decoder)
                for chunk in response.iter_raw():
                    decoder.feed(chunk)
                outcome.append(decoder.whole())
        except BaseException as failure:  # noqa: BLE001 - handed to the caller's thread
            outcome.append(failure)
        finally:
            done.set()

    threading.Thread(target=work, daemon=True, name="braze-cdi-exchange").start()
    if not done.wait(seconds) or not outcome:
        for response in streaming:
            with contextlib.suppress(Exception):
                response.close()
        late = _late(seconds)
        return _accepted_anyway(streaming, decoders, late) or late
    if isinstance(outcome[0], BaseException) and not isinstance(outcome[0], KeyboardInterrupt):
        accepted = _accepted_anyway(streaming, decoders, outcome[0])
        if accepted is not None:
            return accepted
    return _settled(outcome[0])


def _settled(outcome: httpx.Response | BaseException) -> Reply:
    if isinstance(outcome, httpx.TransportError):
        return outcome
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


async def exchange_async(
    client: httpx.AsyncClient, request: dict[str, Any], *, seconds: float
) -> Reply:
    """One request and its whole answer within `seconds` and the size bound (see `exchange`)."""

    streaming: list[httpx.Response] = []
    decoders: list[_Decoder] = []

    async def work() -> httpx.Response:
        async with client.stream(**request) as response:
            streaming.append(response)
            decoder = _Decoder(response)
            decoders.append(decoder)
            async for chunk in response.aiter_raw():
                decoder.feed(chunk)
            return decoder.whole()

    try:
        return await asyncio.wait_for(work(), seconds)
    except TimeoutError:
        late = _late(seconds)
        return _accepted_anyway(streaming, decoders, late) or late
    except (httpx.TransportError, BrazeApiError) as error:
        accepted = _accepted_anyway(streaming, decoders, error)
        if accepted is not None:
            return accepted
        if isinstance(error, BrazeApiError):
            raise
        return error


# A call with a timeout may overrun it by this much: its last poll, which comes at the deadline,
# gets this long to be answered.
DEADLINE_MARGIN_SECONDS = 1.0


class _Deadline:
    """The bound of one call, as the drivers apply it: each answer gets the read timeout, or
    what is left of the call (with the margin), whichever is less; a sleep never passes it.
    """

    def __init__(
        self, answer_seconds: float, clock: Callable[[], float], timeout: float | None
    ) -> None:
        self.answer_seconds = answer_seconds
        self.clock = clock
        self.ends = None if timeout is None else clock() + timeout + DEADLINE_MARGIN_SECONDS

    def left(self) -> float:
        """Seconds left of the call; DeadlinePassed when none are."""
        if self.ends is None:
            return float("inf")
        left = self.ends - self.clock()
        if left <= 0:
            raise flows.DeadlinePassed
        return left

    def answer(self) -> float:
        return min(self.answer_seconds, self.left())

    def stops(self, action: flows.Send | Sleep) -> bool:
        """Whether the action may not be taken: no time is left, or it is a pause to be taken
        whole that would pass the deadline.
        """
        if self.ends is None:
            return False
        left = self.ends - self.clock()
        return left <= 0 or (isinstance(action, Sleep) and action.whole and action.seconds > left)

    def sleep(self, seconds: float) -> float:
        return min(seconds, self.left())


def _next(flow: Flow[T], reply: Reply | None, bound: _Deadline) -> flows.Send | Sleep:
    """The flow's next action, once the flow has seen the last answer; while that action may
    not be taken, DeadlinePassed is thrown into the flow, which says how far it got (a wait:
    WaitTimedOut with the job last seen; a request: the last answer).
    """
    action = flow.send(reply)
    while bound.stops(action):
        action = flow.throw(flows.DeadlinePassed())
    return action


def drive(
    flow: Flow[T],
    client: httpx.Client,
    *,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    timeout: float | None = None,
) -> T:
    """Run a flow with blocking I/O, within `timeout` seconds in all if given."""
    bound = _Deadline(_answer_seconds(client.timeout), clock, timeout)
    reply: Reply | None = None
    try:
        while True:
            action = _next(flow, reply, bound)
            if isinstance(action, Sleep):
                sleep(bound.sleep(action.seconds))
                reply = None
                continue
            started = clock()
            reply = exchange(client, action.request, seconds=bound.answer())
            _log_attempt(action, reply, clock() - started)
    except StopIteration as done:
        result: T = done.value
        return result


async def drive_async(
    flow: Flow[T],
    client: httpx.AsyncClient,
    *,
    sleep: Callable[[float], Awaitable[None]],
    clock: Callable[[], float],
    timeout: float | None = None,
) -> T:
    """Run a flow with asyncio I/O, within `timeout` seconds in all if given."""
    bound = _Deadline(_answer_seconds(client.timeout), clock, timeout)
    reply: Reply | None = None
    try:
        while True:
            action = _next(flow, reply, bound)
            if isinstance(action, Sleep):
                await sleep(bound.sleep(action.seconds))
                reply = None
                continue
            started = clock()
            reply = await exchange_async(client, action.request, seconds=bound.answer())
            _log_attempt(action, reply, clock() - started)
    except StopIteration as done:
        result: T = done.value
        return result


def _masked(
    error: flows.DeadlinePassed | BrazeApiError, *, timeout: float | None, key: str
) -> BrazeApiError:
    """The error a call raises: a passed deadline (only a call without a wait lets one out) as
    the error of its last answer; the key masked wherever a server's text carried it back.
    """
    if isinstance(error, flows.DeadlinePassed):
        error = flows.out_of_time(error, timeout or 0.0)
    return error.without(key)


class _FromEnvironment:
    """`from_env()`, which both clients offer."""

    def __init__(self, base_url: str, api_key: str, **options: Any) -> None:  # noqa: ANN401
        raise NotImplementedError  # the clients define their own

    @classmethod
    def from_env(cls, **options: Any) -> Self:  # noqa: ANN401 - the constructor's options
        """A client for BRAZE_REST_ENDPOINT (a URL or an instance name) and BRAZE_REST_API_KEY."""
        host, key = _from_environment()
        return cls(host, key, **options)


def _on_origin(started: flows.StartedSync, base_url: httpx.URL) -> flows.StartedSync:
    """A started sync whose noted last page is on the client's origin (a relative URL is); a
    ValueError otherwise, before anything is sent: the key goes to the configured host only.
    """
    tail = base_url.join(str(started.before.tail.request["url"]))
    if (tail.scheme, tail.host, tail.port) != (base_url.scheme, base_url.host, base_url.port):
        raise ValueError(
            f"the started sync's noted page is on {tail.scheme}://{tail.host}, not on the "
            "client's host; it was not read"
        )
    return started


def _limit(limit: int | None) -> int | None:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be a whole number of 1 or more, not {limit!r}")
    return limit


class CdiClient(_FromEnvironment):
    """Triggers syncs, blocking. Use as a context manager to close its connection pool.

    It never spends more than `budget_share` (half, unless given) of an operation's documented
    rate limit in any window of it, over all its calls: the workspace's other pipelines get the
    rest. `budget_share=None` spends without bound: only for a server that is not Braze.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        retry: Retry | None = None,
        call_timeout: float = DEFAULT_CALL_SECONDS,
        budget_share: float | None = flows.BUDGET_SHARE,
    ) -> None:
        self.generated = _generated_client(base_url, api_key, timeout)
        self.call_timeout = _seconds(call_timeout, "call_timeout")
        self._sleep = sleep
        self._clock = clock
        self.retry = retry or Retry()
        self.budget = flows.Budget(budget_share)

    def _run(self, flow: Flow[T], *, timeout: float | None = None) -> T:
        try:
            return drive(
                flows.paced(flow, self.budget, self._clock),
                self.generated.get_httpx_client(),
                sleep=self._sleep,
                clock=self._clock,
                timeout=timeout,
            )
        except (flows.DeadlinePassed, BrazeApiError) as error:
            masked = _masked(error, timeout=timeout, key=self.generated.token)
        raise masked  # outside the handler: the unmasked error is not its context

    def list_integrations(self) -> Iterator[Integration]:
        """Every integration of the key's workspace, reading page after page as needed (at most
        flows.MAX_PAGES pages).
        """
        return self._items(flows.first_integrations_page(), flows.integrations)

    def job_sync_status(self, integration_id: str, *, limit: int | None = None) -> Iterator[Job]:
        """The jobs of an integration as Braze lists them (no order is promised), each page read
        only when the iteration reaches it; at most `limit` jobs, where given. For the most
        recent jobs whatever the order, use `recent_jobs`.
        """
        return self._items(
            flows.first_jobs_page(integration_id),
            functools.partial(flows.jobs, of=integration_id),
            limit=_limit(limit),
            most=None,
        )

    def recent_jobs(self, integration_id: str, limit: int = flows.DEFAULT_RECENT) -> list[Job]:
        """The `limit` most recent jobs of an integration, newest first, read at a cost that
        does not grow with its history where Braze lists the newest first (else every page, up
        to flows.NOTE_PAGES: HistoryOutOfReach past them).
        """
        flow = flows.recent_jobs(
            integration_id, _limit(limit) or 1, retry=self.retry, clock=self._clock
        )
        return self._run(flow, timeout=self.call_timeout)

    def _items(
        self,
        first: Send,
        convert: Callable[[list[Any]], list[T]],
        *,
        limit: int | None = None,
        most: int | None = flows.MAX_PAGES,
    ) -> Iterator[T]:
        send: Send | None = first
        pages = flows.Pages(most)
        left = self.call_timeout  # the time spent reading, not the caller's between pages
        given = 0
        while send is not None:
            started = self._clock()
            flow = flows.page(send, retry=self.retry, clock=self._clock)
            page = self._run(flow, timeout=left)
            left -= self._clock() - started
            for item in convert(page.items):
                if limit is not None and given >= limit:
                    return
                given += 1
                yield item
            if limit is not None and given >= limit:
                return
            send = pages.follow(page)

    def sync_and_wait(
        self,
        integration_id: str,
        *,
        timeout: float = DEFAULT_SYNC_TIMEOUT_SECONDS,
        poll: float = DEFAULT_POLL_SECONDS,
        if_running: IfRunning = "wait",
        progress: Progress | None = None,
    ) -> Job:
        """Trigger a sync, wait for its job to end, and return that job.

        If a sync is already running: `if_running="wait"` waits for it to end and then triggers,
        `"fail"` raises SyncAlreadyRunning. Raises WaitTimedOut after `timeout` seconds, and
        BrazeApiError for an answer no retry helps (401, 403, 404, ...); HistoryOutOfReach,
        before any trigger, where the job status's order puts its newest jobs out of reach.
        `progress`, where given, says as the wait goes whether a trigger was sent and accepted.
        """
        return self._run(
            flows.sync_and_wait(
                integration_id,
                timeout=timeout,
                poll=poll,
                if_running=if_running,
                retry=self.retry,
                clock=self._clock,
                progress=progress,
            ),
            timeout=timeout,
        )

    def start_sync(
        self,
        integration_id: str,
        *,
        timeout: float = DEFAULT_CALL_SECONDS,
        if_running: IfRunning = "wait",
        progress: Progress | None = None,
    ) -> flows.StartedSync:
        """Trigger until a sync of ours starts, within `timeout` (a running sync waited out, or
        SyncAlreadyRunning with `if_running="fail"`), and return it as a StartedSync: plain
        values another process can wait with (`wait_for_sync`), which never triggers again.
        """
        return self._run(
            flows.start_sync(
                integration_id,
                timeout=timeout,
                if_running=if_running,
                retry=self.retry,
                clock=self._clock,
                progress=progress,
            ),
            timeout=timeout,
        )

    def wait_for_sync(
        self,
        started: flows.StartedSync,
        *,
        timeout: float = DEFAULT_SYNC_TIMEOUT_SECONDS,
        poll: float = DEFAULT_POLL_SECONDS,
        progress: Progress | None = None,
    ) -> Job:
        """Wait for the job of a started sync to end and return it (WaitTimedOut after
        `timeout`); it never triggers.
        """
        started = _on_origin(started, self.generated.get_httpx_client().base_url)
        return self._run(
            flows.wait_for_sync(
                started,
                timeout=timeout,
                poll=poll,
                retry=self.retry,
                clock=self._clock,
                progress=progress,
            ),
            timeout=timeout,
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def wait_for_running(
        self,
        integration_id: str,
        *,
        timeout: float = DEFAULT_SYNC_TIMEOUT_SECONDS,
        poll: float = DEFAULT_POLL_SECONDS,
    ) -> Job | None:
        """Wait for the sync of the integration that runs now (its schedule's, or a bare
        trigger's) to end, and return its job; None when none runs. WaitTimedOut after
        `timeout` seconds.
        """
        return self._run(
            flows.wait_for_running(
                integration_id, timeout=timeout, poll=poll, retry=self.retry, clock=self._clock
            ),
            timeout=timeout,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self.generated.get_httpx_client().close()

    def trigger_sync(self, integration_id: str) -> Outcome:
        """Trigger a sync once: SyncStarted, SyncInProgress or RateLimited; else BrazeApiError
        (status 0 when no answer came; a trigger is resent only if it never reached the server).
        A 202 is SyncStarted whatever follows its status line (`odd` says what was odd).
        """
        try:
            flow = flows.trigger(integration_id, retry=self.retry, clock=self._clock)
            return self._run(flow, timeout=self.call_timeout)
        except flows.EffectUnknown as unknown:
            raise _unclear(unknown).without(self.generated.token) from None

    def trigger_sync_when_allowed(
        self,
        integration_id: str,
        *,
        max_wait_seconds: float = DEFAULT_MAX_WAIT_SECONDS,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> Outcome:
        """Trigger; if over the rate limit, wait for X-RateLimit-Reset and try again (bounded).

        Never retries SyncInProgress: that outcome is returned at once.
        """
        deadline = self._clock() + max_wait_seconds
        outcome = self.trigger_sync(integration_id)
        for _ in range(max_attempts - 1):
            wait = _wait_before_retry(outcome, now=self._clock(), deadline=deadline)
            if wait is None:
                break
            self._sleep(wait)
            outcome = self.trigger_sync(integration_id)
        return outcome


class AsyncCdiClient(_FromEnvironment):
    """Triggers syncs with asyncio. Use as an async context manager to close its pool. Spends
    its budget as CdiClient does.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
        retry: Retry | None = None,
        call_timeout: float = DEFAULT_CALL_SECONDS,
        budget_share: float | None = flows.BUDGET_SHARE,
    ) -> None:
        self.generated = _generated_client(base_url, api_key, timeout)
        self.call_timeout = _seconds(call_timeout, "call_timeout")
        self._sleep = sleep
        self._clock = clock
        self.retry = retry or Retry()
        self.budget = flows.Budget(budget_share)

    async def _run(self, flow: Flow[T], *, timeout: float | None = None) -> T:
        try:
            return await drive_async(
                flows.paced(flow, self.budget, self._clock),
                self.generated.get_async_httpx_client(),
                sleep=self._sleep,
                clock=self._clock,
                timeout=timeout,
            )
        except (flows.DeadlinePassed, BrazeApiError) as error:
            masked = _masked(error, timeout=timeout, key=self.generated.token)
        raise masked  # outside the handler: the unmasked error is not its context

    def list_integrations(self) -> AsyncIterator[Integration]:
        """Every integration of the key's workspace, reading page after page as needed."""
        return self._items(flows.first_integrations_page(), flows.integrations)

    def job_sync_status(
        self, integration_id: str, *, limit: int | None = None
    ) -> AsyncIterator[Job]:
        """The jobs of an integration as Braze lists them (see CdiClient.job_sync_status)."""
        return self._items(
            flows.first_jobs_page(integration_id),
            functools.partial(flows.jobs, of=integration_id),
            limit=_limit(limit),
            most=None,
        )

    async def recent_jobs(
        self, integration_id: str, limit: int = flows.DEFAULT_RECENT
    ) -> list[Job]:
        """The `limit` most recent jobs of an integration, newest first (as CdiClient's)."""
        flow = flows.recent_jobs(
            integration_id, _limit(limit) or 1, retry=self.retry, clock=self._clock
        )
        return await self._run(flow, timeout=self.call_timeout)

    async def _items(
        self,
        first: Send,
        convert: Callable[[list[Any]], list[T]],
        *,
        limit: int | None = None,
        most: int | None = flows.MAX_PAGES,
    ) -> AsyncIterator[T]:
        send: Send | None = first
        pages = flows.Pages(most)
        left = self.call_timeout  # the time spent reading, not the caller's between pages
        given = 0
        while send is not None:
            started = self._clock()
            flow = flows.page(send, retry=self.retry, clock=self._clock)
            page = await self._run(flow, timeout=left)
            left -= self._clock() - started
            for item in convert(page.items):
                if limit is not None and given >= limit:
                    return
                given += 1
                yield item
            if limit is not None and given >= limit:
                return
            send = pages.follow(page)

    async def sync_and_wait(
        self,
        integration_id: str,
        *,
        timeout: float = DEFAULT_SYNC_TIMEOUT_SECONDS,
        poll: float = DEFAULT_POLL_SECONDS,
        if_running: IfRunning = "wait",
        progress: Progress | None = None,
    ) -> Job:
        """Trigger a sync, wait for its job to end, and return that job (as CdiClient's)."""
        return await self._run(
            flows.sync_and_wait(
                integration_id,
                timeout=timeout,
                poll=poll,
                if_running=if_running,
                retry=self.retry,
                clock=self._clock,
                progress=progress,
            ),
            timeout=timeout,
        )

    async def start_sync(
        self,
        integration_id: str,
        *,
        timeout: float = DEFAULT_CALL_SECONDS,
        if_running: IfRunning = "wait",
        progress: Progress | None = None,
    ) -> flows.StartedSync:
        """Trigger until a sync of ours starts (see CdiClient.start_sync)."""
        return await self._run(
            flows.start_sync(
                integration_id,
                timeout=timeout,
                if_running=if_running,
                retry=self.retry,
                clock=self._clock,
                progress=progress,
            ),
            timeout=timeout,
        )

    async def wait_for_sync(
        self,
        started: flows.StartedSync,
        *,
        timeout: float = DEFAULT_SYNC_TIMEOUT_SECONDS,
        poll: float = DEFAULT_POLL_SECONDS,
        progress: Progress | None = None,
    ) -> Job:
        """Wait for the job of a started sync to end (see CdiClient.wait_for_sync)."""
        started = _on_origin(started, self.generated.get_async_httpx_client().base_url)
        return await self._run(
            flows.wait_for_sync(
                started,
                timeout=timeout,
                poll=poll,
                retry=self.retry,
                clock=self._clock,
                progress=progress,
            ),
            timeout=timeout,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def wait_for_running(
        self,
        integration_id: str,
        *,
        timeout: float = DEFAULT_SYNC_TIMEOUT_SECONDS,
        poll: float = DEFAULT_POLL_SECONDS,
    ) -> Job | None:
        """Wait for the sync of the integration that runs now to end (see CdiClient)."""
        return await self._run(
            flows.wait_for_running(
                integration_id, timeout=timeout, poll=poll, retry=self.retry, clock=self._clock
            ),
            timeout=timeout,
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.generated.get_async_httpx_client().aclose()

    async def trigger_sync(self, integration_id: str) -> Outcome:
        """Trigger a sync once: SyncStarted, SyncInProgress or RateLimited; else BrazeApiError
        (status 0 when no answer came; a trigger is resent only if it never reached the server).
        """
        flow = flows.trigger(integration_id, retry=self.retry, clock=self._clock)
        try:
            return await self._run(flow, timeout=self.call_timeout)
        except flows.EffectUnknown as unknown:
            raise _unclear(unknown).without(self.generated.token) from None

    async def trigger_sync_when_allowed(
        self,
        integration_id: str,
        *,
        max_wait_seconds: float = DEFAULT_MAX_WAIT_SECONDS,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> Outcome:
        """Trigger; if over the rate limit, wait for X-RateLimit-Reset and try again (bounded).

        Never retries SyncInProgress: that outcome is returned at once.
        """
        deadline = self._clock() + max_wait_seconds
        outcome = await self.trigger_sync(integration_id)
        for _ in range(max_attempts - 1):
            wait = _wait_before_retry(outcome, now=self._clock(), deadline=deadline)
            if wait is None:
                break
            await self._sleep(wait)
            outcome = await self.trigger_sync(integration_id)
        return outcome
