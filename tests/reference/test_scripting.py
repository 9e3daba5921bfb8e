"""A test double users script: each scenario kind, injected answers and transport faults, the
virtual clock, the journal and reset, driven through real HTTP with `braze-cdi`, both Python
clients and a plain HTTP client, by the `braze_cdi_server` fixture the package installs.
"""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
from braze_cdi_reference.app import ReferenceServer
from braze_cdi_reference.fixtures import demo_fixtures
from braze_cdi_reference.pytest_plugin import BrazeCdiServer
from braze_cdi_reference.script import Injection, NextSync, ScriptError, VirtualClock
from braze_cdi_sync import (
    AsyncCdiClient,
    BrazeApiError,
    CdiClient,
    Retry,
    Unavailable,
    WaitTimedOut,
)

from tests.client.test_command_line import braze_cdi

FAST = Retry(attempts=3, base_seconds=0.05, max_seconds=0.1, jitter=lambda: 1.0)


def _client(double: BrazeCdiServer) -> CdiClient:
    """A client that shares the double's clock: its sleeps move the double's time on."""
    return CdiClient(double.url, double.key, sleep=double.sleep, clock=double.clock, retry=FAST)


def _status_path(integration_id: str) -> str:
    return f"/cdi/integrations/{integration_id}/job_sync_status"


# Scenarios.


# A real sleep of one poll would take this long: a wait shorter than it slept on the double's clock.
POLL_SECONDS = 60


def test_a_two_hour_sync_that_ends_error_is_waited_for_on_the_doubles_clock(
    braze_cdi_server: BrazeCdiServer,
) -> None:
    integration = braze_cdi_server.integration_ids[0]
    braze_cdi_server.next_sync(
        integration, status="error", seconds=7200, rows_synced=0, rows_failed_with_errors=1200
    )
    began, double_began = time.monotonic(), braze_cdi_server.clock()
    with _client(braze_cdi_server) as braze:
        job = braze.sync_and_wait(integration, timeout=3 * 3600, poll=POLL_SECONDS)
    # Two hours passed on the double's clock, and not one poll's sleep in real time (how fast
    # it is, make bench measures).
    assert braze_cdi_server.clock() - double_began >= 7200
    assert time.monotonic() - began < POLL_SECONDS
    assert (job.status, job.rows_synced, job.rows_failed) == ("error", 0, 1200)
    assert job.started_at is not None
    assert job.finished_at is not None
    assert (job.finished_at - job.started_at).total_seconds() == pytest.approx(7200, abs=1)
    braze_cdi_server.assert_triggered(integration, times=1)


def test_a_job_listed_20_s_late_is_still_the_triggers(braze_cdi_server: BrazeCdiServer) -> None:
    integration = braze_cdi_server.integration_ids[0]
    braze_cdi_server.next_sync(integration, status="partial", seconds=30, listed_after=20)
    with _client(braze_cdi_server) as braze:
        job = braze.sync_and_wait(integration, timeout=600, poll=5)
    assert job.status == "partial"
    statuses = braze_cdi_server.requests("listJobSyncStatus")
    assert len(statuses) >= 5  # polled through the 20 s it was not listed


def test_a_sync_whose_job_is_never_listed_times_out(braze_cdi_server: BrazeCdiServer) -> None:
    integration = braze_cdi_server.integration_ids[0]
    braze_cdi_server.next_sync(integration, seconds=10, listed_after=None)
    with _client(braze_cdi_server) as braze, pytest.raises(WaitTimedOut) as late:
        braze.sync_and_wait(integration, timeout=120, poll=10)
    assert late.value.progress.trigger_accepted
    assert "no ended job" in str(late.value)


def test_a_scheduled_sync_runs_at_its_time_and_a_trigger_meets_it(
    braze_cdi_server: BrazeCdiServer,
) -> None:
    integration = braze_cdi_server.integration_ids[0]
    braze_cdi_server.clock.freeze()
    braze_cdi_server.schedule_sync(integration, after=60, status="success", seconds=120)
    headers = {"Authorization": f"Bearer {braze_cdi_server.key}"}
    with httpx.Client(base_url=braze_cdi_server.url, headers=headers) as http:
        assert http.post(f"/cdi/integrations/{integration}/sync").status_code == 202
        braze_cdi_server.clock.advance(30)  # ours runs 2 s, then the schedule's at 60 s
        first = http.get(_status_path(integration)).json()["results"][0]
        braze_cdi_server.clock.advance(40)
        busy = http.post(f"/cdi/integrations/{integration}/sync")
        listed = http.get(_status_path(integration)).json()["results"]
    assert first["job_status"] == "success"
    assert busy.status_code == 429
    assert busy.json()["message"] == "Another job is in progress"
    assert listed[0]["job_status"] == "running"


def test_a_scripted_history_of_35000_jobs_pages_as_any_history(
    braze_cdi_server: BrazeCdiServer,
) -> None:
    integration = braze_cdi_server.integration_ids[0]
    braze_cdi_server.set_history(integration, length=35_000, every_seconds=900, status="partial")
    with CdiClient(braze_cdi_server.url, braze_cdi_server.key) as braze:
        recent = braze.recent_jobs(integration, 3)
    assert [job.status for job in recent] == ["partial"] * 3
    assert len(braze_cdi_server.requests("listJobSyncStatus")) == 1, [
        entry.as_dict() for entry in braze_cdi_server.requests()
    ]


# Injected answers and faults.


def test_two_injected_503s_on_the_job_status_are_retried_through(
    braze_cdi_server: BrazeCdiServer,
) -> None:
    integration = braze_cdi_server.integration_ids[1]
    braze_cdi_server.inject("listJobSyncStatus", status=503, times=2)
    with _client(braze_cdi_server) as braze:
        job = braze.sync_and_wait(integration, timeout=600, poll=5)
    assert job.status == "partial"
    answered = [entry.status for entry in braze_cdi_server.requests("listJobSyncStatus")]
    assert answered[:3] == [503, 503, 200]
    braze_cdi_server.assert_triggered(integration, times=1)


def test_an_injected_429_over_the_limit_carries_its_reset(
    braze_cdi_server: BrazeCdiServer,
) -> None:
    integration = braze_cdi_server.integration_ids[0]
    braze_cdi_server.clock.freeze()
    braze_cdi_server.inject("triggerIntegrationSync", status=429, reset_in=30)
    headers = {"Authorization": f"Bearer {braze_cdi_server.key}"}
    answer = httpx.post(
        f"{braze_cdi_server.url}/cdi/integrations/{integration}/sync", headers=headers
    )
    assert answer.status_code == 429
    assert answer.json() == {"message": "Another job is in progress"} or answer.json() == {
        "message": "Over rate limit"
    }
    assert int(answer.headers["x-ratelimit-reset"]) == int(braze_cdi_server.clock() + 30)
    assert answer.headers["x-ratelimit-remaining"] == "0"


def test_an_injected_over_the_limit_429_is_waited_out_with_one_more_trigger(
    braze_cdi_server: BrazeCdiServer,
) -> None:
    integration = braze_cdi_server.integration_ids[0]
    braze_cdi_server.inject(
        "triggerIntegrationSync", status=429, message="Over rate limit", reset_in=30
    )
    with _client(braze_cdi_server) as braze:
        job = braze.sync_and_wait(integration, timeout=600, poll=5)
    assert job.status == "success"
    assert [entry.status for entry in braze_cdi_server.triggers(integration)] == [429, 202]


def test_a_dropped_trigger_is_unclear_and_never_a_second_sync_while_one_runs(
    braze_cdi_server: BrazeCdiServer,
) -> None:
    integration = braze_cdi_server.integration_ids[0]
    # The double answers (its sync starts), and the connection drops before the answer.
    braze_cdi_server.inject("triggerIntegrationSync", fault="close")
    with _client(braze_cdi_server) as braze:
        job = braze.sync_and_wait(integration, timeout=600, poll=5)
    assert job.status == "success"
    faults = [entry.fault for entry in braze_cdi_server.triggers(integration)]
    assert faults == ["close", None]  # then one clear trigger, after the first sync ended
    assert braze_cdi_server.server.syncs_started == 2


@pytest.mark.parametrize("fault", ["close", "reset", "truncate"])
def test_a_faulted_read_is_retried(braze_cdi_server: BrazeCdiServer, fault: str) -> None:
    braze_cdi_server.inject("listIntegrations", fault=fault)
    with _client(braze_cdi_server) as braze:
        listed = list(braze.list_integrations())
    assert len(listed) == len(demo_fixtures().integrations)
    first = braze_cdi_server.requests("listIntegrations")[0]
    assert (first.fault, first.status) == (fault, None)


def test_a_dripped_head_meets_the_clients_answer_deadline(
    braze_cdi_server: BrazeCdiServer,
) -> None:
    braze_cdi_server.inject("listIntegrations", fault="drip", times=None)
    began = time.monotonic()
    with (
        CdiClient(braze_cdi_server.url, braze_cdi_server.key, timeout=0.5, retry=FAST) as braze,
        pytest.raises(Unavailable),
    ):
        list(braze.list_integrations())
    assert time.monotonic() - began < 5


def test_an_injection_for_one_integration_leaves_the_others_alone(
    braze_cdi_server: BrazeCdiServer,
) -> None:
    first, second = braze_cdi_server.integration_ids
    braze_cdi_server.inject("listJobSyncStatus", status=404, integration_id=second, times=None)
    with CdiClient(braze_cdi_server.url, braze_cdi_server.key) as braze:
        assert braze.recent_jobs(first, 1)
        with pytest.raises(BrazeApiError) as refused:
            braze.recent_jobs(second, 1)
    assert refused.value.status_code == 404
    assert refused.value.message == "Integration not found"


def test_a_delay_is_waited_before_the_answer(braze_cdi_server: BrazeCdiServer) -> None:
    braze_cdi_server.inject("listIntegrations", delay=0.3)
    headers = {"Authorization": f"Bearer {braze_cdi_server.key}"}
    began = time.monotonic()
    answer = httpx.get(f"{braze_cdi_server.url}/cdi/integrations", headers=headers)
    assert answer.status_code == 200
    assert time.monotonic() - began >= 0.3


def test_the_asyncio_client_sees_injected_answers_too(braze_cdi_server: BrazeCdiServer) -> None:
    integration = braze_cdi_server.integration_ids[0]
    braze_cdi_server.next_sync(integration, status="config_error", seconds=3600)
    braze_cdi_server.inject("listJobSyncStatus", status=502, times=1)

    async def sleep(seconds: float) -> None:
        braze_cdi_server.sleep(seconds)

    async def wait() -> str:
        async with AsyncCdiClient(
            braze_cdi_server.url, braze_cdi_server.key, sleep=sleep, clock=braze_cdi_server.clock
        ) as braze:
            return (await braze.sync_and_wait(integration, timeout=7200, poll=30)).status

    assert asyncio.run(wait()) == "config_error"


# What a script may not do.


@pytest.mark.parametrize(
    ("script", "named"),
    [
        (lambda d: d.next_sync("no-such-integration"), "no integration 'no-such-integration'"),
        (lambda d: d.next_sync(d.integration_ids[0], status="done"), "not 'done'"),
        (lambda d: d.next_sync(d.integration_ids[0], seconds=-1), "0 seconds or more"),
        (lambda d: d.inject("listJobSyncStatus", status=409), "does not answer 409"),
        (
            lambda d: d.inject(
                "listJobSyncStatus", status=429, message="Another job is in progress"
            ),
            "does not answer 429 'Another job is in progress'",
        ),
        (lambda d: d.inject("deleteIntegration", status=500), "no operation 'deleteIntegration'"),
        (lambda d: d.inject("listIntegrations", fault="explode"), "not 'explode'"),
        (lambda d: d.inject("listIntegrations", times=0), "times is 1 or more"),
        (lambda d: d.set_history(d.integration_ids[0], length=-5), "0 or more"),
    ],
)
def test_a_script_the_contract_does_not_allow_is_one_line_and_changes_nothing(
    braze_cdi_server: BrazeCdiServer, script: object, named: str
) -> None:
    with pytest.raises(ScriptError) as refused:
        script(braze_cdi_server)  # type: ignore[operator]
    assert named in str(refused.value)
    assert "\n" not in str(refused.value)
    assert braze_cdi_server.server.injections() == []
    with CdiClient(braze_cdi_server.url, braze_cdi_server.key) as braze:
        job = braze.sync_and_wait(braze_cdi_server.integration_ids[0], timeout=30, poll=1.2)
    assert job.status == "success"  # as the fixtures say: nothing was scripted


def test_an_answer_off_the_contract_is_scripted_on_purpose(
    braze_cdi_server: BrazeCdiServer,
) -> None:
    braze_cdi_server.inject("listIntegrations", status=409, message="Conflict", off_contract=True)
    headers = {"Authorization": f"Bearer {braze_cdi_server.key}"}
    answer = httpx.get(f"{braze_cdi_server.url}/cdi/integrations", headers=headers)
    assert (answer.status_code, answer.json()) == (409, {"message": "Conflict"})


# The clock, the journal and reset.


def test_the_clock_freezes_moves_on_and_runs_faster() -> None:
    real = [1000.0]
    clock = VirtualClock(lambda: real[0])
    clock.freeze()
    real[0] += 10
    assert clock() == 1000.0
    clock.advance(7200)
    assert clock() == 8200.0
    clock.run(speed=100)
    real[0] += 1
    assert clock() == 8300.0
    with pytest.raises(ScriptError):
        clock.advance(-1)
    clock.reset()
    assert clock() == real[0]


def test_the_journal_of_a_braze_cdi_wait_shows_one_trigger_and_polls_at_its_interval(
    braze_cdi_server: BrazeCdiServer,
) -> None:
    integration = braze_cdi_server.integration_ids[0]
    braze_cdi_server.next_sync(integration, seconds=5)
    result = braze_cdi("sync", integration, "--wait", "--poll", "2", endpoint=braze_cdi_server.url)
    assert result.returncode == 0, result.stderr
    braze_cdi_server.assert_triggered(integration, times=1)
    polls = [entry for entry in braze_cdi_server.requests("listJobSyncStatus") if entry.at]
    after_trigger = [
        entry for entry in polls if entry.number > braze_cdi_server.triggers()[0].number
    ]
    assert len(after_trigger) >= 2
    braze_cdi_server.assert_never_faster_than(1.9, "listJobSyncStatus")
    for entry in braze_cdi_server.requests():
        as_text = json.dumps(entry.as_dict())
        assert braze_cdi_server.key not in as_text
        assert entry.as_dict()["headers"]["authorization"] == "Bearer ***"


def test_the_journal_is_bounded_and_filterable(braze_cdi_server: BrazeCdiServer) -> None:
    journal = braze_cdi_server.server.journal
    journal.size = 5
    try:
        headers = {"Authorization": f"Bearer {braze_cdi_server.key}"}
        with httpx.Client(base_url=braze_cdi_server.url, headers=headers) as http:
            for _ in range(8):
                http.get("/cdi/integrations")
            http.get(_status_path(braze_cdi_server.integration_ids[1]))
        assert len(braze_cdi_server.requests()) == 5
        assert braze_cdi_server.requests()[-1].operation_id == "listJobSyncStatus"
        only = braze_cdi_server.requests(integration_id=braze_cdi_server.integration_ids[1])
        assert [entry.path for entry in only] == [_status_path(braze_cdi_server.integration_ids[1])]
    finally:
        journal.size = 1000


def test_reset_brings_back_the_fixtures_in_under_10_ms(braze_cdi_server: BrazeCdiServer) -> None:
    integration = braze_cdi_server.integration_ids[0]
    braze_cdi_server.set_history(integration, length=35_000)
    braze_cdi_server.inject("listIntegrations", status=503, times=None)
    braze_cdi_server.next_sync(integration, status="error")
    braze_cdi_server.clock.advance(3600)
    timings = []
    for _ in range(20):
        began = time.perf_counter()
        braze_cdi_server.reset()
        timings.append(time.perf_counter() - began)
    # Not a timing target (make bench prints it): a reset that rebuilt 35,000 jobs or slept would
    # take hundreds of times longer, which no noise explains.
    assert sorted(timings)[10] < 0.010
    assert braze_cdi_server.requests() == []
    assert braze_cdi_server.server.injections() == []
    assert abs(braze_cdi_server.clock() - time.time()) < 1
    with CdiClient(braze_cdi_server.url, braze_cdi_server.key) as braze:
        assert braze.sync_and_wait(integration, timeout=30, poll=1.2).status == "success"


def test_a_fault_needs_the_double_served_over_a_socket() -> None:
    from starlette.testclient import TestClient  # noqa: PLC0415 - an in-process transport

    server = ReferenceServer(demo_fixtures())
    server.inject(Injection("listIntegrations", fault="close"))
    with TestClient(server.app) as client:
        answer = client.get(
            "/cdi/integrations", headers={"Authorization": "Bearer demo-key-full-access"}
        )
    assert answer.status_code == 500
    assert "needs the double served over a socket" in answer.json()["message"]


def test_a_scripted_next_sync_is_checked_before_it_is_queued() -> None:
    server = ReferenceServer(demo_fixtures())
    with pytest.raises(ScriptError, match="rows_synced"):
        server.next_sync(
            next(iter(server.fixtures.integrations)), NextSync("success", rows_synced=-1)
        )
