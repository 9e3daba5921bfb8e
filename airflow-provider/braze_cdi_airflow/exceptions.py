"""How a Braze CDI task fails: one exception class per outcome, each carrying the job.

`job` is the job as the task's XCom would hold it (`Job.as_dict()`: integration ID, status,
start and finish times, rows synced and failed), or None where no job was seen. No message
holds a key: the client masks any a server sent back.
"""

from __future__ import annotations

from typing import Any

from braze_cdi_airflow._compat import AirflowException

JobDict = dict[str, Any]


class BrazeCdiException(AirflowException):  # type: ignore[misc]
    """Every failure of the provider's tasks; `job` is the job it concerns, where one was seen."""

    def __init__(self, message: str, *, job: JobDict | None = None) -> None:
        super().__init__(message)
        self.job = job


class BrazeCdiSyncFailed(BrazeCdiException):
    """The sync's job ended in an outcome the task fails on (`job` is that job)."""


class BrazeCdiSyncError(BrazeCdiSyncFailed):
    """The job ended `error`: no rows were synced."""


class BrazeCdiSyncConfigError(BrazeCdiSyncFailed):
    """The job ended `config_error`: the integration's configuration is wrong."""


class BrazeCdiSyncPartial(BrazeCdiSyncFailed):
    """The job ended `partial` (some rows failed) and the task has `fail_on_partial=True`."""


class BrazeCdiSyncTimeout(BrazeCdiException):
    """No job ended within the task's `timeout`; `job` is the job as last seen. A sync whose
    trigger was accepted still runs on Braze (`trigger_accepted`): Braze cannot cancel one.
    """

    def __init__(
        self, message: str, *, job: JobDict | None = None, trigger_accepted: bool = False
    ) -> None:
        super().__init__(message, job=job)
        self.trigger_accepted = trigger_accepted


class BrazeCdiSyncAlreadyRunning(BrazeCdiException):
    """A sync of the integration was running and the task has `if_running="fail"`; no trigger
    of the task's started anything.
    """


class BrazeCdiApiError(BrazeCdiException):
    """Braze refused a request or could not be reached (`status_code`: 0 for no answer), after
    the client's retries; the message says what went wrong and what to do.
    """

    def __init__(self, message: str, *, status_code: int = 0, job: JobDict | None = None) -> None:
        super().__init__(message, job=job)
        self.status_code = status_code


__all__ = [
    "BrazeCdiApiError",
    "BrazeCdiException",
    "BrazeCdiSyncAlreadyRunning",
    "BrazeCdiSyncConfigError",
    "BrazeCdiSyncError",
    "BrazeCdiSyncFailed",
    "BrazeCdiSyncPartial",
    "BrazeCdiSyncTimeout",
]
