"""Passive conformance: a proxy that judges the traffic of real pipelines as it passes.

`braze-cdi-conformance proxy --upstream URL` listens on 127.0.0.1, forwards every request to the
upstream unchanged and every answer back unchanged (status, headers but hop-by-hop ones, body
byte for byte, streamed), and judges each exchange with the suite's observers (response
conformance, robustness, rate-limit headers, too many requests, no reflected key) and with the
sync lifecycle as the traffic shows it:

- `sync-lifecycle`: a 202 for an integration while its job ran (a job status read before the
  202 and one after it both list the same job running);
- `job-status`: after a 202, a job status read (the whole list, in one answer) at least
  JOB_GRACE_SECONDS later that lists neither a running job nor one the read before the 202 did
  not list (or, without such a read, none that started after the 202).

It sends nothing of its own, so it costs nothing of Braze's budget. Each finding is one line on
stderr as it happens; SIGINT or SIGTERM prints the report (the suite's format, keys masked) and
exits 0 (nothing broken), 1 (findings) or 2 (could not run).

Transparent as far as HTTP allows: absolute URLs on the upstream's origin in `Link` and
`Location` are rewritten to the proxy's origin (as reverse proxies do); a read (GET, idempotent)
that failed on a reused connection before any answer byte is sent again on a fresh one, and a
trigger (POST) is only ever sent on a fresh connection, once, so it never meets a pooled
connection the upstream closed; an answer the proxy makes itself (502, 504) carries
`X-Conformance-Proxy-Error` and its own report line, and is never judged as the server's.
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import ssl
import sys
import threading
import time
import zlib
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import requests
import schemathesis
from braze_cdi_contract import Contract, ContractError
from braze_cdi_contract import load as load_contract
from braze_cdi_contract.commandline import EXIT_INTERRUPTED, Parser, port, unwritable
from braze_cdi_contract.serving import (
    CONNECTION,
    base_url,
    bind_loopback,
    run_until_stopped,
    uvicorn_server,
)
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from braze_cdi_conformance import checks, judgements, passive
from braze_cdi_conformance.bounded import Bounds, add_bound_options
from braze_cdi_conformance.checks import OBSERVERS, PROBES, Check
from braze_cdi_conformance.evidence import cursor_of, origin, parse_link, results
from braze_cdi_conformance.passive import INVARIANT_PROMISES
from braze_cdi_conformance.report import render, write_junit
from braze_cdi_conformance.run import MASK, CheckState, Options, Run
from braze_cdi_conformance.schema import schemathesis_operations, schemathesis_schema
from braze_cdi_conformance.suite import Result
from braze_cdi_conformance.transport import Exchange, Sender

EXIT_NOTHING_BROKEN, EXIT_FINDINGS, EXIT_CANNOT_RUN = 0, 1, 2
# What each exit status means (the docs' exit-status page is written from this).
EXIT_STATUSES = {
    EXIT_NOTHING_BROKEN: "stopped by Ctrl-C or SIGTERM; the traffic it saw broke no promise",
    EXIT_FINDINGS: "stopped; the traffic it saw broke a promise (the report names each check)",
    EXIT_CANNOT_RUN: "could not run: bad arguments, a port it cannot listen on, or an upstream "
    "it cannot reach (one line)",
    EXIT_INTERRUPTED: "interrupted before it listened",
}
# Headers of one connection, not of the message: never passed on (RFC 9110, 7.6.1).
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
    }
)
# A job status read this long after a 202 must show the sync (the suite's grace for a late job).
JOB_GRACE_SECONDS = checks.JOB_GRACE_SECONDS
# The integrations whose lifecycle the proxy remembers (the least recently seen are forgotten).
MAX_INTEGRATIONS = 10_000
MAX_KEYS = 100
UPSTREAM_CHECK_SECONDS = 5.0
LIFECYCLE = ("sync-lifecycle", "job-status")
# The suite's probes whose rules the traffic shows too (passive.py): judged under their names.
PASSIVE_PROBES = ("authentication", "paging", *LIFECYCLE)
# The header on an answer the proxy made itself (it never comes from the upstream).
PROXY_ERROR_HEADER = "X-Conformance-Proxy-Error"
# Methods a failed attempt may send again (RFC 9110, 9.2.2: idempotent, so "a client MAY
# automatically retry" them); any other goes on a fresh connection, once.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})
# The answers the proxy made itself, kept for the report (the latest, at most this many).
MAX_OWN_ANSWERS = 20
# A URL between angle brackets, as `Link` carries them.
LINK_TARGET = re.compile(r"<([^<>]*)>")


class CannotRun(Exception):
    """The proxy cannot start; the message says why, in one sentence."""


# Lifecycle as the traffic shows it.


def _job_key(item: dict[str, object]) -> str:
    started = item.get("sync_start_time")
    return f"started {started}" if isinstance(started, str) and started else repr(sorted(item))


@dataclass
class Reading:
    """One read of an integration's job list, page after page as the client follows `Link`."""

    started_at: float
    keys: set[str] = field(default_factory=set)
    running: set[str] = field(default_factory=set)
    items: int = 0
    whole: bool = False
    last_sent: float = 0.0  # when its latest page was sent
    # Each running job seen, with when the page that showed it was sent.
    running_seen: list[tuple[float, str]] = field(default_factory=list)


# The pages of readings under way a client may still ask for, and the readings kept, per
# integration.
MAX_OPEN_PAGES = 20
MAX_READINGS = 20


@dataclass
class Integration:
    """What the traffic showed of one integration's jobs."""

    # The latest readings, whole or not yet. Exchanges are judged once answered, not always in
    # the order they were sent, so what came before a 202 is told by when it was sent.
    readings: deque[Reading] = field(default_factory=lambda: deque(maxlen=MAX_READINGS))
    open_pages: OrderedDict[str, Reading] = field(default_factory=OrderedDict)  # by cursor
    # The last 202: when, what the readings before it showed.
    accepted_at: float | None = None
    listed_before: frozenset[str] | None = None
    running_before: frozenset[str] = frozenset()
    accepted_label: str = ""
    judged: bool = False


@dataclass
class Lifecycle:
    """The integrations seen, least recently seen first, bounded."""

    integrations: OrderedDict[str, Integration] = field(default_factory=OrderedDict)

    def of(self, integration_id: str) -> Integration:
        state = self.integrations.pop(integration_id, None) or Integration()
        self.integrations[integration_id] = state
        while len(self.integrations) > MAX_INTEGRATIONS:
            self.integrations.popitem(last=False)
        return state


# The proxy.


class ProxyRun(Run):
    """A run whose keys are the ones the traffic presents (masked wherever shown)."""

    def __init__(self, **kwargs: Any) -> None:  # noqa: ANN401 - Run's own arguments
        super().__init__(**kwargs)
        self.keys: list[str] = []

    def remember_key(self, key: str | None) -> None:
        if key and len(key) >= judgements.MIN_KEY_LENGTH and key not in self.keys:
            self.keys.append(key)
            del self.keys[:-MAX_KEYS]

    def mask(self, text: str) -> str:
        for key in self.keys:
            text = text.replace(key, MASK)
        return text


class Proxy:
    """The ASGI application: forwards, relays, and judges each exchange once it has passed."""

    def __init__(
        self,
        contract: Contract,
        upstream: str,
        *,
        bounds: Bounds,
        say: Callable[[str], None],
        clock: Callable[[], float] = time.time,
        grace_seconds: float = JOB_GRACE_SECONDS,
    ) -> None:
        self.contract = contract
        self.grace_seconds = grace_seconds
        self.upstream = upstream.rstrip("/")
        self.bounds = bounds
        self.say = say
        self.clock = clock
        self.started = time.monotonic()
        self.exchanges = 0
        self.lifecycle = Lifecycle()
        self.pages = passive.PageRuns(contract, self.upstream)
        self.cross = passive.CrossAnswers(contract)
        self.lock = threading.Lock()
        # The exchanges under way, per operation: one that overlapped another of its operation is
        # not sequential (the rate-limit check then judges its headers alone).
        self.under_way: dict[str, set[_Seen]] = {}
        self.settled = threading.Condition(self.lock)
        self.unjudged = 0
        self.operations = schemathesis_operations(schemathesis_schema(contract))
        self.sender = Sender(contract=contract, base_url=upstream, observe=lambda _: None)
        self.sender.bounds = bounds
        # The invariants are fed here, whole (passive.CrossAnswers), not through an observer of
        # the suite's that may bear the same name.
        self.observers = [check for check in OBSERVERS if check.name not in INVARIANT_PROMISES]
        self.checks: list[Check] = [
            *self.observers,
            *(check for check in PROBES if check.name in PASSIVE_PROBES),
            *(
                next(
                    (check for check in OBSERVERS if check.name == name),
                    Check(name, promise, lambda *_: None),
                )
                for name, promise in INVARIANT_PROMISES.items()
            ),
        ]
        self.run = ProxyRun(
            options=Options(base_url=upstream, token=""),
            contract=contract,
            operations=self.operations,
            sender=self.sender,
            check_names=tuple(check.name for check in self.checks),
        )
        self.routes = [
            (re.compile("^" + re.sub(r"\{[^/]+\}", "([^/]+)", path) + "$"), path)
            for path in sorted({op.path for op in contract.operations.values()})
        ]
        # One TLS context for both clients (building one reads the system's CA store); none is
        # used for an http:// upstream, so it gets a bare one.
        self.tls = (
            httpx.create_ssl_context()
            if urlsplit(self.upstream).scheme == "https"
            else ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        )
        # Reads go on pooled connections; triggers, and reads sent again, on a fresh one each.
        self.http = self._client(keep_alive=100)
        self.fresh = self._client(keep_alive=0)
        self.retried = 0
        self.own_answers: deque[str] = deque(maxlen=MAX_OWN_ANSWERS)
        self.own_answer_count = 0

    def _client(self, *, keep_alive: int) -> httpx.AsyncClient:
        client = httpx.AsyncClient(
            base_url=self.upstream,
            follow_redirects=False,
            verify=self.tls,
            timeout=httpx.Timeout(None, connect=30.0),
            limits=httpx.Limits(max_connections=1000, max_keepalive_connections=keep_alive),
        )
        client.headers.clear()  # nothing added to what the client sent
        return client

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:  # noqa: ANN401
        if scope["type"] == "lifespan":  # at shutdown, close the connections to the upstream
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await self.http.aclose()
                    await self.fresh.aclose()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        response, seen = await self.forward(request)
        try:
            await response(scope, receive, send)
        finally:
            # Passed on whole, cut by the upstream, or the proxy's own: judged as it ended.
            # Otherwise the client went away before the answer was whole: nothing to judge.
            seen.client_left = not (seen.finished or seen.cut or seen.own)
            self._settle(seen)

    async def forward(self, request: Request) -> tuple[Response, _Seen]:
        """Send the request on; answer with the upstream's answer, streamed as it comes (and
        what passed, judged once the answer has gone).
        """
        body = await request.body()
        dropped = HOP_BY_HOP | _named_in_connection(request.headers.getlist("connection"))
        headers = [(name, value) for name, value in request.headers.items() if name not in dropped]
        path = request.url.path
        target = path + (f"?{request.url.query}" if request.url.query else "")
        sent_at = self.clock()
        began = time.monotonic()
        tee = _Tee(self.bounds.max_answer_bytes)
        seen = _Seen(request.method, path, request.url.query, headers, sent_at)
        self._begin(seen)
        try:
            upstream = await self._send(request.method, target, headers, body)
        except httpx.HTTPError as error:
            return self._own_answer(seen, error), seen
        tee.start(upstream.headers.get("content-encoding", ""))

        async def relay() -> AsyncIterator[bytes]:
            try:
                async for chunk in upstream.aiter_raw():
                    tee.feed(chunk)
                    yield chunk
                seen.finish(upstream, tee, time.monotonic() - began, self.bounds)
            except httpx.HTTPError as error:
                # The upstream's answer broke off: the client's is cut too, as it would be
                # without the proxy (its connection reset, no end of the body passed on).
                seen.error = f"the upstream's answer broke off ({_error_name(error)})"
                seen.cut = True
                _cut_client_connection()
            finally:
                await upstream.aclose()

        hop = HOP_BY_HOP | _named_in_connection(upstream.headers.get_list("connection"))
        own = f"{request.url.scheme}://{request.url.netloc}"
        passed = [
            (name, self._rewritten(name, value, own))
            for name, value in upstream.headers.multi_items()
            if name.lower() not in hop
        ]
        relayed = StreamingResponse(relay(), status_code=upstream.status_code)
        relayed.raw_headers = [
            (name.encode("latin-1"), value.encode("latin-1")) for name, value in passed
        ]
        return relayed, seen

    async def _send(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes
    ) -> httpx.Response:
        """The upstream's answer (its head; the body streams). A trigger goes on a fresh
        connection, once. A read goes on a pooled one, and if that fails before any byte of an
        answer came (the upstream closed the idle connection as the request went out, say), once
        more on a fresh connection: reads are idempotent, so sending one again changes nothing.
        """

        def outgoing(client: httpx.AsyncClient) -> httpx.Request:
            return client.build_request(method, target, headers=headers, content=body)

        if method.upper() not in IDEMPOTENT:
            return await self.fresh.send(outgoing(self.fresh), stream=True)
        try:
            return await self.http.send(outgoing(self.http), stream=True)
        except httpx.TransportError:
            with self.lock:
                self.retried += 1
            return await self.fresh.send(outgoing(self.fresh), stream=True)

    def _own_answer(self, seen: _Seen, error: httpx.HTTPError) -> Response:
        """The proxy's own answer when the upstream gave none: 504 when it could not be reached
        in time, 502 otherwise, labelled as the proxy's, and reported as the proxy's.
        """
        status = 504 if isinstance(error, httpx.TimeoutException) else 502
        reached = not isinstance(error, httpx.ConnectError | httpx.ConnectTimeout)
        reason = (
            f"the upstream closed the connection without answering ({_error_name(error)})"
            if reached
            else f"the upstream could not be reached ({_error_name(error)})"
        )
        line = f"PROXY {status}: {reason} ({seen.method.upper()} {seen.path})"
        with self.lock:
            self.own_answers.append(line)
            self.own_answer_count += 1
        self.say(self.run.mask(line))
        # A connection the upstream took, on which the whole request went out fresh, and which
        # it closed without an answer, is the server's dropped connection: judged (robustness).
        seen.error = reason if reached else None
        seen.own = True
        return Response(
            json.dumps({"message": f"the conformance proxy answered: {reason}"}).encode(),
            status,
            headers={PROXY_ERROR_HEADER: reason},
            media_type="application/json",
        )

    def _rewritten(self, name: str, value: str, own: str) -> str:
        """A `Link` or `Location` value with URLs on the upstream's origin moved to the proxy's
        (`own`), path and query kept; anything else as it came.
        """
        lowered = name.lower()
        if lowered == "location":
            return self._on_own_origin(value, own)
        if lowered == "link":
            return LINK_TARGET.sub(lambda m: f"<{self._on_own_origin(m[1], own)}>", value)
        return value

    def _on_own_origin(self, url: str, own: str) -> str:
        upstream = urlsplit(self.upstream)
        if origin(url) is None or origin(url) != origin(self.upstream):
            return url
        parts = urlsplit(url)
        path = parts.path
        prefix = upstream.path.rstrip("/")
        if prefix and (path == prefix or path.startswith(prefix + "/")):
            path = path[len(prefix) :] or "/"
        query = f"?{parts.query}" if parts.query else ""
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        return f"{own}{path}{query}{fragment}"

    def _begin(self, seen: _Seen) -> None:
        with self.lock:
            self.unjudged += 1
            alongside = self.under_way.setdefault(f"{seen.method.upper()} {seen.window}", set())
            if alongside:
                seen.overlapped = True
                for other in alongside:
                    other.overlapped = True
            alongside.add(seen)

    # Judging.

    def _settle(self, seen: _Seen) -> None:
        """An exchange has passed: judge it, unless the client went away before the answer was
        whole (nothing the server did) or the answer was the proxy's own with nothing to judge.
        """
        if seen.settled:
            return
        seen.settled = True
        if seen.client_left or (seen.own and seen.error is None):
            with self.lock:
                self.under_way.get(f"{seen.method.upper()} {seen.window}", set()).discard(seen)
                self.unjudged -= 1
                self.settled.notify_all()
            return
        self.judge(seen)

    def judge(self, seen: _Seen) -> None:
        """Judge one exchange that has passed (its answer is with the client already)."""
        try:
            self._judge(seen)
        finally:
            with self.lock:
                self.unjudged -= 1
                self.settled.notify_all()

    def wait_until_judged(self, timeout: float = 10.0) -> bool:
        """Wait until every exchange that passed has been judged; whether it was."""
        with self.lock:
            return self.settled.wait_for(lambda: self.unjudged == 0, timeout)

    def _judge(self, seen: _Seen) -> None:
        with self.lock:
            self.under_way.get(f"{seen.method.upper()} {seen.window}", set()).discard(seen)
        operation = self._operation(seen.path)
        if operation is None:
            return  # not an operation of the contract: passed on, not judged
        contract_op, parameters = operation
        with self.lock:
            self.exchanges += 1
            self.run.remember_key(judgements.bearer_key(dict(seen.headers)))
            exchange = self._exchange(seen, contract_op, parameters)
            before = {
                check.name: self.run.recorder(check.name).state.total_findings
                for check in self.checks
            }
            for check in self.observers:
                check.function(self.run.recorder(check.name), self.run, exchange)
            self._answer_rules(exchange, parameters)
            self._cross_answers(exchange, contract_op.operation_id, parameters)
            self._lifecycle(exchange, contract_op.operation_id, parameters)
            for check in self.checks:
                state = self.run.recorder(check.name).state
                if state.total_findings > before[check.name] and state.findings:
                    finding = state.findings[-1]
                    self.say(
                        self.run.mask(
                            f"FAIL {check.name}: {finding.what}; expected {finding.expected}; "
                            f"received {_line(finding.received)}"
                        )
                    )

    def _answer_rules(self, exchange: Exchange, parameters: dict[str, str]) -> None:
        """The suite's rules that one answer shows once its request is known, and paging over
        the runs of pages clients read.
        """
        contract = self.contract
        passive.judge_no_key(self.run.recorder("authentication"), contract, exchange)
        operation = contract.operation_at(exchange.case.method, exchange.case.operation.path)
        lists = {contract.list_integrations.operation_id, contract.job_sync_status.operation_id}
        if operation.operation_id in lists and exchange.case.method.upper() == operation.method:
            self.pages.judge(
                self.run.recorder("paging"),
                exchange,
                scope=f"{operation.operation_id} {unquote(parameters.get('integration_id', ''))}",
                by_id=operation.operation_id == contract.list_integrations.operation_id,
            )

    def _cross_answers(
        self, exchange: Exchange, operation_id: str, parameters: dict[str, str]
    ) -> None:
        """The promises that tie this answer to the ones before it (invariants.py)."""
        judged = self.cross.feed(
            exchange,
            operation_id=operation_id,
            integration_id=unquote(parameters.get("integration_id", "")),
            received=self.clock(),
        )
        for name in judged.judged:
            self.run.recorder(name).applied()
        for finding in judged.findings:
            self.run.recorder(finding.check).fail(
                finding.ref,
                what=f"{finding.what} ({finding.ref.label})",
                expected=finding.expected,
                received=finding.received,
            )

    def _operation(self, path: str) -> tuple[Any, dict[str, str]] | None:
        for pattern, template in self.routes:
            match = pattern.match(path)
            if match:
                names = re.findall(r"\{([^/]+)\}", template)
                parameters = dict(zip(names, match.groups(), strict=True))
                methods = [op for op in self.contract.operations.values() if op.path == template]
                return methods[0] if methods else None, parameters
        return None

    def _exchange(self, seen: _Seen, contract_op: Any, parameters: dict[str, str]) -> Exchange:  # noqa: ANN401
        method = seen.method.upper()
        documented = self.contract.operation_at(method, contract_op.path)
        operation = self.operations[documented.operation_id]
        headers = dict(seen.headers)
        case = operation.Case(
            method=method,  # type: ignore[arg-type]
            path_parameters=parameters,
            query=dict(_query(seen.query)),
            headers=headers,
        )
        return Exchange(
            label=f"traffic: {method} {seen.path}",
            case=case,
            response=seen.response(self.upstream),
            error=seen.error,
            sent_at=seen.sent_at,
            sequential=not seen.overlapped,
        )

    def _lifecycle(self, exchange: Exchange, operation_id: str, parameters: dict[str, str]) -> None:
        integration_id = unquote(parameters.get("integration_id", ""))
        if not integration_id or exchange.response is None:
            return
        state = self.lifecycle.of(integration_id)
        now = exchange.sent_at
        if operation_id == self.contract.trigger.operation_id:
            if exchange.status == 202:
                state.accepted_at, state.judged = now, False
                earlier = [r for r in state.readings if r.started_at < now]
                latest = max(earlier, key=lambda r: r.started_at, default=None)
                whole = max(
                    (r for r in earlier if r.whole and r.last_sent < now),
                    key=lambda r: r.started_at,
                    default=None,
                )
                state.listed_before = frozenset(whole.keys) if whole else None
                state.running_before = frozenset(
                    key for sent, key in (latest.running_seen if latest else []) if sent < now
                )
                state.accepted_label = exchange.label
            return
        items = results(exchange)
        if (
            operation_id != self.contract.job_sync_status.operation_id
            or exchange.status != 200
            or items is None
        ):
            return
        reading = self._reading(state, exchange, now)
        if reading is None:
            return  # a page of a reading the proxy did not see begin
        running_statuses = self.contract.jobs.running
        page_running = {
            _job_key(item) for item in items if item.get("job_status") in running_statuses
        }
        reading.keys |= {_job_key(item) for item in items}
        reading.running |= page_running
        reading.running_seen += [(now, key) for key in page_running]
        reading.items += len(items)
        reading.last_sent = max(reading.last_sent, now)
        following = cursor_of((parse_link(exchange) or {}).get("next"))
        if following is not None:
            state.open_pages[following] = reading
            while len(state.open_pages) > MAX_OPEN_PAGES:
                state.open_pages.popitem(last=False)
        reading.whole = following is None
        if state.accepted_at is None or reading.started_at <= state.accepted_at:
            return
        self._judge_running_through(exchange, state, frozenset(page_running))
        if reading.whole:
            self._judge_after_202(exchange, state=state, reading=reading, now=now)

    def _reading(self, state: Integration, exchange: Exchange, now: float) -> Reading | None:
        """The reading this page belongs to: a new one for a first page."""
        cursor = exchange.case.query.get("cursor") if exchange.case.query else None
        if cursor is None:
            state.readings.append(Reading(started_at=now))
            return state.readings[-1]
        return state.open_pages.pop(str(cursor), None)

    def _judge_running_through(
        self, exchange: Exchange, state: Integration, running: frozenset[str]
    ) -> None:
        """A job that ran before the 202 (as read before it) and still runs after it: the 202
        came while it ran.
        """
        if not state.running_before or state.judged:
            return
        lifecycle = self.run.recorder("sync-lifecycle")
        lifecycle.applied()
        ran_through = state.running_before & running
        if ran_through:
            lifecycle.fail(
                exchange,
                what=f"A trigger got 202 while a sync ran ({state.accepted_label})",
                expected="429 with the in-progress message while a job runs",
                received=f"202, and the job {min(ran_through)} ran before and after it",
            )
            state.judged = True

    def _judge_after_202(
        self, exchange: Exchange, *, state: Integration, reading: Reading, now: float
    ) -> None:
        """A whole reading, begun at least the grace after a 202: it must list a running job or
        one newer than the 202.
        """
        accepted_at = state.accepted_at or 0.0
        if reading.started_at < accepted_at + self.grace_seconds or state.judged:
            return
        jobs = self.run.recorder("job-status")
        jobs.applied()
        state.judged = True
        if reading.running:
            return
        if state.listed_before is not None:
            newer = bool(reading.keys - state.listed_before)
        else:
            newer = any(
                _started_after(key.removeprefix("started "), accepted_at)
                for key in reading.keys
                if key.startswith("started ")
            )
        if not newer:
            jobs.fail(
                exchange,
                what=f"After a 202, the job status shows no sync of it ({exchange.label})",
                expected="a running job, or one newer than the 202, within "
                f"{self.grace_seconds:g} s",
                received=f"{reading.items} job(s), none running and none new, "
                f"{now - accepted_at:.0f} s after the 202",
            )

    def result(self) -> Result:
        """The verdict so far, as the suite's report shows it."""
        with self.lock:
            checks_seen: list[tuple[Check, CheckState]] = []
            for check in self.checks:
                state = self.run.recorder(check.name).state
                if state.applied == 0 and state.skip_reason is None:
                    state.skip_reason = "no exchange it judges passed through"
                checks_seen.append((check, state))
            notes = [f"passive: {self.exchanges} exchange(s) judged, none sent by the proxy"]
            if self.retried:
                notes.append(
                    f"proxy: {self.retried} read(s) sent again on a fresh connection after a "
                    "pooled one failed before any answer came"
                )
            if self.own_answer_count:
                notes.append(
                    f"proxy: {self.own_answer_count} answer(s) made by the proxy itself, "
                    f"not the server's (header {PROXY_ERROR_HEADER}); the latest: "
                    + "; ".join(self.own_answers)
                )
            return Result(
                passive=True,
                base_url=self.upstream,
                contract_version=self.contract.version,
                checks=checks_seen,
                notes=[self.run.mask(note) for note in notes],
                requests_sent=self.exchanges,
                generated_cases=0,
                seconds=time.monotonic() - self.started,
                seconds_waited=0.0,
                seed=0,
            )


def _error_name(error: Exception) -> str:
    """An error's class, and its text if it has one, on one line."""
    text = " ".join(str(error).split())[:200]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _cut_client_connection() -> None:
    """Reset the client's connection (the one this task answers), so that the answer it has
    begun ends cut, as the upstream's did, rather than looking whole.
    """
    transport = CONNECTION.get()
    if transport is None:
        raise ConnectionAbortedError("the upstream's answer broke off")
    transport.abort()


def _named_in_connection(values: list[str]) -> frozenset[str]:
    """The headers a `Connection` header names: hop-by-hop as well (RFC 9110, 7.6.1)."""
    return frozenset(
        name.strip().lower() for value in values for name in value.split(",") if name.strip()
    )


def _started_after(value: object, moment: float) -> bool:
    """Whether an ISO 8601 start time lies after `moment` (epoch seconds), give or take the
    suite's clock skew; False for anything that is not such a time.
    """
    if not isinstance(value, str):
        return False
    try:
        started = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    return started.timestamp() >= moment - judgements.CLOCK_SKEW_SECONDS


def _line(text: str) -> str:
    return " ".join(text.split())[:300]


def _query(query: str) -> list[tuple[str, str]]:
    return list(httpx.QueryParams(query).multi_items())


class _Tee:
    """The answer's body as the judges see it: decoded in bounded steps, at most `limit` bytes
    kept; past that only the fact is kept.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.body = bytearray()
        self.over = False
        self.broken = False  # the compressed body does not decode
        self.inflate: Any = None

    def start(self, encoding: str) -> None:
        encoding = encoding.strip().lower()
        if encoding in {"gzip", "x-gzip"}:
            self.inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self.inflate = zlib.decompressobj()

    def feed(self, chunk: bytes) -> None:
        if self.over or self.broken:
            return
        try:
            data = chunk
            while data:
                if self.inflate is None:
                    self._keep(data)
                    return
                self._keep(self.inflate.decompress(data, self.limit + 1))
                if self.over:
                    return
                data = self.inflate.unconsumed_tail
        except zlib.error:
            self.broken = True

    def _keep(self, data: bytes) -> None:
        self.body += data
        if len(self.body) > self.limit:
            self.over = True
            self.body = bytearray()


class _Seen:
    """One exchange as it passed: the request, and the answer once whole (or why not)."""

    def __init__(
        self, method: str, path: str, query: str, headers: list[tuple[str, str]], sent_at: float
    ) -> None:
        self.method, self.path, self.query, self.headers = method, path, query, headers
        self.sent_at = sent_at
        self.window = re.sub(r"/[^/]+/(sync|job_sync_status)$", r"/{}/\1", path)
        self.overlapped = False
        self.finished = False  # the answer passed whole
        self.cut = False  # the upstream's answer broke off
        self.own = False  # the proxy answered itself: the upstream gave no answer
        self.client_left = False
        self.settled = False
        self.error: str | None = "the client went away before the answer was whole"
        self.status = 0
        self.answer_headers: list[tuple[str, str]] = []
        self.content = b""
        self.elapsed = 0.0

    def finish(self, upstream: httpx.Response, tee: _Tee, elapsed: float, bounds: Bounds) -> None:
        self.elapsed = elapsed
        self.error = None
        self.finished = True
        if tee.over:
            self.error = (
                f"the body passed {bounds.max_answer_bytes:,} bytes after decoding "
                "(the size bound, --max-answer-bytes)"
            )
        elif tee.broken:
            self.error = "the body does not decode as its Content-Encoding says"
        elif elapsed > bounds.answer_seconds:
            self.error = (
                f"no complete answer within {bounds.answer_seconds:g} s (--answer-deadline)"
            )
        self.status = upstream.status_code
        self.answer_headers = [
            (name, value)
            for name, value in upstream.headers.multi_items()
            if name.lower() not in {"content-encoding", "content-length", "transfer-encoding"}
        ]
        self.content = bytes(tee.body)

    def response(self, upstream: str) -> schemathesis.Response | None:
        if self.error is not None:
            return None
        headers: dict[str, list[str]] = {}
        for name, value in self.answer_headers:
            headers.setdefault(name.lower(), []).append(value)
        url = upstream + self.path + (f"?{self.query}" if self.query else "")
        prepared = requests.Request(self.method, url, headers=dict(self.headers)).prepare()
        return schemathesis.Response(
            status_code=self.status,
            headers=headers,
            content=self.content,
            request=prepared,
            elapsed=self.elapsed,
            verify=True,
        )


# The command.


def parser() -> argparse.ArgumentParser:
    """`braze-cdi-conformance proxy`."""
    command = Parser(
        prog="braze-cdi-conformance proxy",
        description="Forward the traffic of real pipelines to --upstream, unchanged, and judge "
        "every exchange against the contract; Ctrl-C or SIGTERM prints the report.",
        epilog="Exit codes: 0 nothing broken, 1 findings, 2 could not run.",
    )
    command.add_argument(
        "--upstream", required=True, help="where to forward, e.g. https://rest.iad-01.braze.com"
    )
    command.add_argument("--port", type=port, default=0, help="port on 127.0.0.1 (default: free)")
    command.add_argument("--junit-xml", type=Path, help="also write a JUnit XML report here")
    command.add_argument("--report", type=Path, help="also write the text report here")
    add_bound_options(command)
    command.add_argument("--contract", type=Path, help=argparse.SUPPRESS)
    return command


def _reachable(upstream: str) -> None:
    parts = urlsplit(upstream)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise CannotRun(f"--upstream must be an http:// or https:// URL, not {upstream!r}")
    try:
        port_number = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise CannotRun(f"--upstream has a port that is not a number: {upstream!r}") from None
    try:
        socket.create_connection((parts.hostname, port_number), UPSTREAM_CHECK_SECONDS).close()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise CannotRun(
            f"cannot reach --upstream {parts.hostname}:{port_number}: {reason}"
        ) from None


def main(argv: list[str]) -> int:
    """Run the proxy until SIGINT or SIGTERM; print the report; 0, 1 or 2."""
    arguments = parser().parse_args(argv)

    def cannot_run(reason: str) -> int:
        print(f"braze-cdi-conformance proxy: could not run: {reason}", file=sys.stderr)
        return EXIT_CANNOT_RUN

    try:
        for path in (arguments.report, arguments.junit_xml):
            if path is not None and (reason := unwritable(path)):
                raise CannotRun(reason)
        contract = load_contract(arguments.contract) if arguments.contract else load_contract()
        _reachable(arguments.upstream)
        sock = bind_loopback(arguments.port)
    except (CannotRun, ContractError) as error:
        return cannot_run(str(error))
    except OSError as error:
        return cannot_run(f"cannot listen on 127.0.0.1:{arguments.port}: {error.strerror}")

    def say(line: str) -> None:
        print(f"braze-cdi-conformance proxy: {line}", file=sys.stderr, flush=True)

    bounds = Bounds(
        answer_seconds=arguments.answer_deadline, max_answer_bytes=arguments.max_answer_bytes
    )
    proxy = Proxy(contract, arguments.upstream, bounds=bounds, say=say)
    server = uvicorn_server(proxy, proxying=True)
    url = base_url(sock)
    run_until_stopped(server, sock, announce=lambda: print(url, flush=True))
    result = proxy.result()
    report = proxy.run.mask(render(result))
    print(report, flush=True)
    for path, write in (
        (arguments.report, lambda path: path.write_text(report + "\n", encoding="utf-8")),
        (arguments.junit_xml, lambda path: write_junit(result, path)),
    ):
        if path is not None:
            try:
                write(path)
            except OSError as error:
                return cannot_run(f"cannot write {path}: {error.strerror}")
    return EXIT_FINDINGS if not result.conformant else EXIT_NOTHING_BROKEN
