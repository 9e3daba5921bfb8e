"""The project's provider, airflow-provider-braze-cdi, on a real Apache Airflow 3: 3.3.2, the
current release, and 3.1.8, the oldest 3.x it supports (which has no task state store: its
retry reattaches by the job status).

Each runs in an environment of its own (`.venv-airflow3`, `.venv-airflow31`, from
tests/airflow/requirements-3.txt and requirements-3.1.txt, built the first time), with an
AIRFLOW_HOME of its own: `airflow db migrate` on SQLite, then one DAG per outcome run with
`dag.test()` (which runs deferred triggers inline) against a ScenarioServer on loopback. A
retry after the task's process was killed between the 202 and the end, and a triggerer that
dies mid-wait, each run in processes of their own. A key made for the run is looked for in every
file of the home (logs, and the metadata DB with its XComs, rendered fields, trigger rows and
task state) and in everything the runs printed.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.airflow.environments import AIRFLOW_3, AIRFLOW_3_1, Environment
from tests.airflow.runner import Airflow, Run, connection, leaks
from tests.airflow.scenarios import (
    DEMO_INTEGRATIONS,
    OUTCOMES,
    RESTART,
    RETRY,
    ReferenceServer,
    ScenarioServer,
    demo_server,
    new_key,
    provider_of,
    serve_in_thread,
)

pytestmark = [pytest.mark.airflow, pytest.mark.timeout(1800)]
CONN = "braze_cdi_default"
BY_NAME = {expected.name: expected for expected in OUTCOMES}


@pytest.fixture(scope="module")
def key() -> str:
    return new_key()


@pytest.fixture(scope="module", params=[AIRFLOW_3, AIRFLOW_3_1], ids=["3.3", "3.1"])
def airflow3(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Airflow:
    environment: Environment = request.param
    environment.build()
    airflow = Airflow(environment, tmp_path_factory.mktemp(environment.folder.name))
    airflow.migrate()
    specs = [e.scenario.spec(provider_of(e.name), CONN, dag_id=e.name) for e in OUTCOMES]
    specs += [RETRY.spec("ours", CONN, dag_id=RETRY.name)]
    specs += [RESTART.spec("ours", CONN, dag_id=RESTART.name)]
    airflow.write_spec(specs)
    return airflow


@pytest.fixture(scope="module")
def outcomes(airflow3: Airflow, key: str) -> tuple[ScenarioServer, Run]:
    server = ScenarioServer([expected.scenario for expected in OUTCOMES], key)
    with serve_in_thread(server.app) as url:
        run = airflow3.harness("dags", *BY_NAME, connections={CONN: connection(url, key)})
    return server, run


def has_state_store(airflow: Airflow) -> bool:
    """Whether the environment's Airflow keeps a task's state across retries (3.3 and later)."""
    return airflow.environment is AIRFLOW_3


def test_airflow_providers_list_shows_the_provider(airflow3: Airflow) -> None:
    listed = json.loads(airflow3.cli("providers", "list", "-o", "json"))
    ours = [row for row in listed if row["package_name"] == "airflow-provider-braze-cdi"]
    assert len(ours) == 1, listed
    assert ours[0]["version"] == "0.1.0"


def test_the_ui_offers_the_braze_cdi_connection_type(airflow3: Airflow) -> None:
    hooks = json.loads(airflow3.cli("providers", "hooks", "-o", "json"))
    braze = [row for row in hooks if row["connection_type"] == "braze_cdi"]
    assert [row["class"] for row in braze] == ["braze_cdi_airflow.hooks.braze_cdi.BrazeCdiHook"]
    if has_state_store(airflow3):  # 3.3 reads the form from the provider info
        behaviours = json.loads(airflow3.cli("providers", "behaviours", "-o", "json"))
        assert {"field_behaviours": "braze_cdi"} in behaviours
    # Airflow 3.1 lists a hook's form only where wtforms is installed: none here, of any hook.


def _job(task: dict[str, Any]) -> dict[str, Any] | None:
    """The job a task's XCom holds: its return value, or the failed task's job."""
    xcom = task["xcom"]
    job = xcom.get("return_value") or xcom.get("braze_cdi_job")
    return job if isinstance(job, dict) else None


@pytest.mark.parametrize("name", list(BY_NAME))
def test_each_outcome_dag_ends_in_its_documented_state(
    outcomes: tuple[ScenarioServer, Run], name: str
) -> None:
    _, run = outcomes
    expected = BY_NAME[name]
    task = run.task(name)
    assert task["state"] == expected.state, run.segment(name)[-4000:]
    job = _job(task)
    if expected.job_status is not None:
        assert job is not None, task
        assert job["job_status"] == expected.job_status
        assert job["integration_id"] == expected.scenario.integration_id
        assert {"sync_start_time", "sync_finish_time", "rows_synced"} <= set(job)
    if expected.state == "success":
        assert task["xcom"]["return_value"] == job
    if expected.raises:
        assert f"{expected.raises}: " in run.segment(name)


@pytest.mark.parametrize("name", [name for name in BY_NAME if not name.startswith("sensor")])
def test_each_outcome_dag_starts_one_sync_at_most(
    outcomes: tuple[ScenarioServer, Run], name: str
) -> None:
    server, _ = outcomes
    accepted = server.triggers(BY_NAME[name].scenario.integration_id).count(202)
    assert accepted == (0 if name in {"in_progress_fail", "not_found"} else 1)


def test_a_sensor_never_triggers(outcomes: tuple[ScenarioServer, Run]) -> None:
    server, _ = outcomes
    for name, expected in BY_NAME.items():
        if name.startswith("sensor"):
            assert server.triggers(expected.scenario.integration_id) == []


def test_the_job_in_xcom_has_its_rows(outcomes: tuple[ScenarioServer, Run]) -> None:
    _, run = outcomes
    job = run.task("partial")["xcom"]["return_value"]
    assert (job["rows_synced"], job["rows_failed_with_errors"]) == (900, 100)
    assert job["sync_finish_time"] is not None


def test_partial_succeeds_with_a_warning(outcomes: tuple[ScenarioServer, Run]) -> None:
    _, run = outcomes
    log = run.segment("partial")
    assert "warning" in log
    assert "fail_on_partial=False" in log
    assert "100 rows failed" in log


def test_error_names_the_job_and_its_rows(outcomes: tuple[ScenarioServer, Run]) -> None:
    _, run = outcomes
    integration = BY_NAME["error"].scenario.integration_id
    assert f"BrazeCdiSyncError: sync of {integration} ended error (0 rows synced, 1000 failed" in (
        run.segment("error")
    )


def test_timeout_names_the_last_job_and_says_the_sync_still_runs(
    outcomes: tuple[ScenarioServer, Run],
) -> None:
    _, run = outcomes
    log = run.segment("timeout")
    assert "within the task's timeout of 8 s (last seen: running" in log
    assert "Braze has no endpoint to cancel a sync, so it still runs there" in log


def test_the_in_progress_429_is_met_then_waited_out(outcomes: tuple[ScenarioServer, Run]) -> None:
    server, _ = outcomes
    waited = server.triggers(BY_NAME["in_progress_wait"].scenario.integration_id)
    assert waited[0] == 429
    assert waited[-1] == 202
    assert server.triggers(BY_NAME["in_progress_fail"].scenario.integration_id) == [429]


def test_the_in_progress_wait_reports_the_job_it_started(
    outcomes: tuple[ScenarioServer, Run],
) -> None:
    server, run = outcomes
    integration = BY_NAME["in_progress_wait"].scenario.integration_id
    job = run.task("in_progress_wait")["xcom"]["return_value"]
    scheduled = server.scheduled[integration]
    assert datetime.fromisoformat(job["sync_start_time"]).timestamp() > scheduled + 5


def test_the_rate_limit_is_waited_out_with_no_extra_trigger(
    outcomes: tuple[ScenarioServer, Run],
) -> None:
    server, _ = outcomes
    assert server.triggers(BY_NAME["rate_limited"].scenario.integration_id) == [429, 202]


def test_a_job_listed_20_s_late_is_the_triggers(outcomes: tuple[ScenarioServer, Run]) -> None:
    server, run = outcomes
    job = run.task("listed_late")["xcom"]["return_value"]
    started = datetime.fromisoformat(job["sync_start_time"]).timestamp()
    assert started >= int(server.started_at)  # not one of the history's
    assert run.results["listed_late"]["seconds"] > 20


def test_a_deferred_task_holds_no_worker_slot(outcomes: tuple[ScenarioServer, Run]) -> None:
    _, run = outcomes
    deferrals = run.results["success"]["deferrals"]
    assert len(deferrals) == 1
    held = deferrals[0]
    assert held["state"] == "deferred"
    assert held["next_method"] == "execute_complete"
    assert held["classpath"] == "braze_cdi_airflow.triggers.braze_cdi.BrazeCdiSyncTrigger"
    assert held["running_or_queued"] == 0
    assert held["pool_occupied_slots"] == 0
    assert held["pool_includes_deferred"] is False


def test_a_blocking_task_never_defers(outcomes: tuple[ScenarioServer, Run]) -> None:
    _, run = outcomes
    assert run.results["success_blocking"]["deferrals"] == []


# A retry after the task died between the 202 and the end.


def _sqlite(home: Path, query: str, *values: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(home / "airflow.db") as db:
        return list(db.execute(query, values))


def _after(server: ScenarioServer, integration: str, seconds: float) -> bool:
    """Whether the trigger of the integration was accepted and a read came after it."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        entries = [entry for entry in server.calls if entry.integration_id == integration]
        accepted = [n for n, entry in enumerate(entries) if entry.status == 202]
        if accepted and any(entry.operation == "status" for entry in entries[accepted[0] :]):
            return True
        time.sleep(0.1)
    return False


@pytest.fixture(scope="module")
def retried(airflow3: Airflow, key: str) -> dict[str, Any]:
    server = ScenarioServer([RETRY], key)
    with serve_in_thread(server.app) as url:
        connections = {CONN: connection(url, key)}
        out = airflow3.output_file("dags", RETRY.name)
        with (airflow3.home / "retry-first.log").open("w") as log:
            process = subprocess.Popen(
                airflow3.command("dags", str(out), RETRY.name),
                env=airflow3.env(connections),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                waiting = _after(server, RETRY.integration_id, 120)
            finally:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
        assert waiting, (airflow3.home / "retry-first.log").read_text()[-3000:]
        left = {
            "state": _sqlite(
                airflow3.home,
                "select state, try_number from task_instance where dag_id = ?",
                RETRY.name,
            ),
            "stored": _sqlite(
                airflow3.home,
                "select key, value from task_state_store where dag_id = ?",
                RETRY.name,
            )
            if has_state_store(airflow3)
            else [],
        }
        run = airflow3.harness("resume", RETRY.name, connections=connections)
    return {"server": server, "run": run, "left": left, "airflow": airflow3}


def test_a_killed_task_is_left_running_with_its_sync_stored(retried: dict[str, Any]) -> None:
    assert retried["left"]["state"] == [("running", 1)]
    if not has_state_store(retried["airflow"]):
        pytest.skip("Airflow 3.1 keeps no task state: the retry reads the job status")
    [(stored_key, value)] = retried["left"]["stored"]
    assert stored_key == "braze_cdi_sync"
    assert json.loads(value)["started"]["integration_id"] == RETRY.integration_id


def test_the_retry_reattaches_and_sends_exactly_one_trigger(retried: dict[str, Any]) -> None:
    server, run = retried["server"], retried["run"]
    assert server.triggers(RETRY.integration_id) == [202]
    task = run.task(RETRY.name)
    assert (task["state"], task["try_number"]) == ("success", 2)
    assert task["xcom"]["return_value"]["job_status"] == "success"
    if has_state_store(retried["airflow"]):
        assert "reattaching to the task's sync" in run.output
    else:
        assert "a job that started since" in run.output


# A triggerer that dies mid-wait.


@pytest.fixture(scope="module")
def restarted(airflow3: Airflow, key: str) -> tuple[ScenarioServer, Run]:
    server = ScenarioServer([RESTART], key)
    with serve_in_thread(server.app) as url:
        run = airflow3.harness("restart", RESTART.name, connections={CONN: connection(url, key)})
    return server, run


def test_a_restarted_triggerer_rebuilds_the_trigger_and_resumes(
    restarted: tuple[ScenarioServer, Run],
) -> None:
    server, run = restarted
    first, second = run.results[RESTART.name]["triggerers"]
    [deferral] = run.results[RESTART.name]["deferrals"]
    assert first["killed"]
    assert first["polls"] >= 1
    assert first["event"] is None
    assert first["rebuilt"]["kwargs"] == second["rebuilt"]["kwargs"] == deferral["kwargs"]
    assert second["event"]["status"] == "ended"
    assert run.task(RESTART.name)["state"] == "success"
    assert run.task(RESTART.name)["xcom"]["return_value"] == second["event"]["job"]
    assert server.triggers(RESTART.integration_id) == [202]


def test_the_stored_trigger_is_plain_values_with_no_key(
    restarted: tuple[ScenarioServer, Run], key: str
) -> None:
    _, run = restarted
    [deferral] = run.results[RESTART.name]["deferrals"]
    kwargs = deferral["kwargs"]
    assert set(kwargs) == {"started", "deadline", "poll_interval", "braze_cdi_conn_id"}
    assert json.loads(json.dumps(kwargs)) == kwargs
    assert key not in json.dumps(kwargs)


# The example of docs/airflow.md, as it is.


@pytest.fixture(scope="module")
def example(airflow3: Airflow, key: str) -> tuple[ReferenceServer, Run]:
    server = demo_server(key)
    with serve_in_thread(server.app) as url:
        run = airflow3.harness(
            "dags", "braze_cdi_example", connections={CONN: connection(url, key)}
        )
    return server, run


def test_the_documented_example_dag_runs(example: tuple[ReferenceServer, Run]) -> None:
    server, run = example
    waited = run.task("braze_cdi_example", "wait_for_scheduled_sync")
    assert waited["state"] == "success"  # no sync ran: the newest job of the history
    assert waited["xcom"]["return_value"]["job_status"] == "success"
    task = run.task("braze_cdi_example", "sync_braze")
    assert task["state"] == "success"
    assert task["xcom"]["return_value"]["integration_id"] == DEMO_INTEGRATIONS[0]
    assert server.syncs_started == 1


# The key, nowhere.


def test_no_key_in_any_log_xcom_or_exception(
    airflow3: Airflow,
    key: str,
    outcomes: tuple[ScenarioServer, Run],
    retried: dict[str, Any],
    restarted: tuple[ScenarioServer, Run],
    example: tuple[ReferenceServer, Run],
) -> None:
    outputs = [outcomes[1].output, retried["run"].output, restarted[1].output, example[1].output]
    assert leaks(key, airflow3.home, *outputs) == []
    assert (airflow3.home / "airflow.db").stat().st_size > 0
