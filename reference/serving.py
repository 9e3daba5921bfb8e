"""Serve an ASGI application on a free loopback port, in a background thread."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

LOOPBACK = "127.0.0.1"
STARTUP_SECONDS = 10
BACKLOG = 2048


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


class ReadyServer(uvicorn.Server):
    """A uvicorn server that sets `ready` once it accepts connections."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self.ready.set()


def uvicorn_server(app: ASGIApp) -> ReadyServer:
    """A quiet uvicorn server for the app (the app logs its own requests)."""
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=2,
    )
    return ReadyServer(config)


@contextmanager
def serve_in_thread(app: ASGIApp) -> Iterator[str]:
    """Serve the app on a free loopback port until the block ends; yields its base URL."""
    sock = bind_loopback()
    server = uvicorn_server(app)
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
