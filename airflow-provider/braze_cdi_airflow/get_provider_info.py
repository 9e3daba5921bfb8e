"""What Airflow's providers manager reads through the `apache_airflow_provider` entry point."""

from __future__ import annotations

from typing import Any

from braze_cdi_airflow import __version__

PACKAGE_NAME = "airflow-provider-braze-cdi"
CONNECTION_TYPE = "braze_cdi"
# The connection form: host and password, relabelled; the other fields hidden. Airflow 3.2 and
# later read it from here; earlier versions from the hook's get_ui_field_behaviour().
CONNECTION_FORM: dict[str, Any] = {
    "hidden-fields": ["schema", "login", "port", "extra"],
    "relabeling": {"host": "Instance or REST endpoint", "password": "REST API key"},
    "placeholders": {
        "host": "US-03, or https://rest.iad-03.braze.com",
        "password": "a key with cdi.integration_sync and cdi.integration_job_status",
    },
}


def get_provider_info() -> dict[str, Any]:
    """The provider's description: its connection type, hook, operator, sensor and triggers."""
    integration = "Braze Cloud Data Ingestion"
    return {
        "package-name": PACKAGE_NAME,
        "name": "Braze CDI",
        "description": (
            "Trigger Braze Cloud Data Ingestion syncs and wait for their jobs (deferrable, "
            "resumable after a retry), or wait for a sync that is already running."
        ),
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": integration,
                "external-doc-url": "https://www.braze.com/docs/api/endpoints/cdi/",
                "tags": ["service"],
            }
        ],
        "connection-types": [
            {
                "connection-type": CONNECTION_TYPE,
                "hook-class-name": "braze_cdi_airflow.hooks.braze_cdi.BrazeCdiHook",
                "hook-name": "Braze CDI",
                "ui-field-behaviour": CONNECTION_FORM,
            }
        ],
        "hooks": [
            {
                "integration-name": integration,
                "python-modules": ["braze_cdi_airflow.hooks.braze_cdi"],
            }
        ],
        "operators": [
            {
                "integration-name": integration,
                "python-modules": ["braze_cdi_airflow.operators.braze_cdi"],
            }
        ],
        "sensors": [
            {
                "integration-name": integration,
                "python-modules": ["braze_cdi_airflow.sensors.braze_cdi"],
            }
        ],
        "triggers": [
            {
                "integration-name": integration,
                "python-modules": ["braze_cdi_airflow.triggers.braze_cdi"],
            }
        ],
    }
