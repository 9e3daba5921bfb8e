"""The `braze_cdi` connection, and the project's clients made from it.

The connection's host is a Braze instance name (`US-03`, any case) or a REST endpoint URL
(`https://rest.iad-03.braze.com`; a bare host name is taken as https); the REST API key is its
password. The hook hands both to `braze_cdi_sync.CdiClient` / `AsyncCdiClient` and keeps no copy
of the key: it never reaches a log line, a rendered field, an XCom or an exception.
"""

from __future__ import annotations

from typing import Any

from braze_cdi_sync import AsyncCdiClient, CdiClient, resolve_host

from braze_cdi_airflow._compat import BaseHook, aget_connection
from braze_cdi_airflow.exceptions import BrazeCdiException
from braze_cdi_airflow.get_provider_info import CONNECTION_FORM, CONNECTION_TYPE

DEFAULT_CONN_ID = "braze_cdi_default"


def endpoint_and_key(connection: Any) -> tuple[str, str]:  # noqa: ANN401 - Airflow's Connection
    """(REST endpoint, key) from a `braze_cdi` connection; BrazeCdiException naming the field
    to fix (never showing the key) where one is missing or unusable.
    """
    name = getattr(connection, "conn_id", None) or "the connection"
    host = (connection.host or "").strip()
    key = (connection.password or "").strip()
    if not key:
        raise BrazeCdiException(
            f"{name} has no REST API key: put it in the connection's password field"
        )
    if not host:
        raise BrazeCdiException(
            f"{name} has no host: set it to a Braze instance (US-03) or a REST endpoint URL"
        )
    if "://" not in host and not _is_instance(host):
        port = f":{connection.port}" if connection.port else ""
        host = f"https://{host}{port}"
    try:
        return resolve_host(host), key
    except ValueError as error:
        raise BrazeCdiException(f"{name}: {error}") from None


def _is_instance(host: str) -> bool:
    try:
        resolve_host(host)
    except ValueError:
        return False
    return True


class BrazeCdiHook(BaseHook):  # type: ignore[misc]
    """Reads a `braze_cdi` connection and makes the project's clients from it."""

    conn_name_attr = "braze_cdi_conn_id"
    default_conn_name = DEFAULT_CONN_ID
    conn_type = CONNECTION_TYPE
    hook_name = "Braze CDI"

    def __init__(self, braze_cdi_conn_id: str = DEFAULT_CONN_ID, **client_options: Any) -> None:  # noqa: ANN401
        super().__init__()
        self.braze_cdi_conn_id = braze_cdi_conn_id
        self.client_options = client_options

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """The connection form, for Airflow before 3.2 (later ones read the provider info)."""
        return {name.replace("-", "_"): value for name, value in CONNECTION_FORM.items()}

    def get_conn(self) -> CdiClient:
        """A blocking client for the connection (close it, or use it in a `with` block)."""
        endpoint, key = endpoint_and_key(self.get_connection(self.braze_cdi_conn_id))
        return CdiClient(endpoint, key, **self.client_options)

    async def get_async_conn(self) -> AsyncCdiClient:
        """An asyncio client for the connection, for triggers (use it in `async with`)."""
        endpoint, key = endpoint_and_key(await aget_connection(self.braze_cdi_conn_id))
        return AsyncCdiClient(endpoint, key, **self.client_options)

    def test_connection(self) -> tuple[bool, str]:
        """The UI's connection test: one read of the list of integrations."""
        try:
            with self.get_conn() as client:
                next(iter(client.list_integrations()), None)
        except Exception as error:  # noqa: BLE001 - the UI shows the message
            return False, str(error)
        return True, "the key reads the list of integrations"
