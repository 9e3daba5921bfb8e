"""Listing, the job status and trigger-then-wait, against the reference server over real HTTP.

The server and the client share one fake clock, so a sync "runs" its configured seconds while the
client's sleeps advance that clock: no test waits in real time. Failures (502, 503, a cut
answer, a refused connection) come from a thin ASGI layer in front of the real server.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import httpx
import pytest
from braze_cdi_contract.serving import bind_loopback, serve_in_thread
from braze_cdi_reference.app import ReferenceServer
from braze_cdi_reference.fixtures import (
    DEMO_INTEGRATIONS,
    DEMO_KEY,
    Fixtures,
    Outcome,
    demo_fixtures,
)
from braze_cdi_sync import (
    AsyncCdiClient,
    BrazeApiError,
    CdiClient,
    Retry,
    SyncAlreadyRunning,
    WaitTimedOut,
    flows,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tests.client.test_client import FakeTime

INTEGRATION, PARTIAL = DEMO_INTEGRATIONS
NO_JITTER = Retry(attempts=4, base_seconds=1.0, max_seconds=8.0, jitter=lambda: 1.0)


class Faults:
    """In front of an app: answer chosen requests with a status, before or after the app ran."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.requests: list[tuple[str, str]] = []
        # (method, path suffix) -> list of statuses for the next matching requests; a status
        # above 1000 means: let the app answer, then replace its answer with status - 1000.
        self.plan: dict[tuple[str, str], list[int]] = {}

    def fail(self, method: str, suffix: str, *statuses: int) -> None:
        self.plan[(method, suffix)] = list(statuses)

    def count(self, method: str, suffix: str) -> int:
        return sum(1 for m, path in self.requests if m == method and path.endswith(suffix))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        self.requests.append((method, path))
        planned = next(
            (
                statuses
                for (m, suffix), statuses in self.plan.items()
                if m == method and path.endswith(suffix) and statuses
            ),
            None,
        )
        status = planned.pop(0) if planned else None
        if status is None:
            await self.app(scope, receive, send)
            return
        if status > 1000:
            status -= 1000

            async def swallow(message: Message) -> None:
                """The app's own answer is dropped: its effect happened, its answer is lost."""

            await self.app(scope, receive, swallow)
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"Bad Gateway"})


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


@contextmanager
def serving(clock: FakeTime, fixtures: Fixtures | None = None) -> Iterator[tuple[str, Faults]]:
    """The reference server behind the fault layer, on loopback; its URL and the fault layer."""
    server = ReferenceServer(fixtures or replace(demo_fixtures(), sync_seconds=30), clock=clock)
    faults = Faults(server.app)
    with serve_in_thread(faults) as url:
        yield url, faults


@pytest.fixture
def served(clock: FakeTime) -> Iterator[tuple[str, Faults]]:
    with serving(clock) as pair:
        yield pair


def client(url: str, clock: FakeTime) -> CdiClient:
    return CdiClient(url, DEMO_KEY, sleep=clock.sleep, clock=clock, retry=NO_JITTER)


def test_listing_reads_every_page(served: tuple[str, Faults], clock: FakeTime) -> None:
    url, faults = served
    with client(url, clock) as braze:
        integrations = list(braze.list_integrations())
    assert len(integrations) == len(demo_fixtures().integrations) > 10
    assert len({item.integration_id for item in integrations}) == len(integrations)
    assert faults.count("GET", "/cdi/integrations") == 2


def test_job_status_reads_every_page(served: tuple[str, Faults], clock: FakeTime) -> None:
    url, _ = served
    with client(url, clock) as braze:
        jobs = list(braze.job_sync_status(INTEGRATION))
    assert len(jobs) == demo_fixtures().history
    assert all(job.status == "success" and job.rows_synced == 1000 for job in jobs)


def test_sync_and_wait_returns_the_ended_job_with_its_rows(
    served: tuple[str, Faults], clock: FakeTime
) -> None:
    url, faults = served
    started = clock.now
    with client(url, clock) as braze:
        job = braze.sync_and_wait(PARTIAL, poll=5)
    assert (job.status, job.rows_synced, job.rows_failed) == ("partial", 900, 100)
    assert job.started_at is not None
    assert job.started_at.timestamp() >= int(started)
    assert faults.count("POST", "/sync") == 1
    assert 30 <= clock.now - started <= 40  # the sync's 30 s, and at most one poll more


def test_async_sync_and_wait_returns_the_same(served: tuple[str, Faults], clock: FakeTime) -> None:
    url, _ = served

    async def go() -> tuple[str, int | None, int]:
        async with AsyncCdiClient(
            url, DEMO_KEY, sleep=clock.async_sleep, clock=clock, retry=NO_JITTER
        ) as braze:
            job = await braze.sync_and_wait(PARTIAL, poll=5)
            listed = [item async for item in braze.list_integrations()]
            return job.status, job.rows_failed, len(listed)

    assert asyncio.run(go()) == ("partial", 100, len(demo_fixtures().integrations))


def test_a_running_sync_fails_fast_when_asked(served: tuple[str, Faults], clock: FakeTime) -> None:
    url, _ = served
    with client(url, clock) as braze:
        braze.trigger_sync(INTEGRATION)
        with pytest.raises(SyncAlreadyRunning):
            braze.sync_and_wait(INTEGRATION, if_running="fail")


def test_a_running_sync_is_waited_for_then_a_new_one_starts(
    served: tuple[str, Faults], clock: FakeTime
) -> None:
    url, faults = served
    with client(url, clock) as braze:
        braze.trigger_sync(INTEGRATION)
        first_ends = clock.now + 30
        job = braze.sync_and_wait(INTEGRATION, poll=5)
    assert job.started_at is not None
    assert job.started_at.timestamp() >= int(first_ends)
    # The first, and the new one: the job status showed the first running, so no trigger met it.
    assert faults.count("POST", "/sync") == 2


def test_timeout_raises_with_the_job_last_seen(served: tuple[str, Faults], clock: FakeTime) -> None:
    url, _ = served
    with client(url, clock) as braze, pytest.raises(WaitTimedOut) as raised:
        braze.sync_and_wait(INTEGRATION, timeout=12, poll=5)
    assert raised.value.last_seen is not None
    assert raised.value.last_seen.running


def test_transient_failures_of_reads_are_retried_with_backoff(
    served: tuple[str, Faults], clock: FakeTime
) -> None:
    url, faults = served
    faults.fail("GET", "/job_sync_status", 502, 503, 504)
    with client(url, clock) as braze:
        job = braze.sync_and_wait(INTEGRATION, poll=5)
    assert job.status == "success"
    # The jobs noted before the trigger, read with backoff 1, 2, 4 s; then the poll.
    assert clock.sleeps[:4] == [1.0, 2.0, 4.0, 5]


def test_a_read_that_keeps_failing_ends_in_one_error(
    served: tuple[str, Faults], clock: FakeTime
) -> None:
    url, faults = served
    faults.fail("GET", "/cdi/integrations", *[502] * NO_JITTER.attempts)
    with client(url, clock) as braze, pytest.raises(BrazeApiError) as raised:
        list(braze.list_integrations())
    assert raised.value.status_code == 502
    assert faults.count("GET", "/cdi/integrations") == NO_JITTER.attempts


def test_a_trigger_whose_answer_was_lost_is_not_repeated_while_its_job_runs(
    served: tuple[str, Faults], clock: FakeTime
) -> None:
    url, faults = served
    faults.fail("POST", "/sync", 1502)  # the sync starts, the client gets 502
    with client(url, clock) as braze:
        job = braze.sync_and_wait(INTEGRATION, poll=5)
    assert job.status == "success"
    # The new job may have been a scheduled sync's: once it ended, a second trigger got a clear
    # 202, and its job is the one reported; never a trigger while the first job ran.
    assert faults.count("POST", "/sync") == 2


def test_a_trigger_that_failed_before_the_server_is_tried_again(
    served: tuple[str, Faults], clock: FakeTime
) -> None:
    url, faults = served
    faults.fail("POST", "/sync", 503)  # refused before any sync started
    with client(url, clock) as braze:
        job = braze.sync_and_wait(INTEGRATION, poll=5)
    assert job.status == "success"
    assert faults.count("POST", "/sync") == 2
    assert faults.count("GET", "/job_sync_status") >= 2  # read before the second trigger


def test_a_refused_connection_is_retried_then_one_error(clock: FakeTime) -> None:
    closed = bind_loopback()
    port = closed.getsockname()[1]
    closed.close()
    with client(f"http://127.0.0.1:{port}", clock) as braze, pytest.raises(BrazeApiError) as raised:
        braze.sync_and_wait(INTEGRATION)
    assert raised.value.status_code == 0
    assert clock.sleeps == [1.0, 2.0, 4.0]


def test_each_attempt_is_logged_and_the_key_never_is(
    served: tuple[str, Faults], clock: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    url, faults = served
    faults.fail("GET", "/job_sync_status", 502)
    with caplog.at_level(logging.DEBUG), client(url, clock) as braze:
        braze.sync_and_wait(INTEGRATION, poll=5)
    lines = [record.getMessage() for record in caplog.records]
    assert any(
        line.startswith(f"POST /cdi/integrations/{INTEGRATION}/sync -> 202") for line in lines
    )
    assert any("502" in line and "retrying in 1.0 s" in line for line in lines)
    assert any(line.startswith(f"job of {INTEGRATION} ended: success") for line in lines)
    assert not any(DEMO_KEY in line for line in [*lines, caplog.text])


def test_polling_is_never_faster_than_the_status_limit_allows() -> None:
    flow = flows.sync_and_wait(
        INTEGRATION, timeout=60, poll=0.01, if_running="wait", retry=NO_JITTER, clock=lambda: 0.0
    )
    noted = next(flow)  # the jobs listed before the trigger
    assert isinstance(noted, flows.Send)
    trigger = flow.send(_response(200, {"results": [], "message": "success"}))
    assert isinstance(trigger, flows.Send)
    assert trigger.request["method"] == "post"
    pause = flow.send(_response(202, {"message": "success"}))
    assert isinstance(pause, flows.Sleep)
    # Half of the job status's 100 a minute, on average: the client's share of the budget.
    assert pause.seconds == pytest.approx(flows.STATUS_INTERVAL_SECONDS) == 1.2


def test_backoff_is_bounded_and_jittered() -> None:
    retry = Retry(attempts=10, base_seconds=1.0, max_seconds=30.0, jitter=lambda: 0.5)
    assert [retry.delay(n) for n in range(1, 8)] == [0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0]


def test_a_job_outcome_configured_on_the_server_is_what_the_client_returns(
    clock: FakeTime,
) -> None:
    fixtures = replace(
        demo_fixtures(),
        sync_seconds=10,
        outcomes={INTEGRATION: Outcome("config_error", 0, 0)},
    )
    with serving(clock, fixtures) as (url, _), client(url, clock) as braze:
        assert braze.sync_and_wait(INTEGRATION, poll=5).status == "config_error"


def _response(status: int, body: object) -> flows.Reply:
    return httpx.Response(status, json=body)


def test_a_running_job_shown_with_nulls_is_waited_for_to_its_end(clock: FakeTime) -> None:
    """Contract 2.0.0: a running job may show its finish time and counts as null."""
    from proving_ground.valid import RunningJobsWithNulls  # noqa: PLC0415 - test equipment

    server = RunningJobsWithNulls(replace(demo_fixtures(), sync_seconds=30), clock=clock)
    with serve_in_thread(server.app) as url, client(url, clock) as braze:
        running = braze.trigger_sync(PARTIAL)
        seen = list(braze.job_sync_status(PARTIAL))
        job = braze.sync_and_wait(PARTIAL, poll=5, if_running="wait")
    assert running is not None
    assert any(item.running and item.finished_at is None for item in seen)
    assert (job.status, job.rows_synced, job.rows_failed) == ("partial", 900, 100)
