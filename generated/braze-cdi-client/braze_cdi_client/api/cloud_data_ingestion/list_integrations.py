from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.integration_list import IntegrationList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    cursor: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["cursor"] = cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/cdi/integrations",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | IntegrationList | None:
    if response.status_code == 200:
        response_200 = IntegrationList.from_dict(response.json())

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
) -> Response[Error | IntegrationList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    cursor: str | Unset = UNSET,
) -> Response[Error | IntegrationList]:
    """List the integrations of the workspace

     Lists the Cloud Data Ingestion integrations of the key's workspace, 10 per page. When there
    are more, the `Link` header names the next page (`rel="next"`) and, after the first page,
    the previous one (`rel="prev"`); follow those URLs as they are. The order of the
    integrations is not documented.

    The pages together hold the workspace's integrations, so an integration the same key can
    trigger, or read the job status of, is on one of them (the reading of "List integrations":
    Braze documents no integration that a key can use but not list). An integration created or
    deleted while the pages are read may or may not be on them.

    **Permission:** the REST API key must have the permission `cdi.integration_list`
    (machine-readable in `x-braze-permission`).

    **Rate limit:** 50 requests per minute, counted per workspace (machine-readable in
    `x-braze-rate-limit`).

    Args:
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | IntegrationList]
    """

    kwargs = _get_kwargs(
        cursor=cursor,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    cursor: str | Unset = UNSET,
) -> Error | IntegrationList | None:
    """List the integrations of the workspace

     Lists the Cloud Data Ingestion integrations of the key's workspace, 10 per page. When there
    are more, the `Link` header names the next page (`rel="next"`) and, after the first page,
    the previous one (`rel="prev"`); follow those URLs as they are. The order of the
    integrations is not documented.

    The pages together hold the workspace's integrations, so an integration the same key can
    trigger, or read the job status of, is on one of them (the reading of "List integrations":
    Braze documents no integration that a key can use but not list). An integration created or
    deleted while the pages are read may or may not be on them.

    **Permission:** the REST API key must have the permission `cdi.integration_list`
    (machine-readable in `x-braze-permission`).

    **Rate limit:** 50 requests per minute, counted per workspace (machine-readable in
    `x-braze-rate-limit`).

    Args:
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | IntegrationList
    """

    return sync_detailed(
        client=client,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    cursor: str | Unset = UNSET,
) -> Response[Error | IntegrationList]:
    """List the integrations of the workspace

     Lists the Cloud Data Ingestion integrations of the key's workspace, 10 per page. When there
    are more, the `Link` header names the next page (`rel="next"`) and, after the first page,
    the previous one (`rel="prev"`); follow those URLs as they are. The order of the
    integrations is not documented.

    The pages together hold the workspace's integrations, so an integration the same key can
    trigger, or read the job status of, is on one of them (the reading of "List integrations":
    Braze documents no integration that a key can use but not list). An integration created or
    deleted while the pages are read may or may not be on them.

    **Permission:** the REST API key must have the permission `cdi.integration_list`
    (machine-readable in `x-braze-permission`).

    **Rate limit:** 50 requests per minute, counted per workspace (machine-readable in
    `x-braze-rate-limit`).

    Args:
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | IntegrationList]
    """

    kwargs = _get_kwargs(
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    cursor: str | Unset = UNSET,
) -> Error | IntegrationList | None:
    """List the integrations of the workspace

     Lists the Cloud Data Ingestion integrations of the key's workspace, 10 per page. When there
    are more, the `Link` header names the next page (`rel="next"`) and, after the first page,
    the previous one (`rel="prev"`); follow those URLs as they are. The order of the
    integrations is not documented.

    The pages together hold the workspace's integrations, so an integration the same key can
    trigger, or read the job status of, is on one of them (the reading of "List integrations":
    Braze documents no integration that a key can use but not list). An integration created or
    deleted while the pages are read may or may not be on them.

    **Permission:** the REST API key must have the permission `cdi.integration_list`
    (machine-readable in `x-braze-permission`).

    **Rate limit:** 50 requests per minute, counted per workspace (machine-readable in
    `x-braze-rate-limit`).

    Args:
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | IntegrationList
    """

    return (
        await asyncio_detailed(
            client=client,
            cursor=cursor,
        )
    ).parsed
