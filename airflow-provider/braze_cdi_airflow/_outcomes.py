"""What an ended job means for the task: the XCom it returns or the exception it raises."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from braze_cdi_sync import Job

from braze_cdi_airflow.exceptions import (
    BrazeCdiException,
    BrazeCdiSyncConfigError,
    BrazeCdiSyncError,
    BrazeCdiSyncFailed,
    BrazeCdiSyncPartial,
    BrazeCdiSyncTimeout,
    JobDict,
)

T = TypeVar("T")
NO_CANCEL = (
    "Braze has no endpoint to cancel a sync, so it still runs there; follow it with "
    "BrazeCdiSyncSensor or `braze-cdi status {integration_id}`"
)


# The XCom key of the job a failed task saw (a task that fails has no return value).
FAILED_JOB_XCOM = "braze_cdi_job"


def keeping_job(context: Mapping[str, Any], run: Callable[[], T]) -> T:
    """`run()`, pushing the job of a BrazeCdiException it raises as the XCom FAILED_JOB_XCOM."""
    try:
        return run()
    except BrazeCdiException as failure:
        ti = context.get("ti")
        if failure.job is not None and ti is not None:
            ti.xcom_push(key=FAILED_JOB_XCOM, value=failure.job)
        raise


def job_from_dict(data: JobDict) -> Job:
    """A job from its XCom form (`Job.as_dict()`)."""
    integration_id = data.get("integration_id")
    return Job.from_item(
        data, integration_id=integration_id if isinstance(integration_id, str) else None
    )


def described(job: Job) -> str:
    """A job in one line: its status, its rows and its times."""
    started = job.started_at.isoformat() if job.started_at else "unknown"
    finished = job.finished_at.isoformat() if job.finished_at else "not yet"
    return (
        f"{job.status} ({job.rows_synced} rows synced, {job.rows_failed} failed; started "
        f"{started}, finished {finished})"
    )


def judged(job: Job, *, fail_on_partial: bool, log: logging.Logger | Any) -> JobDict:  # noqa: ANN401
    """The XCom of an ended job, or the exception of its outcome: `success` returns it,
    `partial` returns it with a warning (raises BrazeCdiSyncPartial with `fail_on_partial`),
    `error` and `config_error` raise their own classes, and any other status raises
    BrazeCdiSyncFailed (a status the contract does not know is never taken as a success).
    """
    value = job.as_dict()
    what = f"sync of {job.integration_id} ended {described(job)}"
    if job.succeeded:
        log.info("%s", what)
        return value
    if job.status == "partial" and not fail_on_partial:
        log.warning(
            "%s: the task succeeds all the same (fail_on_partial=False); %s rows failed",
            what,
            job.rows_failed,
        )
        return value
    if job.status == "partial":
        raise BrazeCdiSyncPartial(f"{what}; fail_on_partial=True", job=value)
    if job.status == "error":
        raise BrazeCdiSyncError(what, job=value)
    if job.status == "config_error":
        raise BrazeCdiSyncConfigError(
            f"{what}: check the integration's configuration in the Braze dashboard", job=value
        )
    raise BrazeCdiSyncFailed(f"{what}: a status this provider does not know", job=value)


def accepted(job: Job, *, fail_on_partial: bool) -> bool:
    """Whether the task succeeds with this ended job (`judged` returns rather than raises)."""
    return job.succeeded or (job.status == "partial" and not fail_on_partial)


def timed_out(
    integration_id: str,
    *,
    timeout: float,
    last_seen: Job | None,
    trigger_accepted: bool,
    detail: str = "",
) -> BrazeCdiSyncTimeout:
    """The timeout's exception: the last job seen, and whether a sync still runs on Braze."""
    seen = f"last seen: {described(last_seen)}" if last_seen else "its job was not listed yet"
    if trigger_accepted:
        message = (
            f"no job of {integration_id} ended within the task's timeout of {timeout:g} s "
            f"({seen}). " + NO_CANCEL.format(integration_id=integration_id)
        )
    else:
        message = (
            f"no sync of {integration_id} was started within the task's timeout of "
            f"{timeout:g} s ({detail or 'no trigger was accepted'}); nothing runs on Braze "
            "for this task"
        )
    return BrazeCdiSyncTimeout(
        message,
        job=last_seen.as_dict() if last_seen else None,
        trigger_accepted=trigger_accepted,
    )
