"""The outcome DAGs of the Airflow tier: one DAG per scenario of the spec file named by
BRAZE_CDI_SCENARIOS (written by the tests), each with one task `sync`: the project's
BrazeCdiSyncOperator or BrazeCdiSyncSensor, or airflow-provider-braze's BrazeRunCDIJobOperator
(on Airflow 2 only, where it installs).
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

try:
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG

START = datetime(2026, 1, 1)


def _task(scenario: dict[str, Any]) -> Any:
    provider, kwargs = scenario["provider"], dict(scenario["kwargs"])
    common = {"task_id": "sync", "integration_id": scenario["integration_id"]}
    if provider == "braze":
        from braze_provider.operators.braze_cdi import BrazeRunCDIJobOperator  # noqa: PLC0415

        return BrazeRunCDIJobOperator(**common, braze_conn_id=scenario["conn_id"], **kwargs)
    if provider == "sensor":
        from braze_cdi_airflow.sensors.braze_cdi import BrazeCdiSyncSensor  # noqa: PLC0415

        return BrazeCdiSyncSensor(**common, braze_cdi_conn_id=scenario["conn_id"], **kwargs)
    from braze_cdi_airflow.operators.braze_cdi import BrazeCdiSyncOperator  # noqa: PLC0415

    return BrazeCdiSyncOperator(**common, braze_cdi_conn_id=scenario["conn_id"], **kwargs)


def _dags() -> dict[str, Any]:
    spec = os.environ.get("BRAZE_CDI_SCENARIOS")
    if not spec or not Path(spec).exists():
        return {}
    made = {}
    for scenario in json.loads(Path(spec).read_text())["scenarios"]:
        with DAG(
            scenario["dag_id"],
            schedule=None,
            start_date=START,
            catchup=False,
            default_args={
                "retries": scenario.get("retries", 0),
                "retry_delay": timedelta(seconds=0),
            },
        ) as dag:
            _task(scenario)
        made[scenario["dag_id"]] = dag
    return made


DAGS = _dags()
globals().update(DAGS)
