"""The reference server: the contract of "Trigger a sync" made executable.

It is built from the contract model: the route, the method, the permission, the documented limit
and every message come from `openapi/openapi.yaml` (the message names below are the document's
named examples). Every request to the operation is answered by the first rule that applies:

1. no key, or an unknown key: 401 `InvalidApiKey` (no rate-limit headers: no workspace is known);
2. a key without the operation's `x-braze-permission`: 403 `AccessDenied`;
3. the workspace over its rate limit: 429 `OverRateLimit`;
4. an integration ID that is not a UUID (this server's rule; Braze documents none):
   400 `InvalidIntegrationId`; a UUID the key's workspace has no integration for: 404
   `IntegrationNotFound`;
5. a sync of that integration already running: 429 `AnotherJobInProgress`;
6. otherwise 202 `SyncAccepted`, and a sync that runs for the configured duration.

Every request after authentication counts against its workspace's fixed window and every answer
to it carries X-RateLimit-Limit, -Remaining and -Reset. Other methods get 405 with `Allow`,
unknown paths 404 `InvalidUrl`; every body is JSON.

Each step is a method, so that a faulty server can be this server with exactly one method changed.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contract import Contract
from contract import load as load_contract
from reference.fixtures import ApiKey, Fixtures

UUID_PATTERN = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE
)
log = logging.getLogger("reference")


@dataclass(frozen=True)
class RateState:
    """A workspace's rate-limit window as one request sees it."""

    limit: int
    remaining: int
    reset: int
    over: bool


@dataclass
class _Window:
    start: int
    count: int


class ReferenceServer:
    """The reference implementation; `app` is its ASGI application."""

    def __init__(
        self,
        fixtures: Fixtures,
        *,
        contract: Contract | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.contract = contract or load_contract()
        self.messages = self.contract.messages
        self.fixtures = fixtures
        self.clock = clock
        self.syncs_started = 0
        self._windows: dict[str, _Window] = {}
        self._running_until: dict[str, float] = {}
        self.app: ASGIApp = _RequestLog(self._build_app())

    def _build_app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(self.contract.trigger.path, self.trigger, methods=self.trigger_methods())
            ],
            exception_handlers={HTTPException: self._http_error},
        )

    def trigger_methods(self) -> list[str]:
        """The methods that trigger a sync: the contract's, and no other."""
        return [self.contract.trigger.method]

    async def _http_error(self, request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        message = self.messages.invalid_url if error.status_code == 404 else error.detail
        return self.error_response(error.status_code, message, extra_headers=error.headers)

    # The operation, step by step.

    async def trigger(self, request: Request) -> Response:
        """Answer one trigger by the first rule that applies (see the module docstring)."""
        messages = self.messages
        key = self.authenticate(request)
        if key is None:
            return self.error_response(401, messages.invalid_api_key)
        state = self.count_request(key.workspace)
        if not self.is_permitted(key):
            return self.error_response(403, messages.access_denied, state=state)
        if state.over:
            return self.error_response(429, messages.over_rate_limit, state=state)
        integration_id = request.path_params["integration_id"]
        if not self.is_well_formed(integration_id):
            return self.error_response(400, messages.invalid_integration_id, state=state)
        if not self.is_known(key, integration_id):
            return self.error_response(404, messages.integration_not_found, state=state)
        if not await self.start_sync(integration_id):
            return self.error_response(429, messages.another_job_in_progress, state=state)
        return self.accepted_response(state)

    def authenticate(self, request: Request) -> ApiKey | None:
        """The key named by `Authorization: Bearer <key>`, or None if missing or unknown."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self.fixtures.keys.get(token.strip())

    def is_permitted(self, key: ApiKey) -> bool:
        """Whether the key may trigger syncs."""
        return self.contract.trigger.permission in key.permissions

    def count_request(self, workspace: str) -> RateState:
        """Count one request against the workspace's fixed window and report the window."""
        now = self.clock()
        size = self.fixtures.rate_window_seconds
        start = int(now // size) * size
        window = self._windows.get(workspace)
        if window is None or window.start != start:
            window = self._windows[workspace] = _Window(start, 0)
        window.count += 1
        limit = self.fixtures.rate_limit
        return RateState(
            limit=limit,
            remaining=max(0, limit - window.count),
            reset=start + size,
            over=window.count > limit,
        )

    def is_well_formed(self, integration_id: str) -> bool:
        """This server's rule for integration IDs: a UUID in its 36-character form."""
        return UUID_PATTERN.fullmatch(integration_id) is not None

    def is_known(self, key: ApiKey, integration_id: str) -> bool:
        """Whether the key's workspace has this integration."""
        return self.fixtures.integrations.get(integration_id.lower()) == key.workspace

    async def start_sync(self, integration_id: str) -> bool:
        """Start a sync unless one is running; check and start happen with no await between."""
        if self.is_running(integration_id):
            return False
        self.mark_running(integration_id)
        return True

    def is_running(self, integration_id: str) -> bool:
        """Whether a sync of the integration is running now."""
        return self._running_until.get(integration_id.lower(), 0.0) > self.clock()

    def mark_running(self, integration_id: str) -> None:
        """Record that a sync of the integration starts now and runs for the configured time."""
        identifier = integration_id.lower()
        self._running_until[identifier] = self.clock() + self.fixtures.sync_seconds
        self.syncs_started += 1
        log.info("sync of %s started; runs %.1f s", identifier, self.fixtures.sync_seconds)

    # How answers look.

    def rate_limit_headers(self, state: RateState) -> dict[str, str]:
        """The three X-RateLimit-* headers for a window."""
        return {
            "X-RateLimit-Limit": str(state.limit),
            "X-RateLimit-Remaining": str(state.remaining),
            "X-RateLimit-Reset": str(state.reset),
        }

    def accepted_response(self, state: RateState) -> Response:
        """202: the sync was started."""
        return JSONResponse(
            {"message": self.messages.sync_accepted},
            status_code=202,
            headers=self.rate_limit_headers(state),
        )

    def error_response(
        self,
        status: int,
        message: str,
        *,
        state: RateState | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Response:
        """An error answer, with rate-limit headers once the key is known."""
        headers = dict(extra_headers or {})
        if state is not None:
            headers.update(self.rate_limit_headers(state))
        return self.render_error(status, message, headers=headers)

    def render_error(self, status: int, message: str, *, headers: dict[str, str]) -> Response:
        """How an error looks on the wire: JSON {"message": ...}."""
        return JSONResponse({"message": message}, status_code=status, headers=headers)


class _RequestLog:
    """Logs each request as method, path, status and latency; never a header, so never a key."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            # The raw target is ASCII as sent, so a crafted path cannot forge log lines.
            target = scope.get("raw_path") or scope["path"].encode()
            path = target.decode("ascii", "backslashreplace")
            log.info("%s %s %d %.1fms", scope["method"], path, status, elapsed_ms)
