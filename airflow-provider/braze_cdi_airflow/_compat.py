"""Every difference between the Airflow versions the provider supports, in one place.

Airflow 3 exposes the authoring interface as `airflow.sdk` (`BaseHook` and `conf` since 3.1);
Airflow 2.10 and 2.11 keep the same classes in `airflow.models`, `airflow.hooks` and
`airflow.sensors`. The task's resumable state
(`context["task_state_store"]`) exists from Airflow 3.3 on; elsewhere `state_store` is None and
a retry reattaches by what the job status shows (see `operators.braze_cdi`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from airflow.triggers.base import BaseTrigger, TriggerEvent

try:  # Airflow 3
    from airflow.sdk import BaseOperator, BaseSensorOperator, PokeReturnValue

    AIRFLOW_3 = True
except ImportError:  # Airflow 2.10, 2.11
    from airflow.models import BaseOperator
    from airflow.sensors.base import BaseSensorOperator, PokeReturnValue

    AIRFLOW_3 = False
try:  # Airflow 3.1 and later
    from airflow.sdk import BaseHook
except ImportError:  # Airflow 2
    from airflow.hooks.base import BaseHook
try:  # Airflow 3.1 and later
    from airflow.sdk import conf
except ImportError:
    from airflow.configuration import conf
try:  # Airflow 3
    from airflow.sdk.exceptions import AirflowException
except ImportError:
    from airflow.exceptions import AirflowException

__all__ = [
    "AIRFLOW_3",
    "AirflowException",
    "BaseHook",
    "BaseOperator",
    "BaseSensorOperator",
    "BaseTrigger",
    "PokeReturnValue",
    "StateStore",
    "TriggerEvent",
    "aget_connection",
    "default_deferrable",
    "state_store",
]


class StateStore(Protocol):
    """The part of Airflow 3.3's task state store the operator uses: kept across retries of a
    task instance, discarded when the task is cleared.
    """

    def get(self, key: str, default: Any = None) -> Any: ...  # noqa: ANN401 - JSON values

    def set(self, key: str, value: Any) -> None: ...  # noqa: ANN401 - JSON values


def state_store(context: Mapping[str, Any]) -> StateStore | None:
    """The task's resumable state where Airflow offers one (3.3 and later), else None."""
    store = context.get("task_state_store")
    return store if store is not None and hasattr(store, "set") else None


def default_deferrable() -> bool:
    """Airflow's `[operators] default_deferrable` setting (false where unset)."""
    return bool(conf.getboolean("operators", "default_deferrable", fallback=False))


async def aget_connection(conn_id: str) -> Any:  # noqa: ANN401 - Airflow's Connection
    """A connection, read from a trigger: asynchronously where Airflow offers it (a blocking
    read in the triggerer's event loop would stall every other trigger), else in a thread.
    """
    native = getattr(BaseHook, "aget_connection", None)
    if native is not None:
        return await native(conn_id)
    from asgiref.sync import sync_to_async  # noqa: PLC0415 - Airflow 2 and 3.0 only

    return await sync_to_async(BaseHook.get_connection)(conn_id)
