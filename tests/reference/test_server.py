"""The reference server answers each request by the first rule that applies."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime

import httpx
import pytest
from braze_cdi_contract.serving import serve_in_thread
from braze_cdi_reference.app import ReferenceServer
from braze_cdi_reference.fixtures import (
    DEMO_INTEGRATIONS,
    DEMO_KEY,
    DEMO_LIMITED_KEY,
    Fixtures,
    demo_fixtures,
)
from starlette.testclient import TestClient

INTEGRATION = DEMO_INTEGRATIONS[0]
UNKNOWN_UUID = "11111111-2222-4333-8444-555555555555"
FULL = {"Authorization": f"Bearer {DEMO_KEY}"}
LIMITED = {"Authorization": f"Bearer {DEMO_LIMITED_KEY}"}
RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def sync_path(integration_id: str = INTEGRATION) -> str:
    return f"/cdi/integrations/{integration_id}/sync"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(clock: FakeClock) -> ReferenceServer:
    return ReferenceServer(demo_fixtures(), clock=clock)


@pytest.fixture
def client(server: ReferenceServer) -> Iterator[TestClient]:
    with TestClient(server.app, base_url="http://127.0.0.1") as test_client:
        yield test_client


def limited_server(clock: FakeClock, *, limit: int) -> TestClient:
    fixtures = demo_fixtures()
    fixtures = Fixtures(keys=fixtures.keys, integrations=fixtures.integrations, rate_limit=limit)
    return TestClient(ReferenceServer(fixtures, clock=clock).app, base_url="http://127.0.0.1")


def test_trigger_gets_202_success_with_rate_limit_headers(client: TestClient) -> None:
    response = client.post(sync_path(), headers=FULL)
    assert response.status_code == 202
    assert response.json() == {"message": "success"}
    assert all(name in response.headers for name in RATE_HEADERS)


def test_documented_request_with_content_type_gets_202(client: TestClient) -> None:
    response = client.post(sync_path(), headers={**FULL, "Content-Type": "application/json"})
    assert response.status_code == 202


def test_missing_key_gets_401_without_rate_limit_headers(client: TestClient) -> None:
    response = client.post(sync_path())
    assert (response.status_code, response.json()) == (401, {"message": "Invalid API key"})
    assert not any(name in response.headers for name in RATE_HEADERS)


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-key", f'Bearer "{DEMO_KEY}"', f"Basic {DEMO_KEY}", DEMO_KEY, "Bearer"],
)
def test_unknown_or_malformed_key_gets_401(client: TestClient, authorization: str) -> None:
    response = client.post(sync_path(), headers={"Authorization": authorization})
    assert (response.status_code, response.json()) == (401, {"message": "Invalid API key"})


def test_key_without_permission_gets_403_with_rate_limit_headers(client: TestClient) -> None:
    response = client.post(sync_path(), headers=LIMITED)
    assert (response.status_code, response.json()) == (403, {"message": "Access Denied"})
    assert all(name in response.headers for name in RATE_HEADERS)


def test_over_rate_limit_gets_429_with_zero_remaining(clock: FakeClock) -> None:
    with limited_server(clock, limit=2) as client:
        client.post(sync_path(UNKNOWN_UUID), headers=FULL)
        client.post(sync_path(UNKNOWN_UUID), headers=FULL)
        response = client.post(sync_path(), headers=FULL)
    assert (response.status_code, response.json()) == (429, {"message": "Over rate limit"})
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert int(response.headers["x-ratelimit-reset"]) > clock.now


def test_permission_is_checked_before_the_rate_limit(clock: FakeClock) -> None:
    with limited_server(clock, limit=1) as client:
        client.post(sync_path(), headers=FULL)
        response = client.post(sync_path(), headers=LIMITED)
    assert response.status_code == 403


def test_rate_limit_window_resets_at_the_reset_second(clock: FakeClock) -> None:
    with limited_server(clock, limit=1) as client:
        first = client.post(sync_path(UNKNOWN_UUID), headers=FULL)
        assert client.post(sync_path(UNKNOWN_UUID), headers=FULL).status_code == 429
        clock.now = float(first.headers["x-ratelimit-reset"])
        after = client.post(sync_path(UNKNOWN_UUID), headers=FULL)
    assert after.status_code == 404
    assert after.headers["x-ratelimit-remaining"] == "0"
    assert int(after.headers["x-ratelimit-reset"]) > int(first.headers["x-ratelimit-reset"])


def test_remaining_falls_by_one_per_request(client: TestClient) -> None:
    remaining = [
        int(client.post(sync_path(UNKNOWN_UUID), headers=FULL).headers["x-ratelimit-remaining"])
        for _ in range(3)
    ]
    assert remaining[0] - remaining[1] == remaining[1] - remaining[2] == 1


@pytest.mark.parametrize(
    "integration_id", ["abc", "00000000000000000000000000000000", "x" * 10_000]
)
def test_id_that_is_not_a_uuid_gets_400(client: TestClient, integration_id: str) -> None:
    response = client.post(sync_path(integration_id), headers=FULL)
    assert (response.status_code, response.json()) == (400, {"message": "Invalid integration ID"})


def test_unknown_uuid_gets_404(client: TestClient) -> None:
    response = client.post(sync_path(UNKNOWN_UUID), headers=FULL)
    assert (response.status_code, response.json()) == (404, {"message": "Integration not found"})


def test_integration_of_another_workspace_gets_404(clock: FakeClock) -> None:
    fixtures = demo_fixtures()
    other = Fixtures(keys=fixtures.keys, integrations={INTEGRATION: "elsewhere"})
    with TestClient(ReferenceServer(other, clock=clock).app) as client:
        assert client.post(sync_path(), headers=FULL).status_code == 404


def test_trigger_while_sync_runs_gets_429_in_progress(client: TestClient) -> None:
    client.post(sync_path(), headers=FULL)
    response = client.post(sync_path(), headers=FULL)
    assert (response.status_code, response.json()) == (
        429,
        {"message": "Another job is in progress"},
    )
    assert all(name in response.headers for name in RATE_HEADERS)


def test_uppercase_id_is_the_same_integration(client: TestClient) -> None:
    client.post(sync_path(), headers=FULL)
    assert client.post(sync_path(INTEGRATION.upper()), headers=FULL).status_code == 429


def test_trigger_after_the_sync_finished_gets_202(client: TestClient, clock: FakeClock) -> None:
    client.post(sync_path(), headers=FULL)
    clock.now += demo_fixtures().sync_seconds
    assert client.post(sync_path(), headers=FULL).status_code == 202


def test_other_integration_is_not_blocked_by_a_running_sync(client: TestClient) -> None:
    client.post(sync_path(), headers=FULL)
    assert client.post(sync_path(DEMO_INTEGRATIONS[1]), headers=FULL).status_code == 202


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_other_method_gets_405_with_allow_post(client: TestClient, method: str) -> None:
    response = client.request(method, sync_path(), headers=FULL)
    assert (response.status_code, response.json()) == (405, {"message": "Method Not Allowed"})
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize("path", ["/", "/cdi/integration", "/cdi/integrations//sync", "/x%2Fy"])
def test_unknown_path_gets_404_invalid_url_as_json(client: TestClient, path: str) -> None:
    response = client.post(path, headers=FULL)
    assert (response.status_code, response.json()) == (404, {"message": "Invalid URL"})


def test_request_body_is_ignored(client: TestClient) -> None:
    response = client.post(sync_path(), headers=FULL, content=b"\xff\x00 not json")
    assert response.status_code == 202


def test_log_names_method_path_status_and_never_the_key(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="braze_cdi_reference"):
        client.post(sync_path(), headers=FULL)
        client.post(sync_path(), headers=LIMITED)
    lines = [record.getMessage() for record in caplog.records]
    assert any(line.startswith(f"POST {sync_path()} 202 ") for line in lines)
    assert any(line.startswith(f"POST {sync_path()} 403 ") for line in lines)
    assert not any(DEMO_KEY in line or DEMO_LIMITED_KEY in line for line in lines)


def test_fifty_simultaneous_triggers_over_http_start_exactly_one_sync() -> None:
    server = ReferenceServer(demo_fixtures())

    async def burst(url: str) -> list[int]:
        limits = httpx.Limits(max_connections=50)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
            responses = await asyncio.gather(
                *(client.post(sync_path(), headers=FULL) for _ in range(50))
            )
        return [response.status_code for response in responses]

    with serve_in_thread(server.app) as url:
        statuses = asyncio.run(burst(url))
    assert sorted(statuses) == [202] + [429] * 49
    assert server.syncs_started == 1


def _pages(client: TestClient, integration_id: str) -> list[list[dict[str, object]]]:
    path: str | None = f"/cdi/integrations/{integration_id}/job_sync_status"
    pages = []
    while path is not None:
        answer = client.get(path, headers=FULL)
        assert answer.status_code == 200
        pages.append(answer.json()["results"])
        link = answer.headers.get("link", "")
        path = link.split("<")[-1].split(">")[0] if 'rel="next"' in link else None
    return pages


@pytest.mark.parametrize("order", ["newest-first", "oldest-first"])
def test_a_long_history_is_listed_whole_in_its_order(clock: FakeClock, order: str) -> None:
    fixtures = replace(demo_fixtures(), history=2_345, history_every_seconds=900, job_order=order)
    with TestClient(ReferenceServer(fixtures, clock=clock).app) as client:
        pages = _pages(client, INTEGRATION)
    starts = [str(job["sync_start_time"]) for page in pages for job in page]
    assert len(pages) == 235
    assert len(starts) == len(set(starts)) == 2_345
    assert starts == sorted(starts, reverse=order == "newest-first")
    newest = datetime.fromisoformat(max(starts)).timestamp()
    assert newest == pytest.approx(clock.now - 900)


def test_a_page_of_35000_jobs_costs_what_a_page_of_ten_does(clock: FakeClock) -> None:
    timings = {}
    for history in (10, 35_000):
        server = ReferenceServer(replace(demo_fixtures(), history=history), clock=clock)
        with TestClient(server.app) as client:
            path = f"/cdi/integrations/{INTEGRATION}/job_sync_status"
            client.get(path, headers=FULL)
            started = time.perf_counter()
            for _ in range(20):
                assert client.get(path, headers=FULL).status_code == 200
            timings[history] = time.perf_counter() - started
    # Not a timing target (those are benchmarks): building every item per page would take
    # hundreds of times longer, which no noise explains.
    assert timings[35_000] < timings[10] * 20


def test_a_sync_started_after_a_long_history_is_listed_first(
    clock: FakeClock,
) -> None:
    server = ReferenceServer(replace(demo_fixtures(), history=35_000), clock=clock)
    with TestClient(server.app) as client:
        assert client.post(sync_path(), headers=FULL).status_code == 202
        first = client.get(f"/cdi/integrations/{INTEGRATION}/job_sync_status", headers=FULL)
    assert first.json()["results"][0]["job_status"] == "running"
    assert "Link" in first.headers
