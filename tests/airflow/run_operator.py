"""Run airflow-provider-braze's BrazeRunCDIJobOperator once, as a DAG task would, and print its
result as JSON. Runs inside .venv-airflow (Apache Airflow), never in the project's venv.

The connection comes from AIRFLOW_CONN_BRAZE_DEFAULT, as Airflow deployments set it; the
integration ID and poll interval from the command line.
"""

from __future__ import annotations

import json
import sys

from braze_provider.operators.braze_cdi import BrazeRunCDIJobOperator


def main() -> int:
    integration_id, poll = sys.argv[1], int(sys.argv[2])
    operator = BrazeRunCDIJobOperator(
        task_id="sync_braze", integration_id=integration_id, poll_interval=poll, timeout=120
    )
    result = operator.execute(context={})
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
