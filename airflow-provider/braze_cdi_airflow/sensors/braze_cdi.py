"""`BrazeCdiSyncSensor`: wait for a sync that is already running (the schedule's, another
task's) to end, and report its job. Poke, reschedule and deferrable modes.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from braze_cdi_sync import BrazeApiError, Job

from braze_cdi_airflow import _outcomes
from braze_cdi_airflow._compat import BaseSensorOperator, PokeReturnValue, default_deferrable
from braze_cdi_airflow.exceptions import BrazeCdiApiError, BrazeCdiSyncTimeout, JobDict
from braze_cdi_airflow.hooks.braze_cdi import DEFAULT_CONN_ID, BrazeCdiHook
from braze_cdi_airflow.triggers.braze_cdi import BrazeCdiRunningSyncTrigger


class BrazeCdiSyncSensor(BaseSensorOperator):  # type: ignore[misc]
    """Wait until no sync of the integration runs; then its most recent job is the outcome.

    Each poke reads the integration's most recent job: while it runs, the sensor waits; once it
    has ended, `success` (and `partial`, with a warning, unless `fail_on_partial`) ends the
    sensor with the job as its XCom, and `error`, `config_error` fail it as the operator does.
    An integration with no job at all ends the sensor at once with None. `poke_interval`,
    `timeout` and `mode` ("poke" or "reschedule") are BaseSensorOperator's; `deferrable`
    (default: Airflow's `[operators] default_deferrable`) waits in the triggerer instead.

    :param integration_id: the integration (templated).
    :param braze_cdi_conn_id: a `braze_cdi` connection.
    :param fail_on_partial: fail on a `partial` job.
    """

    template_fields: Sequence[str] = ("integration_id",)
    ui_color = "#ffe3d6"

    def __init__(
        self,
        *,
        integration_id: str,
        braze_cdi_conn_id: str = DEFAULT_CONN_ID,
        fail_on_partial: bool = False,
        deferrable: bool | None = None,
        **kwargs: Any,  # noqa: ANN401 - BaseSensorOperator's
    ) -> None:
        super().__init__(**kwargs)
        self.integration_id = integration_id
        self.braze_cdi_conn_id = braze_cdi_conn_id
        self.fail_on_partial = fail_on_partial
        self.deferrable = default_deferrable() if deferrable is None else deferrable

    def _newest(self) -> Job | None:
        try:
            with BrazeCdiHook(self.braze_cdi_conn_id).get_conn() as client:
                jobs = client.recent_jobs(self.integration_id, 1)
        except BrazeApiError as error:
            raise BrazeCdiApiError(str(error), status_code=error.status_code) from None
        return jobs[0] if jobs else None

    def _ended(self, job: Job | None) -> JobDict | None:
        if job is None:
            self.log.info("%s has no job: nothing to wait for", self.integration_id)
            return None
        return _outcomes.judged(job, fail_on_partial=self.fail_on_partial, log=self.log)

    def poke(self, context: Mapping[str, Any]) -> bool | Any:  # noqa: ANN401 - PokeReturnValue
        """Whether the integration's most recent job has ended (with it as the XCom)."""
        return _outcomes.keeping_job(context, self._poke)

    def _poke(self) -> bool | Any:  # noqa: ANN401 - PokeReturnValue
        job = self._newest()
        if job is not None and job.running:
            self.log.info("a sync of %s runs (%s)", self.integration_id, _outcomes.described(job))
            return False
        return PokeReturnValue(is_done=True, xcom_value=self._ended(job))

    def execute(self, context: Mapping[str, Any]) -> Any:  # noqa: ANN401 - the XCom
        """Poke or reschedule as BaseSensorOperator does; deferrable: one read, then the
        triggerer waits.
        """
        if not self.deferrable:
            return super().execute(context)
        job = self._newest()
        if job is None or not job.running:
            return _outcomes.keeping_job(context, lambda: self._ended(job))
        self.defer(
            trigger=BrazeCdiRunningSyncTrigger(
                integration_id=self.integration_id,
                deadline=time.time() + float(self.timeout),
                poll_interval=float(self.poke_interval),
                braze_cdi_conn_id=self.braze_cdi_conn_id,
            ),
            method_name="execute_complete",
        )
        return None

    def execute_complete(self, context: Mapping[str, Any], event: Mapping[str, Any]) -> Any:  # noqa: ANN401
        """The triggerer's event: the ended job's XCom, or the outcome's exception."""
        return _outcomes.keeping_job(context, lambda: self._complete(event))

    def _complete(self, event: Mapping[str, Any]) -> Any:  # noqa: ANN401 - the XCom
        job = event.get("job")
        ended = _outcomes.job_from_dict(job) if isinstance(job, dict) else None
        if event.get("status") == "timeout":
            raise BrazeCdiSyncTimeout(
                f"the sync of {self.integration_id} did not end within the sensor's timeout of "
                f"{float(self.timeout):g} s; it still runs on Braze",
                job=job if isinstance(job, dict) else None,
            )
        if event.get("status") != "ended":
            raise BrazeCdiApiError(
                str(event.get("message", "the trigger failed")),
                status_code=int(event.get("status_code", 0)),
            )
        return self._ended(ended if ended is not None else self._newest())
