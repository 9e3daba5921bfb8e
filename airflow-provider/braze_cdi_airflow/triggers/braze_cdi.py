"""The deferred waits, run by Airflow's triggerer on the asyncio client.

Each trigger serialises to its class path and plain values only (no key: the connection is read
again where it runs), which is all a triggerer needs to rebuild it after a restart and go on
waiting. Neither ever posts a trigger to Braze: they only read the job status. Each yields one
event, a dict, which also carries the wait's `deadline` (so the task that resumes keeps it):

- `{"status": "ended", "job": {...}}`: the job ended (`job` is None when no sync ran);
- `{"status": "timeout", "message": ..., "job": {...} or None, "trigger_accepted": bool}`;
- `{"status": "failed", "message": ..., "status_code": int}`: Braze refused a read, or could
  not be reached after the client's retries.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from braze_cdi_sync import BrazeApiError, Job, Progress, StartedSync, WaitTimedOut

from braze_cdi_airflow._compat import BaseTrigger, TriggerEvent
from braze_cdi_airflow.hooks.braze_cdi import DEFAULT_CONN_ID, BrazeCdiHook

# A wait resumed after its deadline still reads the job status once before it reports a timeout.
LAST_LOOK_SECONDS = 1.0


def _left(deadline: float) -> float:
    return max(deadline - time.time(), LAST_LOOK_SECONDS)


async def _event(
    wait: Callable[[], Awaitable[Job | None]], progress: Progress, deadline: float
) -> dict[str, Any]:
    return {**(await _outcome(wait, progress)), "deadline": deadline}


async def _outcome(wait: Callable[[], Awaitable[Job | None]], progress: Progress) -> dict[str, Any]:
    try:
        job = await wait()
    except WaitTimedOut as timed_out:
        seen = timed_out.last_seen
        return {
            "status": "timeout",
            "message": str(timed_out),
            "job": seen.as_dict() if seen else None,
            "trigger_accepted": progress.trigger_accepted,
        }
    except BrazeApiError as error:
        return {"status": "failed", "message": str(error), "status_code": error.status_code}
    return {"status": "ended", "job": job.as_dict() if job else None}


class BrazeCdiSyncTrigger(BaseTrigger):  # type: ignore[misc]
    """Waits for the job of a sync whose trigger Braze accepted, until `deadline` (epoch
    seconds, wall clock). `started` is `StartedSync.as_dict()`: the integration, what the job
    status showed just before the trigger, and when the 202 came.
    """

    def __init__(
        self,
        *,
        started: dict[str, Any],
        deadline: float,
        poll_interval: float,
        braze_cdi_conn_id: str = DEFAULT_CONN_ID,
    ) -> None:
        super().__init__()
        StartedSync.from_dict(started)  # refuse a state that cannot be waited with, at once
        self.started = started
        self.deadline = float(deadline)
        self.poll_interval = float(poll_interval)
        self.braze_cdi_conn_id = braze_cdi_conn_id

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """The class path and the plain values that rebuild this trigger."""
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "started": self.started,
                "deadline": self.deadline,
                "poll_interval": self.poll_interval,
                "braze_cdi_conn_id": self.braze_cdi_conn_id,
            },
        )

    async def run(self) -> AsyncIterator[Any]:
        """Poll the job status until the sync's job ends or the deadline passes; one event."""
        started = StartedSync.from_dict(self.started)
        progress = Progress()
        hook = BrazeCdiHook(self.braze_cdi_conn_id)
        self.log.info(
            "waiting for the job of %s (trigger accepted at %s), until %s",
            started.integration_id,
            time.strftime("%H:%M:%S UTC", time.gmtime(started.accepted_at)),
            time.strftime("%H:%M:%S UTC", time.gmtime(self.deadline)),
        )
        async with await hook.get_async_conn() as client:

            async def wait() -> Job | None:
                return await client.wait_for_sync(
                    started,
                    timeout=_left(self.deadline),
                    poll=self.poll_interval,
                    progress=progress,
                )

            event = await _event(wait, progress, self.deadline)
        yield TriggerEvent(event)


class BrazeCdiRunningSyncTrigger(BaseTrigger):  # type: ignore[misc]
    """Waits for the sync of an integration that runs now (its schedule's, another task's) to
    end, until `deadline` (epoch seconds); `job` is None when none runs.
    """

    def __init__(
        self,
        *,
        integration_id: str,
        deadline: float,
        poll_interval: float,
        braze_cdi_conn_id: str = DEFAULT_CONN_ID,
    ) -> None:
        super().__init__()
        self.integration_id = integration_id
        self.deadline = float(deadline)
        self.poll_interval = float(poll_interval)
        self.braze_cdi_conn_id = braze_cdi_conn_id

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """The class path and the plain values that rebuild this trigger."""
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "integration_id": self.integration_id,
                "deadline": self.deadline,
                "poll_interval": self.poll_interval,
                "braze_cdi_conn_id": self.braze_cdi_conn_id,
            },
        )

    async def run(self) -> AsyncIterator[Any]:
        """Poll the job status until no sync of the integration runs; one event."""
        hook = BrazeCdiHook(self.braze_cdi_conn_id)
        progress = Progress()
        async with await hook.get_async_conn() as client:

            async def wait() -> Job | None:
                return await client.wait_for_running(
                    self.integration_id, timeout=_left(self.deadline), poll=self.poll_interval
                )

            event = await _event(wait, progress, self.deadline)
        yield TriggerEvent(event)
