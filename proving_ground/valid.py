"""Valid servers: choices the contract allows and the reference does not make.

The suite must judge each of them conformant; a finding here is a false alarm of the suite.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

from braze_cdi_contract import Contract, Operation
from braze_cdi_reference.app import Admitted, Job, Page, RateState, ReferenceServer
from braze_cdi_reference.fixtures import DEMO_INTEGRATIONS, OLDEST_FIRST, Fixtures, demo_fixtures
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from proving_ground.servers import BundledServer, described


class NeverAnswers400(ReferenceServer):
    """Has no ID format of its own: every unknown ID, UUID or not, is answered 404."""

    def is_well_formed(self, integration_id: str) -> bool:
        return True


class ExtraBodyFields(ReferenceServer):
    """Adds a `request_id` field to every body, as Braze may add fields."""

    def accepted_response(self, state: RateState) -> Response:
        body = {"message": self.messages.sync_accepted, "request_id": str(uuid.uuid4())}
        return JSONResponse(body, 202, self.rate_limit_headers(state))

    def render_error(self, status: int, message: str, *, headers: dict[str, str]) -> Response:
        return JSONResponse({"message": message, "request_id": str(uuid.uuid4())}, status, headers)


class ErrorsArray(ReferenceServer):
    """Error bodies carry an `errors` array of minor errors, as Braze's fatal errors may."""

    def render_error(self, status: int, message: str, *, headers: dict[str, str]) -> Response:
        body = {"message": message, "errors": [{"detail": message.lower()}, "see the docs"]}
        return JSONResponse(body, status, headers)


class CanonicalCaseHeaders(ReferenceServer):
    """Sends header names as `X-RateLimit-Limit` rather than lowercase (HTTP names are caseless)."""

    def __init__(self, fixtures: Fixtures, *, contract: Contract | None = None) -> None:
        super().__init__(fixtures, contract=contract)
        self.app = _TitleCaseHeaders(self.app)


class _TitleCaseHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_title_case(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (
                        name.decode("latin-1").title().replace("Ratelimit", "RateLimit").encode(),
                        value,
                    )
                    for name, value in message["headers"]
                ]
            await send(message)

        await self.app(scope, receive, send_title_case)


class NotFoundForOtherMethods(ReferenceServer):
    """Answers undocumented methods with 404, as an unknown URL, instead of 405."""

    async def _http_error(self, request: Request, error: Exception) -> Response:
        if isinstance(error, HTTPException) and error.status_code == 405:
            return self.error_response(404, self.messages.invalid_url)
        return await super()._http_error(request, error)


class KeyHintHeader(ReferenceServer):
    """Names the first four characters of the presented key in an X-Key-Hint header."""

    async def trigger(self, request: Request) -> Response:
        response = await super().trigger(request)
        _, _, key = request.headers.get("authorization", "").partition(" ")
        # Letters and digits only: a generated key may hold bytes no header value may carry.
        response.headers["X-Key-Hint"] = "".join(c for c in key[:4] if c.isalnum()) + "..."
        return response


class BusyAtStart(ReferenceServer):
    """The demo integration is syncing when the server starts, as when its schedule just fired."""

    def __init__(self, fixtures: Fixtures, *, contract: Contract | None = None) -> None:
        super().__init__(fixtures, contract=contract)
        self.mark_running(DEMO_INTEGRATIONS[0])


def _long_syncs(contract: Contract) -> Fixtures:
    return replace(demo_fixtures(contract), sync_seconds=4.0)


class ChecksIdBeforePermission(ReferenceServer):
    """Looks the integration ID up before it checks the key's permission: an unknown ID is 404
    even for a key that lacks the permission (Braze does not promise the order).
    """

    def admit(self, request: Request, operation: Operation) -> Admitted | Response:
        key = self.authenticate(request)
        identifier = request.path_params.get("integration_id")
        if (
            key is not None
            and identifier is not None
            and self.is_well_formed(identifier)
            and not self.is_known(key, identifier)
        ):
            state = self.count_request(key.workspace, operation)
            return self.error_response(404, self.messages.integration_not_found, state=state)
        return super().admit(request, operation)


class SlowAnswers(ReferenceServer):
    """Takes 150 ms over every trigger."""

    async def trigger(self, request: Request) -> Response:
        await asyncio.sleep(0.15)
        return await super().trigger(request)


class JobsOldestFirst(ReferenceServer):
    """Lists an integration's jobs oldest first, so the running job is on the last page."""

    def __init__(self, fixtures: Fixtures, **options: Any) -> None:  # noqa: ANN401
        super().__init__(replace(fixtures, job_order=OLDEST_FIRST), **options)


class OffsetCursors(ReferenceServer):
    """Its cursors are hexadecimal, not base64: no format is promised, so any will do."""

    def encode_cursor(self, scope: str, direction: str, anchor: str) -> str:
        return json.dumps([direction, anchor]).encode().hex()

    def decode_cursor(self, cursor: str, scope: str) -> tuple[str, str] | None:
        try:
            direction, anchor = json.loads(bytes.fromhex(cursor))
        except (ValueError, TypeError):
            return None
        return (direction, anchor) if direction in {"prev", "next"} else None


class AbsoluteSameOriginLinks(ReferenceServer):
    """The Link header's URLs are absolute, on the server's own origin: as good as relative."""

    def link_header(self, page: Page, request: Request) -> str | None:
        link = super().link_header(page, request)
        own = f"{request.url.scheme}://{request.url.netloc}"
        return link.replace("<", f"<{own}") if link else link


class RunningJobsWithoutStartTime(ReferenceServer):
    """Shows a running job with its status only; Braze documents no field as always present."""

    def job_view(self, job: Job, now: float) -> dict[str, Any]:
        view = super().job_view(job, now)
        if view["job_status"] in self.contract.jobs.running:
            return {"job_status": view["job_status"]}
        return view


class RunningJobsWithNulls(ReferenceServer):
    """Shows a running job's finish time, counts and last timestamp as null: Braze does not
    document whether a running job has them, and the contract allows absent or null.
    """

    def job_view(self, job: Job, now: float) -> dict[str, Any]:
        view = super().job_view(job, now)
        if view["job_status"] in self.contract.jobs.running:
            nothing_yet = (
                "sync_finish_time",
                "last_timestamp_synced",
                "rows_synced",
                "rows_failed_with_errors",
            )
            return view | dict.fromkeys(nothing_yet)
        return view


class RowsGrowWhileRunning(ReferenceServer):
    """Shows a running job's rows as they are synced: `rows_synced` grows with every read until
    the job ends (Braze does not say a running job's counts hold still).
    """

    def job_view(self, job: Job, now: float) -> dict[str, Any]:
        view = super().job_view(job, now)
        if view["job_status"] in self.contract.jobs.running:
            synced = int((now - job.started) * 250)
            return view | {"rows_synced": synced, "rows_failed_with_errors": 0}
        return view


class FinishEqualsStart(ReferenceServer):
    """Shows every ended job with its `sync_finish_time` equal to its `sync_start_time` (a sync
    that took no measurable time; a job finishes no earlier than it starts, and equal is that).
    """

    def job_view(self, job: Job, now: float) -> dict[str, Any]:
        view = super().job_view(job, now)
        if "sync_finish_time" in view:
            view["sync_finish_time"] = view["sync_start_time"]
        return view


class FinishTimesInAnotherOffset(ReferenceServer):
    """Writes finish times with the offset `-05:00` and start times in UTC (`Z`): ISO 8601 allows
    both, so they compare by the moment they name, not as text.
    """

    def job_view(self, job: Job, now: float) -> dict[str, Any]:
        view = super().job_view(job, now)
        if "sync_finish_time" in view:
            offset = timezone(timedelta(hours=-5))
            finish = datetime.fromtimestamp(job.ends, offset).isoformat(timespec="milliseconds")
            view["sync_finish_time"] = finish
        return view


class EmptyJobStatusForUnknownIds(ReferenceServer):
    """Answers the job status of an integration it does not know 200 with no jobs, not 404:
    Braze does not document that answer, so an empty page shows no integration.
    """

    async def job_sync_status(self, request: Request) -> Response:
        identifier = request.path_params["integration_id"]
        key = self.authenticate(request)
        if (
            key is None
            or not self.is_well_formed(identifier)
            or self.is_known(key, identifier)
            or "cursor" in request.query_params
        ):
            return await super().job_sync_status(request)
        admitted = self.admit(request, self.contract.job_sync_status)
        if isinstance(admitted, Response):
            return admitted
        return self.page_response(Page([], None, None), request, admitted.state)


# The late-listing server: a sync runs 3 s and is listed 1.5 s after it started.
LATE_LISTING_SECONDS = 1.5


class ListsJobsLate(ReferenceServer):
    """Lists a started sync in its job status only 1.5 s after the 202 (its sync runs 3 s):
    Braze does not promise that the job shows at once, and a server with a queue may well list
    it a moment later.
    """

    def page(
        self, items: Sequence[tuple[str, dict[str, Any]]], cursor: str | None, *, scope: str
    ) -> Page | None:
        if scope.startswith("jobs:"):
            now = self.clock()
            items = [
                (key, view)
                for key, view in items
                if "sync_start_time" not in view
                or datetime.fromisoformat(view["sync_start_time"]).timestamp()
                <= now - LATE_LISTING_SECONDS
            ]
        return super().page(items, cursor, scope=scope)


def _slow_syncs(contract: Contract) -> Fixtures:
    return replace(demo_fixtures(contract), sync_seconds=3.0)


def _syncs_of_twenty_seconds(contract: Contract) -> Fixtures:
    return replace(demo_fixtures(contract), sync_seconds=20.0)


def _tight_limit(contract: Contract) -> Fixtures:
    base = demo_fixtures(contract)
    return Fixtures(
        keys=base.keys, integrations=base.integrations, rate_limit=20, rate_window_seconds=10
    )


VALID: list[BundledServer] = [
    described("never-400", NeverAnswers400),
    described("extra-body-fields", ExtraBodyFields),
    described("errors-array", ErrorsArray),
    described("canonical-case-headers", CanonicalCaseHeaders),
    described("404-for-other-methods", NotFoundForOtherMethods),
    described("slow-answers", SlowAnswers),
    described("key-hint-header", KeyHintHeader),
    BundledServer(
        "busy-at-start",
        (BusyAtStart.__doc__ or "").strip(),
        build=BusyAtStart,
        fixtures=_long_syncs,
    ),
    described("jobs-oldest-first", JobsOldestFirst),
    described("offset-cursors", OffsetCursors),
    described("checks-id-before-permission", ChecksIdBeforePermission),
    described("absolute-same-origin-links", AbsoluteSameOriginLinks),
    described("rows-grow-while-running", RowsGrowWhileRunning),
    described("finish-equals-start", FinishEqualsStart),
    described("finish-times-in-another-offset", FinishTimesInAnotherOffset),
    described("empty-job-status-for-unknown-ids", EmptyJobStatusForUnknownIds),
    described("running-jobs-without-start-time", RunningJobsWithoutStartTime),
    described("running-jobs-with-nulls", RunningJobsWithNulls),
    BundledServer(
        "lists-jobs-late",
        (ListsJobsLate.__doc__ or "").strip(),
        build=ListsJobsLate,
        fixtures=_slow_syncs,
    ),
    BundledServer(
        "long-syncs",
        "The reference with syncs of 20 s: a trigger while one runs meets it (429 in progress), "
        "as the suite's check for contradicting answers expects.",
        fixtures=_syncs_of_twenty_seconds,
    ),
    BundledServer(
        "tight-rate-limit",
        "Enforces a real, tight rate limit: 20 requests per 10 s.",
        fixtures=_tight_limit,
    ),
]
