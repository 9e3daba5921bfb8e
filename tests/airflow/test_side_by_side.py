"""Side by side on Apache Airflow 2.11: the same outcome DAGs with this project's provider and
with airflow-provider-braze 1.0.4 (which requires Airflow < 3), each against a ScenarioServer of
its own, in `.venv-airflow`. The table of where the two differ, on docs/airflow-compared.md, is
the one this run measures: the test fails, printing the measured table, when the page says
otherwise.

On Airflow 2.11 there is no task state store: this provider's retry reattaches by what the job
status shows. The retry here comes once the first try's sync has ended.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from typing import Any

import pytest

from tests.airflow.environments import AIRFLOW_2
from tests.airflow.runner import Airflow, Run, connection, leaks
from tests.airflow.scenarios import (
    OUTCOMES,
    RETRY,
    Scenario,
    ScenarioServer,
    new_key,
    serve_in_thread,
)
from tools import ROOT

pytestmark = [pytest.mark.airflow, pytest.mark.timeout(1800)]
PAGE = ROOT / "docs" / "airflow-compared.md"
BEGIN, END = "<!-- side-by-side: begin -->", "<!-- side-by-side: end -->"
OURS, BRAZE = "braze_cdi_default", "braze_default"
COMPARED = tuple(expected for expected in OUTCOMES if not expected.name.startswith("sensor"))
RAISED = re.compile(r"\b(BrazeCdi\w+|AirflowException|HTTPError|\w+Error): ")


def dag_id(provider: str, name: str) -> str:
    return f"{provider}_{name}"


@pytest.fixture(scope="module")
def side_by_side(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    AIRFLOW_2.build()
    airflow = Airflow(AIRFLOW_2, tmp_path_factory.mktemp("airflow2"))
    airflow.migrate()
    scenarios = [expected.scenario for expected in COMPARED]
    airflow.write_spec(
        [s.spec("ours", OURS, dag_id("ours", s.name)) for s in [*scenarios, RETRY]]
        + [s.spec("braze", BRAZE, dag_id("braze", s.name)) for s in [*scenarios, RETRY]]
    )
    key = new_key()
    servers = {"ours": ScenarioServer(scenarios, key), "braze": ScenarioServer(scenarios, key)}
    retry = {"ours": ScenarioServer([RETRY], key), "braze": ScenarioServer([RETRY], key)}
    with (
        serve_in_thread(servers["ours"].app) as ours,
        serve_in_thread(servers["braze"].app) as braze,
    ):
        connections = {OURS: connection(ours, key), BRAZE: connection(braze, key, "http")}
        names = [dag_id(p, e.name) for p in ("ours", "braze") for e in COMPARED]
        run = airflow.harness("dags", *names, connections=connections)
    retries = {provider: retried(airflow, provider, retry[provider], key) for provider in retry}
    outputs = [run.output, *(r.output for r in retries.values())]
    return {
        "run": run,
        "servers": servers,
        "retries": retries,
        "retry_servers": retry,
        "leaks": leaks(key, airflow.home, *outputs),
    }


def retried(airflow: Airflow, provider: str, server: ScenarioServer, key: str) -> Run:
    """Kill the retry DAG's process after its trigger was accepted and its job read; once the
    sync has ended, retry the task as the scheduler would.
    """
    name = dag_id(provider, RETRY.name)
    conn_type = "http" if provider == "braze" else "braze_cdi"
    conn_id = BRAZE if provider == "braze" else OURS
    with serve_in_thread(server.app) as url:
        connections = {conn_id: connection(url, key, conn_type)}
        out = airflow.output_file("dags", name)
        with (airflow.home / f"{name}-first.log").open("w") as log:
            process = subprocess.Popen(
                airflow.command("dags", str(out), name),
                env=airflow.env(connections),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                deadline = time.time() + 120
                while time.time() < deadline and not _accepted_and_read(server):
                    time.sleep(0.1)
            finally:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
        time.sleep(RETRY.sync_seconds + 1)  # the first try's sync ends
        return airflow.harness("resume", name, connections=connections)


def _accepted_and_read(server: ScenarioServer) -> bool:
    entries = server.calls
    accepted = [n for n, entry in enumerate(entries) if entry.status == 202]
    return bool(accepted) and any(e.operation == "status" for e in entries[accepted[0] :])


def outcome(run: Run, name: str, server: ScenarioServer, scenario: Scenario) -> str:
    """What became of a DAG, in words: the task's state, the exception of a failed task, the
    job status in its XCom, and how many syncs its triggers started.
    """
    task = run.task(name)
    words = [str(task["state"])]
    if task["state"] == "failed":
        raised = RAISED.findall(run.segment(name))
        words.append(f"`{raised[-1]}`" if raised else "no exception named")
    xcom = task["xcom"].get("return_value") or task["xcom"].get("braze_cdi_job")
    if isinstance(xcom, dict) and "job_status" in xcom:
        words.append(f"XCom `{xcom['job_status']}`")
    started = server.triggers(scenario.integration_id).count(202)
    words.append(f"{started} sync{'s' if started != 1 else ''} started")
    return ", ".join(words)


def measured(results: dict[str, Any]) -> str:
    run: Run = results["run"]
    rows = [
        "| scenario (Airflow 2.11) | airflow-provider-braze-cdi | airflow-provider-braze 1.0.4 |",
        "| --- | --- | --- |",
    ]
    for expected in COMPARED:
        cells = [
            outcome(run, dag_id(p, expected.name), results["servers"][p], expected.scenario)
            for p in ("ours", "braze")
        ]
        rows.append(f"| {expected.what} | {cells[0]} | {cells[1]} |")
    cells = [
        outcome(results["retries"][p], dag_id(p, RETRY.name), results["retry_servers"][p], RETRY)
        for p in ("ours", "braze")
    ]
    rows.append(
        f"| a retry after the task's process was killed between the 202 and the end | "
        f"{cells[0]} | {cells[1]} |"
    )
    return "\n".join(rows)


def test_this_provider_ends_each_outcome_as_on_airflow_3(side_by_side: dict[str, Any]) -> None:
    run: Run = side_by_side["run"]
    for expected in COMPARED:
        task = run.task(dag_id("ours", expected.name))
        assert task["state"] == expected.state, (
            expected.name,
            run.segment(dag_id("ours", expected.name))[-3000:],
        )


def test_this_providers_retry_reattaches_by_the_job_status(side_by_side: dict[str, Any]) -> None:
    run: Run = side_by_side["retries"]["ours"]
    task = run.task(dag_id("ours", RETRY.name))
    assert (task["state"], task["try_number"]) == ("success", 2)
    assert side_by_side["retry_servers"]["ours"].triggers(RETRY.integration_id) == [202]
    assert "a job that started since" in run.output


def test_the_page_shows_the_measured_table(side_by_side: dict[str, Any]) -> None:
    table = measured(side_by_side)
    page = PAGE.read_text(encoding="utf-8")
    documented = page[page.index(BEGIN) + len(BEGIN) : page.index(END)].strip()
    assert documented == table, f"docs/airflow-compared.md should show the measured table:\n{table}"


def test_no_key_in_any_log_or_xcom_of_either_provider(side_by_side: dict[str, Any]) -> None:
    assert side_by_side["leaks"] == []
