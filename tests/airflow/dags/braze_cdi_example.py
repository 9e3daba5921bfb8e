"""Sync a Braze CDI integration once the warehouse is loaded.

The example of docs/airflow.md: the tests run this file as it is, against the reference
server.
"""

from __future__ import annotations

import pendulum
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG
from braze_cdi_airflow.operators.braze_cdi import BrazeCdiSyncOperator
from braze_cdi_airflow.sensors.braze_cdi import BrazeCdiSyncSensor

with DAG(
    dag_id="braze_cdi_example",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    params={"integration_id": "3f2b8c1e-7d4a-4e6b-9c0d-1a2b3c4d5e6f"},
    default_args={"retries": 2},
) as dag:
    # A sync the schedule started may still be reading the tables: let it end first.
    scheduled = BrazeCdiSyncSensor(
        task_id="wait_for_scheduled_sync",
        integration_id="{{ params.integration_id }}",
        mode="reschedule",  # or "poke", or deferrable=True
        poke_interval=60,
        timeout=3600,
    )
    # Stands for the job that fills the tables the integration reads.
    load_warehouse = EmptyOperator(task_id="load_warehouse")

    sync = BrazeCdiSyncOperator(
        task_id="sync_braze",
        integration_id="{{ params.integration_id }}",  # templated
        # host: US-03 or a REST URL; password: the key
        braze_cdi_conn_id="braze_cdi_default",
        # the whole task: the trigger, a running sync waited out, the wait
        timeout=3600,
        poll_interval=10,
        deferrable=True,  # wait in the triggerer: no worker slot held
        if_running="wait",  # a sync already running: wait for it, then trigger
        fail_on_partial=False,  # partial: success with a warning
    )

    scheduled >> load_warehouse >> sync
