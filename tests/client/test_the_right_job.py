"""The job `sync_and_wait` returns is the one its trigger started, whatever the server's clock,
order or pace: the one the job status did not list just before the trigger.

Servers on loopback share a fake clock with the client (a sleep advances it), so a sync "runs"
its seconds without any real wait.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest
from braze_cdi_contract.serving import serve_in_thread
from braze_cdi_reference.app import ReferenceServer
from braze_cdi_reference.fixtures import (
    DEMO_INTEGRATIONS,
    DEMO_KEY,
    NEWEST_FIRST,
    OLDEST_FIRST,
    Fixtures,
    Outcome,
    demo_fixtures,
)
from braze_cdi_reference.pytest_plugin import BrazeCdiServer
from braze_cdi_sync import CdiClient, HistoryOutOfReach, Job, Retry, WaitTimedOut, flows

from proving_ground.valid import JobsOldestFirst
from tests.client.test_client import FakeTime

INTEGRATION = DEMO_INTEGRATIONS[0]
NO_JITTER = Retry(attempts=4, base_seconds=1.0, max_seconds=8.0, jitter=lambda: 1.0)
SUCCESS = Outcome("success", 1000, 0)
FAILURE = Outcome("error", 0, 1000)


class StartsNothingAfterTheFirst(ReferenceServer):
    """Answers every trigger after the first 202 without starting a sync."""

    def mark_running(self, integration_id: str) -> None:
        if self.syncs_started:
            self.syncs_started += 1
            return
        super().mark_running(integration_id)


def fixtures(outcome: Outcome = SUCCESS, **changes: Any) -> Fixtures:
    base = demo_fixtures()
    return replace(
        base, sync_seconds=10, outcomes={**base.outcomes, INTEGRATION: outcome}, **changes
    )


@contextmanager
def client(
    server: ReferenceServer, clock: FakeTime, *, sleep: Callable[[float], None] | None = None
) -> Iterator[CdiClient]:
    with (
        serve_in_thread(server.app) as url,
        CdiClient(url, DEMO_KEY, sleep=sleep or clock.sleep, clock=clock, retry=NO_JITTER) as braze,
    ):
        yield braze


def _sharing_its_clock(double: BrazeCdiServer) -> CdiClient:
    """A client of the test double whose sleeps move the double's time on."""
    return CdiClient(
        double.url, double.key, sleep=double.sleep, clock=double.clock, retry=NO_JITTER
    )


def test_a_failing_job_listed_late_is_not_taken_for_the_success_before_it(
    braze_cdi_server: BrazeCdiServer,
) -> None:
    # Each job is listed only 20 s after it started (its sync runs 10 s): it shows already ended.
    braze_cdi_server.next_sync(INTEGRATION, status="success", seconds=10, listed_after=20)
    braze_cdi_server.next_sync(
        INTEGRATION,
        status="error",
        seconds=10,
        listed_after=20,
        rows_synced=0,
        rows_failed_with_errors=1000,
    )
    with _sharing_its_clock(braze_cdi_server) as braze:
        first = braze.sync_and_wait(INTEGRATION, poll=5)
        braze_cdi_server.sleep(5)  # the next trigger comes 5 s after the first job was listed
        second = braze.sync_and_wait(INTEGRATION, poll=5)
    assert first.status == "success"
    assert (second.status, second.rows_failed) == ("error", 1000)
    assert second.started_at != first.started_at
    braze_cdi_server.assert_triggered(INTEGRATION, times=2)


def test_a_202_that_starts_nothing_is_never_a_success() -> None:
    clock = FakeTime()
    server = StartsNothingAfterTheFirst(fixtures(), clock=clock)
    with client(server, clock) as braze:
        first = braze.sync_and_wait(INTEGRATION, poll=5)  # a job that ended just before
        with pytest.raises(WaitTimedOut) as raised:
            braze.sync_and_wait(INTEGRATION, timeout=60, poll=5)
    assert first.status == "success"
    assert server.syncs_started == 2
    assert raised.value.last_seen is None  # no job of its own was ever seen


@pytest.mark.parametrize("skew", [-600.0, 600.0], ids=["server 10 min behind", "10 min ahead"])
def test_client_and_server_clocks_apart_do_not_matter(skew: float) -> None:
    clock = FakeTime()
    server = ReferenceServer(fixtures(FAILURE), clock=lambda: clock.now + skew)
    with client(server, clock) as braze:
        braze.trigger_sync(INTEGRATION)  # a job that ends just before ours starts
        clock.sleep(11)
        server.fixtures = replace(server.fixtures, outcomes={INTEGRATION: SUCCESS})
        job = braze.sync_and_wait(INTEGRATION, poll=5)
    assert job.status == "success"


def test_a_scheduled_sync_that_starts_during_the_wait_is_not_ours(
    braze_cdi_server: BrazeCdiServer,
) -> None:
    braze_cdi_server.next_sync(INTEGRATION, status="error", seconds=10)
    # The schedule fires at once; the trigger's sync starts first, so it waits for ours.
    braze_cdi_server.schedule_sync(INTEGRATION, after=1, status="success", seconds=10)
    with _sharing_its_clock(braze_cdi_server) as braze:
        job = braze.sync_and_wait(INTEGRATION, poll=12)
    listed = [entry.status for entry in braze_cdi_server.requests("listJobSyncStatus")]
    assert job.status == "error"
    assert listed  # polled while the scheduled sync ran beside ours
    braze_cdi_server.assert_triggered(INTEGRATION, times=1)


@pytest.mark.parametrize("history", [1, 10, 120])
@pytest.mark.parametrize("server_class", [ReferenceServer, JobsOldestFirst])
def test_the_right_job_whatever_the_history_and_its_order(
    history: int, server_class: type[ReferenceServer]
) -> None:
    clock = FakeTime()
    server = server_class(fixtures(FAILURE, history=history), clock=clock)
    with client(server, clock) as braze:
        job = braze.sync_and_wait(INTEGRATION, poll=5)
    assert (job.status, job.rows_failed) == ("error", 1000)


class CountsReads:
    """The server's job-status reads, as their query strings, in the order they came."""

    def __init__(self, server: ReferenceServer) -> None:
        self.server = server
        self.reads: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/job_sync_status"):
            self.reads.append(scope.get("query_string", b"").decode())
        await self.server.app(scope, receive, send)


def _reads_of_a_wait(history: int, order: str) -> tuple[list[str], Job | BaseException]:
    clock = FakeTime()
    server = ReferenceServer(fixtures(history=history, job_order=order), clock=clock)
    counting = CountsReads(server)
    with (
        serve_in_thread(counting) as url,
        CdiClient(url, DEMO_KEY, sleep=clock.sleep, clock=clock, retry=NO_JITTER) as braze,
    ):
        try:
            outcome: Job | BaseException = braze.sync_and_wait(INTEGRATION, poll=5)
        except HistoryOutOfReach as error:
            outcome = error
    return counting.reads, outcome


def test_a_wait_reads_the_same_first_pages_for_10_1000_and_35000_jobs_newest_first() -> None:
    waits = {history: _reads_of_a_wait(history, NEWEST_FIRST) for history in (10, 1_000, 35_000)}
    for reads, job in waits.values():
        assert isinstance(job, Job)
        assert job.status == "success"
        # One page to note, one page a poll: no read carries a cursor.
        assert all(query == "" for query in reads)
    assert len({len(reads) for reads, _ in waits.values()}) == 1


def test_a_wait_on_an_oldest_first_list_reads_it_once_then_its_last_page_each_poll() -> None:
    reads, job = _reads_of_a_wait(120, OLDEST_FIRST)
    assert isinstance(job, Job)
    assert job.status == "success"
    noted = 12  # 120 jobs: all 12 pages, once
    assert reads[0] == ""
    assert all(reads[1:noted])
    polls = reads[noted:]
    # Each poll reads from the last page noted: it, and the page after it once the new job
    # fills it; never the first page again.
    assert polls[0] == reads[noted - 1]
    assert len(set(polls)) <= 2


@pytest.mark.parametrize("history", [3_000, 35_000])
def test_a_wait_on_a_long_oldest_first_list_ends_before_its_trigger_within_its_bound(
    history: int,
) -> None:
    reads, outcome = _reads_of_a_wait(history, OLDEST_FIRST)
    assert isinstance(outcome, HistoryOutOfReach)
    assert "oldest first" in str(outcome)
    assert len(reads) == flows.NOTE_PAGES


def test_waiting_for_a_running_sync_returns_it_ended() -> None:
    clock = FakeTime()
    server = ReferenceServer(fixtures(FAILURE), clock=clock)
    with client(server, clock) as braze:
        assert braze.wait_for_running(INTEGRATION, poll=5) is None  # none runs yet
        server.mark_running(INTEGRATION)  # the schedule fires
        job = braze.wait_for_running(INTEGRATION, poll=5)
    assert job is not None
    assert (job.status, job.integration_id) == ("error", INTEGRATION)
    assert server.syncs_started == 1  # waiting triggers nothing


def test_waiting_for_a_running_sync_without_a_start_time_returns_it_ended() -> None:
    from proving_ground.valid import RunningJobsWithoutStartTime  # noqa: PLC0415 - equipment

    clock = FakeTime()
    server = RunningJobsWithoutStartTime(fixtures(FAILURE), clock=clock)
    with client(server, clock) as braze:
        server.mark_running(INTEGRATION)
        job = braze.wait_for_running(INTEGRATION, poll=5)
    assert job is not None
    assert job.status == "error"


def test_a_long_wait_tells_what_it_waits_for_at_least_every_30_seconds(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeTime()
    server = ReferenceServer(replace(fixtures(), sync_seconds=125), clock=clock)
    told: list[float] = []

    class Stamp(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            told.append(clock.now)

    stamp = Stamp()
    logging.getLogger("braze_cdi_sync.progress").addHandler(stamp)
    try:
        with (
            caplog.at_level(logging.INFO, logger="braze_cdi_sync.progress"),
            client(server, clock) as braze,
        ):
            started = clock.now
            job = braze.sync_and_wait(INTEGRATION, poll=10)
    finally:
        logging.getLogger("braze_cdi_sync.progress").removeHandler(stamp)
    assert job.status == "success"
    moments = [started, *told, clock.now]
    assert len(told) >= 3
    assert all(later - earlier <= 30 + 10 for earlier, later in itertools.pairwise(moments))
    assert all("s elapsed" in record.getMessage() for record in caplog.records)
