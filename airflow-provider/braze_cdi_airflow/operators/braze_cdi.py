"""`BrazeCdiSyncOperator`: trigger a Braze CDI sync and wait for its job, blocking or deferred.

The operator is thin over the hook and the client: `start_sync` triggers until a sync of its own
starts (waiting out a running sync or the rate limit within the deadline), `wait_for_sync` (or
the trigger, deferred) waits for that sync's job, and `_outcomes` turns the ended job into the
XCom or the exception.

Retries never trigger twice (the rule `docs/airflow.md` states):

1. Where Airflow keeps a task's state across retries (`context["task_state_store"]`, Airflow
   3.3 and later), the operator stores the accepted trigger (`StartedSync.as_dict()`) before it
   waits or defers. A retry that finds it sends no trigger: it waits for that sync's job. Only
   once that job has ended in an outcome the task fails on does a retry trigger again.
2. Elsewhere, and where the stored state shows a trigger may have been sent without a record of
   its answer, a retry reads the job status first: a job that started since the first try (or
   since that trigger) is taken as the task's sync: one that runs is waited for, one that ended
   in an outcome the task accepts is reported, and only otherwise does the retry trigger.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from braze_cdi_sync import (
    BrazeApiError,
    CdiClient,
    Job,
    Progress,
    StartedSync,
    SyncAlreadyRunning,
    WaitTimedOut,
)

from braze_cdi_airflow import _outcomes
from braze_cdi_airflow._compat import BaseOperator, default_deferrable, state_store
from braze_cdi_airflow.exceptions import (
    BrazeCdiApiError,
    BrazeCdiException,
    BrazeCdiSyncAlreadyRunning,
    JobDict,
)
from braze_cdi_airflow.hooks.braze_cdi import DEFAULT_CONN_ID, BrazeCdiHook
from braze_cdi_airflow.triggers.braze_cdi import BrazeCdiRunningSyncTrigger, BrazeCdiSyncTrigger

IfRunning = Literal["wait", "fail"]
# The task state store's key; renaming it would orphan the state of retries in flight.
STATE_KEY = "braze_cdi_sync"
# How many of the most recent jobs a retry without stored state reads to find its sync.
RECENT_JOBS = 10
# A job that started this long before a trigger was sent is still taken as that trigger's by a
# retry that finds no answer stored: Braze may write start times to the whole second, and the
# worker's clock and Braze's differ a little.
CLOCK_MARGIN_SECONDS = 5.0


def api_error(error: BrazeApiError) -> BrazeCdiApiError:
    """A client error as the provider's own (its message is masked already)."""
    return BrazeCdiApiError(str(error), status_code=error.status_code)


def _aware(moment: Any) -> datetime | None:  # noqa: ANN401 - Airflow's datetime or pendulum
    if not isinstance(moment, datetime):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class BrazeCdiSyncOperator(BaseOperator):  # type: ignore[misc]
    """Trigger a sync of a Braze CDI integration and wait for its job to end.

    :param integration_id: the integration to sync (templated).
    :param braze_cdi_conn_id: a `braze_cdi` connection (host: instance or REST URL; password:
        the REST API key).
    :param wait: wait for the job to end (default); False ends the task at the 202.
    :param timeout: seconds for the whole task: the trigger, any running sync or rate limit it
        waits out, and the wait for the job (the deadline is wall-clock time).
    :param poll_interval: seconds between reads of the job status (at least 1.2).
    :param deferrable: wait in the triggerer, freeing the worker slot (default: Airflow's
        `[operators] default_deferrable`).
    :param if_running: a sync of the integration already running is waited for, then triggered
        again (`"wait"`), or fails the task with BrazeCdiSyncAlreadyRunning (`"fail"`).
    :param fail_on_partial: fail on a `partial` job (BrazeCdiSyncPartial); by default it
        succeeds with a warning.

    Returns (XCom) the ended job: `integration_id`, `job_status`, `sync_start_time`,
    `sync_finish_time`, `rows_synced`, `rows_failed_with_errors`; None with `wait=False`.
    """

    template_fields: Sequence[str] = ("integration_id",)
    ui_color = "#ffe3d6"

    def __init__(
        self,
        *,
        integration_id: str,
        braze_cdi_conn_id: str = DEFAULT_CONN_ID,
        wait: bool = True,
        timeout: float = 3600.0,
        poll_interval: float = 30.0,
        deferrable: bool | None = None,
        if_running: IfRunning = "wait",
        fail_on_partial: bool = False,
        **kwargs: Any,  # noqa: ANN401 - BaseOperator's
    ) -> None:
        super().__init__(**kwargs)
        if if_running not in ("wait", "fail"):
            raise ValueError(f'if_running is "wait" or "fail", not {if_running!r}')
        if not float(timeout) > 0 or not float(poll_interval) > 0:
            raise ValueError("timeout and poll_interval are seconds, more than 0")
        self.integration_id = integration_id
        self.braze_cdi_conn_id = braze_cdi_conn_id
        self.wait = wait
        self.timeout = float(timeout)
        self.poll_interval = float(poll_interval)
        self.deferrable = default_deferrable() if deferrable is None else deferrable
        self.if_running: IfRunning = if_running
        self.fail_on_partial = fail_on_partial

    @property
    def hook(self) -> BrazeCdiHook:
        return BrazeCdiHook(self.braze_cdi_conn_id)

    # The run, step by step.

    def execute(self, context: Mapping[str, Any]) -> JobDict | None:
        """Reattach to the task's sync where a retry finds one, else trigger; then wait."""
        return _outcomes.keeping_job(context, lambda: self._execute(context))

    def _execute(self, context: Mapping[str, Any]) -> JobDict | None:
        deadline = time.time() + self.timeout
        with self.hook.get_conn() as client:
            found = self._reattach(client, context, deadline)
            if isinstance(found, Job):
                return self._judged(found, context)
            return self._started_then_wait(client, context, deadline, found)

    def _started_then_wait(
        self,
        client: CdiClient,
        context: Mapping[str, Any],
        deadline: float,
        started: StartedSync | None,
    ) -> JobDict | None:
        if started is None:
            started = self._start(client, context, deadline)
        if not self.wait:
            self.log.info("not waiting (wait=False): the sync runs on Braze")
            return None
        if self.deferrable:
            self.defer(
                trigger=BrazeCdiSyncTrigger(
                    started=started.as_dict(),
                    deadline=deadline,
                    poll_interval=self.poll_interval,
                    braze_cdi_conn_id=self.braze_cdi_conn_id,
                ),
                method_name="execute_complete",
            )
        progress = Progress()
        try:
            job = client.wait_for_sync(
                started, timeout=self._left(deadline), poll=self.poll_interval, progress=progress
            )
        except WaitTimedOut as timed_out:
            raise self._timed_out(timed_out.last_seen, trigger_accepted=True) from None
        except BrazeApiError as error:
            raise api_error(error) from None
        return self._judged(job, context)

    def _start(self, client: CdiClient, context: Mapping[str, Any], deadline: float) -> StartedSync:
        """Trigger until a sync of the task's starts, and store it where Airflow keeps state.
        Deferrable with `if_running="wait"`, a running sync is waited for in the triggerer.
        """
        store = state_store(context)
        if store is not None:
            # Before the trigger: a retry that finds this, and no started sync, knows a trigger
            # may have been sent and reads the job status before triggering.
            store.set(STATE_KEY, {"integration_id": self.integration_id, "sending_at": time.time()})
        waits_here = self.if_running == "wait" and not self.deferrable
        progress = Progress()
        try:
            started = client.start_sync(
                self.integration_id,
                timeout=self._left(deadline),
                if_running="wait" if waits_here else "fail",
                progress=progress,
            )
        except SyncAlreadyRunning:
            if self.if_running == "fail":
                raise BrazeCdiSyncAlreadyRunning(
                    f"a sync of {self.integration_id} is running on Braze, and this task has "
                    'if_running="fail": no sync of its own was started',
                    job=progress.job.as_dict() if progress.job else None,
                ) from None
            self.log.info("a sync of %s runs on Braze: waiting for it to end", self.integration_id)
            self.defer(
                trigger=BrazeCdiRunningSyncTrigger(
                    integration_id=self.integration_id,
                    deadline=deadline,
                    poll_interval=self.poll_interval,
                    braze_cdi_conn_id=self.braze_cdi_conn_id,
                ),
                method_name="execute_after_running",
            )
        except WaitTimedOut as timed_out:
            raise self._timed_out(
                timed_out.last_seen,
                trigger_accepted=progress.trigger_accepted,
                detail=str(timed_out),
            ) from None
        except BrazeApiError as error:
            raise api_error(error) from None
        if store is not None:
            store.set(
                STATE_KEY, {"integration_id": self.integration_id, "started": started.as_dict()}
            )
        self.log.info(
            "trigger of %s accepted (202); its job is the first to start of those the job "
            "status did not list before it",
            self.integration_id,
        )
        return started

    def _reattach(
        self, client: CdiClient, context: Mapping[str, Any], deadline: float
    ) -> StartedSync | Job | None:
        """On a retry, the task's sync if it has one: a StartedSync to wait for, an ended Job
        to report, or None (trigger). See the module docstring for the rule.
        """
        store = state_store(context)
        stored = store.get(STATE_KEY) if store is not None else None
        if isinstance(stored, dict) and stored.get("integration_id") == self.integration_id:
            ended = stored.get("ended")
            if isinstance(ended, dict):
                job = _outcomes.job_from_dict(ended)
                if _outcomes.accepted(job, fail_on_partial=self.fail_on_partial):
                    self.log.info("the task's sync had ended already: reporting it, no trigger")
                    return job
                self.log.info("the task's last sync ended %s: triggering a new one", job.status)
                return None
            if isinstance(stored.get("started"), dict):
                started = StartedSync.from_dict(stored["started"])
                self.log.info(
                    "reattaching to the task's sync, accepted at %s (task state); no trigger is "
                    "sent",
                    datetime.fromtimestamp(started.accepted_at, UTC).isoformat(),
                )
                return started
            sending_at = stored.get("sending_at")
            if isinstance(sending_at, int | float):
                since = datetime.fromtimestamp(float(sending_at) - CLOCK_MARGIN_SECONDS, UTC)
                return self._adopt(client, since, deadline, context, "a trigger was being sent")
            return None
        ti = context.get("ti")
        if store is None and getattr(ti, "try_number", 1) > 1:
            dag_run = context.get("dag_run")
            run_start = _aware(getattr(dag_run, "start_date", None))
            if run_start is not None:
                return self._adopt(client, run_start, deadline, context, "this is a retry")
        return None

    def _adopt(
        self,
        client: CdiClient,
        since: datetime,
        deadline: float,
        context: Mapping[str, Any],
        why: str,
    ) -> Job | None:
        """The job status's most recent job that started at `since` or later, as the task's:
        one that runs is waited for (deferred where deferrable), one that ended in an outcome
        the task accepts is returned; None (trigger) otherwise.
        """
        try:
            jobs = client.recent_jobs(self.integration_id, RECENT_JOBS)
        except BrazeApiError as error:
            raise api_error(error) from None
        since_then = [job for job in jobs if job.started_at is not None and job.started_at >= since]
        if not since_then:
            self.log.info("%s; no job started since %s: triggering", why, since.isoformat())
            return None
        job = since_then[0]
        if not job.running:
            if _outcomes.accepted(job, fail_on_partial=self.fail_on_partial):
                self.log.info("%s; a job that started since %s ended: reporting it", why, since)
                return job
            self.log.info("%s; the job since %s ended %s: triggering", why, since, job.status)
            return None
        self.log.info(
            "%s; a job that started since %s runs: waiting for it, no trigger", why, since
        )
        if self.deferrable:
            self.defer(
                trigger=BrazeCdiRunningSyncTrigger(
                    integration_id=self.integration_id,
                    deadline=deadline,
                    poll_interval=self.poll_interval,
                    braze_cdi_conn_id=self.braze_cdi_conn_id,
                ),
                method_name="execute_complete",
            )
        try:
            ended = client.wait_for_running(
                self.integration_id, timeout=self._left(deadline), poll=self.poll_interval
            )
        except WaitTimedOut as timed_out:
            raise self._timed_out(timed_out.last_seen, trigger_accepted=True) from None
        except BrazeApiError as error:
            raise api_error(error) from None
        return ended or job

    # After a deferral.

    def execute_complete(self, context: Mapping[str, Any], event: Mapping[str, Any]) -> Any:  # noqa: ANN401
        """The triggerer's event: the ended job's XCom, or the outcome's exception. A retry's
        running sync that had ended before its wait began is looked for again.
        """
        return _outcomes.keeping_job(context, lambda: self._complete(context, event))

    def _complete(self, context: Mapping[str, Any], event: Mapping[str, Any]) -> JobDict | None:
        job = self._from_event(event)
        if job is not None:
            return self._judged(job, context)
        deadline = float(event.get("deadline") or time.time() + self.timeout)
        with self.hook.get_conn() as client:
            found = self._reattach(client, context, deadline)
            if isinstance(found, Job):
                return self._judged(found, context)
            return self._started_then_wait(client, context, deadline, found)

    def execute_after_running(self, context: Mapping[str, Any], event: Mapping[str, Any]) -> Any:  # noqa: ANN401
        """The running sync ended: trigger now (within the first deadline), then wait."""
        return _outcomes.keeping_job(context, lambda: self._after_running(context, event))

    def _after_running(
        self, context: Mapping[str, Any], event: Mapping[str, Any]
    ) -> JobDict | None:
        self._from_event(event, trigger_accepted=False)
        deadline = float(event.get("deadline") or time.time() + self.timeout)
        with self.hook.get_conn() as client:
            return self._started_then_wait(client, context, deadline, None)

    def _from_event(self, event: Mapping[str, Any], *, trigger_accepted: bool = True) -> Job | None:
        status = event.get("status")
        job = event.get("job")
        ended = _outcomes.job_from_dict(job) if isinstance(job, dict) else None
        if status == "timeout":
            raise self._timed_out(
                ended,
                trigger_accepted=bool(event.get("trigger_accepted", trigger_accepted)),
                detail=str(event.get("message", "")),
            )
        if status != "ended":
            raise BrazeCdiApiError(
                str(event.get("message", "the trigger failed")),
                status_code=int(event.get("status_code", 0)),
            )
        return ended

    # Helpers.

    def _judged(self, job: Job, context: Mapping[str, Any]) -> JobDict:
        store = state_store(context)
        if store is not None:
            stored = store.get(STATE_KEY)
            record = dict(stored) if isinstance(stored, dict) else {}
            record.update({"integration_id": self.integration_id, "ended": job.as_dict()})
            store.set(STATE_KEY, record)
        return _outcomes.judged(job, fail_on_partial=self.fail_on_partial, log=self.log)

    def _timed_out(
        self, last_seen: Job | None, *, trigger_accepted: bool, detail: str = ""
    ) -> BrazeCdiException:
        return _outcomes.timed_out(
            self.integration_id,
            timeout=self.timeout,
            last_seen=last_seen,
            trigger_accepted=trigger_accepted,
            detail=detail,
        )

    @staticmethod
    def _left(deadline: float) -> float:
        return max(deadline - time.time(), 1.0)

    def on_kill(self) -> None:
        """Say what goes on: Braze cannot cancel a sync, so one this task started still runs."""
        self.log.warning(
            "the task was stopped; a sync of %s that it triggered still runs on Braze (Braze "
            "has no endpoint to cancel one). A retry of this task waits for it instead of "
            "triggering again",
            self.integration_id,
        )
