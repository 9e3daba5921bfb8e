"""A real third-party client: airflow-provider-braze's trigger-and-wait flow against the reference.

`BrazeRunCDIJobOperator` (airflow-provider-braze 1.0.4, on Apache Airflow 2.11) posts the trigger,
then polls `job_sync_status` until the job ends and returns it. It runs in its own virtual
environment, `.venv-airflow`, built from tests/airflow/requirements.txt the first time (see
`environments.py`; later runs reuse it). The reference server runs here, on loopback, with the
demo fixtures, behind the passive conformance proxy (`braze-cdi-conformance proxy`), which must
find nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from braze_cdi_conformance.bounded import Bounds
from braze_cdi_conformance.proxy import Proxy
from braze_cdi_contract import load as load_contract
from braze_cdi_contract.serving import serve_in_thread
from braze_cdi_reference.app import ReferenceServer
from braze_cdi_reference.fixtures import DEMO_INTEGRATIONS, DEMO_KEY, demo_fixtures

from tests.airflow.environments import AIRFLOW_2

HERE = Path(__file__).resolve().parent
INTEGRATION, PARTIAL = DEMO_INTEGRATIONS


def run_operator(python: Path, url: str, integration_id: str, home: Path) -> dict[str, object]:
    connection = {"conn_type": "http", "host": url, "password": DEMO_KEY}
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW_CONN_BRAZE_DEFAULT": json.dumps(connection),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "True",
    }
    result = subprocess.run(
        [str(python), str(HERE / "run_operator.py"), integration_id, "1"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert DEMO_KEY not in result.stdout
    last: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return last


@pytest.mark.airflow
@pytest.mark.timeout(1200)
def test_the_airflow_provider_triggers_and_waits_for_the_end(tmp_path: Path) -> None:
    python = AIRFLOW_2.build()
    server = ReferenceServer(replace(demo_fixtures(), sync_seconds=2.0))
    findings: list[str] = []
    with serve_in_thread(server.app) as upstream:
        # Through the passive conformance proxy, which must change nothing and find nothing.
        proxy = Proxy(load_contract(), upstream, bounds=Bounds(), say=findings.append)
        with serve_in_thread(proxy, proxying=True) as url:
            succeeded = run_operator(python, url, INTEGRATION, tmp_path)
            partial = run_operator(python, url, PARTIAL, tmp_path)
            assert proxy.wait_until_judged()
            verdict = proxy.result()
    assert verdict.conformant, findings
    assert findings == []
    assert verdict.requests_sent >= 4  # two triggers and their job status reads, judged
    assert (succeeded["job_status"], succeeded["rows_synced"]) == ("success", 1000)
    assert succeeded["rows_failed_with_errors"] == 0
    assert (partial["job_status"], partial["rows_failed_with_errors"]) == ("partial", 100)
    assert server.syncs_started == 2
