"""The reference server survives hostile clients: stalled connections are closed, malformed HTTP
gets JSON, a crowd of idle connections does not lock a new client out, SIGTERM stops it cleanly.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from commandline import ROOT
from reference import serving
from reference.app import ReferenceServer
from reference.fixtures import DEMO_INTEGRATIONS, DEMO_KEY, demo_fixtures

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
    crowd = [_connect(quick_guard) for _ in range(300)]
    try:
        response = httpx.post(
            quick_guard + TRIGGER, headers={"Authorization": f"Bearer {DEMO_KEY}"}, timeout=10
        )
        assert response.status_code == 202
    finally:
        for connection in crowd:
            connection.close()


def test_sigterm_stops_the_server_with_exit_0_and_its_last_line() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "reference", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    process.stdout.readline()  # the first line: it listens
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert out.rstrip().endswith("Reference server stopped.")
    assert "Traceback" not in err
