"""Runs DAGs and triggers inside an Airflow environment (.venv-airflow3, or .venv-airflow for
Airflow 2.11), for the tests beside it, which run in the project's venv and read what this
prints and writes. It imports Airflow, the provider and the client; never the project's test
equipment (the reference server runs in the test's process).

    python harness.py dags OUT DAG_ID...    dag.test() each DAG; what became of it, as JSON
    python harness.py restart OUT DAG_ID    the same, with the trigger run by a "triggerer"
                                            process that is killed mid-wait and started again
    python harness.py resume OUT DAG_ID     after the process running DAG_ID was killed: the
                                            task as the scheduler leaves it (up for retry),
                                            then the rest of the DAG run, as dag.test() runs it
    python harness.py run-trigger ID        a triggerer: rebuild trigger ID from the metadata
                                            DB, run it, print its event (EVENT {...})
    python harness.py trigger-unit OUT      the trigger's unit checks (URL and key from the
                                            connection braze_cdi_unit)

Each DAG's output is framed by lines `=== BEGIN dag_id` and `=== END dag_id`.
"""

# Imports of Airflow's modules sit where they are used: they differ between Airflow 2 and 3.
# ruff: noqa: PLC0415

from __future__ import annotations

import asyncio
import importlib.util
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import airflow
from sqlalchemy import text

HERE = Path(__file__).resolve().parent
DAGS = HERE / "dags"
AIRFLOW_3 = airflow.__version__.startswith("3.")
# What the run watched: each deferral (the task instance and its trigger row as the metadata DB
# held them), and the triggerer processes of a restart.
WATCHED: dict[str, list[dict[str, Any]]] = {"deferrals": [], "triggerers": []}


def import_string(path: str) -> Any:
    try:
        from airflow.sdk.module_loading import import_string as loading
    except ImportError:  # Airflow 2
        from airflow.utils.module_loading import import_string as loading
    return loading(path)


def say(line: str) -> None:
    print(line, flush=True)
    print(line, file=sys.stderr, flush=True)


def dags_of(path: Path) -> dict[str, Any]:
    """The DAG objects a DAG file defines."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {
        value.dag_id: value
        for value in vars(module).values()
        if hasattr(value, "dag_id") and hasattr(value, "test") and not isinstance(value, type)
    }


def all_dags() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for path in sorted(DAGS.glob("*.py")):
        if AIRFLOW_3 or path.name != "braze_cdi_example.py":  # the example imports airflow.sdk
            found.update(dags_of(path))
    return found


def session() -> Any:
    from airflow import settings

    return settings.Session()


def decoded(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        value = bytes(value).decode()
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def facts(dag_id: str) -> dict[str, Any]:
    """The DAG's last run: its state, each task instance's state and tries, and its XComs."""
    db = session()
    try:
        run = db.execute(
            text("select run_id, state from dag_run where dag_id = :d order by id desc limit 1"),
            {"d": dag_id},
        ).first()
        if run is None:
            return {"state": None, "tasks": {}}
        tasks = {
            task_id: {"state": state, "try_number": tries, "xcom": {}}
            for task_id, state, tries in db.execute(
                text(
                    "select task_id, state, try_number from task_instance "
                    "where dag_id = :d and run_id = :r"
                ),
                {"d": dag_id, "r": run[0]},
            )
        }
        for task_id, key, value in db.execute(
            text("select task_id, key, value from xcom where dag_id = :d and run_id = :r"),
            {"d": dag_id, "r": run[0]},
        ):
            tasks.setdefault(task_id, {"xcom": {}})["xcom"][key] = decoded(value)
        return {"run_id": run[0], "state": run[1], "tasks": tasks}
    finally:
        db.close()


def deferred(ti_id: Any) -> dict[str, Any]:
    """A deferred task instance as the metadata DB holds it: its state, its trigger row, and
    what the default pool counts as occupied.
    """
    from airflow.models.pool import Pool
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.trigger import Trigger

    db = session()
    try:
        try:
            ti = db.get(TaskInstance, ti_id)
        except Exception:  # noqa: BLE001 - Airflow 3.1 keys task instances by a string
            db.rollback()
            ti = db.get(TaskInstance, str(ti_id))
        row = db.get(Trigger, ti.trigger_id) if ti.trigger_id is not None else None
        pool = Pool.get_default_pool(session=db)
        busy = db.execute(
            text("select count(*) from task_instance where state in ('running', 'queued')")
        ).scalar()
        return {
            "task_id": ti.task_id,
            "state": str(ti.state.value if hasattr(ti.state, "value") else ti.state),
            "next_method": ti.next_method,
            "trigger_id": ti.trigger_id,
            "classpath": row.classpath if row else None,
            "kwargs": row.kwargs if row else None,
            "pool_occupied_slots": pool.occupied_slots(session=db),
            "pool_includes_deferred": pool.include_deferred,
            "running_or_queued": busy,
        }
    finally:
        db.close()


def watch_deferrals() -> None:
    """Record each deferral as it happens (Airflow 3's dag.test runs tasks through
    run_task_in_process, and sets a deferred task instance back to queued before it runs the
    trigger inline: this looks at it between the two).
    """
    if not AIRFLOW_3:
        return
    from airflow.sdk.execution_time import supervisor

    real = supervisor.run_task_in_process

    def watched(ti: Any, task: Any, client: Any = None) -> Any:
        result = real(ti, task) if client is None else real(ti, task, client)
        if str(getattr(result.ti.state, "value", result.ti.state)) == "deferred":
            WATCHED["deferrals"].append({"at": time.time(), **deferred(ti.id)})
        return result

    supervisor.run_task_in_process = watched


def run_dags(out: Path, dag_ids: list[str]) -> None:
    watch_deferrals()
    dags = all_dags()
    results: dict[str, Any] = {}
    for dag_id in dag_ids:
        say(f"=== BEGIN {dag_id}")
        started = time.time()
        WATCHED["deferrals"].clear()
        try:
            dags[dag_id].test()
        except Exception as error:  # noqa: BLE001 - reported, the next DAG still runs
            say(f"dag.test() of {dag_id} raised {type(error).__name__}: {error}")
        results[dag_id] = {
            **facts(dag_id),
            "seconds": time.time() - started,
            "deferrals": list(WATCHED["deferrals"]),
            "triggerers": list(WATCHED["triggerers"]),
        }
        say(f"=== END {dag_id}")
    out.write_text(json.dumps(results, indent=2, default=str))


# A triggerer restart: the trigger row rebuilt by a process that is killed mid-wait, then by a
# second one that finishes the wait.


def triggerer(trigger_id: int, *, kill_after_polls: int | None) -> dict[str, Any]:
    """Run `run-trigger` in a process of its own; kill it after that many job status reads."""
    process = subprocess.Popen(
        [sys.executable, __file__, "run-trigger", str(trigger_id)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    polls, event, rebuilt = 0, None, None
    for line in process.stdout:
        sys.stdout.write(f"[triggerer {process.pid}] {line}")
        if "job_sync_status ->" in line:
            polls += 1
        if line.startswith("REBUILT "):
            rebuilt = json.loads(line.removeprefix("REBUILT "))
        if line.startswith("EVENT "):
            event = json.loads(line.removeprefix("EVENT "))
        if kill_after_polls is not None and polls >= kill_after_polls:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    return {
        "pid": process.pid,
        "polls": polls,
        "killed": process.returncode == -signal.SIGKILL,
        "rebuilt": rebuilt,
        "event": event,
    }


def restarted_trigger(trigger: Any, task_sdk_ti: Any) -> Any:
    """Stands in for dag.test()'s inline trigger: the trigger row (not the object dag.test
    holds) is run by a triggerer that dies after its first read, then by a new one.
    """
    from airflow.triggers.base import TriggerEvent

    trigger_id = WATCHED["deferrals"][-1]["trigger_id"]
    first = triggerer(trigger_id, kill_after_polls=1)
    second = triggerer(trigger_id, kill_after_polls=None)
    WATCHED["triggerers"].extend([first, second])
    assert second["event"] is not None, "the second triggerer sent no event"
    return TriggerEvent(second["event"])


def run_trigger(trigger_id: int) -> None:
    """A triggerer of one trigger: rebuild it from its row and run it to its first event."""
    from airflow.models.trigger import Trigger

    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    for name in ("braze_cdi_sync", "braze_cdi_airflow"):
        logging.getLogger(name).addHandler(handler)
        logging.getLogger(name).setLevel(logging.INFO)
    db = session()
    row = db.get(Trigger, trigger_id)
    classpath, kwargs = row.classpath, row.kwargs
    db.close()
    print("REBUILT " + json.dumps({"classpath": classpath, "kwargs": kwargs}), flush=True)
    rebuilt = import_string(classpath)(**kwargs)

    async def first() -> Any:
        async for event in rebuilt.run():
            return event
        return None

    event = asyncio.run(first())
    print("EVENT " + json.dumps(event.payload if event else None), flush=True)


def run_restart(out: Path, dag_id: str) -> None:
    from airflow.sdk.definitions import dag as dag_module

    dag_module._run_inline_trigger = restarted_trigger
    run_dags(out, [dag_id])


# A retry after the task's process died between the 202 and the end.


def run_resume(out: Path, dag_id: str) -> None:
    """The task instance the killed process left behind, as the scheduler handles a task
    whose heartbeat stopped (up for retry), then the rest of the run, as dag.test() runs it
    (without clearing the run, which would discard the task's state).
    """
    from airflow.models.dagrun import DagRun
    from airflow.utils.state import DagRunState, TaskInstanceState

    watch_deferrals()
    if not AIRFLOW_3:
        # Airflow 2's metadata models refer to the auth manager's users table.
        import airflow.providers.fab.auth_manager.models  # noqa: F401
    dag = all_dags()[dag_id]
    say(f"=== BEGIN {dag_id}")
    db = session()
    run = db.execute(
        text("select run_id from dag_run where dag_id = :d order by id desc limit 1"),
        {"d": dag_id},
    ).scalar()
    dr = db.query(DagRun).filter(DagRun.dag_id == dag_id, DagRun.run_id == run).one()
    # The killed try: `running` on Airflow 3; on Airflow 2, whose dag.test() never commits
    # the running state, still `scheduled` (a worker would have committed it).
    lost = {TaskInstanceState.RUNNING, TaskInstanceState.QUEUED, TaskInstanceState.SCHEDULED}
    for ti in dr.get_task_instances(session=db):
        if ti.state in lost and ti.try_number >= 1:
            ti.state = TaskInstanceState.UP_FOR_RETRY
            ti.end_date = airflow_now()
    db.commit()
    if AIRFLOW_3:
        # What dag.test() hands the run: the DAG as the scheduler reads it.
        from airflow.serialization import serialized_objects as serialized

        made = getattr(serialized, "DagSerialization", None) or serialized.SerializedDAG  # 3.1
        dr.dag = made.deserialize_dag(made.serialize_dag(dag))
    else:
        dr.dag = dag
    while dr.state == DagRunState.RUNNING:
        db.expire_all()
        schedulable, _ = dr.update_state(session=db)
        for ti in schedulable:
            if ti.state != TaskInstanceState.UP_FOR_RESCHEDULE:
                ti.try_number += 1
            ti.state = TaskInstanceState.SCHEDULED
        db.commit()
        for ti in [ti for ti in dr.get_task_instances(session=db) if ti.state == "scheduled"]:
            run_task(ti, dag, db)
        time.sleep(0.2)
    db.close()
    say(f"=== END {dag_id}")
    out.write_text(
        json.dumps({dag_id: {**facts(dag_id), "deferrals": WATCHED["deferrals"]}}, default=str)
    )


def airflow_now() -> Any:
    from airflow.utils import timezone

    return timezone.utcnow()


def run_task(ti: Any, dag: Any, db: Any) -> None:
    if AIRFLOW_3:
        from airflow.sdk.definitions.dag import _run_task

        _run_task(ti=ti, task=dag.task_dict[ti.task_id], run_triggerer=True)
    else:
        from airflow.models.dag import _run_task

        ti.task = dag.task_dict[ti.task_id]
        _run_task(ti=ti, inline_trigger=True, session=db)


# The trigger's unit checks: its serialised form, its rebuild, its run on a loopback server.


def trigger_unit(out: Path) -> None:
    from airflow.serialization.serialized_objects import BaseSerialization
    from braze_cdi_airflow.triggers.braze_cdi import (
        BrazeCdiRunningSyncTrigger,
        BrazeCdiSyncTrigger,
    )
    from braze_cdi_sync import CdiClient

    conn = "braze_cdi_unit"
    integration = os.environ["BRAZE_CDI_UNIT_INTEGRATION"]
    setting = json.loads(os.environ["AIRFLOW_CONN_BRAZE_CDI_UNIT"])
    results: dict[str, Any] = {}
    # The one trigger of this run, sent here: the triggers below only wait.
    with CdiClient(setting["host"], setting["password"]) as client:
        started = client.start_sync(integration, timeout=30)
    trigger = BrazeCdiSyncTrigger(
        started=started.as_dict(),
        deadline=time.time() + 60,
        poll_interval=1.2,
        braze_cdi_conn_id=conn,
    )
    classpath, kwargs = trigger.serialize()
    results["classpath"] = classpath
    results["kwargs"] = kwargs
    results["json_round_trip"] = json.loads(json.dumps(kwargs)) == kwargs
    stored = BaseSerialization.deserialize(BaseSerialization.serialize(kwargs))
    results["airflow_round_trip"] = stored == kwargs
    rebuilt = import_string(classpath)(**stored)
    results["rebuilt_serializes_the_same"] = rebuilt.serialize() == (classpath, kwargs)

    async def events(of: Any) -> list[Any]:
        return [event.payload async for event in of.run()]

    # While the sync runs: a wait resumed past its deadline reads once, then says timeout.
    late = BrazeCdiSyncTrigger(
        started=started.as_dict(),
        deadline=time.time() - 5,
        poll_interval=1.2,
        braze_cdi_conn_id=conn,
    )
    began = time.time()
    results["past_deadline_events"] = asyncio.run(events(late))
    results["past_deadline_seconds"] = time.time() - began
    # The wait itself, rebuilt from the serialised form.
    results["events"] = asyncio.run(events(rebuilt))
    try:
        BrazeCdiSyncTrigger(
            started={"integration_id": integration},
            deadline=0,
            poll_interval=1,
            braze_cdi_conn_id=conn,
        )
        results["refuses_bad_state"] = None
    except ValueError as error:
        results["refuses_bad_state"] = str(error)
    # The running sync's wait: none runs now.
    running = BrazeCdiRunningSyncTrigger(
        integration_id=integration,
        deadline=time.time() + 30,
        poll_interval=1.2,
        braze_cdi_conn_id=conn,
    )
    classpath, kwargs = running.serialize()
    results["running_round_trip"] = import_string(classpath)(**kwargs).serialize() == (
        classpath,
        kwargs,
    )
    results["running_events"] = asyncio.run(events(running))
    out.write_text(json.dumps(results, indent=2, default=str))


def main() -> int:
    mode, *rest = sys.argv[1:]
    if mode == "run-trigger":
        run_trigger(int(rest[0]))
        return 0
    out = Path(rest[0])
    if mode == "dags":
        run_dags(out, rest[1:])
    elif mode == "restart":
        run_restart(out, rest[1])
    elif mode == "resume":
        run_resume(out, rest[1])
    elif mode == "trigger-unit":
        trigger_unit(out)
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
