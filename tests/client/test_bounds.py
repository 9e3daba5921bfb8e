"""Every answer the client reads is bounded: all of it within the read timeout (a deadline for
the whole answer, not a wait per byte), at most 1 MiB after decoding, JSON it can read or an
error. Against servers on loopback that drip, stall, bomb or nest.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import time
from collections.abc import AsyncIterator

import pytest
from braze_cdi_contract.serving import serve_in_thread
from braze_cdi_reference.fixtures import DEMO_INTEGRATIONS, DEMO_KEY
from braze_cdi_sync import (
    AsyncCdiClient,
    CdiClient,
    Retry,
    Unavailable,
    UnexpectedAnswer,
    WaitTimedOut,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from tests.client.test_command_line import braze_cdi

ONE_TRY = Retry(attempts=1, base_seconds=0.0, max_seconds=0.0, jitter=lambda: 0.0)
SECONDS = 1.5


def listing(answer: object) -> Starlette:
    return Starlette(routes=[Route("/cdi/integrations", answer)])  # type: ignore[arg-type]


async def drips(request: Request) -> Response:
    async def one_byte_a_second() -> AsyncIterator[bytes]:
        yield b'{"results": ['
        while True:
            await asyncio.sleep(0.3)
            yield b" "

    return StreamingResponse(one_byte_a_second(), media_type="application/json")


async def stalls(request: Request) -> Response:
    await asyncio.sleep(60)
    return Response("{}", media_type="application/json")


async def bombs(request: Request) -> Response:
    zeros = gzip.compress(b"[" + b" " * 50_000_000 + b"]", compresslevel=9)
    return Response(zeros, headers={"Content-Encoding": "gzip"}, media_type="application/json")


async def nests(request: Request) -> Response:
    return Response("[" * 200_000 + "]" * 200_000, media_type="application/json")


@pytest.mark.parametrize("answer", [drips, stalls], ids=["drips its body", "stalls"])
def test_a_slow_answer_ends_at_the_read_timeout_not_a_byte_later(answer: object) -> None:
    with serve_in_thread(listing(answer)) as url:
        started = time.monotonic()
        with (
            CdiClient(url, DEMO_KEY, timeout=SECONDS, retry=ONE_TRY) as braze,
            pytest.raises(Unavailable, match="no answer"),
        ):
            list(braze.list_integrations())
        # The whole answer's deadline, with a margin for a loaded machine; never a wait per byte.
        assert time.monotonic() - started < SECONDS * 4


def test_the_async_client_holds_the_same_deadline() -> None:
    async def read(url: str) -> None:
        async with AsyncCdiClient(url, DEMO_KEY, timeout=SECONDS, retry=ONE_TRY) as braze:
            async for _ in braze.list_integrations():
                pass

    with serve_in_thread(listing(drips)) as url:
        started = time.monotonic()
        with pytest.raises(Unavailable):
            asyncio.run(read(url))
    assert time.monotonic() - started < SECONDS * 4


def test_a_gzip_bomb_stops_at_the_size_bound() -> None:
    with (
        serve_in_thread(listing(bombs)) as url,
        CdiClient(url, DEMO_KEY, retry=ONE_TRY) as braze,
        pytest.raises(UnexpectedAnswer, match="passed 1,048,576 bytes"),
    ):
        list(braze.list_integrations())


def test_json_nested_too_deep_is_an_error_not_a_crash() -> None:
    with (
        serve_in_thread(listing(nests)) as url,
        CdiClient(url, DEMO_KEY, retry=ONE_TRY) as braze,
        pytest.raises(UnexpectedAnswer, match="without `results`"),
    ):
        list(braze.list_integrations())


def test_sync_wait_against_a_silent_port_ends_at_its_timeout_on_one_line() -> None:
    """`braze-cdi sync ID --wait --timeout 5` against a port that accepts and never answers."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        started = time.monotonic()
        result = braze_cdi(
            "sync",
            DEMO_INTEGRATIONS[0],
            "--wait",
            "--timeout",
            "5",
            endpoint=f"http://127.0.0.1:{port}",
        )
        seconds = time.monotonic() - started
    assert result.returncode == 6  # the timeout
    last = result.stderr.splitlines()[-1]
    assert last.startswith("braze-cdi: no trigger of")
    assert last.endswith("nothing was started on Braze")
    assert "Traceback" not in result.stderr
    # The timeout, its stated margin (1 s) and the command's start; never 30 s a request.
    assert seconds < 5 + 1 + 4


def test_the_async_wait_holds_its_timeout_against_a_server_that_stalls() -> None:
    async def wait(url: str) -> None:
        async with AsyncCdiClient(url, DEMO_KEY) as braze:
            await braze.sync_and_wait(DEMO_INTEGRATIONS[0], timeout=2, poll=1)

    app = Starlette(
        routes=[
            Route("/cdi/integrations/{integration_id}/job_sync_status", stalls),
            Route("/cdi/integrations/{integration_id}/sync", stalls, methods=["POST"]),
        ]
    )
    with serve_in_thread(app) as url:
        started = time.monotonic()
        with pytest.raises(WaitTimedOut):
            asyncio.run(wait(url))
    assert time.monotonic() - started < 2 + 1 + 3
