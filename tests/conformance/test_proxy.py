"""The passive proxy: it changes nothing that passes, and names what it sees broken.

In-process (the proxy and the servers on loopback threads, traffic from httpx) for the proving
ground's servers; as users run it (`python -m conformance proxy`, `braze-cdi` with its key in the
environment, SIGINT) for the commands the README gives.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from braze_cdi_conformance import invariants
from braze_cdi_conformance.bounded import Bounds
from braze_cdi_conformance.checks import OBSERVERS
from braze_cdi_conformance.proxy import Proxy
from braze_cdi_conformance.run import Status
from braze_cdi_contract import load as load_contract
from braze_cdi_contract.serving import serve_in_thread
from braze_cdi_reference.fixtures import DEMO_INTEGRATIONS, DEMO_KEY
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

from proving_ground.faulty import FAULTY
from proving_ground.servers import REFERENCE, BundledServer
from proving_ground.valid import VALID
from tests.support import PROXY, proxy_process, stop_proxy
from tools import ROOT

CONTRACT = load_contract()
INTEGRATION = DEMO_INTEGRATIONS[0]
OTHER_KEY = "not-a-key-of-this-workspace-5f1c"
OBSERVED = {check.name for check in OBSERVERS}
# Faults an observer names from one answer, which the traffic below brings out (not those of
# the invariants, which tie answers far apart together: the proxy's tests of them drive a
# pipeline's traffic).
INVARIANT_CHECKS = {invariants.JOB_CONSISTENCY, invariants.INTEGRATION_LISTED}
OBSERVER_FAULTS = [
    server
    for server in FAULTY
    if server.caught_by in OBSERVED - INVARIANT_CHECKS and server.ends_its_answers
]
GRACE_SECONDS = 1.0


@contextmanager
def proxied(app: ASGIApp, *, dated: bool = True) -> Iterator[tuple[str, Proxy, list[str]]]:
    """The app on loopback, and the proxy in front of it; yields the proxy's URL."""
    lines: list[str] = []
    with serve_in_thread(app, proxying=not dated) as upstream:
        proxy = Proxy(
            CONTRACT,
            upstream,
            bounds=Bounds(answer_seconds=10.0),
            say=lines.append,
            grace_seconds=GRACE_SECONDS,
        )
        with serve_in_thread(proxy, proxying=True) as url:
            yield url, proxy, lines


def _raw(client: httpx.Client, method: str, path: str, **options: object) -> httpx.Response:
    """One request; the body read as it came (a bomb is not inflated here)."""
    with client.stream(method, path, **options) as response:  # type: ignore[arg-type]
        response._content = b"".join(response.iter_raw())
    return response


def pipeline(url: str) -> None:
    """What pipelines send in a day: lists, job status reads around triggers, a trigger that
    meets a running sync, an unknown integration, odd and long IDs, a text body, a wrong key.
    """
    key = {"Authorization": f"Bearer {DEMO_KEY}"}
    trigger = f"/cdi/integrations/{INTEGRATION}/sync"
    status = f"/cdi/integrations/{INTEGRATION}/job_sync_status"
    with httpx.Client(base_url=url, headers=key, timeout=20) as client:
        _raw(client, "GET", "/cdi/integrations")
        _raw(client, "GET", status)
        _raw(client, "POST", trigger, headers={"Content-Type": "application/json"})
        _raw(client, "GET", status)
        _raw(client, "POST", trigger, headers={"Content-Type": "application/json"})
        _raw(client, "GET", status)
        _raw(client, "GET", status)
        _raw(client, "POST", f"/cdi/integrations/{uuid.uuid4()}/sync")
        _raw(client, "POST", "/cdi/integrations/odd%20id%20%C3%BC%21/sync")
        _raw(client, "POST", f"/cdi/integrations/{'x' * 1001}/sync")
        _raw(client, "POST", trigger, content=b"{}", headers={"Content-Type": "text/plain"})
        _raw(client, "GET", "/cdi/integrations", headers={"Authorization": f"Bearer {OTHER_KEY}"})


def _app(server: BundledServer) -> ASGIApp:
    return server.build(server.fixtures(CONTRACT), contract=CONTRACT).app


def _failed(proxy: Proxy) -> set[str]:
    assert proxy.wait_until_judged()
    return {check.name for check, state in proxy.result().checks if state.status is Status.FAILED}


@pytest.mark.parametrize("server", OBSERVER_FAULTS, ids=lambda server: server.name)
def test_each_fault_an_observer_sees_is_named_by_its_check(server: BundledServer) -> None:
    with proxied(_app(server)) as (url, proxy, lines):
        pipeline(url)
        failed = _failed(proxy)
    assert server.caught_by in failed, (failed, lines)
    assert any(line.startswith(f"FAIL {server.caught_by}: ") for line in lines)
    assert all(DEMO_KEY not in line and OTHER_KEY not in line for line in lines)


@pytest.mark.parametrize("server", [REFERENCE, *VALID], ids=lambda server: server.name)
def test_a_correct_server_gets_no_finding(server: BundledServer) -> None:
    with proxied(_app(server)) as (url, proxy, lines):
        pipeline(url)
        time.sleep(GRACE_SECONDS)
        pipeline(url)  # the job status read again after the grace: the lifecycle is judged
        assert proxy.wait_until_judged()
        result = proxy.result()
    assert result.conformant, lines
    assert lines == []


@pytest.mark.parametrize(
    "name", ["no-in-progress-guard", "in-progress-answered-202", "shows-ended-syncs-running"]
)
def test_a_lifecycle_fault_shows_in_the_traffic(name: str) -> None:
    server = next(server for server in FAULTY if server.name == name)
    with proxied(_app(server)) as (url, proxy, lines):
        pipeline(url)
        time.sleep(GRACE_SECONDS + 2.5)  # past the sync's 2 s and the grace
        pipeline(url)
        failed = _failed(proxy)
    assert failed & {"sync-lifecycle", "job-status", "too-many-requests"}, lines


def _fixed(request: Request) -> Response:
    body = gzip.compress(b'{"results": [], "message": "success"}')
    headers = [
        ("content-encoding", "gzip"),
        ("x-custom", "one"),
        ("x-custom", "two"),
        ("set-cookie", "a=1"),
        ("set-cookie", "b=2"),
        ("date", "Tue, 01 Dec 2026 00:00:00 GMT"),
        ("server", "upstream"),
        ("content-type", "application/json"),
    ]
    response = Response(body, 200)
    response.raw_headers += [(name.encode(), value.encode()) for name, value in headers]
    return response


def test_answers_pass_byte_for_byte_with_their_headers() -> None:
    app = Starlette(routes=[Route("/cdi/integrations", _fixed)])
    with (
        proxied(app, dated=False) as (url, proxy, _lines),
        httpx.Client(timeout=10) as client,
    ):
        through = _raw(client, "GET", f"{url}/cdi/integrations")
        straight = _raw(client, "GET", f"{proxy.upstream}/cdi/integrations")
    assert through.status_code == straight.status_code == 200
    assert through.content == straight.content  # still gzip, as sent
    assert through.headers.multi_items() == straight.headers.multi_items()
    assert through.headers.get_list("set-cookie") == ["a=1", "b=2"]
    assert through.headers.get_list("date") == ["Tue, 01 Dec 2026 00:00:00 GMT"]


# As users run it.

SCRIPT = Path(sys.executable).parent / "braze-cdi"


def _braze_cdi(url: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "BRAZE_REST_API_KEY": DEMO_KEY, "BRAZE_REST_ENDPOINT": url}
    return subprocess.run(
        [str(SCRIPT), *arguments],
        capture_output=True,
        check=False,
        text=True,
        env=environment,
        timeout=120,
    )


def test_braze_cdi_through_the_proxy_ends_as_without_it_and_the_proxy_exits_0() -> None:
    with serve_in_thread(_app(REFERENCE)) as upstream, proxy_process(upstream) as (url, process):
        assert url.startswith("http://127.0.0.1:")
        direct = [_braze_cdi(upstream, "list"), _braze_cdi(upstream, "status", INTEGRATION)]
        through = [_braze_cdi(url, "list"), _braze_cdi(url, "status", INTEGRATION)]
        synced = _braze_cdi(url, "sync", INTEGRATION, "--wait", "--poll", "0.6")
        code, out, err = stop_proxy(process)
    assert [run.stdout for run in through] == [run.stdout for run in direct]
    assert all(run.returncode == 0 for run in [*direct, *through])
    assert synced.returncode == 0, synced.stderr
    assert "ended: success" in synced.stdout
    assert code == 0, out + err
    assert "CONFORMANT" in out
    assert err == ""


@pytest.mark.parametrize(
    ("name", "check"),
    [("success-200", "response-conformance"), ("reflects-key", "no-reflected-key")],
)
def test_a_fault_in_real_traffic_exits_1_naming_the_check(name: str, check: str) -> None:
    server = next(server for server in FAULTY if server.name == name)
    with serve_in_thread(_app(server)) as upstream, proxy_process(upstream) as (url, process):
        _braze_cdi(url, "sync", INTEGRATION)
        code, out, err = stop_proxy(process)
    assert code == 1
    assert f"FAIL {check}: " in err
    assert f"FAIL  {check}" in out
    assert DEMO_KEY not in out + err


def _cannot_run(*arguments: str) -> str:
    """Run the proxy with arguments it must refuse: its one line on stderr (exit 2)."""
    result = subprocess.run(
        [*PROXY, *arguments], capture_output=True, check=False, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("braze-cdi-conformance proxy: could not run: ")
    return result.stderr


def test_a_bad_upstream_a_taken_port_or_an_unwritable_report_cannot_run() -> None:
    assert "cannot reach" in _cannot_run("--upstream", "http://127.0.0.1:9")
    assert "must be an http" in _cannot_run("--upstream", "ftp://example")
    with serve_in_thread(_app(REFERENCE)) as upstream:
        taken = upstream.rsplit(":", 1)[1]
        assert "cannot listen" in _cannot_run("--upstream", upstream, "--port", taken)
    unwritable = "/nonexistent/dir/report.txt"
    assert f"cannot write {unwritable}" in _cannot_run(
        "--upstream", "http://127.0.0.1:9", "--report", unwritable
    )


def test_headers_a_connection_header_names_stay_on_their_hop() -> None:
    seen: list[dict[str, str]] = []

    async def answer(request: Request) -> Response:
        seen.append(dict(request.headers))
        response = Response(b'{"results": [], "message": "ok"}', 200)
        response.raw_headers += [(b"connection", b"x-upstream-hop"), (b"x-upstream-hop", b"1")]
        return response

    app = Starlette(routes=[Route("/cdi/integrations", answer)])
    with proxied(app) as (url, _, _lines), httpx.Client(timeout=10) as client:
        through = client.get(
            f"{url}/cdi/integrations",
            headers={"Connection": "keep-alive, x-client-hop", "X-Client-Hop": "1", "X-Kept": "1"},
        )
    assert "x-upstream-hop" not in through.headers
    assert "x-client-hop" not in seen[0]
    assert seen[0]["x-kept"] == "1"


def test_a_body_that_does_not_decode_is_a_robustness_finding_and_passes_unchanged() -> None:
    async def answer(request: Request) -> Response:
        garbage = b"\x1f\x8b\x08\x00not gzip at all"
        headers = {"Content-Encoding": "gzip"}
        return Response(garbage, 200, headers=headers, media_type="application/json")

    app = Starlette(routes=[Route("/cdi/integrations", answer)])
    with proxied(app) as (url, proxy, lines), httpx.Client(timeout=10) as client:
        through = _raw(client, "GET", f"{url}/cdi/integrations")
        failed = _failed(proxy)
    assert through.content == b"\x1f\x8b\x08\x00not gzip at all"  # passed on as it came
    assert "robustness" in failed, lines
