"""A wait, a status and both Python clients cost the same on a year-old integration as on a new
one: against histories of 10, 1,000 and 35,000 jobs listed newest first, the same job-status
reads (counted at the server); listed oldest first, the whole list within its bound, or an end
before any trigger past it. And no call spends more than its share of a documented limit.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest
from braze_cdi_client.contract_facts import (
    LIST_JOB_SYNC_STATUS_RATE_LIMIT,
    LIST_JOB_SYNC_STATUS_RATE_WINDOW_SECONDS,
    OVER_RATE_LIMIT_MESSAGE,
)
from braze_cdi_contract.serving import serve_in_thread
from braze_cdi_reference.app import ReferenceServer
from braze_cdi_reference.fixtures import (
    DEMO_INTEGRATIONS,
    DEMO_KEY,
    NEWEST_FIRST,
    OLDEST_FIRST,
    demo_fixtures,
)
from braze_cdi_sync import AsyncCdiClient, CdiClient, StartedSync, flows
from braze_cdi_sync.cli import OUT_OF_REACH, TIMEOUT
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.client.test_client import FakeTime
from tests.client.test_command_line import braze_cdi

INTEGRATION = DEMO_INTEGRATIONS[0]
LENGTHS = (10, 1_000, 35_000)


class CountsReads:
    """The reference server, counting the job-status reads it answers (their query strings)."""

    def __init__(self, server: ReferenceServer) -> None:
        self.server = server
        self.reads: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/job_sync_status"):
            self.reads.append(scope.get("query_string", b"").decode())
        await self.server.app(scope, receive, send)


@contextmanager
def history(
    length: int, order: str = NEWEST_FIRST, *, clock: FakeTime | None = None, **changes: Any
) -> Iterator[tuple[str, CountsReads]]:
    """The reference server with a history of `length` jobs, on loopback."""
    fixtures = replace(demo_fixtures(), history=length, job_order=order, **changes)
    server = ReferenceServer(fixtures) if clock is None else ReferenceServer(fixtures, clock=clock)
    counting = CountsReads(server)
    with serve_in_thread(counting) as url:
        yield url, counting


def _blocking_wait(length: int) -> int:
    clock = FakeTime()
    with (
        history(length, clock=clock, sync_seconds=30) as (url, counting),
        CdiClient(url, DEMO_KEY, sleep=clock.sleep, clock=clock) as braze,
    ):
        assert braze.sync_and_wait(INTEGRATION, poll=5).status == "success"
        assert all(query == "" for query in counting.reads)  # the first page only
        return len(counting.reads)


def _asyncio_wait(length: int) -> int:
    clock = FakeTime()

    async def sleep(seconds: float) -> None:
        clock.sleep(seconds)

    async def scenario(url: str) -> str:
        async with AsyncCdiClient(url, DEMO_KEY, sleep=sleep, clock=clock) as braze:
            return (await braze.sync_and_wait(INTEGRATION, poll=5)).status

    with history(length, clock=clock, sync_seconds=30) as (url, counting):
        assert asyncio.run(scenario(url)) == "success"
        assert all(query == "" for query in counting.reads)
        return len(counting.reads)


def test_the_blocking_wait_reads_as_much_for_35000_jobs_as_for_10() -> None:
    reads = {length: _blocking_wait(length) for length in LENGTHS}
    assert len(set(reads.values())) == 1, reads
    assert reads[10] == 1 + 30 // 5  # one to note, one a poll until the 30 s sync has ended


def test_the_asyncio_wait_reads_as_much_for_35000_jobs_as_for_10() -> None:
    reads = {length: _asyncio_wait(length) for length in LENGTHS}
    assert len(set(reads.values())) == 1, reads


def test_braze_cdi_sync_wait_reads_as_much_for_35000_jobs_as_for_10() -> None:
    counts = {}
    for length in LENGTHS:
        with history(length) as (url, counting):
            result = braze_cdi("sync", INTEGRATION, "--wait", "--poll", "1.2", endpoint=url)
            assert result.returncode == 0, result.stderr
            counts[length] = len(counting.reads)
    # A sync of 2 s, polled every 1.2 s: the note and two or three polls, whatever the history.
    assert max(counts.values()) - min(counts.values()) <= 1, counts
    assert max(counts.values()) <= 4, counts


def test_braze_cdi_wait_follows_a_running_sync_with_the_same_reads_for_any_history() -> None:
    counts = {}
    for length in LENGTHS:
        with history(length, sync_seconds=3) as (url, counting):
            assert braze_cdi("sync", INTEGRATION, endpoint=url).returncode == 0
            result = braze_cdi("wait", INTEGRATION, "--poll", "1.2", endpoint=url)
            assert result.returncode == 0, result.stderr
            assert result.stdout.startswith(f"sync of {INTEGRATION} ended: success")
            assert all(query == "" for query in counting.reads)
            counts[length] = len(counting.reads)
    assert max(counts.values()) - min(counts.values()) <= 1, counts


@pytest.mark.parametrize("length", LENGTHS)
def test_braze_cdi_status_reads_one_page_for_the_ten_most_recent(length: int) -> None:
    with history(length) as (url, counting):
        result = braze_cdi("status", INTEGRATION, "--json", endpoint=url)
    assert result.returncode == 0, result.stderr
    jobs = json.loads(result.stdout)
    assert len(jobs) == min(10, length)
    starts = [job["sync_start_time"] for job in jobs]
    assert starts == sorted(starts, reverse=True)
    assert counting.reads == [""]


def test_recent_jobs_of_an_oldest_first_list_are_its_last_within_the_bound() -> None:
    with history(120, OLDEST_FIRST) as (url, counting), CdiClient(url, DEMO_KEY) as braze:
        newest_first = braze.recent_jobs(INTEGRATION, 3)
        every = list(braze.job_sync_status(INTEGRATION))
    assert [job.started_at for job in newest_first] == [job.started_at for job in every[::-1][:3]]
    assert len(counting.reads) == 12 + 12  # the whole list (12 pages), then every page again


@pytest.mark.parametrize("length", [3_000, 35_000])
def test_an_oldest_first_list_past_the_bound_ends_status_and_wait_before_any_trigger(
    length: int,
) -> None:
    with history(length, OLDEST_FIRST) as (url, counting):
        status = braze_cdi("status", INTEGRATION, endpoint=url)
        assert len(counting.reads) == flows.NOTE_PAGES
        wait = braze_cdi("sync", INTEGRATION, "--wait", "--json", endpoint=url)
        assert len(counting.reads) == 2 * flows.NOTE_PAGES
        syncs = counting.server.syncs_started
    assert (status.returncode, wait.returncode) == (OUT_OF_REACH, OUT_OF_REACH)
    assert "--all reads every page" in status.stderr
    assert status.stderr.count("\n") == wait.stderr.count("\n") == 1
    assert wait.stderr.rstrip().endswith("no trigger was sent")
    assert json.loads(wait.stdout)["trigger_accepted"] is False
    assert syncs == 0


def test_status_limit_reads_past_the_first_page_only_as_far_as_asked() -> None:
    with history(1_000) as (url, counting):
        result = braze_cdi("status", INTEGRATION, "--limit", "25", endpoint=url)
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == 25
    assert len(counting.reads) == 3


def test_job_sync_status_with_a_limit_reads_a_page_only_when_asked() -> None:
    with history(1_000) as (url, counting), CdiClient(url, DEMO_KEY) as braze:
        jobs = braze.job_sync_status(INTEGRATION, limit=15)
        first = next(jobs)
        assert len(counting.reads) == 1
        rest = list(jobs)
    assert first.started_at is not None
    assert len(rest) == 14
    assert len(counting.reads) == 2


def test_reading_every_page_never_spends_more_than_half_of_the_job_status_limit() -> None:
    clock = FakeTime()
    with (
        history(1_000, clock=clock) as (url, counting),
        CdiClient(url, DEMO_KEY, sleep=clock.sleep, clock=clock, call_timeout=600) as braze,
    ):
        moments: list[float] = []
        original = counting.server.app

        async def stamped(scope: Any, receive: Any, send: Any) -> None:
            moments.append(clock.now)
            await original(scope, receive, send)

        counting.server.app = stamped
        assert len(list(braze.job_sync_status(INTEGRATION))) == 1_000
    window = LIST_JOB_SYNC_STATUS_RATE_WINDOW_SECONDS
    share = LIST_JOB_SYNC_STATUS_RATE_LIMIT // 2
    assert len(moments) == 100
    for start in moments:
        assert sum(start <= moment < start + window for moment in moments) <= share
    # 100 pages at 50 a minute: a minute of pauses, no more.
    assert clock.now - moments[0] == pytest.approx(window, abs=1)


def _over_the_limit_forever() -> Starlette:
    async def refused(request: Request) -> Response:
        headers = {"X-RateLimit-Reset": "1", "X-RateLimit-Limit": "100"}
        return JSONResponse({"message": OVER_RATE_LIMIT_MESSAGE}, 429, headers)

    path = f"/cdi/integrations/{INTEGRATION}/job_sync_status"
    return Starlette(routes=[Route(path, refused)])


def test_a_wait_that_ends_before_its_trigger_says_none_was_sent() -> None:
    with serve_in_thread(_over_the_limit_forever()) as url:
        result = braze_cdi("sync", INTEGRATION, "--wait", "--timeout", "2", "--json", endpoint=url)
    assert result.returncode == TIMEOUT
    said = result.stderr.strip()
    assert f"no trigger of {INTEGRATION} was sent within 2 s" in said
    assert said.endswith("nothing was started on Braze")
    assert "still runs" not in said
    assert json.loads(result.stdout)["trigger_accepted"] is False


def test_a_started_sync_survives_json_and_another_client_waits_for_it_without_triggering() -> None:
    clock = FakeTime()
    with history(1_000, clock=clock, sync_seconds=30) as (url, counting):
        with CdiClient(url, DEMO_KEY, sleep=clock.sleep, clock=clock) as first:
            started = first.start_sync(INTEGRATION)
        stored = json.dumps(started.as_dict())  # as an Airflow XCom or a task's state keeps it
        assert counting.server.syncs_started == 1
        assert counting.reads == [""]  # the note: one page

        async def sleep(seconds: float) -> None:
            clock.sleep(seconds)

        async def resume() -> str:
            async with AsyncCdiClient(url, DEMO_KEY, sleep=sleep, clock=clock) as second:
                restored = StartedSync.from_dict(json.loads(stored))
                return (await second.wait_for_sync(restored, poll=5)).status

        assert asyncio.run(resume()) == "success"
        assert counting.server.syncs_started == 1  # the wait never triggered
    assert StartedSync.from_dict(json.loads(stored)).as_dict() == started.as_dict()


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"integration_id": ""}, "integration_id"),
        ({"accepted_at": "noon"}, "accepted_at"),
        ({"before": {"keys": "x"}}, "keys"),
        ({"before": {"keys": [], "mode": "sideways"}}, "mode"),
    ],
)
def test_a_started_sync_that_is_not_one_is_refused_naming_what(
    change: dict[str, Any], named: str
) -> None:
    good = {
        "integration_id": INTEGRATION,
        "accepted_at": 1.0,
        "before": {"keys": [], "newest": None, "mode": "head", "tail": "/x", "pages": 1},
    }
    with pytest.raises(ValueError, match=named):
        StartedSync.from_dict({**good, **change})


def test_a_started_sync_whose_noted_page_is_on_another_host_is_not_read() -> None:
    started = StartedSync.from_dict(
        {
            "integration_id": INTEGRATION,
            "accepted_at": 1.0,
            "before": {
                "keys": [],
                "newest": None,
                "mode": "tail",
                "tail": "http://127.0.0.2:9/cdi/integrations/x/job_sync_status?cursor=1",
                "pages": 2,
            },
        }
    )
    with history(10) as (url, counting), CdiClient(url, DEMO_KEY) as braze:
        with pytest.raises(ValueError, match="not on the client's host"):
            braze.wait_for_sync(started, timeout=5)
        assert counting.reads == []


def test_a_budget_of_none_spends_without_bound_and_a_share_past_one_is_refused() -> None:
    unbounded = flows.Budget(None)
    for _ in range(500):
        assert unbounded.wait(flows.STATUS, 0.0) == 0.0
        unbounded.spend(flows.STATUS, 0.0)
    half = flows.Budget()
    for _ in range(50):
        half.spend(flows.STATUS, 0.0)
    assert half.wait(flows.STATUS, 1.0) == pytest.approx(59.0)
    with pytest.raises(ValueError, match="at most 1"):
        flows.Budget(1.5)
