"""The client follows a list's `Link` only on the configured origin, and never in a loop.

Against servers on loopback: one whose next-page URL names another host and port, where a second
server records whatever reaches it; and one whose next page is the page itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from braze_cdi_contract.serving import serve_in_thread
from braze_cdi_reference.app import Page, ReferenceServer
from braze_cdi_reference.fixtures import DEMO_INTEGRATIONS, DEMO_KEY, demo_fixtures
from braze_cdi_sync import AsyncCdiClient, BrazeApiError, CdiClient
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from tests.client.test_command_line import braze_cdi


class Recorder:
    """A server that answers 404 to anything and records the Authorization headers it saw."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = dict(scope["headers"])
        self.seen.append(headers.get(b"authorization", b"").decode())
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})


class LinksElsewhere(ReferenceServer):
    """Its Link header's URLs are absolute, on another origin (set on the instance)."""

    elsewhere = ""

    def link_header(self, page: Page, request: Request) -> str | None:
        link = super().link_header(page, request)
        return link.replace("<", f"<{self.elsewhere}") if link else link


class LinksToItself(ReferenceServer):
    """The next page of every page is the page itself."""

    def link_header(self, page: Page, request: Request) -> str | None:
        return f'<{request.url.path}?cursor=same>; rel="next"'

    def page(self, items: Any, cursor: str | None, *, scope: str) -> Page | None:
        return super().page(items, None, scope=scope)


@pytest.fixture
def elsewhere() -> Iterator[tuple[str, Recorder]]:
    recorder = Recorder()
    with serve_in_thread(recorder) as url:
        yield url, recorder


@pytest.fixture
def linking_elsewhere(elsewhere: tuple[str, Recorder]) -> Iterator[tuple[str, Recorder]]:
    other, recorder = elsewhere
    server = LinksElsewhere(demo_fixtures())
    server.elsewhere = other
    with serve_in_thread(server.app) as url:
        yield url, recorder


def test_a_link_to_another_origin_is_an_error_and_nothing_is_sent_there(
    linking_elsewhere: tuple[str, Recorder],
) -> None:
    url, recorder = linking_elsewhere
    with CdiClient(url, DEMO_KEY) as braze, pytest.raises(BrazeApiError, match="another origin"):
        list(braze.list_integrations())
    assert recorder.seen == []


def test_the_async_client_keeps_the_key_home_too(linking_elsewhere: tuple[str, Recorder]) -> None:
    url, recorder = linking_elsewhere

    async def read() -> None:
        async with AsyncCdiClient(url, DEMO_KEY) as braze:
            async for _ in braze.list_integrations():
                pass

    with pytest.raises(BrazeApiError, match="another origin"):
        asyncio.run(read())
    assert recorder.seen == []


def test_the_command_line_names_the_origin_on_one_line(
    linking_elsewhere: tuple[str, Recorder],
) -> None:
    url, recorder = linking_elsewhere
    result = braze_cdi("list", endpoint=url)
    assert result.returncode == 1  # an answer the contract does not describe
    assert "another origin (http://127.0.0.1:" in result.stderr
    assert result.stderr.count("\n") == 1
    assert DEMO_KEY not in result.stdout + result.stderr
    assert recorder.seen == []


def test_a_link_loop_ends_with_an_error() -> None:
    with serve_in_thread(LinksToItself(demo_fixtures()).app) as url:
        with CdiClient(url, DEMO_KEY) as braze, pytest.raises(BrazeApiError, match="came twice"):
            list(braze.job_sync_status(DEMO_INTEGRATIONS[0]))
        result = braze_cdi("list", endpoint=url)
    assert result.returncode == 1
    assert "came twice" in result.stderr
