"""An Apache Airflow provider for Braze Cloud Data Ingestion, built on `braze_cdi_sync`.

    from braze_cdi_airflow.operators.braze_cdi import BrazeCdiSyncOperator

    BrazeCdiSyncOperator(task_id="sync_braze", integration_id="{{ var.value.braze_integration }}")

Its parts live where Airflow's providers keep theirs: `hooks/`, `operators/`, `sensors/`,
`triggers/`; the outcomes are `braze_cdi_airflow.exceptions`. Importing this package imports no
part of Airflow.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
