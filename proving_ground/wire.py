"""Servers that differ on the wire: how connections, framing and encodings look, which a proxy
must pass on as they are (valid ones) or name (faulty ones).

Each is the reference server behind one difference. Some are ASGI (a subclass, or a middleware
around the reference's app), served by uvicorn with its own keep-alive; the rest sit behind a
small TCP front on loopback that rewrites the bytes of each answer (HTTP/1.0, broken chunked
framing), which no ASGI server can be asked to write.
"""

from __future__ import annotations

import gzip
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from typing import Any

from braze_cdi_contract import Contract, Operation
from braze_cdi_contract.serving import (
    KEEP_ALIVE_SECONDS,
    base_url,
    bind_loopback,
    serve_in_thread,
)
from braze_cdi_reference.app import Admitted, Job, Page, ReferenceServer
from braze_cdi_reference.fixtures import Fixtures, demo_fixtures
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from proving_ground.servers import BundledServer
from proving_ground.valid import AbsoluteSameOriginLinks, RowsGrowWhileRunning

# Syncs that end before braze-cdi's first poll (1.2 s), yet run through the two commands after
# a trigger.
SYNC_SECONDS = 1.0
# Load balancers close idle kept-alive connections; this one after 100 ms.
IDLE_CLOSE_SECONDS = 0.1


@dataclass(frozen=True)
class WireServer:
    """A server and the verdict it must get from the proxy: `caught_by` names the check that
    must catch a faulty one; None marks a valid one, which must pass through unchanged.
    """

    name: str
    description: str
    serve: Callable[[Contract], AbstractContextManager[str]]
    caught_by: str | None = None


# What the matrix asks of schemathesis for a wire fault (see BundledServer): these faults show
# only in a sequence of answers, or to a client that reads them as a pipeline does.
SEEN_IN_ONE_ANSWER = {
    "no-key-gets-429": True,
    "job-status-says-in-progress": True,
    "cursor-ignored": False,
    "next-leads-back": False,
    "broken-chunks-on-202": True,
    "ended-job-runs-again-when-read": False,
}


def bundled(server: WireServer) -> BundledServer:
    """The wire server as one of the proving ground's bundled servers, served as it is."""
    return BundledServer(
        name=server.name,
        description=server.description,
        caught_by=server.caught_by,
        fixtures=_fixtures,
        seen_in_one_answer=SEEN_IN_ONE_ANSWER.get(server.name, True),
        # A budget leaves out the wait for the sync's end, after which this fault shows.
        caught_within_budget=server.name != "ended-job-runs-again-when-read",
        serve=server.serve,
    )


def _fixtures(contract: Contract) -> Fixtures:
    return replace(demo_fixtures(contract), sync_seconds=SYNC_SECONDS)


# Serving.


def serve_app(
    app: ASGIApp, *, keep_alive: float = KEEP_ALIVE_SECONDS
) -> AbstractContextManager[str]:
    """Serve an app on loopback with uvicorn, closing idle connections after `keep_alive` s."""
    return serve_in_thread(app, keep_alive=keep_alive)


def _reference(
    server: type[ReferenceServer] = ReferenceServer,
    *,
    wrap: Callable[[ASGIApp], ASGIApp] = lambda app: app,
    keep_alive: float = KEEP_ALIVE_SECONDS,
) -> Callable[[Contract], AbstractContextManager[str]]:
    def serve(contract: Contract) -> AbstractContextManager[str]:
        app = server(_fixtures(contract), contract=contract).app
        return serve_app(wrap(app), keep_alive=keep_alive)

    return serve


def _on_reference(
    name: str, server: type[ReferenceServer], *, caught_by: str | None = None
) -> WireServer:
    """A wire server that is the reference with one difference, described by its docstring."""
    return WireServer(name, (server.__doc__ or "").strip(), _reference(server), caught_by)


Rewrite = Callable[[bytes, bytes], tuple[bytes, bytes]]  # (request, answer) -> (request, answer)


@contextmanager
def serve_behind_front(app: ASGIApp, rewrite: Rewrite) -> Iterator[str]:
    """Serve an app behind a TCP front that takes one request per connection, relays it (with
    `Connection: close`), and writes back the answer's bytes as `rewrite` makes them.
    """
    with serve_app(app) as backend:
        front = _Front(backend, rewrite)
        front.start()
        try:
            yield front.url
        finally:
            front.stop()


class _Front:
    def __init__(self, backend: str, rewrite: Rewrite) -> None:
        host, port = backend.removeprefix("http://").split(":")
        self.backend = (host, int(port))
        self.rewrite = rewrite
        self.sock = bind_loopback()
        self.sock.settimeout(0.1)
        self.url = base_url(self.sock)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True, name="front")

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        self.sock.close()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                client, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            client.settimeout(10)
            try:
                request = _read_request(client)
                if request is None:
                    return
                request, _ = self.rewrite(_closing(request), b"")
                with socket.create_connection(self.backend, timeout=10) as upstream:
                    upstream.sendall(request)
                    answer = _read_to_end(upstream)
                _, answer = self.rewrite(request, answer)
                client.sendall(answer)
            except OSError:
                return


def _read_request(client: socket.socket) -> bytes | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = client.recv(65_536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = client.recv(65_536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def _read_to_end(sock: socket.socket) -> bytes:
    parts = []
    while chunk := sock.recv(65_536):
        parts.append(chunk)
    return b"".join(parts)


def _closing(request: bytes) -> bytes:
    """The request with `Connection: close` in place of any Connection header."""
    head, _, body = request.partition(b"\r\n\r\n")
    lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")]
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + body


def _http_10(request: bytes, answer: bytes) -> tuple[bytes, bytes]:
    """Both directions as HTTP/1.0: the request line, and the answer's status line."""
    if answer:
        return request, answer.replace(b"HTTP/1.1 ", b"HTTP/1.0 ", 1)
    line, _, rest = request.partition(b"\r\n")
    return line.replace(b" HTTP/1.1", b" HTTP/1.0") + b"\r\n" + rest, answer


def _broken_chunks_on_202(request: bytes, answer: bytes) -> tuple[bytes, bytes]:
    """A 202's body sent chunked, with a chunk-size line that is not hexadecimal."""
    if not answer.startswith(b"HTTP/1.1 202"):
        return request, answer
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = [
        line
        for line in head.split(b"\r\n")
        if not line.lower().startswith((b"content-length:", b"transfer-encoding:"))
    ]
    head = b"\r\n".join([*lines, b"Transfer-Encoding: chunked"])
    return request, head + b"\r\n\r\n" + b"zz\r\n" + body + b"\r\n"


# Middlewares.


def gzip_every_answer(app: ASGIApp) -> ASGIApp:
    """Every answer's body gzipped (a fixed mtime, so equal bodies compress to equal bytes)."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        start: Message = {}
        body = bytearray()

        async def collect(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            body.extend(message.get("body", b""))
            if message.get("more_body"):
                return
            packed = gzip.compress(bytes(body), mtime=0)
            headers = [
                (name, value)
                for name, value in start.get("headers", [])
                if name.lower() not in {b"content-length", b"content-encoding"}
            ]
            headers += [(b"content-encoding", b"gzip"), (b"content-length", b"%d" % len(packed))]
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": packed})

        await app(scope, receive, collect)

    return wrapped


def chunked_answers(app: ASGIApp) -> ASGIApp:
    """Every answer sent chunked, its body in two parts, with no Content-Length."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def split(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != b"content-length"
                ]
                await send({**message, "headers": headers})
                return
            body = message.get("body", b"")
            more = message.get("more_body", False)
            half = len(body) // 2
            await send({"type": "http.response.body", "body": body[:half], "more_body": True})
            await send({"type": "http.response.body", "body": body[half:], "more_body": more})

        await app(scope, receive, split)

    return wrapped


# Valid servers.


def _reference_app(contract: Contract, server: type[ReferenceServer] = ReferenceServer) -> ASGIApp:
    return server(_fixtures(contract), contract=contract).app


WIRE_VALID: list[WireServer] = [
    _on_reference("absolute-same-origin-links", AbsoluteSameOriginLinks),
    WireServer(
        "idle-closed-after-100ms",
        "Closes kept-alive connections idle for 100 ms, as load balancers do.",
        _reference(keep_alive=IDLE_CLOSE_SECONDS),
    ),
    WireServer(
        "gzip-every-answer",
        "Gzips every answer's body (Content-Encoding: gzip).",
        _reference(wrap=gzip_every_answer),
    ),
    WireServer(
        "http-1.0",
        "Speaks HTTP/1.0: one request per connection, the answer's end at the connection's.",
        lambda contract: serve_behind_front(_reference_app(contract), _http_10),
    ),
    WireServer(
        "chunked-answers",
        "Sends every answer chunked, in two parts, with no Content-Length.",
        _reference(wrap=chunked_answers),
    ),
    _on_reference("rows-grow-while-running", RowsGrowWhileRunning),
]


# Faulty servers: faults a proxy sees in the traffic.


class NoKeyGets429(ReferenceServer):
    """A request with no Authorization header is answered 429 over the rate limit, not 401."""

    def admit(self, request: Request, operation: Operation) -> Admitted | Response:
        if "authorization" not in request.headers:
            return self.error_response(429, self.messages.over_rate_limit)
        return super().admit(request, operation)


class JobStatusSaysInProgress(ReferenceServer):
    """The job status of a syncing integration is answered the in-progress 429,
    which the document lists for the trigger only.
    """

    def admit(self, request: Request, operation: Operation) -> Admitted | Response:
        admitted = super().admit(request, operation)
        identifier = str(request.path_params.get("integration_id", "")).lower()
        if (
            isinstance(admitted, Admitted)
            and operation.operation_id == self.contract.job_sync_status.operation_id
            and self.is_running(identifier)
        ):
            message = self.messages.another_job_in_progress
            return self.error_response(429, message, state=admitted.state)
        return admitted


class CursorIgnored(ReferenceServer):
    """A valid cursor is ignored: every page is the first, with rel="next", for ever."""

    def page(
        self,
        items: Sequence[tuple[str, dict[str, Any]]],
        cursor: str | None,
        *,
        scope: str,
    ) -> Page | None:
        if cursor is not None and self.decode_cursor(cursor, scope) is not None:
            cursor = None
        return super().page(items, cursor, scope=scope)


class NextLeadsBack(ReferenceServer):
    """A page reached with a cursor names that same cursor as its next (the last page too): the
    client reads it again and again.
    """

    def link_header(self, page: Page, request: Request) -> str | None:
        own = request.query_params.get("cursor")
        if own is not None:
            page = replace(page, next=own)
        return super().link_header(page, request)


WIRE_FAULTY: list[WireServer] = [
    _on_reference("no-key-gets-429", NoKeyGets429, caught_by="authentication"),
    _on_reference(
        "job-status-says-in-progress", JobStatusSaysInProgress, caught_by="too-many-requests"
    ),
    _on_reference("cursor-ignored", CursorIgnored, caught_by="paging"),
    _on_reference("next-leads-back", NextLeadsBack, caught_by="paging"),
    WireServer(
        "broken-chunks-on-202",
        "Sends the 202 chunked with a chunk-size line that is not hexadecimal, after a good "
        "status line and headers: the client sees a cut answer.",
        lambda contract: serve_behind_front(_reference_app(contract), _broken_chunks_on_202),
        caught_by="robustness",
    ),
]


# A faulty server whose fault only several answers show, for a pipeline's traffic (the suite's
# faulty servers for the invariants are in faulty.py; its ended-job-runs-again shows the job
# running again 2 s after its end, later than a pipeline reads, this one at the next read).


class EndedJobRunsAgainWhenRead(ReferenceServer):
    """A triggered job, once the job status has shown it ended, shows running again, for good."""

    def __init__(self, fixtures: Fixtures, **options: Any) -> None:  # noqa: ANN401
        super().__init__(fixtures, **options)
        self.shown_ended: set[tuple[int, float]] = set()

    def job_view(self, job: Job, now: float) -> dict[str, Any]:
        if job.sequence <= self.fixtures.history:
            return super().job_view(job, now)
        if (job.sequence, job.started) in self.shown_ended:
            return super().job_view(job, job.started)
        if job.ends <= now:
            self.shown_ended.add((job.sequence, job.started))
        return super().job_view(job, now)


WIRE_FAULTY.append(
    _on_reference(
        "ended-job-runs-again-when-read", EndedJobRunsAgainWhenRead, caught_by="job-consistency"
    )
)
