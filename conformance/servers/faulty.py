"""Faulty servers: the reference with one documented fault, and the check that catches it.

Each class changes exactly one method of the reference server; its docstring is the fault.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from conformance.reference.app import RateState, ReferenceServer
from conformance.reference.fixtures import DEMO_KEY, SYNC_PERMISSION, ApiKey
from conformance.servers.base import BundledServer

IN_PROGRESS = "Another job is in progress"
FULL_ACCESS = ApiKey("demo", frozenset({SYNC_PERMISSION}))


# The success answer.


class Success200(ReferenceServer):
    """A started sync is answered 200 instead of 202."""

    def accepted_response(self, state: RateState) -> Response:
        return JSONResponse({"message": "success"}, 200, self.rate_limit_headers(state))


class SuccessWrongMessage(ReferenceServer):
    """The 202 body says "ok" instead of "success"."""

    def accepted_response(self, state: RateState) -> Response:
        return JSONResponse({"message": "ok"}, 202, self.rate_limit_headers(state))


class SuccessPlainText(ReferenceServer):
    """The 202 body is the plain text `success`, not JSON."""

    def accepted_response(self, state: RateState) -> Response:
        return PlainTextResponse("success", 202, self.rate_limit_headers(state))


class SuccessWithoutRateHeaders(ReferenceServer):
    """The 202 answer carries no X-RateLimit-* headers, which the document requires."""

    def accepted_response(self, state: RateState) -> Response:
        return JSONResponse({"message": "success"}, 202)


# Error answers.


class ErrorWithoutMessage(ReferenceServer):
    """Error bodies name the error in `error`, with no `message`."""

    def render_error(self, status: int, message: str, *, headers: dict[str, str]) -> Response:
        return JSONResponse({"error": message}, status, headers)


class ErrorAsHtml(ReferenceServer):
    """Error bodies are HTML pages, not JSON."""

    def render_error(self, status: int, message: str, *, headers: dict[str, str]) -> Response:
        return Response(f"<h1>{message}</h1>", status, headers, media_type="text/html")


class RemainingNotInteger(ReferenceServer):
    """X-RateLimit-Remaining is sent as a decimal (`19.0`), not an integer."""

    def rate_limit_headers(self, state: RateState) -> dict[str, str]:
        return {
            **super().rate_limit_headers(state),
            "X-RateLimit-Remaining": f"{state.remaining}.0",
        }


# Authentication and permission.


class MissingKeyAccepted(ReferenceServer):
    """A request without Authorization is treated as the demo key's."""

    def authenticate(self, request: Request) -> ApiKey | None:
        if "authorization" not in request.headers:
            return self.fixtures.keys[DEMO_KEY]
        return super().authenticate(request)


class UnknownKeyGets403(ReferenceServer):
    """An unknown key is answered 403 Access Denied instead of 401."""

    def authenticate(self, request: Request) -> ApiKey | None:
        key = super().authenticate(request)
        if key is None and request.headers.get("authorization", "").startswith("Bearer "):
            return ApiKey("demo", frozenset())
        return key


class AnyBearerAccepted(ReferenceServer):
    """Any bearer token is accepted as a key with every permission."""

    def authenticate(self, request: Request) -> ApiKey | None:
        key = super().authenticate(request)
        if key is None and request.headers.get("authorization", "").startswith("Bearer "):
            return FULL_ACCESS
        return key


class PermissionNotChecked(ReferenceServer):
    """A key without cdi.integration_sync may trigger syncs."""

    def is_permitted(self, key: ApiKey) -> bool:
        return True


class PermissionDeniedAs401(ReferenceServer):
    """A key without the permission is answered 401 Invalid API key instead of 403."""

    def render_error(self, status: int, message: str, *, headers: dict[str, str]) -> Response:
        if status == 403:
            return super().render_error(401, "Invalid API key", headers=headers)
        return super().render_error(status, message, headers=headers)


# Unknown integrations.


class UnknownIdStartsSync(ReferenceServer):
    """Any well-formed ID is taken for an existing integration, so made-up IDs start syncs."""

    def is_known(self, key: ApiKey, integration_id: str) -> bool:
        return True


class MalformedIdGets422(ReferenceServer):
    """An ID that is not a UUID is answered 422, a status the document does not list."""

    def render_error(self, status: int, message: str, *, headers: dict[str, str]) -> Response:
        if message == "Invalid integration ID":
            status = 422
        return super().render_error(status, message, headers=headers)


# The sync lifecycle and concurrency.


class NoInProgressGuard(ReferenceServer):
    """Every trigger starts a sync, even while one is running."""

    async def start_sync(self, integration_id: str) -> bool:
        self.mark_running(integration_id)
        return True


class InProgressAnswered202(ReferenceServer):
    """A trigger while a sync runs is answered 202 (though no second sync starts)."""

    async def start_sync(self, integration_id: str) -> bool:
        if not self.is_running(integration_id):
            self.mark_running(integration_id)
        return True


class InProgressSaysOverRateLimit(ReferenceServer):
    """A running sync is reported as "Over rate limit" while requests remain."""

    def render_error(self, status: int, message: str, *, headers: dict[str, str]) -> Response:
        if message == IN_PROGRESS:
            message = "Over rate limit"
        return super().render_error(status, message, headers=headers)


class InProgressAs409(ReferenceServer):
    """A running sync is answered 409 Conflict instead of 429."""

    def render_error(self, status: int, message: str, *, headers: dict[str, str]) -> Response:
        if message == IN_PROGRESS:
            status = 409
        return super().render_error(status, message, headers=headers)


class CheckThenActRace(ReferenceServer):
    """Checking for a running sync and recording a new one are 50 ms apart (a storage trip)."""

    async def start_sync(self, integration_id: str) -> bool:
        if self.is_running(integration_id):
            return False
        await asyncio.sleep(0.05)
        self.mark_running(integration_id)
        return True


# Robustness.


class CrashesOnNonAsciiId(ReferenceServer):
    """An ID with a character outside ASCII raises, so the answer is a 500."""

    def is_well_formed(self, integration_id: str) -> bool:
        integration_id.encode("ascii")
        return super().is_well_formed(integration_id)


class CrashesOnLongId(ReferenceServer):
    """An ID longer than 1,000 characters overflows a buffer: 500."""

    def is_well_formed(self, integration_id: str) -> bool:
        if len(integration_id) > 1_000:
            raise OverflowError("integration ID buffer")
        return super().is_well_formed(integration_id)


class CrashesOnTextContentType(ReferenceServer):
    """A request with `Content-Type: text/plain` makes the body parser crash: 500."""

    def authenticate(self, request: Request) -> ApiKey | None:
        if request.headers.get("content-type", "").startswith("text/"):
            raise ValueError("cannot parse body")
        return super().authenticate(request)


# Rate-limit headers.


class RemainingNeverFalls(ReferenceServer):
    """X-RateLimit-Remaining always equals the limit."""

    def rate_limit_headers(self, state: RateState) -> dict[str, str]:
        return {**super().rate_limit_headers(state), "X-RateLimit-Remaining": str(state.limit)}


class RemainingAboveLimit(ReferenceServer):
    """X-RateLimit-Remaining is one more than X-RateLimit-Limit allows."""

    def rate_limit_headers(self, state: RateState) -> dict[str, str]:
        remaining = str(state.remaining + 2)
        return {**super().rate_limit_headers(state), "X-RateLimit-Remaining": remaining}


class ResetInMilliseconds(ReferenceServer):
    """X-RateLimit-Reset is in epoch milliseconds instead of seconds."""

    def rate_limit_headers(self, state: RateState) -> dict[str, str]:
        return {**super().rate_limit_headers(state), "X-RateLimit-Reset": str(state.reset * 1000)}


class ResetAsSecondsLeft(ReferenceServer):
    """X-RateLimit-Reset is the seconds left in the window, not an epoch second."""

    def rate_limit_headers(self, state: RateState) -> dict[str, str]:
        left = str(max(0, int(state.reset - self.clock())))
        return {**super().rate_limit_headers(state), "X-RateLimit-Reset": left}


def _faulty(name: str, server: type[ReferenceServer], caught_by: str) -> BundledServer:
    return BundledServer(
        name=name,
        description=(server.__doc__ or "").strip(),
        build=server,
        caught_by=caught_by,
    )


FAULTY: list[BundledServer] = [
    _faulty("success-200", Success200, "response-conformance"),
    _faulty("success-wrong-message", SuccessWrongMessage, "response-conformance"),
    _faulty("success-plain-text", SuccessPlainText, "response-conformance"),
    _faulty("success-without-rate-headers", SuccessWithoutRateHeaders, "response-conformance"),
    _faulty("error-without-message", ErrorWithoutMessage, "response-conformance"),
    _faulty("error-as-html", ErrorAsHtml, "response-conformance"),
    _faulty("remaining-not-integer", RemainingNotInteger, "response-conformance"),
    _faulty("missing-key-accepted", MissingKeyAccepted, "authentication"),
    _faulty("unknown-key-gets-403", UnknownKeyGets403, "authentication"),
    _faulty("any-bearer-accepted", AnyBearerAccepted, "authentication"),
    _faulty("permission-not-checked", PermissionNotChecked, "permission"),
    _faulty("permission-denied-as-401", PermissionDeniedAs401, "permission"),
    _faulty("unknown-id-starts-sync", UnknownIdStartsSync, "unknown-integration"),
    _faulty("malformed-id-gets-422", MalformedIdGets422, "unknown-integration"),
    _faulty("no-in-progress-guard", NoInProgressGuard, "sync-lifecycle"),
    _faulty("in-progress-answered-202", InProgressAnswered202, "sync-lifecycle"),
    _faulty("in-progress-says-over-rate-limit", InProgressSaysOverRateLimit, "sync-lifecycle"),
    _faulty("in-progress-as-409", InProgressAs409, "sync-lifecycle"),
    _faulty("check-then-act-race", CheckThenActRace, "concurrency"),
    _faulty("crashes-on-non-ascii-id", CrashesOnNonAsciiId, "robustness"),
    _faulty("crashes-on-long-id", CrashesOnLongId, "robustness"),
    _faulty("crashes-on-text-content-type", CrashesOnTextContentType, "robustness"),
    _faulty("remaining-never-falls", RemainingNeverFalls, "rate-limit-headers"),
    _faulty("remaining-above-limit", RemainingAboveLimit, "rate-limit-headers"),
    _faulty("reset-in-milliseconds", ResetInMilliseconds, "rate-limit-headers"),
    _faulty("reset-as-seconds-left", ResetAsSecondsLeft, "rate-limit-headers"),
]
