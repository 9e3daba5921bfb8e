"""Serve an ASGI application on a free loopback port, in a background thread."""

from __future__ import annotations

import asyncio
import json
import logging
import resource
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import FrameType
from typing import Any

import h11
import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol

LOOPBACK = "127.0.0.1"
STARTUP_SECONDS = 10
BACKLOG = 2048
# A connection must bring a complete request within this long of opening or of its last answer.
REQUEST_SECONDS = 10.0
KEEP_ALIVE_SECONDS = 5
# Past this many simultaneous connections and requests (or half the open-file limit, if lower),
# uvicorn answers 503 and closes.
MAX_CONNECTIONS = 10_000
ACCEPT_REPORT_SECONDS = 10.0

log = logging.getLogger("braze_cdi_contract.serving")
# The transport of the connection whose request the application is answering, for the task that
# answers it: an ASGI application has no other way to it, and a test double's transport faults
# (close without answering, reset, a cut body, a dripped head) write to it directly.
CONNECTION: ContextVar[asyncio.Transport | None] = ContextVar("connection", default=None)


def bind_loopback(port: int = 0) -> socket.socket:
    """A listening TCP socket on 127.0.0.1 (port 0: a free port chosen by the system).

    It listens at once, so a client may connect as soon as the URL is known: connections wait in
    the backlog until the server accepts them, instead of being refused.
    """
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on accepted sockets whose protocol says
    # TCP, and without it every answer on a kept-alive connection waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((LOOPBACK, port))
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


def base_url(sock: socket.socket) -> str:
    """The http:// URL of a bound loopback socket."""
    host, port = sock.getsockname()[:2]
    return f"http://{host}:{port}"


class GuardedProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, guarded against clients that hold a connection for nothing.

    Every connection must deliver a complete request within `REQUEST_SECONDS` of opening, and
    of its previous answer; one that sends nothing, half a request line, or a body that never
    ends is closed then (uvicorn's own keep-alive timeout closes idle connections sooner). Bytes
    that are not valid HTTP get a JSON 400 where an answer can still be written.
    """

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._guard: asyncio.TimerHandle | None = None
        self._arm()

    def _arm(self) -> None:
        if self._guard is not None:
            self._guard.cancel()
        self._guard = self.loop.call_later(REQUEST_SECONDS, self._expire)

    def _expire(self) -> None:
        answering = self.cycle is not None and not self.cycle.response_complete
        if answering:
            self._arm()  # the application is answering: its own time, not the client's
        elif not self.transport.is_closing():
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        # The task that answers a request is made while the data is handled, and keeps the
        # context it was made in: the application finds its connection in CONNECTION.
        token = CONNECTION.set(self.transport)
        try:
            super().data_received(data)
        finally:
            CONNECTION.reset(token)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._guard is not None:
            self._guard.cancel()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        body = json.dumps({"message": msg.rstrip(".")}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        for event in (
            h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
            h11.Data(data=body),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event) or b"")
        self.transport.close()


class ReadyServer(uvicorn.Server):
    """A uvicorn server that sets `ready` once it accepts connections, and reports failed
    accepts (out of file descriptors) once a burst, with a count, instead of a traceback each.
    """

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()
        self.refused_accepts = 0
        self._last_report = 0.0

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        asyncio.get_running_loop().set_exception_handler(self._loop_error)
        await super().startup(sockets=sockets)
        self.ready.set()

    def _loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if "accept" not in str(context.get("message", "")):
            loop.default_exception_handler(context)
            return
        self.refused_accepts += 1
        now = time.monotonic()
        if now - self._last_report >= ACCEPT_REPORT_SECONDS:
            self._last_report = now
            error = context.get("exception")
            log.warning(
                "cannot accept connections (%s); %d refused so far; retrying",
                getattr(error, "strerror", None) or type(error).__name__,
                self.refused_accepts,
            )


def uvicorn_server(
    app: ASGIApp, *, proxying: bool = False, keep_alive: float = KEEP_ALIVE_SECONDS
) -> ReadyServer:
    """A quiet uvicorn server for the app (the app logs its own requests), guarded against
    clients that hold connections, and with a cap on simultaneous connections past which new
    ones get uvicorn's 503. For a proxy (`proxying`), uvicorn adds no `Server` and `Date`
    headers (the upstream's pass on) and runs the app's lifespan (which closes its pool). An idle
    kept-alive connection is closed after `keep_alive` seconds (a load balancer's is shorter).
    """
    files = raise_file_limit()
    config = uvicorn.Config(
        app,
        http=GuardedProtocol,
        log_level="warning",
        access_log=False,
        lifespan="on" if proxying else "off",
        timeout_graceful_shutdown=2,
        server_header=not proxying,
        date_header=not proxying,
        timeout_keep_alive=keep_alive,  # type: ignore[arg-type]  # uvicorn takes any number
        limit_concurrency=min(MAX_CONNECTIONS, files // 2),
    )
    return ReadyServer(config)


def raise_file_limit() -> int:
    """Let the process hold as many connections as the system allows it (each is a file); the
    open-file limit it has then.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65_536
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return max(soft, wanted)


class Stopped(BaseException):
    """SIGTERM arrived: stop as on Ctrl-C (a BaseException, like KeyboardInterrupt, so that no
    `except Exception` on the way, in uvicorn's start-up say, takes it for an error)."""


def run_until_stopped(
    server: ReadyServer, sock: socket.socket, *, announce: Callable[[], None]
) -> None:
    """Announce, then serve until Ctrl-C or SIGTERM, either of which stops the server gracefully
    and returns, also when it arrives during the announcement.

    uvicorn catches both signals while it runs and raises the caught one again once it has shut
    down; SIGTERM's default would then kill the process, so it is turned into an exception here.
    """

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        raise Stopped

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        announce()
        server.run(sockets=[sock])
    except (KeyboardInterrupt, Stopped):
        pass  # uvicorn shut down gracefully, then raised the signal it caught again
    finally:
        signal.signal(signal.SIGTERM, previous)
        sock.close()


@contextmanager
def serve_in_thread(
    app: ASGIApp, *, proxying: bool = False, keep_alive: float = KEEP_ALIVE_SECONDS
) -> Iterator[str]:
    """Serve the app on a free loopback port until the block ends; yields its base URL."""
    sock = bind_loopback()
    server = uvicorn_server(app, proxying=proxying, keep_alive=keep_alive)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        if not server.ready.wait(timeout=STARTUP_SECONDS):
            raise RuntimeError(f"the server did not start within {STARTUP_SECONDS} s")
        yield base_url(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
