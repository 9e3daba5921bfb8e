"""Blocking and asyncio clients over the generated braze_cdi_client, with safe defaults."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self

import httpx
from braze_cdi_client import AuthenticatedClient
from braze_cdi_client.api.cloud_data_ingestion import trigger_integration_sync
from braze_cdi_client.contract_facts import TRIGGER_INTEGRATION_SYNC_PERMISSION

from braze_cdi_sync.outcomes import Outcome, RateLimited, interpret

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
# Waiting helper bounds: never wait longer than this in all, nor try more often than this.
DEFAULT_MAX_WAIT_SECONDS = 120.0
DEFAULT_MAX_ATTEMPTS = 3
# When a 429 carries no usable X-RateLimit-Reset, wait one documented window.
FALLBACK_WAIT_SECONDS = 60.0
RESET_MARGIN_SECONDS = 0.5


def _generated_client(base_url: str, api_key: str, timeout: httpx.Timeout) -> AuthenticatedClient:
    if not api_key:
        permission = TRIGGER_INTEGRATION_SYNC_PERMISSION
        raise ValueError(f"api_key is empty; pass a Braze REST API key with {permission}.")
    return AuthenticatedClient(base_url=base_url, token=api_key, timeout=timeout)


def _request(integration_id: str) -> dict[str, Any]:
    # The generated module builds the method and the percent-encoded path from the contract.
    return trigger_integration_sync._get_kwargs(integration_id=integration_id)


def _wait_before_retry(outcome: Outcome, *, now: float, deadline: float) -> float | None:
    """Seconds to wait before trying again, or None if the outcome is final or time is up."""
    if not isinstance(outcome, RateLimited):
        return None
    until_reset = outcome.rate_limit.seconds_until_reset(now)
    wait = (FALLBACK_WAIT_SECONDS if until_reset is None else until_reset) + RESET_MARGIN_SECONDS
    return wait if now + wait <= deadline else None


class CdiClient:
    """Triggers syncs, blocking. Use as a context manager to close its connection pool."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.generated = _generated_client(base_url, api_key, timeout)
        self._sleep = sleep
        self._clock = clock

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self.generated.get_httpx_client().close()

    def trigger_sync(self, integration_id: str) -> Outcome:
        """Trigger a sync once: SyncStarted, SyncInProgress or RateLimited; else BrazeApiError."""
        response = self.generated.get_httpx_client().request(**_request(integration_id))
        return interpret(response)

    def trigger_sync_when_allowed(
        self,
        integration_id: str,
        *,
        max_wait_seconds: float = DEFAULT_MAX_WAIT_SECONDS,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> Outcome:
        """Trigger; if over the rate limit, wait for X-RateLimit-Reset and try again (bounded).

        Never retries SyncInProgress: that outcome is returned at once.
        """
        deadline = self._clock() + max_wait_seconds
        outcome = self.trigger_sync(integration_id)
        for _ in range(max_attempts - 1):
            wait = _wait_before_retry(outcome, now=self._clock(), deadline=deadline)
            if wait is None:
                break
            self._sleep(wait)
            outcome = self.trigger_sync(integration_id)
        return outcome


class AsyncCdiClient:
    """Triggers syncs with asyncio. Use as an async context manager to close its pool."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.generated = _generated_client(base_url, api_key, timeout)
        self._sleep = sleep
        self._clock = clock

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.generated.get_async_httpx_client().aclose()

    async def trigger_sync(self, integration_id: str) -> Outcome:
        """Trigger a sync once: SyncStarted, SyncInProgress or RateLimited; else BrazeApiError."""
        client = self.generated.get_async_httpx_client()
        return interpret(await client.request(**_request(integration_id)))

    async def trigger_sync_when_allowed(
        self,
        integration_id: str,
        *,
        max_wait_seconds: float = DEFAULT_MAX_WAIT_SECONDS,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> Outcome:
        """Trigger; if over the rate limit, wait for X-RateLimit-Reset and try again (bounded).

        Never retries SyncInProgress: that outcome is returned at once.
        """
        deadline = self._clock() + max_wait_seconds
        outcome = await self.trigger_sync(integration_id)
        for _ in range(max_attempts - 1):
            wait = _wait_before_retry(outcome, now=self._clock(), deadline=deadline)
            if wait is None:
                break
            await self._sleep(wait)
            outcome = await self.trigger_sync(integration_id)
        return outcome
