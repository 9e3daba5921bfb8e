"""Contains all the data models used in inputs/outputs"""

from .error import Error
from .integration import Integration
from .integration_list import IntegrationList
from .job_status import JobStatus
from .job_sync_status import JobSyncStatus
from .job_sync_status_list import JobSyncStatusList
from .sync_accepted import SyncAccepted

__all__ = (
    "Error",
    "Integration",
    "IntegrationList",
    "JobStatus",
    "JobSyncStatus",
    "JobSyncStatusList",
    "SyncAccepted",
)
