"""Trigger Braze Cloud Data Ingestion syncs and wait for them: typed outcomes and jobs, bounded
waiting, retries only where they are safe.

from braze_cdi_sync import CdiClient

with CdiClient("https://rest.iad-01.braze.com", api_key) as client:
    job = client.sync_and_wait(integration_id, timeout=3600)
    print(job.status, job.rows_synced, job.rows_failed)
"""

import logging

from braze_cdi_sync._version import __version__
from braze_cdi_sync.clients import DEFAULT_TIMEOUT, AsyncCdiClient, CdiClient, resolve_host
from braze_cdi_sync.flows import (
    HistoryOutOfReach,
    Retry,
    StartedSync,
    SyncAlreadyRunning,
    WaitTimedOut,
)
from braze_cdi_sync.jobs import Integration, Job
from braze_cdi_sync.outcomes import (
    IN_PROGRESS_MESSAGE,
    AuthenticationFailed,
    BrazeApiError,
    NotFound,
    Outcome,
    PermissionDenied,
    Progress,
    RateLimit,
    RateLimited,
    RateLimitExceeded,
    SyncInProgress,
    SyncStarted,
    Unavailable,
    UnexpectedAnswer,
    interpret,
)

# A library logs to its own logger and leaves the output to the application.
logging.getLogger("braze_cdi_sync").addHandler(logging.NullHandler())


__all__ = [
    "DEFAULT_TIMEOUT",
    "IN_PROGRESS_MESSAGE",
    "AsyncCdiClient",
    "AuthenticationFailed",
    "BrazeApiError",
    "CdiClient",
    "HistoryOutOfReach",
    "Integration",
    "Job",
    "NotFound",
    "Outcome",
    "PermissionDenied",
    "Progress",
    "RateLimit",
    "RateLimitExceeded",
    "RateLimited",
    "Retry",
    "StartedSync",
    "SyncAlreadyRunning",
    "SyncInProgress",
    "SyncStarted",
    "Unavailable",
    "UnexpectedAnswer",
    "WaitTimedOut",
    "__version__",
    "interpret",
    "resolve_host",
]
