"""The triggers on their own, on Airflow 3.3.2: the serialised form round-trips (as JSON, and
through Airflow's own serialisation, as the triggerer's table stores it), the rebuilt trigger
serialises the same, and its run on the asyncio client against a real loopback server ends in
one event without posting a trigger: the one trigger of the run is the harness's setup, sent
before any trigger class runs.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.airflow.environments import AIRFLOW_3
from tests.airflow.runner import Airflow, connection, leaks
from tests.airflow.scenarios import Scenario, ScenarioServer, new_key, serve_in_thread

pytestmark = [pytest.mark.airflow, pytest.mark.timeout(900)]
UNIT = Scenario("trigger_unit", sync_seconds=4)


@pytest.fixture(scope="module")
def unit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    AIRFLOW_3.build()
    airflow = Airflow(AIRFLOW_3, tmp_path_factory.mktemp("airflow3-unit"))
    airflow.migrate()
    key = new_key()
    server = ScenarioServer([UNIT], key)
    with serve_in_thread(server.app) as url:
        run = airflow.harness(
            "trigger-unit",
            connections={"braze_cdi_unit": connection(url, key)},
            BRAZE_CDI_UNIT_INTEGRATION=UNIT.integration_id,
        )
    return {"results": run.results, "server": server, "leaks": leaks(key, airflow.home, run.output)}


def test_the_serialised_trigger_is_its_class_path_and_plain_values(unit: dict[str, Any]) -> None:
    results = unit["results"]
    assert results["classpath"] == "braze_cdi_airflow.triggers.braze_cdi.BrazeCdiSyncTrigger"
    assert set(results["kwargs"]) == {"started", "deadline", "poll_interval", "braze_cdi_conn_id"}
    assert results["json_round_trip"] is True


def test_the_serialised_state_says_what_a_resumed_wait_needs(unit: dict[str, Any]) -> None:
    started = unit["results"]["kwargs"]["started"]
    assert started["integration_id"] == UNIT.integration_id
    assert set(started["before"]) == {"keys", "newest", "mode", "tail", "pages"}
    assert started["accepted_at"] < unit["results"]["kwargs"]["deadline"]


def test_airflows_serialisation_round_trips_it(unit: dict[str, Any]) -> None:
    assert unit["results"]["airflow_round_trip"] is True
    assert unit["results"]["rebuilt_serializes_the_same"] is True


def test_the_rebuilt_trigger_waits_for_the_job_and_sends_one_event(unit: dict[str, Any]) -> None:
    [event] = unit["results"]["events"]
    assert event["status"] == "ended"
    assert event["job"]["job_status"] == "success"
    assert event["job"]["integration_id"] == UNIT.integration_id


def test_no_trigger_class_posts_a_trigger(unit: dict[str, Any]) -> None:
    server: ScenarioServer = unit["server"]
    assert server.triggers(UNIT.integration_id) == [202]  # the setup's
    assert server.syncs_started == 1


def test_a_wait_resumed_past_its_deadline_reads_once_then_times_out(unit: dict[str, Any]) -> None:
    [event] = unit["results"]["past_deadline_events"]
    assert event["status"] == "timeout"
    assert event["trigger_accepted"] is True
    assert event["job"]["job_status"] == "running"
    assert unit["results"]["past_deadline_seconds"] < 5


def test_a_state_that_cannot_be_waited_with_is_refused(unit: dict[str, Any]) -> None:
    assert "accepted_at" in unit["results"]["refuses_bad_state"]


def test_the_running_sync_trigger_round_trips_and_ends_when_none_runs(
    unit: dict[str, Any],
) -> None:
    assert unit["results"]["running_round_trip"] is True
    [event] = unit["results"]["running_events"]
    assert (event["status"], event["job"]) == ("ended", None)


def test_the_key_shows_nowhere(unit: dict[str, Any]) -> None:
    assert unit["leaks"] == []
