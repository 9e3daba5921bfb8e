from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.sync_accepted import SyncAccepted
from ...types import Response


def _get_kwargs(
    integration_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/cdi/integrations/{integration_id}/sync".format(
            integration_id=quote(str(integration_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | SyncAccepted | None:
    if response.status_code == 202:
        response_202 = SyncAccepted.from_dict(response.json())

        return response_202

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
) -> Response[Error | SyncAccepted]:
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
) -> Response[Error | SyncAccepted]:
    """Trigger a sync for an integration

     Starts a sync of the given Cloud Data Ingestion integration now. A sync copies the rows that
    changed in the warehouse source since the last sync into Braze. An on-demand sync runs in
    addition to the integration's recurring schedule and does not change that schedule.

    Only one sync of an integration runs at a time: while one is running, a further trigger is
    answered `429` with the message `Another job is in progress`; try again once it has finished.

    So a `202` starts one sync, which the job status lists as one job, and the job status never
    shows two jobs of the integration running at once. This follows from that answer alone:
    Braze documents nothing more about how syncs follow each other, and a scheduled sync may
    start once the triggered one has ended.

    **Permission:** the REST API key must have the permission `cdi.integration_sync`
    (machine-readable in `x-braze-permission`).

    **Rate limit:** 20 requests per minute, counted per workspace (machine-readable in
    `x-braze-rate-limit`). Every answer to an authenticated request carries the
    `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` headers (over HTTP/2
    their names arrive in lowercase; header names are case-insensitive).

    The request has no body. Braze's documented example still sends
    `Content-Type: application/json`; servers must accept the request with or without it.

    Args:
        integration_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | SyncAccepted]
    """

    kwargs = _get_kwargs(
        integration_id=integration_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    integration_id: str,
    *,
    client: AuthenticatedClient,
) -> Error | SyncAccepted | None:
    """Trigger a sync for an integration

     Starts a sync of the given Cloud Data Ingestion integration now. A sync copies the rows that
    changed in the warehouse source since the last sync into Braze. An on-demand sync runs in
    addition to the integration's recurring schedule and does not change that schedule.

    Only one sync of an integration runs at a time: while one is running, a further trigger is
    answered `429` with the message `Another job is in progress`; try again once it has finished.

    So a `202` starts one sync, which the job status lists as one job, and the job status never
    shows two jobs of the integration running at once. This follows from that answer alone:
    Braze documents nothing more about how syncs follow each other, and a scheduled sync may
    start once the triggered one has ended.

    **Permission:** the REST API key must have the permission `cdi.integration_sync`
    (machine-readable in `x-braze-permission`).

    **Rate limit:** 20 requests per minute, counted per workspace (machine-readable in
    `x-braze-rate-limit`). Every answer to an authenticated request carries the
    `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` headers (over HTTP/2
    their names arrive in lowercase; header names are case-insensitive).

    The request has no body. Braze's documented example still sends
    `Content-Type: application/json`; servers must accept the request with or without it.

    Args:
        integration_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | SyncAccepted
    """

    return sync_detailed(
        integration_id=integration_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    integration_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[Error | SyncAccepted]:
    """Trigger a sync for an integration

     Starts a sync of the given Cloud Data Ingestion integration now. A sync copies the rows that
    changed in the warehouse source since the last sync into Braze. An on-demand sync runs in
    addition to the integration's recurring schedule and does not change that schedule.

    Only one sync of an integration runs at a time: while one is running, a further trigger is
    answered `429` with the message `Another job is in progress`; try again once it has finished.

    So a `202` starts one sync, which the job status lists as one job, and the job status never
    shows two jobs of the integration running at once. This follows from that answer alone:
    Braze documents nothing more about how syncs follow each other, and a scheduled sync may
    start once the triggered one has ended.

    **Permission:** the REST API key must have the permission `cdi.integration_sync`
    (machine-readable in `x-braze-permission`).

    **Rate limit:** 20 requests per minute, counted per workspace (machine-readable in
    `x-braze-rate-limit`). Every answer to an authenticated request carries the
    `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` headers (over HTTP/2
    their names arrive in lowercase; header names are case-insensitive).

    The request has no body. Braze's documented example still sends
    `Content-Type: application/json`; servers must accept the request with or without it.

    Args:
        integration_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | SyncAccepted]
    """

    kwargs = _get_kwargs(
        integration_id=integration_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    integration_id: str,
    *,
    client: AuthenticatedClient,
) -> Error | SyncAccepted | None:
    """Trigger a sync for an integration

     Starts a sync of the given Cloud Data Ingestion integration now. A sync copies the rows that
    changed in the warehouse source since the last sync into Braze. An on-demand sync runs in
    addition to the integration's recurring schedule and does not change that schedule.

    Only one sync of an integration runs at a time: while one is running, a further trigger is
    answered `429` with the message `Another job is in progress`; try again once it has finished.

    So a `202` starts one sync, which the job status lists as one job, and the job status never
    shows two jobs of the integration running at once. This follows from that answer alone:
    Braze documents nothing more about how syncs follow each other, and a scheduled sync may
    start once the triggered one has ended.

    **Permission:** the REST API key must have the permission `cdi.integration_sync`
    (machine-readable in `x-braze-permission`).

    **Rate limit:** 20 requests per minute, counted per workspace (machine-readable in
    `x-braze-rate-limit`). Every answer to an authenticated request carries the
    `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` headers (over HTTP/2
    their names arrive in lowercase; header names are case-insensitive).

    The request has no body. Braze's documented example still sends
    `Content-Type: application/json`; servers must accept the request with or without it.

    Args:
        integration_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | SyncAccepted
    """

    return (
        await asyncio_detailed(
            integration_id=integration_id,
            client=client,
        )
    ).parsed
