"""Trigger Braze Cloud Data Ingestion syncs: typed outcomes, one error type, bounded waiting.

from braze_cdi_sync import CdiClient, SyncStarted, SyncInProgress, RateLimited

with CdiClient("https://rest.iad-01.braze.com", api_key) as client:
    outcome = client.trigger_sync_when_allowed(integration_id)
"""

from braze_cdi_sync.clients import DEFAULT_TIMEOUT, AsyncCdiClient, CdiClient
from braze_cdi_sync.outcomes import (
    IN_PROGRESS_MESSAGE,
    BrazeApiError,
    Outcome,
    RateLimit,
    RateLimited,
    SyncInProgress,
    SyncStarted,
    interpret,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "IN_PROGRESS_MESSAGE",
    "AsyncCdiClient",
    "BrazeApiError",
    "CdiClient",
    "Outcome",
    "RateLimit",
    "RateLimited",
    "SyncInProgress",
    "SyncStarted",
    "interpret",
]
