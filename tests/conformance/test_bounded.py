"""The suite survives servers that drip, never finish, bomb or redirect: every exchange ends within
its bounds, says which bound it crossed, and the key never reaches another origin.
"""

from __future__ import annotations

import socket
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import requests
from braze_cdi_conformance import bounded
from braze_cdi_conformance.schema import schemathesis_operation
from braze_cdi_contract import load as load_contract

from proving_ground.client_ground import raw_peer

KEY = "sk-bounded-test-key-0123456789"
Handler = Callable[[socket.socket], None]


@contextmanager
def raw_server(handler: Handler) -> Iterator[tuple[str, list[bytes]]]:
    """A loopback server that answers each connection with handler; yields its URL and the
    requests it received.
    """
    received: list[bytes] = []

    def behaviour(connection: socket.socket) -> None:
        connection.settimeout(5)
        received.append(connection.recv(65_536))
        handler(connection)

    with raw_peer(behaviour) as url:
        yield url, received


def exchange(url: str, bounds: bounded.Bounds) -> tuple[object, str | None]:
    operation = schemathesis_operation(load_contract(), "triggerIntegrationSync")
    case = operation.Case(
        path_parameters={"integration_id": "abc"}, headers={"Authorization": f"Bearer {KEY}"}
    )
    with requests.Session() as session:
        return bounded.call(case, base_url=url, session=session, bounds=bounds)


def drip_headers(connection: socket.socket) -> None:
    for byte in b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n":
        connection.sendall(bytes([byte]))
        time.sleep(0.1)


def drip_body(connection: socket.socket) -> None:
    connection.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Length: 1000\r\n\r\n")
    for _ in range(50):
        connection.sendall(b" ")
        time.sleep(0.1)


def _bomb_payload() -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # a gzip member
    zeros = b"\0" * 1_000_000
    return b"".join(packer.compress(zeros) for _ in range(200)) + packer.flush()


BOMB = _bomb_payload()  # 200 KB that inflate to 200 MB, made before any measurement


def bomb(connection: socket.socket) -> None:
    payload = BOMB
    head = (
        "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n"
        f"Content-Encoding: gzip\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    connection.sendall(head.encode() + payload)


def test_a_server_dripping_its_headers_is_cut_at_the_deadline() -> None:
    with raw_server(drip_headers) as (url, _):
        response, error = exchange(url, bounded.Bounds(answer_seconds=1.0))
    assert response is None
    assert error is not None
    assert "within 1 s" in error
    assert "--answer-deadline" in error


def test_a_server_dripping_its_body_is_cut_at_the_deadline() -> None:
    with raw_server(drip_body) as (url, _):
        response, error = exchange(url, bounded.Bounds(answer_seconds=1.0))
    assert response is None
    assert error is not None
    assert "answer deadline" in error


def test_a_gzip_bomb_is_stopped_at_the_size_bound_without_inflating() -> None:
    with raw_server(bomb) as (url, _):
        tracemalloc.start()
        response, error = exchange(url, bounded.Bounds(max_answer_bytes=1_000_000))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert response is None
    assert error is not None
    assert "passed 1,000,000 bytes after decoding" in error
    assert peak < 50_000_000  # the bomb inflates to 200 MB


def test_a_redirect_is_the_answer_and_the_key_never_reaches_the_other_origin() -> None:
    with raw_server(lambda connection: connection.sendall(b"HTTP/1.1 200 OK\r\n\r\n")) as (
        elsewhere,
        seen_elsewhere,
    ):

        def redirect(connection: socket.socket) -> None:
            connection.sendall(
                f"HTTP/1.1 307 Temporary Redirect\r\nLocation: {elsewhere}/sync\r\n"
                "Content-Length: 0\r\n\r\n".encode()
            )

        with raw_server(redirect) as (url, seen_at_origin):
            response, error = exchange(url, bounded.Bounds())
    assert error is None
    assert getattr(response, "status_code", None) == 307
    assert any(KEY.encode() in request for request in seen_at_origin)  # the key was sent...
    assert seen_elsewhere == []  # ...and nothing, key or not, went to the other origin
