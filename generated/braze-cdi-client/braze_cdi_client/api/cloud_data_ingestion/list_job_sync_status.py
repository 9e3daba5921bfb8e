from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.job_sync_status_list import JobSyncStatusList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    integration_id: str,
    *,
    cursor: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["cursor"] = cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/cdi/integrations/{integration_id}/job_sync_status".format(
            integration_id=quote(str(integration_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | JobSyncStatusList | None:
    if response.status_code == 200:
        response_200 = JobSyncStatusList.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Error.from_dict(response.json())

        return response_404

    if response.status_code == 429:
        response_429 = Error.from_dict(response.json())

        return response_429

    if 500 <= response.status_code <= 599:
        response_5xx = Error.from_dict(response.json())

        return response_5xx

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | JobSyncStatusList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    integration_id: str,
    *,
    client: AuthenticatedClient,
    cursor: str | Unset = UNSET,
) -> Response[Error | JobSyncStatusList]:
    """List the sync jobs of an integration

     Lists the past and running syncs (jobs) of one integration with their status, 10 per page,
    paged through the `Link` header as for the list of integrations. A job's `job_status` is
    `running` while it runs, then one of `success` (every row synced), `partial` (some rows
    failed), `error` (no row synced) or `config_error` (the integration's configuration is
    wrong).

    Not documented: the order of the jobs (newest first is not promised), whether a
    running job has a `sync_finish_time`, and the answer for an integration that does not exist.

    Observed, not promised: the one public client of this endpoint (airflow-provider-braze
    1.0.4) takes the first job of the first page as the latest, and Braze's own cursor
    examples (`c2tpcDow`, `c2tpcDoxMDA=`) decode to offsets (`skip:0`, `skip:100`), so jobs
    are most likely listed newest first in a stable order. Clients must not rely on it
    without checking: this project's client reads the order from the start times it is
    given, and reads only the first page where those show the newest first.

    **Permission:** the REST API key must have the permission `cdi.integration_job_status`
    (machine-readable in `x-braze-permission`).

    **Rate limit:** 100 requests per minute, counted per workspace (machine-readable in
    `x-braze-rate-limit`).

    Args:
        integration_id (str):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | JobSyncStatusList]
    """

    kwargs = _get_kwargs(
        integration_id=integration_id,
        cursor=cursor,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    integration_id: str,
    *,
    client: AuthenticatedClient,
    cursor: str | Unset = UNSET,
) -> Error | JobSyncStatusList | None:
    """List the sync jobs of an integration

     Lists the past and running syncs (jobs) of one integration with their status, 10 per page,
    paged through the `Link` header as for the list of integrations. A job's `job_status` is
    `running` while it runs, then one of `success` (every row synced), `partial` (some rows
    failed), `error` (no row synced) or `config_error` (the integration's configuration is
    wrong).

    Not documented: the order of the jobs (newest first is not promised), whether a
    running job has a `sync_finish_time`, and the answer for an integration that does not exist.

    Observed, not promised: the one public client of this endpoint (airflow-provider-braze
    1.0.4) takes the first job of the first page as the latest, and Braze's own cursor
    examples (`c2tpcDow`, `c2tpcDoxMDA=`) decode to offsets (`skip:0`, `skip:100`), so jobs
    are most likely listed newest first in a stable order. Clients must not rely on it
    without checking: this project's client reads the order from the start times it is
    given, and reads only the first page where those show the newest first.

    **Permission:** the REST API key must have the permission `cdi.integration_job_status`
    (machine-readable in `x-braze-permission`).

    **Rate limit:** 100 requests per minute, counted per workspace (machine-readable in
    `x-braze-rate-limit`).

    Args:
        integration_id (str):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | JobSyncStatusList
    """

    return sync_detailed(
        integration_id=integration_id,
        client=client,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    integration_id: str,
    *,
    client: AuthenticatedClient,
    cursor: str | Unset = UNSET,
) -> Response[Error | JobSyncStatusList]:
    """List the sync jobs of an integration

     Lists the past and running syncs (jobs) of one integration with their status, 10 per page,
    paged through the `Link` header as for the list of integrations. A job's `job_status` is
    `running` while it runs, then one of `success` (every row synced), `partial` (some rows
    failed), `error` (no row synced) or `config_error` (the integration's configuration is
    wrong).

    Not documented: the order of the jobs (newest first is not promised), whether a
    running job has a `sync_finish_time`, and the answer for an integration that does not exist.

    Observed, not promised: the one public client of this endpoint (airflow-provider-braze
    1.0.4) takes the first job of the first page as the latest, and Braze's own cursor
    examples (`c2tpcDow`, `c2tpcDoxMDA=`) decode to offsets (`skip:0`, `skip:100`), so jobs
    are most likely listed newest first in a stable order. Clients must not rely on it
    without checking: this project's client reads the order from the start times it is
    given, and reads only the first page where those show the newest first.

    **Permission:** the REST API key must have the permission `cdi.integration_job_status`
    (machine-readable in `x-braze-permission`).

    **Rate limit:** 100 requests per minute, counted per workspace (machine-readable in
    `x-braze-rate-limit`).

    Args:
        integration_id (str):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | JobSyncStatusList]
    """

    kwargs = _get_kwargs(
        integration_id=integration_id,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    integration_id: str,
    *,
    client: AuthenticatedClient,
    cursor: str | Unset = UNSET,
) -> Error | JobSyncStatusList | None:
    """List the sync jobs of an integration

     Lists the past and running syncs (jobs) of one integration with their status, 10 per page,
    paged through the `Link` header as for the list of integrations. A job's `job_status` is
    `running` while it runs, then one of `success` (every row synced), `partial` (some rows
    failed), `error` (no row synced) or `config_error` (the integration's configuration is
    wrong).

    Not documented: the order of the jobs (newest first is not promised), whether a
    running job has a `sync_finish_time`, and the answer for an integration that does not exist.

    Observed, not promised: the one public client of this endpoint (airflow-provider-braze
    1.0.4) takes the first job of the first page as the latest, and Braze's own cursor
    examples (`c2tpcDow`, `c2tpcDoxMDA=`) decode to offsets (`skip:0`, `skip:100`), so jobs
    are most likely listed newest first in a stable order. Clients must not rely on it
    without checking: this project's client reads the order from the start times it is
    given, and reads only the first page where those show the newest first.

    **Permission:** the REST API key must have the permission `cdi.integration_job_status`
    (machine-readable in `x-braze-permission`).

    **Rate limit:** 100 requests per minute, counted per workspace (machine-readable in
    `x-braze-rate-limit`).

    Args:
        integration_id (str):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | JobSyncStatusList
    """

    return (
        await asyncio_detailed(
            integration_id=integration_id,
            client=client,
            cursor=cursor,
        )
    ).parsed
