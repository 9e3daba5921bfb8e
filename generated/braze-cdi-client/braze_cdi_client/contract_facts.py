"""Facts of the contract that the generated models do not carry. Do not edit.

Written by `make generate` from openapi/openapi.yaml: each message from x-braze-messages
(and the const of SyncAccepted.message), permissions and rate limits from each
operation's x-braze-* extensions, the job statuses and page size from the job schemas,
the REST hosts by x-braze-instance from servers.
"""

from typing import Final

SYNC_ACCEPTED_MESSAGE: Final = "success"
INVALID_INTEGRATION_ID_MESSAGE: Final = "Invalid integration ID"
INVALID_API_KEY_MESSAGE: Final = "Invalid API key"
ACCESS_DENIED_MESSAGE: Final = "Access Denied"
INTEGRATION_NOT_FOUND_MESSAGE: Final = "Integration not found"
INVALID_URL_MESSAGE: Final = "Invalid URL"
ANOTHER_JOB_IN_PROGRESS_MESSAGE: Final = "Another job is in progress"
OVER_RATE_LIMIT_MESSAGE: Final = "Over rate limit"
INTERNAL_SERVER_ERROR_MESSAGE: Final = "Internal Server Error"
INVALID_CURSOR_MESSAGE: Final = "Invalid cursor"

TRIGGER_INTEGRATION_SYNC_PERMISSION: Final = "cdi.integration_sync"
TRIGGER_INTEGRATION_SYNC_RATE_LIMIT: Final = 20
TRIGGER_INTEGRATION_SYNC_RATE_WINDOW_SECONDS: Final = 60
LIST_INTEGRATIONS_PERMISSION: Final = "cdi.integration_list"
LIST_INTEGRATIONS_RATE_LIMIT: Final = 50
LIST_INTEGRATIONS_RATE_WINDOW_SECONDS: Final = 60
LIST_JOB_SYNC_STATUS_PERMISSION: Final = "cdi.integration_job_status"
LIST_JOB_SYNC_STATUS_RATE_LIMIT: Final = 100
LIST_JOB_SYNC_STATUS_RATE_WINDOW_SECONDS: Final = 60

# Sync jobs (components.schemas.JobStatus): every status, those of a job still running
# (x-braze-running), and the page size of the lists (maxItems of their results).
JOB_STATUSES: Final = ["running", "success", "partial", "error", "config_error"]
RUNNING_JOB_STATUSES: Final = ["running"]
PAGE_SIZE: Final = 10
JOB_STATUS_RUNNING: Final = "running"
JOB_STATUS_SUCCESS: Final = "success"
JOB_STATUS_PARTIAL: Final = "partial"
JOB_STATUS_ERROR: Final = "error"
JOB_STATUS_CONFIG_ERROR: Final = "config_error"

# Instance name (each server's x-braze-instance) to REST host.
SERVERS: Final = {
    "US-01": "https://rest.iad-01.braze.com",
    "US-02": "https://rest.iad-02.braze.com",
    "US-03": "https://rest.iad-03.braze.com",
    "US-04": "https://rest.iad-04.braze.com",
    "US-05": "https://rest.iad-05.braze.com",
    "US-06": "https://rest.iad-06.braze.com",
    "US-07": "https://rest.iad-07.braze.com",
    "US-08": "https://rest.iad-08.braze.com",
    "US-10": "https://rest.us-10.braze.com",
    "EU-01": "https://rest.fra-01.braze.eu",
    "EU-02": "https://rest.fra-02.braze.eu",
    "AU-01": "https://rest.au-01.braze.com",
    "ID-01": "https://rest.id-01.braze.com",
    "JP-01": "https://rest.jp-01.braze.com",
    "KR-01": "https://rest.kr-01.braze.com",
}
