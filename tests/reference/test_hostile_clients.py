"""The reference server survives hostile clients: stalled connections are closed, malformed HTTP
gets JSON, a crowd of idle connections does not lock a new client out, SIGTERM stops it cleanly.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import socket
from collections.abc import Iterator

import httpx
import pytest
from braze_cdi_contract import serving
from braze_cdi_reference.app import ReferenceServer
from braze_cdi_reference.fixtures import DEMO_INTEGRATIONS, DEMO_KEY, demo_fixtures

from tests.support import start_module

TRIGGER = f"/cdi/integrations/{DEMO_INTEGRATIONS[0]}/sync"


@pytest.fixture
def quick_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The reference server, in a thread, closing stalled connections after 1 s."""
    monkeypatch.setattr(serving, "REQUEST_SECONDS", 1.0)
    with serving.serve_in_thread(ReferenceServer(demo_fixtures()).app) as url:
        yield url


def _connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=5)


def _closed_within(connection: socket.socket, seconds: float) -> bool:
    connection.settimeout(seconds)
    try:
        return connection.recv(1024) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


@pytest.mark.parametrize(
    "sent",
    [
        b"",
        b"POST /cdi/integ",
        b"POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n",
    ],
    ids=["nothing", "half a request line", "a chunked body that never ends"],
)
def test_a_stalled_connection_is_closed(quick_guard: str, sent: bytes) -> None:
    connection = _connect(quick_guard)
    with connection:
        connection.sendall(sent)
        if b"chunked" in sent:
            connection.settimeout(5)  # an answer may come first; the connection must still end
            while connection.recv(65_536):
                pass
            return
        assert _closed_within(connection, 5)


def test_malformed_http_gets_a_json_400(quick_guard: str) -> None:
    connection = _connect(quick_guard)
    with connection:
        connection.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        answer = b""
        while chunk := connection.recv(65_536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert b"content-type: application/json" in head.lower()
    assert json.loads(body)["message"]


def test_a_crowd_of_idle_connections_does_not_lock_a_new_client_out(quick_guard: str) -> None:
    serving.raise_file_limit()  # this process holds both ends of every connection
    crowd = [_connect(quick_guard) for _ in range(2_000)]
    try:
        response = httpx.post(
            quick_guard + TRIGGER, headers={"Authorization": f"Bearer {DEMO_KEY}"}, timeout=10
        )
        assert response.status_code == 202
        # ...and the crowd is closed by the guard, not held for good.
        assert all(_closed_within(connection, 5) for connection in crowd[:20])
    finally:
        for connection in crowd:
            connection.close()


def test_sigterm_stops_the_server_with_exit_0_and_its_last_line() -> None:
    process = start_module("braze_cdi_reference", "--port", "0")
    assert process.stdout is not None
    process.stdout.readline()  # the first line: it listens
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert out.rstrip().endswith("Reference server stopped.")
    assert "Traceback" not in err


def test_failed_accepts_are_logged_once_a_burst_with_a_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = serving.uvicorn_server(ReferenceServer(demo_fixtures()).app)
    loop = asyncio.new_event_loop()
    try:
        context = {
            "message": "socket.accept() out of system resource",
            "exception": OSError(24, "Too many open files"),
        }
        with caplog.at_level(logging.WARNING, logger="braze_cdi_contract.serving"):
            for _ in range(50):
                server._loop_error(loop, context)
    finally:
        loop.close()
    assert server.refused_accepts == 50
    lines = [record.getMessage() for record in caplog.records]
    assert lines == ["cannot accept connections (Too many open files); 1 refused so far; retrying"]
    assert not any(record.exc_info for record in caplog.records)


def test_past_the_connection_cap_a_new_client_gets_503_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(serving, "MAX_CONNECTIONS", 5)
    with serving.serve_in_thread(ReferenceServer(demo_fixtures()).app) as url:
        crowd = [_connect(url) for _ in range(10)]
        try:
            response = httpx.post(
                url + TRIGGER, headers={"Authorization": f"Bearer {DEMO_KEY}"}, timeout=10
            )
        finally:
            for connection in crowd:
                connection.close()
    assert response.status_code == 503
