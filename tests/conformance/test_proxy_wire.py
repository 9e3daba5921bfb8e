"""The proxy on servers that differ on the wire, with a pipeline's braze-cdi traffic.

Valid servers (proving_ground/wire.py) pass through it unchanged, byte for byte, and braze-cdi
ends through it as without it; each faulty one, and each of the proving ground's faults that a
run of pages or several answers show, is named by its check. Everything on loopback.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import httpx
import pytest
from braze_cdi_conformance.bounded import Bounds
from braze_cdi_conformance.passive import INVARIANT_PROMISES
from braze_cdi_conformance.proxy import PROXY_ERROR_HEADER, Proxy
from braze_cdi_conformance.run import Status
from braze_cdi_contract import Contract
from braze_cdi_contract import load as load_contract
from braze_cdi_contract.serving import serve_in_thread
from braze_cdi_reference.app import ReferenceServer
from braze_cdi_reference.fixtures import DEMO_INTEGRATIONS, DEMO_KEY, demo_fixtures
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from proving_ground.faulty import FAULTY
from proving_ground.pipeline import UNKNOWN_KEY, exit_statuses, run_pipeline, run_reads
from proving_ground.servers import BundledServer
from proving_ground.wire import (
    IDLE_CLOSE_SECONDS,
    WIRE_FAULTY,
    WIRE_VALID,
    WireServer,
    serve_app,
)
from tests.support import proxy_process, stop_proxy

CONTRACT = load_contract()
INTEGRATION = DEMO_INTEGRATIONS[0]
KEY = {"Authorization": f"Bearer {DEMO_KEY}"}
# Headers that differ between two answers of one server for reasons of their own (the time, the
# request's place in its window) or belong to one connection.
VOLATILE = {
    "date",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "connection",
    "keep-alive",
    "transfer-encoding",
}
# The proving ground's faults that a run of pages or several answers show: the proxy must name
# them from a pipeline's traffic too.
RUN_CHECKS = {"paging", *INVARIANT_PROMISES}


def _bundled(server: BundledServer) -> WireServer:
    def serve(contract: Contract) -> AbstractContextManager[str]:
        return serve_app(server.build(server.fixtures(contract), contract=contract).app)

    return WireServer(server.name, server.description, serve, server.caught_by)


SEEN_OVER_RUNS = [
    _bundled(server)
    for server in FAULTY
    # (Not: a bad cursor's first page, which no client asks for; a job running again 2 s after
    # its end, later than a pipeline reads: wire.py's variant shows it at the next read.)
    if server.caught_by in RUN_CHECKS
    and server.name not in {"bad-cursor-gets-first-page", "ended-job-runs-again"}
]
# (Paging faults show in the reads a pipeline begins with; the rest take its whole traffic.)
SEEN_IN_READS = [server for server in SEEN_OVER_RUNS if server.caught_by == "paging"]


@contextmanager
def proxy_before(upstream: str) -> Iterator[tuple[str, Proxy, list[str]]]:
    """The proxy in front of `upstream`, on loopback: its URL, itself, the lines it said."""
    lines: list[str] = []
    proxy = Proxy(CONTRACT, upstream, bounds=Bounds(answer_seconds=10.0), say=lines.append)
    with serve_in_thread(proxy, proxying=True) as url:
        yield url, proxy, lines


def _failed(proxy: Proxy) -> set[str]:
    assert proxy.wait_until_judged()
    return {check.name for check, state in proxy.result().checks if state.status is Status.FAILED}


def _raw(client: httpx.Client, method: str, url: str, **options: object) -> httpx.Response:
    """One request; the body as it came (still compressed, if it was)."""
    with client.stream(method, url, **options) as response:  # type: ignore[arg-type]
        response._content = b"".join(response.iter_raw())
    return response


def _reads(client: httpx.Client, base: str) -> Iterator[tuple[str, httpx.Response]]:
    """The reads a pipeline makes that change nothing: both pages of the list, a job status,
    an unknown integration's trigger, and requests with no key and an unknown key.
    """
    first = _raw(client, "GET", f"{base}/cdi/integrations", headers=KEY)
    yield "list", first
    following = first.links.get("next", {}).get("url")
    if following:
        yield "list, page 2", _raw(client, "GET", str(httpx.URL(base).join(following)), headers=KEY)
    status = f"{base}/cdi/integrations/{INTEGRATION}/job_sync_status"
    yield "job status", _raw(client, "GET", status, headers=KEY)
    unknown = f"{base}/cdi/integrations/00000000-0000-4000-8000-000000000000/sync"
    yield "unknown ID", _raw(client, "POST", unknown, headers=KEY)
    yield "no key", _raw(client, "GET", f"{base}/cdi/integrations")
    other = {"Authorization": f"Bearer {UNKNOWN_KEY}"}
    yield "unknown key", _raw(client, "GET", f"{base}/cdi/integrations", headers=other)


def _end_to_end(response: httpx.Response, *, own: str, upstream: str) -> list[tuple[str, str]]:
    return [
        (name.lower(), value.replace(own, upstream) if name.lower() == "link" else value)
        for name, value in response.headers.multi_items()
        if name.lower() not in VOLATILE
    ]


@pytest.mark.parametrize("server", WIRE_VALID, ids=lambda server: server.name)
def test_a_valid_server_passes_byte_for_byte_and_braze_cdi_ends_the_same(
    server: WireServer,
) -> None:
    """(One test for both, to keep the tier fast: reads with and without the proxy answered
    alike, then a pipeline through it ending as one without it.)
    """
    with server.serve(CONTRACT) as upstream:
        direct = exit_statuses(run_pipeline(upstream))
    with server.serve(CONTRACT) as upstream, proxy_before(upstream) as (url, proxy, lines):
        with httpx.Client(timeout=10) as client:
            straight = list(_reads(client, upstream))
            through = list(_reads(client, url))
        piped = exit_statuses(run_pipeline(url))
        failed = _failed(proxy)
    assert [name for name, _ in through] == [name for name, _ in straight]
    assert len(straight) == 6  # (two pages of the list)
    for (name, answer), (_, proxied) in zip(straight, through, strict=True):
        assert proxied.status_code == answer.status_code, name
        assert proxied.content == answer.content, name
        assert _end_to_end(proxied, own=url, upstream=upstream) == _end_to_end(
            answer, own=url, upstream=upstream
        ), name
    assert piped == direct
    assert direct["sync --wait"] == 0  # the pipeline did what it says
    assert direct["second sync"] == 8  # (it met the sync the first started)
    assert failed == set(), lines
    assert lines == []


@pytest.mark.parametrize(
    "server",
    [*WIRE_FAULTY, *(server for server in SEEN_OVER_RUNS if server not in SEEN_IN_READS)],
    ids=lambda server: server.name,
)
def test_a_fault_in_a_pipeline_s_traffic_is_named_by_its_check(server: WireServer) -> None:
    _named_by_its_check(server, run_pipeline)


@pytest.mark.parametrize("server", SEEN_IN_READS, ids=lambda server: server.name)
def test_a_paging_fault_in_a_pipeline_s_reads_is_named_by_its_check(server: WireServer) -> None:
    _named_by_its_check(server, run_reads)


def _named_by_its_check(server: WireServer, traffic: Callable[[str], object]) -> None:
    with server.serve(CONTRACT) as upstream, proxy_before(upstream) as (url, proxy, lines):
        traffic(url)
        failed = _failed(proxy)
        conformant = proxy.result().conformant
    assert server.caught_by in failed, lines
    assert not conformant  # the proxy's exit status: 1
    assert any(line.startswith(f"FAIL {server.caught_by}: ") for line in lines)
    assert all(DEMO_KEY not in line and UNKNOWN_KEY not in line for line in lines)


class _CountingTriggers:
    """Counts the triggers that reach the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.triggers = 0
        self.lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            with self.lock:
                self.triggers += 1
        await self.app(scope, receive, send)


def test_an_upstream_that_closes_idle_connections_never_gets_a_trigger_twice_nor_a_502() -> None:
    app = _CountingTriggers(ReferenceServer(demo_fixtures(CONTRACT), contract=CONTRACT).app)
    statuses: list[int] = []
    with (
        serve_app(app, keep_alive=IDLE_CLOSE_SECONDS) as upstream,
        proxy_before(upstream) as (url, proxy, lines),
        httpx.Client(base_url=url, headers=KEY, timeout=10) as client,
    ):
        for round_ in range(12):
            # Just about when the upstream closes the connection the last answer came on.
            time.sleep(IDLE_CLOSE_SECONDS - 0.005 + (round_ % 5) * 0.003)
            statuses.append(
                client.get(f"/cdi/integrations/{INTEGRATION}/job_sync_status").status_code
            )
            time.sleep(IDLE_CLOSE_SECONDS - 0.005 + (round_ % 5) * 0.003)
            statuses.append(client.post(f"/cdi/integrations/{INTEGRATION}/sync").status_code)
        failed = _failed(proxy)
    assert 502 not in statuses, lines
    assert set(statuses) <= {200, 202, 429}
    assert app.triggers == 12  # each trigger reached the upstream once
    assert failed == set(), lines


def test_an_answer_the_proxy_makes_itself_is_labelled_and_no_finding() -> None:
    with serve_in_thread(Starlette()) as gone:
        pass  # served and stopped: nothing listens there now
    with proxy_before(gone) as (url, proxy, lines), httpx.Client(timeout=10) as client:
        answer = client.get(f"{url}/cdi/integrations", headers=KEY)
        assert proxy.wait_until_judged()
        result = proxy.result()
    assert answer.status_code == 502
    assert "could not be reached" in answer.headers[PROXY_ERROR_HEADER]
    assert result.conformant, lines
    assert [line.split(":")[0] for line in lines] == ["PROXY 502"]
    assert any("made by the proxy itself" in note for note in result.notes)


def _redirect(request: Request) -> Response:
    own = f"{request.url.scheme}://{request.url.netloc}"
    response = JSONResponse({"results": [], "message": "success"}, 200)
    response.headers["Location"] = f"{own}/cdi/integrations?cursor=a"
    response.headers["Link"] = (
        f'<{own}/cdi/integrations?cursor=b>; rel="prev", <http://127.0.0.2:9/x>; rel="next"'
    )
    return response


def test_urls_on_the_upstream_s_origin_move_to_the_proxy_s_and_no_others() -> None:
    app = Starlette(routes=[Route("/cdi/integrations", _redirect)])
    with (
        serve_in_thread(app) as upstream,
        proxy_before(upstream) as (url, proxy, lines),
        httpx.Client(timeout=10) as client,
    ):
        answer = client.get(f"{url}/cdi/integrations", headers=KEY)
        failed = _failed(proxy)
    assert answer.headers["location"] == f"{url}/cdi/integrations?cursor=a"
    assert answer.headers["link"] == (
        f'<{url}/cdi/integrations?cursor=b>; rel="prev", <http://127.0.0.2:9/x>; rel="next"'
    )
    assert "paging" in failed, lines  # the other origin, judged as the upstream sent it


def _cut(serve: Callable[[], AbstractContextManager[str]]) -> None:
    """A trigger through `serve`'s URL is answered 202 and then cut."""
    trigger = f"/cdi/integrations/{INTEGRATION}/sync"
    with (
        serve() as base,
        httpx.Client(timeout=10) as client,
        client.stream("POST", f"{base}{trigger}", headers=KEY) as answer,
    ):
        assert answer.status_code == 202
        with pytest.raises(httpx.HTTPError):
            answer.read()


def test_an_answer_the_upstream_cuts_is_cut_for_the_client_too() -> None:
    server = next(server for server in WIRE_FAULTY if server.name == "broken-chunks-on-202")
    _cut(lambda: server.serve(CONTRACT))

    @contextmanager
    def through() -> Iterator[str]:
        with server.serve(CONTRACT) as upstream, proxy_before(upstream) as (url, _, _lines):
            yield url

    _cut(through)


def test_the_proxy_command_names_a_cut_answer_without_a_traceback() -> None:
    server = next(server for server in WIRE_FAULTY if server.name == "broken-chunks-on-202")
    with server.serve(CONTRACT) as upstream, proxy_process(upstream) as (url, process):
        with httpx.Client(timeout=10) as client, pytest.raises(httpx.HTTPError):
            client.post(f"{url}/cdi/integrations/{INTEGRATION}/sync", headers=KEY)
        code, out, err = stop_proxy(process)
    assert code == 1
    assert "FAIL robustness: No complete answer" in err
    assert "Traceback" not in err
    assert DEMO_KEY not in out + err
