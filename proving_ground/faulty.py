"""Faulty servers: the reference with one documented fault, and the check that catches it.

Each class changes exactly one method of the reference server; its docstring is the fault.
"""

from __future__ import annotations

import asyncio
import functools
import zlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from typing import Any

from braze_cdi_contract import Operation
from braze_cdi_reference.app import Admitted, Job, Page, RateState, ReferenceServer, iso
from braze_cdi_reference.fixtures import DEMO_INTEGRATIONS, DEMO_KEY, DEMO_WORKSPACE, ApiKey
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import (
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)

from proving_ground.servers import BundledServer, described

# The success answer.


class Success200(ReferenceServer):
    """A started sync is answered 200 instead of 202."""

    def accepted_response(self, state: RateState) -> Response:
        return JSONResponse(
            {"message": self.messages.sync_accepted}, 200, self.rate_limit_headers(state)
        )


class SuccessWrongMessage(ReferenceServer):
    """The 202 body says "ok" instead of the documented message."""

    def accepted_response(self, state: RateState) -> Response:
        return JSONResponse({"message": "ok"}, 202, self.rate_limit_headers(state))


class SuccessPlainText(ReferenceServer):
    """The 202 body is the documented message as plain text, not JSON."""

    def accepted_response(self, state: RateState) -> Response:
        return PlainTextResponse(self.messages.sync_accepted, 202, self.rate_limit_headers(state))


class SuccessWithoutRateHeaders(ReferenceServer):
    """The 202 answer carries no X-RateLimit-* headers, which the document requires."""

    def accepted_response(self, state: RateState) -> Response:
        return JSONResponse({"message": self.messages.sync_accepted}, 202)


# Error answers.


class ErrorWithoutMessage(ReferenceServer):
    """Error bodies name the error in `error`, with no `message`."""

    def render_error(self, status: int, message: str, *, headers: dict[str, str]) -> Response:
        return JSONResponse({"error": message}, status, headers)


class ErrorAsHtml(ReferenceServer):
    """The 401 answer is an HTML page, not JSON."""

    def render_error(self, status: int, message: str, *, headers: dict[str, str]) -> Response:
        if status != 401:
            return super().render_error(status, message, headers=headers)
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
    """An unknown key is answered 403, as a key lacking the permission is, instead of 401."""

    def authenticate(self, request: Request) -> ApiKey | None:
        key = super().authenticate(request)
        if key is None and request.headers.get("authorization", "").startswith("Bearer "):
            return ApiKey(DEMO_WORKSPACE, frozenset())
        return key


class AnyBearerAccepted(ReferenceServer):
    """Any bearer token is accepted as a key with every permission."""

    def authenticate(self, request: Request) -> ApiKey | None:
        key = super().authenticate(request)
        if key is None and request.headers.get("authorization", "").startswith("Bearer "):
            return ApiKey(DEMO_WORKSPACE, self.contract.permissions())
        return key


class LooksUpBeforeAuthenticating(ReferenceServer):
    """Looks the integration up before the key: an unknown one gets 404 even without a key."""

    def authenticate(self, request: Request) -> ApiKey | None:
        identifier = request.path_params.get("integration_id")
        if identifier is not None and identifier.lower() not in self.fixtures.integrations:
            raise HTTPException(404)
        return super().authenticate(request)


class ReflectsKey(ReferenceServer):
    """Echoes the presented Authorization header back in an X-Debug-Authorization header."""

    async def trigger(self, request: Request) -> Response:
        response = await super().trigger(request)
        response.headers["X-Debug-Authorization"] = request.headers.get("authorization", "")
        return response


class EchoesUnknownKeyOn401(ReferenceServer):
    """The 401 for an unknown key names the key it was given in its message."""

    def admit(self, request: Request, operation: Operation) -> Admitted | Response:
        admitted = super().admit(request, operation)
        if isinstance(admitted, Response) and admitted.status_code == 401:
            given = request.headers.get("authorization", "").partition(" ")[2]
            message = f"{self.messages.invalid_api_key}: {given}" if given else None
            if message:
                return self.error_response(401, message)
        return admitted


class PermissionNotChecked(ReferenceServer):
    """A key without the trigger's permission may trigger syncs."""

    def is_permitted(self, key: ApiKey, operation: Operation) -> bool:
        return True


class PermissionDeniedAs401(ReferenceServer):
    """A key without the permission is answered 401, as an unknown key is, instead of 403."""

    def render_error(self, status: int, message: str, *, headers: dict[str, str]) -> Response:
        if status == 403:
            return super().render_error(401, self.messages.invalid_api_key, headers=headers)
        return super().render_error(status, message, headers=headers)


# Braze's documented request, and other methods.


class RejectsJsonContentType(ReferenceServer):
    """A trigger carrying `Content-Type: application/json` (and no body) is refused with 415."""

    async def trigger(self, request: Request) -> Response:
        if request.headers.get("content-type", "").startswith("application/json"):
            return self.error_response(415, "Unsupported Media Type")
        return await super().trigger(request)


class RequiresContentType(ReferenceServer):
    """A trigger without a `Content-Type` header is refused with 415."""

    async def trigger(self, request: Request) -> Response:
        if "content-type" not in request.headers:
            return self.error_response(415, "Unsupported Media Type")
        return await super().trigger(request)


class PutAlsoTriggers(ReferenceServer):
    """PUT, which the document does not list, triggers a sync as POST does."""

    def trigger_methods(self) -> list[str]:
        return [*super().trigger_methods(), "PUT"]


# Unknown integrations.


class UnknownIdStartsSync(ReferenceServer):
    """Any well-formed ID is taken for an existing integration, so made-up IDs start syncs."""

    def is_known(self, key: ApiKey, integration_id: str) -> bool:
        return True


class MalformedIdGets422(ReferenceServer):
    """An ID that is not a UUID is answered 422, a status the document does not list."""

    def render_error(self, status: int, message: str, *, headers: dict[str, str]) -> Response:
        if message == self.messages.invalid_integration_id:
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
    """A running sync is reported as the rate limit while requests remain."""

    def render_error(self, status: int, message: str, *, headers: dict[str, str]) -> Response:
        if message == self.messages.another_job_in_progress:
            message = self.messages.over_rate_limit
        return super().render_error(status, message, headers=headers)


class InProgressWithOtherMessage(ReferenceServer):
    """A running sync is answered 429 with the message "Busy", which names neither meaning."""

    def render_error(self, status: int, message: str, *, headers: dict[str, str]) -> Response:
        if message == self.messages.another_job_in_progress:
            message = "Busy"
        return super().render_error(status, message, headers=headers)


class InProgressAs409(ReferenceServer):
    """A running sync is answered 409 Conflict instead of 429."""

    def render_error(self, status: int, message: str, *, headers: dict[str, str]) -> Response:
        if message == self.messages.another_job_in_progress:
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


# Answers no client should have to wait for or hold: the suite's bounds must catch them quickly.


class RedirectsElsewhere(ReferenceServer):
    """A trigger that would start a sync is answered 307 to another origin instead."""

    def accepted_response(self, state: RateState) -> Response:
        return RedirectResponse("http://127.0.0.1:9/elsewhere", 307, self.rate_limit_headers(state))


class ErrorsAsPlainText(ReferenceServer):
    """Every error is its message as text/plain, not the documented JSON body."""

    def render_error(self, status: int, message: str, *, headers: dict[str, str]) -> Response:
        return PlainTextResponse(message, status, headers)


class UnknownIdRedirectsElsewhere(ReferenceServer):
    """An unknown integration is answered 307 to another host instead of 404."""

    def render_error(self, status: int, message: str, *, headers: dict[str, str]) -> Response:
        if status != 404:
            return super().render_error(status, message, headers=headers)
        return RedirectResponse("http://127.0.0.2:9/not-found", 307, headers)


class UnknownIdHugeMessage(ReferenceServer):
    """The 404 for an unknown integration carries a 5 MB message (five times the suite's bound)."""

    def render_error(self, status: int, message: str, *, headers: dict[str, str]) -> Response:
        if status != 404:
            return super().render_error(status, message, headers=headers)
        return JSONResponse({"message": message + " " * 5_000_000}, status, headers)


class UnknownIdGzipBomb(ReferenceServer):
    """The 404 for an unknown integration is 100 KB of gzip that inflates to 100 MB."""

    def render_error(self, status: int, message: str, *, headers: dict[str, str]) -> Response:
        if status != 404:
            return super().render_error(status, message, headers=headers)
        bombed = {**headers, "Content-Encoding": "gzip"}
        return Response(_bomb(), status, bombed, media_type="application/json")


class HugeSuccessBody(ReferenceServer):
    """The 202 body carries 4 MB of padding."""

    def accepted_response(self, state: RateState) -> Response:
        body = {"message": self.messages.sync_accepted, "padding": "x" * 4_000_000}
        return JSONResponse(body, 202, self.rate_limit_headers(state))


class GzipBombSuccess(ReferenceServer):
    """The 202 body is 100 KB of gzip that inflates to 100 MB."""

    def accepted_response(self, state: RateState) -> Response:
        headers = {**self.rate_limit_headers(state), "Content-Encoding": "gzip"}
        return Response(_bomb(), 202, headers, media_type="application/json")


class EndlessSuccessBody(ReferenceServer):
    """The 202 body never ends: spaces, as fast as the connection takes them."""

    def accepted_response(self, state: RateState) -> Response:
        async def forever() -> AsyncIterator[bytes]:
            while True:
                yield b" " * 65_536
                await asyncio.sleep(0)

        return StreamingResponse(forever(), 202, self.rate_limit_headers(state))


class DrippingSuccessBody(ReferenceServer):
    """The 202 body arrives one byte every half second, and never ends."""

    def accepted_response(self, state: RateState) -> Response:
        async def drip() -> AsyncIterator[bytes]:
            while True:
                yield b" "
                await asyncio.sleep(0.5)

        return StreamingResponse(drip(), 202, self.rate_limit_headers(state))


class StallsOnOddIds(ReferenceServer):
    """A trigger whose ID holds a percent-encoded byte waits 120 s before its answer starts."""

    async def trigger(self, request: Request) -> Response:
        if "%" in request.scope.get("raw_path", b"").decode("latin-1"):
            await asyncio.sleep(120)
        return await super().trigger(request)


@functools.cache
def _bomb() -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: the gzip container
    zeros = b"\0" * 1_000_000
    return b"".join(packer.compress(zeros) for _ in range(100)) + packer.flush()


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


# The job status and paging.


class NoRunningJobShown(ReferenceServer):
    """The job status never shows a job running: a started sync is listed as ended at once."""

    def job_view(self, job: Job, now: float) -> dict[str, Any]:
        return super().job_view(job, max(now, job.ends))


class ShowsEndedSyncsRunning(ReferenceServer):
    """A sync started by a trigger shows running in the job status forever, while the trigger
    accepts a new sync with 202 once it has ended: one of the two answers is wrong.
    """

    def job_view(self, job: Job, now: float) -> dict[str, Any]:
        return super().job_view(job, job.started if job.sequence > self.fixtures.history else now)


class InProgressAfterJobEnded(ReferenceServer):
    """Triggers are refused as in progress for 30 s after the job status shows the sync ended."""

    def is_running(self, integration_id: str) -> bool:
        now = self.clock()
        return any(job.ends + 30 > now for job in self.jobs_of(integration_id).started)


class FinishesBeforeItStarts(ReferenceServer):
    """Ended jobs show a `sync_finish_time` as long before their `sync_start_time` as they ran
    after it.
    """

    def job_view(self, job: Job, now: float) -> dict[str, Any]:
        view = super().job_view(job, now)
        if "sync_finish_time" in view:
            view["sync_finish_time"] = iso(job.started - (job.ends - job.started))
        return view


class EndedJobRunsAgain(ReferenceServer):
    """A triggered job shows its outcome when it ends and, two seconds later, `running` again for
    good (with the same start time), while triggers are accepted as if it had ended.
    """

    def job_view(self, job: Job, now: float) -> dict[str, Any]:
        again = job.sequence > self.fixtures.history and now >= job.ends + 2
        return super().job_view(job, job.started if again else now)


class OneTriggerTwoJobs(ReferenceServer):
    """Each sync a trigger starts is recorded twice: one 202, two jobs running at once."""

    def mark_running(self, integration_id: str) -> None:
        super().mark_running(integration_id)
        super().mark_running(integration_id)


class LeavesOutDemoIntegration(ReferenceServer):
    """The list of integrations leaves out the first demo integration (the one a bundled run
    gives the suite), though its key triggers it and reads its job status.
    """

    def page(
        self, items: Sequence[tuple[str, dict[str, Any]]], cursor: str | None, *, scope: str
    ) -> Page | None:
        if scope == "integrations":
            items = [(key, item) for key, item in items if key != DEMO_INTEGRATIONS[0]]
        return super().page(items, cursor, scope=scope)


class JobStatusCapitalised(ReferenceServer):
    """Job statuses are capitalised (`Success`), as an older edition of Braze's page had them."""

    def job_view(self, job: Job, now: float) -> dict[str, Any]:
        view = super().job_view(job, now)
        return {**view, "job_status": str(view["job_status"]).capitalize()}


class PagesOverlap(ReferenceServer):
    """Each next page starts again with the last item of the page before."""

    def page(
        self, items: Sequence[tuple[str, dict[str, Any]]], cursor: str | None, *, scope: str
    ) -> Page | None:
        decoded = self.decode_cursor(cursor, scope) if cursor is not None else None
        keys = [key for key, _ in items]
        if decoded is not None and decoded[0] == "next" and decoded[1] in keys[1:]:
            # Start after the item before the one the cursor names: that one comes again.
            cursor = self.encode_cursor(scope, "next", keys[keys.index(decoded[1]) - 1])
        return super().page(items, cursor, scope=scope)


class PrevOnFirstPage(ReferenceServer):
    """The first page names a previous page (the first page itself)."""

    def link_header(self, page: Page, request: Request) -> str | None:
        link = super().link_header(page, request)
        if "cursor" not in request.query_params and page.next is not None:
            return f'<{request.url.path}>; rel="prev",' + (link or "")
        return link


class NextOnLastPage(ReferenceServer):
    """The last page names a next page, which is empty."""

    def link_header(self, page: Page, request: Request) -> str | None:
        link = super().link_header(page, request)
        if page.next is None and "cursor" in request.query_params:
            own = request.query_params["cursor"]
            return (link + "," if link else "") + f'<{request.url.path}?cursor={own}>; rel="next"'
        return link


class LinkToAnotherOrigin(ReferenceServer):
    """The Link header's URLs are absolute, on another host and port: a client that follows
    them sends its key there.
    """

    def link_header(self, page: Page, request: Request) -> str | None:
        link = super().link_header(page, request)
        return link.replace("<", "<http://127.0.0.2:9") if link else link


class ShortPages(ReferenceServer):
    """Pages other than the last hold 9 items: one item of every 10 is never listed."""

    def page(
        self, items: Sequence[tuple[str, dict[str, Any]]], cursor: str | None, *, scope: str
    ) -> Page | None:
        page = super().page(items, cursor, scope=scope)
        if page is not None and page.next is not None:
            return replace(page, items=page.items[:-1])
        return page


class BadCursorGetsFirstPage(ReferenceServer):
    """A cursor it cannot read is answered with the first page instead of 400."""

    def page(
        self, items: Sequence[tuple[str, dict[str, Any]]], cursor: str | None, *, scope: str
    ) -> Page | None:
        return super().page(items, cursor, scope=scope) or super().page(items, None, scope=scope)


class OnePermissionForAll(ReferenceServer):
    """Every operation asks for the trigger's permission, the reads too."""

    def is_permitted(self, key: ApiKey, operation: Operation) -> bool:
        return self.contract.trigger.permission in key.permissions


class ReadsNeedNoPermission(ReferenceServer):
    """The two lists let any known key read them."""

    def is_permitted(self, key: ApiKey, operation: Operation) -> bool:
        return operation.method == "GET" or super().is_permitted(key, operation)


FAULTY: list[BundledServer] = [
    described("success-200", Success200, caught_by="response-conformance"),
    described("success-wrong-message", SuccessWrongMessage, caught_by="response-conformance"),
    described("success-plain-text", SuccessPlainText, caught_by="response-conformance"),
    described(
        "success-without-rate-headers", SuccessWithoutRateHeaders, caught_by="response-conformance"
    ),
    described("error-without-message", ErrorWithoutMessage, caught_by="response-conformance"),
    described("error-as-html", ErrorAsHtml, caught_by="response-conformance"),
    described("rejects-json-content-type", RejectsJsonContentType, caught_by="documented-request"),
    described("requires-content-type", RequiresContentType, caught_by="documented-request"),
    described(
        "looks-up-before-authenticating", LooksUpBeforeAuthenticating, caught_by="authentication"
    ),
    described("reflects-key", ReflectsKey, caught_by="no-reflected-key"),
    described("echoes-unknown-key-on-401", EchoesUnknownKeyOn401, caught_by="no-reflected-key"),
    described("put-also-triggers", PutAlsoTriggers, caught_by="undocumented-methods"),
    described("remaining-not-integer", RemainingNotInteger, caught_by="response-conformance"),
    described("missing-key-accepted", MissingKeyAccepted, caught_by="authentication"),
    described("unknown-key-gets-403", UnknownKeyGets403, caught_by="authentication"),
    described("any-bearer-accepted", AnyBearerAccepted, caught_by="authentication"),
    described("permission-not-checked", PermissionNotChecked, caught_by="permission"),
    described("permission-denied-as-401", PermissionDeniedAs401, caught_by="permission"),
    described("unknown-id-starts-sync", UnknownIdStartsSync, caught_by="unknown-integration"),
    described("malformed-id-gets-422", MalformedIdGets422, caught_by="unknown-integration"),
    described("no-in-progress-guard", NoInProgressGuard, caught_by="sync-lifecycle"),
    described("in-progress-answered-202", InProgressAnswered202, caught_by="sync-lifecycle"),
    described(
        "in-progress-says-over-rate-limit", InProgressSaysOverRateLimit, caught_by="sync-lifecycle"
    ),
    described("in-progress-as-409", InProgressAs409, caught_by="sync-lifecycle"),
    described(
        "in-progress-with-other-message", InProgressWithOtherMessage, caught_by="too-many-requests"
    ),
    described("check-then-act-race", CheckThenActRace, caught_by="concurrency"),
    described("crashes-on-non-ascii-id", CrashesOnNonAsciiId, caught_by="robustness"),
    described("crashes-on-long-id", CrashesOnLongId, caught_by="robustness"),
    described("crashes-on-text-content-type", CrashesOnTextContentType, caught_by="robustness"),
    described(
        "remaining-never-falls",
        RemainingNeverFalls,
        caught_by="rate-limit-headers",
        seen_in_one_answer=False,
    ),
    described("redirects-elsewhere", RedirectsElsewhere, caught_by="response-conformance"),
    described("errors-as-plain-text", ErrorsAsPlainText, caught_by="response-conformance"),
    described(
        "unknown-id-redirects-elsewhere",
        UnknownIdRedirectsElsewhere,
        caught_by="response-conformance",
    ),
    *(
        described(name, server, caught_by="robustness", crosses_a_bound=True)
        for name, server in (
            ("unknown-id-huge-message", UnknownIdHugeMessage),
            ("unknown-id-gzip-bomb", UnknownIdGzipBomb),
        )
    ),
    *(
        described(name, server, caught_by="robustness", crosses_a_bound=True, ends_its_answers=ends)
        for name, server, ends in (
            ("huge-success-body", HugeSuccessBody, True),
            ("gzip-bomb-success", GzipBombSuccess, False),
            ("endless-success-body", EndlessSuccessBody, False),
            ("dripping-success-body", DrippingSuccessBody, False),
            ("stalls-on-odd-ids", StallsOnOddIds, False),
        )
    ),
    described("remaining-above-limit", RemainingAboveLimit, caught_by="rate-limit-headers"),
    described("reset-in-milliseconds", ResetInMilliseconds, caught_by="rate-limit-headers"),
    described("reset-as-seconds-left", ResetAsSecondsLeft, caught_by="rate-limit-headers"),
    described(
        "shows-ended-syncs-running",
        ShowsEndedSyncsRunning,
        caught_by="job-status",
        seen_in_one_answer=False,
        caught_within_budget=False,
    ),
    described(
        "no-running-job-shown", NoRunningJobShown, caught_by="job-status", seen_in_one_answer=False
    ),
    described(
        "in-progress-after-job-ended",
        InProgressAfterJobEnded,
        caught_by="job-status",
        seen_in_one_answer=False,
        caught_within_budget=False,
    ),
    described("finishes-before-it-starts", FinishesBeforeItStarts, caught_by="job-consistency"),
    described(
        "ended-job-runs-again",
        EndedJobRunsAgain,
        caught_by="job-consistency",
        seen_in_one_answer=False,
        caught_within_budget=False,
    ),
    described(
        "one-trigger-two-jobs",
        OneTriggerTwoJobs,
        caught_by="job-consistency",
    ),
    described(
        "leaves-out-demo-integration",
        LeavesOutDemoIntegration,
        caught_by="integration-listed",
        seen_in_one_answer=False,
    ),
    described("job-status-capitalised", JobStatusCapitalised, caught_by="response-conformance"),
    described("pages-overlap", PagesOverlap, caught_by="paging", seen_in_one_answer=False),
    described("prev-on-first-page", PrevOnFirstPage, caught_by="paging", seen_in_one_answer=False),
    described("next-on-last-page", NextOnLastPage, caught_by="paging", seen_in_one_answer=False),
    described("short-pages", ShortPages, caught_by="paging", seen_in_one_answer=False),
    described("link-to-another-origin", LinkToAnotherOrigin, caught_by="paging"),
    described(
        "bad-cursor-gets-first-page",
        BadCursorGetsFirstPage,
        caught_by="paging",
        seen_in_one_answer=False,
    ),
    described("one-permission-for-all", OnePermissionForAll, caught_by="permission"),
    described("reads-need-no-permission", ReadsNeedNoPermission, caught_by="permission"),
]
