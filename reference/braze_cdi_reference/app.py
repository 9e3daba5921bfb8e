"""The reference server: the contract's three CDI operations made executable.

It is built from the contract model: the routes, the methods, the permissions, the documented
limits, the job statuses, the page size and every message come from `openapi/openapi.yaml` (the
message names below are the document's named examples).

A trigger is answered by the first rule that applies:

1. no key, or an unknown key: 401 `InvalidApiKey` (no rate-limit headers: no workspace is known);
2. a key without the operation's `x-braze-permission`: 403 `AccessDenied`;
3. the workspace over the operation's rate limit: 429 `OverRateLimit`;
4. an integration ID that is not a UUID (this server's rule; Braze documents none):
   400 `InvalidIntegrationId`; a UUID the key's workspace has no integration for: 404
   `IntegrationNotFound`;
5. a sync of that integration already running: 429 `AnotherJobInProgress`;
6. otherwise 202 `SyncAccepted`, and a job that is `running` for the configured time and then
   ends as the integration's configured outcome (`success` unless configured otherwise).

The two reads follow steps 1 to 3 (each with its own permission and its own rate limit), then
answer an unreadable `cursor` 400 `InvalidCursor`; the job status then checks the ID as in step 4.
Both answer pages of the contract's page size, in a stable order (integrations by ID, jobs newest
first unless `job_order` says oldest first), with opaque cursors and a `Link` header as
documented. Each integration starts with a history of ended jobs; a page costs the same whether
the history holds 10 jobs or 35,000.

Every request after authentication counts against its workspace's fixed window for that
operation and every answer to it carries X-RateLimit-Limit, -Remaining and -Reset. Other methods
get 405 with `Allow`, unknown paths 404 `InvalidUrl`; every body is JSON.

Each step is a method, so that a faulty server can be this server with exactly one method changed.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import itertools
import json
import logging
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, overload

from braze_cdi_contract import Contract, Operation
from braze_cdi_contract import load as load_contract
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from braze_cdi_reference.fixtures import NEWEST_FIRST, ApiKey, Fixtures, Outcome
from braze_cdi_reference.script import (
    BODY_BYTES,
    Injection,
    Journal,
    NextSync,
    Recorded,
    ScheduledSync,
    ScriptError,
    VirtualClock,
    checked_injection,
    head_bytes,
    masked,
    write_fault,
)

UUID_PATTERN = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE
)
log = logging.getLogger("braze_cdi_reference")


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


@dataclass(frozen=True)
class Admitted:
    """A request past authentication, permission and rate limit."""

    key: ApiKey
    state: RateState


@dataclass(frozen=True)
class Job:
    """One sync of an integration: its number among the integration's syncs (1 for the first),
    when it started, when it ends, and how.
    """

    sequence: int
    started: float
    ends: float
    outcome: Outcome
    # When it shows in the job status (at once unless a script says later; inf: never).
    listed: float = float("-inf")


# How long each job of the seeded history ran.
HISTORY_JOB_SECONDS = 120.0


class JobStore:
    """One integration's jobs in the order they started: a seeded history, made on demand from
    its length (so 35,000 past jobs cost no memory), then the syncs started since.
    """

    def __init__(self, *, seeded: int, every: float, last: float, outcome: Outcome) -> None:
        self.seeded = seeded
        self.every = every
        self.first = last - (seeded - 1) * every
        self.outcome = outcome
        self.started: list[Job] = []

    def __len__(self) -> int:
        return self.seeded + len(self.started)

    def job(self, index: int) -> Job:
        """The job at `index` (0: the first to start)."""
        if index < self.seeded:
            begun = self.first + index * self.every
            return Job(index + 1, begun, begun + HISTORY_JOB_SECONDS, self.outcome)
        return self.started[index - self.seeded]

    def add(
        self, started: float, ends: float, outcome: Outcome, *, listed: float = float("-inf")
    ) -> Job:
        """Record a sync that starts at `started`, listed from `listed` on."""
        job = Job(len(self) + 1, started, ends, outcome, listed)
        self.started.append(job)
        return job

    def last(self) -> Job | None:
        """The job that started last."""
        return self.job(len(self) - 1) if len(self) else None

    def __iter__(self) -> Iterator[Job]:
        return (self.job(index) for index in range(len(self)))

    def shown(self, now: float) -> ShownJobs:
        """The jobs the job status lists at `now` (a job listed later is left out until then)."""
        return ShownJobs(self, [job for job in self.started if job.listed <= now])


class ShownJobs:
    """The jobs of a store the job status lists at one moment, in the order they started."""

    def __init__(self, store: JobStore, started: list[Job]) -> None:
        self.store = store
        self.started = started

    def __len__(self) -> int:
        return self.store.seeded + len(self.started)

    def job(self, index: int) -> Job:
        """The listed job at `index` (0: the first to start)."""
        if index < self.store.seeded:
            return self.store.job(index)
        return self.started[index - self.store.seeded]

    def index(self, sequence: int) -> int | None:
        """The index of the listed job with this sequence number, or None."""
        if 1 <= sequence <= self.store.seeded:
            return sequence - 1
        found = (at for at, job in enumerate(self.started) if job.sequence == sequence)
        at = next(found, None)
        return None if at is None else self.store.seeded + at

    def last(self) -> Job | None:
        """The listed job that started last."""
        return self.job(len(self) - 1) if len(self) else None


class JobListing(Sequence[tuple[str, dict[str, Any]]]):
    """An integration's jobs as the job status lists them, as (key, item) pairs: each item is
    made only when it is read, so a page costs the same whatever the history's length.
    """

    def __init__(
        self, store: ShownJobs, view: Callable[[Job], dict[str, Any]], *, newest_first: bool
    ) -> None:
        self.store = store
        self.view = view
        self.newest_first = newest_first

    def __len__(self) -> int:
        return len(self.store)

    def _index(self, position: int) -> int:
        return len(self.store) - 1 - position if self.newest_first else position

    @overload
    def __getitem__(self, position: int) -> tuple[str, dict[str, Any]]: ...

    @overload
    def __getitem__(self, position: slice) -> list[tuple[str, dict[str, Any]]]: ...

    def __getitem__(
        self, position: int | slice
    ) -> tuple[str, dict[str, Any]] | list[tuple[str, dict[str, Any]]]:
        if isinstance(position, slice):
            return [self[index] for index in range(*position.indices(len(self)))]
        if not -len(self) <= position < len(self):
            raise IndexError(position)
        job = self.store.job(self._index(position % len(self)))
        return str(job.sequence), self.view(job)

    def position(self, key: str) -> int | None:
        """Where the job with this key is listed, or None if there is none."""
        index = self.store.index(int(key)) if key.isdigit() else None
        return None if index is None else self._index(index)


def position(items: Sequence[tuple[str, dict[str, Any]]], key: str) -> int | None:
    """Where the item with this key is in a list, or None."""
    if isinstance(items, JobListing):
        return items.position(key)
    return next((at for at, (named, _) in enumerate(items) if named == key), None)


@dataclass(frozen=True)
class Page:
    """One page of a list: its items and the cursors of its neighbours."""

    items: list[dict[str, Any]]
    prev: str | None
    next: str | None


def iso(moment: float) -> str:
    """An ISO 8601 time in UTC, to the millisecond (a client compares it with its own clock)."""
    return (
        datetime.fromtimestamp(moment, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


class ReferenceServer:
    """The reference implementation; `app` is its ASGI application.

    A test scripts it (see `braze_cdi_reference.script`): the next syncs of an integration
    (`next_sync`), syncs the schedule starts (`schedule_sync`), its history (`set_history`),
    answers in place of its own and transport faults (`inject`), its time (`clock`, a
    VirtualClock unless another clock is given), and reads what it was sent (`journal`);
    `reset()` brings it back to its fixtures. With `control`, the same is offered over HTTP under
    CONTROL_PREFIX (`braze_cdi_reference.control`, described by control.yaml).
    """

    def __init__(
        self,
        fixtures: Fixtures,
        *,
        contract: Contract | None = None,
        clock: Callable[[], float] | None = None,
        control: bool = False,
    ) -> None:
        self.contract = contract or load_contract()
        self.messages = self.contract.messages
        self.fixtures = self.started_with = fixtures
        self.clock: Callable[[], float] = clock or VirtualClock()
        self.journal = Journal()
        self._numbers = itertools.count(1)
        self._clear()
        routes = self._routes()
        if control:
            from braze_cdi_reference.control import control_routes  # noqa: PLC0415

            routes += control_routes(self)
        self.app: ASGIApp = _RequestLog(_Journaling(self, self._build_app(routes)))

    def _clear(self) -> None:
        """Every state back to the fixtures: jobs, windows, scripts (not the clock)."""
        self.syncs_started = 0
        self._windows: dict[tuple[str, str], _Window] = {}
        self._jobs: dict[str, JobStore] = {}
        self._next: dict[str, deque[NextSync]] = {}
        self._scheduled: dict[str, list[ScheduledSync]] = {}
        self._injections: list[Injection] = []
        self._seed_history()

    def reset(self) -> None:
        """Back to the fixtures it started with: the jobs and their histories, the rate-limit
        windows, every script and injection, the journal, and real time.
        """
        self.fixtures = self.started_with
        if isinstance(self.clock, VirtualClock):
            self.clock.reset()
        self.journal.clear()
        self._clear()

    def _routes(self) -> list[Route]:
        contract = self.contract
        return [
            Route(contract.trigger.path, self.trigger, methods=self.trigger_methods()),
            Route(
                contract.list_integrations.path,
                self.list_integrations,
                methods=[contract.list_integrations.method],
            ),
            Route(
                contract.job_sync_status.path,
                self.job_sync_status,
                methods=[contract.job_sync_status.method],
            ),
        ]

    def _build_app(self, routes: list[Route]) -> Starlette:
        return Starlette(routes=routes, exception_handlers={HTTPException: self._http_error})

    def _seed_history(self) -> None:
        """Each integration starts with `history` ended jobs, `history_every_seconds` apart
        (an hour unless configured), the last one that long ago.
        """
        now, every = self.clock(), self.fixtures.history_every_seconds
        for identifier in sorted(self.fixtures.integrations):
            self._jobs[identifier.lower()] = JobStore(
                seeded=self.fixtures.history,
                every=every,
                last=now - every,
                outcome=self.fixtures.outcome_for(identifier),
            )

    def jobs_of(self, integration_id: str) -> JobStore:
        """The jobs of an integration (none for one this server does not know)."""
        identifier = integration_id.lower()
        store = self._jobs.get(identifier)
        if store is None:
            store = JobStore(seeded=0, every=1.0, last=0.0, outcome=self.fixtures.default_outcome)
            if identifier in self.fixtures.integrations:
                self._jobs[identifier] = store
        return store

    def trigger_methods(self) -> list[str]:
        """The methods that trigger a sync: the contract's, and no other."""
        return [self.contract.trigger.method]

    async def _http_error(self, request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        message = self.messages.invalid_url if error.status_code == 404 else error.detail
        return self.error_response(error.status_code, message, extra_headers=error.headers)

    # Scripts: what a test makes the double do.

    def _known(self, integration_id: str) -> str:
        identifier = integration_id.lower()
        if identifier not in self.fixtures.integrations:
            raise ScriptError(f"no integration {integration_id!r} in the fixtures")
        return identifier

    def next_sync(self, integration_id: str, sync: NextSync) -> None:
        """The next sync a trigger of the integration starts goes as `sync` says (queued behind
        the syncs scripted before it).
        """
        identifier = self._known(integration_id)
        self._next.setdefault(identifier, deque()).append(sync.checked(self.contract))

    def schedule_sync(self, integration_id: str, at: float, sync: NextSync) -> None:
        """The schedule starts a sync of the integration at `at` (the double's clock), or once a
        sync running then has ended; it goes as `sync` says.
        """
        identifier = self._known(integration_id)
        if isinstance(at, bool) or not isinstance(at, int | float) or at != at:  # noqa: PLR0124
            raise ScriptError(f"a scheduled sync's time is epoch seconds, not {at!r}")
        scheduled = ScheduledSync(float(at), sync.checked(self.contract))
        self._scheduled.setdefault(identifier, []).append(scheduled)
        self._scheduled[identifier].sort(key=lambda item: item.at)

    def set_history(
        self,
        integration_id: str,
        *,
        length: int,
        every_seconds: float = 3600.0,
        status: str | None = None,
        rows_synced: int = 1000,
        rows_failed_with_errors: int = 0,
    ) -> None:
        """The integration's history becomes `length` ended jobs, `every_seconds` apart (the last
        that long ago), each ended as `status` (the fixtures' outcome where not given).
        """
        identifier = self._known(integration_id)
        ending = NextSync(
            status or self.fixtures.outcome_for(identifier).status,
            rows_synced=rows_synced,
            rows_failed_with_errors=rows_failed_with_errors,
        ).checked(self.contract)
        if isinstance(length, bool) or not isinstance(length, int) or length < 0:
            raise ScriptError(f"a history's length is a whole number, 0 or more, not {length!r}")
        if isinstance(every_seconds, bool) or not isinstance(every_seconds, int | float):
            raise ScriptError(f"every_seconds is a number of seconds, not {every_seconds!r}")
        if not 0 < every_seconds < float("inf"):
            raise ScriptError(f"every_seconds is more than 0, not {every_seconds!r}")
        outcome = Outcome(ending.status, ending.rows_synced, ending.rows_failed_with_errors)
        self._jobs[identifier] = JobStore(
            seeded=length, every=every_seconds, last=self.clock() - every_seconds, outcome=outcome
        )

    def inject(self, injection: Injection) -> Injection:
        """Answer the next requests the injection matches as it says (checked against the
        contract); the injection as kept, with its number.
        """
        if injection.integration_id is not None:
            self._known(injection.integration_id)
        kept = checked_injection(injection, self.contract)
        kept.number = next(self._numbers)
        self._injections.append(kept)
        return kept

    def injections(self) -> list[Injection]:
        """The injections still to be given, oldest first."""
        return list(self._injections)

    def clear_injections(self) -> None:
        """No more injected answers."""
        self._injections.clear()

    def _take(self, operation_id: str, integration_id: str | None) -> Injection | None:
        """The first injection for this request, counted as given."""
        for injection in self._injections:
            if injection.matches(operation_id, integration_id):
                if injection.times is not None:
                    injection.times -= 1
                    if injection.times == 0:
                        self._injections.remove(injection)
                return injection
        return None

    def catch_up(self, integration_id: str | None = None) -> None:
        """Start the scheduled syncs whose time has come (of one integration, or of all)."""
        now = self.clock()
        names = [integration_id.lower()] if integration_id else list(self._scheduled)
        for identifier in names:
            waiting = self._scheduled.get(identifier, [])
            while waiting:
                at = waiting[0].at
                running = [job.ends for job in self.jobs_of(identifier).started if job.ends > at]
                begins = max([at, *running])
                if begins > now:
                    break
                self._start(identifier, begins, waiting.pop(0).sync)

    async def _answer(
        self,
        request: Request,
        operation: Operation,
        own: Callable[[Request], Awaitable[Response]],
    ) -> Response:
        """The answer to a request of an operation: an injected one where a script says so (a
        delay, a status, a transport fault cutting either answer), else the double's own.
        """
        integration_id = request.path_params.get("integration_id")
        self.catch_up(integration_id)
        injection = self._take(operation.operation_id, integration_id)
        if injection is None:
            return await own(request)
        if injection.delay:
            await asyncio.sleep(injection.delay)
        if injection.status is None:
            response = await own(request)
        else:
            response = self._injected(request, operation, injection)
        if injection.fault is None:
            return response
        request.state.fault = injection.fault
        keep = request.scope.get(RECORD)
        if keep is not None:
            keep()  # kept before the fault, so a client that meets it finds it kept
        head = head_bytes(response.status_code, _reason(response.status_code), response.raw_headers)
        if not await write_fault(injection.fault, head, bytes(response.body)):
            return self.error_response(
                500, f"the fault {injection.fault!r} needs the double served over a socket"
            )
        return response  # the connection is gone: nothing of it reaches the client

    def _injected(self, request: Request, operation: Operation, injection: Injection) -> Response:
        """An injected status with its message, and the rate-limit headers of an authenticated
        request (for 429, a window that resets `reset_in` seconds ahead).
        """
        assert injection.status is not None
        assert injection.message is not None
        key = self.authenticate(request)
        state = None if key is None else self.count_request(key.workspace, operation)
        if injection.status == 429 and injection.reset_in is not None:
            limit = state.limit if state else operation.rate_limit.limit
            reset = int(self.clock() + injection.reset_in)
            state = RateState(limit=limit, remaining=0, reset=reset, over=True)
        return self.error_response(injection.status, injection.message, state=state)

    # The operation, step by step.

    async def trigger(self, request: Request) -> Response:
        """Answer one trigger: an injected answer, else the first rule that applies."""
        return await self._answer(request, self.contract.trigger, self.trigger_as_documented)

    async def trigger_as_documented(self, request: Request) -> Response:
        """Answer one trigger by the first rule that applies (see the module docstring)."""
        messages = self.messages
        admitted = self.admit(request, self.contract.trigger)
        if isinstance(admitted, Response):
            return admitted
        key, state = admitted.key, admitted.state
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

    def admit(self, request: Request, operation: Operation) -> Admitted | Response:
        """Steps 1 to 3 for any operation: the key, its permission, the operation's limit.

        The refusal, or the key with its rate-limit window.
        """
        key = self.authenticate(request)
        if key is None:
            return self.error_response(401, self.messages.invalid_api_key)
        state = self.count_request(key.workspace, operation)
        if not self.is_permitted(key, operation):
            return self.error_response(403, self.messages.access_denied, state=state)
        if state.over:
            return self.error_response(429, self.messages.over_rate_limit, state=state)
        return Admitted(key, state)

    def is_permitted(self, key: ApiKey, operation: Operation) -> bool:
        """Whether the key has the operation's permission."""
        return operation.permission in key.permissions

    def count_request(self, workspace: str, operation: Operation) -> RateState:
        """Count one request against the workspace's window for the operation; report it."""
        now = self.clock()
        limit, size = self.fixtures.limit_for(operation.operation_id)
        start = int(now // size) * size
        window = self._windows.get((workspace, operation.operation_id))
        if window is None or window.start != start:
            window = self._windows[(workspace, operation.operation_id)] = _Window(start, 0)
        window.count += 1
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
        """Whether a sync of the integration is running now (the seeded history has ended)."""
        now = self.clock()
        return any(job.ends > now for job in self.jobs_of(integration_id).started)

    def mark_running(self, integration_id: str) -> None:
        """Record that a sync of the integration starts now: as the next scripted sync says, else
        for the configured time with the configured outcome.
        """
        identifier = integration_id.lower()
        now = self.clock()
        queued = self._next.get(identifier)
        scripted = queued.popleft() if queued else None
        seconds = self._start(identifier, now, scripted)
        self.syncs_started += 1
        log.info("sync of %s started; runs %.1f s", identifier, seconds)

    def _start(self, identifier: str, at: float, scripted: NextSync | None) -> float:
        """Add a job that starts at `at`, as scripted (or as configured); how long it runs."""
        if scripted is None:
            seconds = self.fixtures.sync_seconds
            self.jobs_of(identifier).add(at, at + seconds, self.fixtures.outcome_for(identifier))
            return seconds
        seconds = self.fixtures.sync_seconds if scripted.seconds is None else scripted.seconds
        outcome = Outcome(scripted.status, scripted.rows_synced, scripted.rows_failed_with_errors)
        after = scripted.listed_after
        listed = float("inf") if after is None else at + after
        self.jobs_of(identifier).add(at, at + seconds, outcome, listed=listed)
        return seconds

    # The two reads.

    async def list_integrations(self, request: Request) -> Response:
        """Answer one page of the workspace's integrations (or an injected answer)."""
        return await self._answer(request, self.contract.list_integrations, self._integrations)

    async def _integrations(self, request: Request) -> Response:
        admitted = self.admit(request, self.contract.list_integrations)
        if isinstance(admitted, Response):
            return admitted
        key, state = admitted.key, admitted.state
        items = [
            (identifier, self.integration_view(identifier))
            for identifier, workspace in sorted(self.fixtures.integrations.items())
            if workspace == key.workspace
        ]
        page = self.page(items, request.query_params.get("cursor"), scope="integrations")
        if page is None:
            return self.error_response(400, self.messages.invalid_cursor, state=state)
        return self.page_response(page, request, state)

    async def job_sync_status(self, request: Request) -> Response:
        """Answer one page of an integration's jobs, newest first (or as configured), or an
        injected answer.
        """
        return await self._answer(request, self.contract.job_sync_status, self._job_status)

    async def _job_status(self, request: Request) -> Response:
        admitted = self.admit(request, self.contract.job_sync_status)
        if isinstance(admitted, Response):
            return admitted
        key, state = admitted.key, admitted.state
        integration_id = request.path_params["integration_id"]
        identifier = integration_id.lower()
        now = self.clock()
        items = JobListing(
            self.jobs_of(identifier).shown(now),
            lambda job: self.job_view(job, now),
            newest_first=self.fixtures.job_order == NEWEST_FIRST,
        )
        page = self.page(items, request.query_params.get("cursor"), scope=f"jobs:{identifier}")
        if page is None:
            return self.error_response(400, self.messages.invalid_cursor, state=state)
        if not self.is_well_formed(integration_id):
            return self.error_response(400, self.messages.invalid_integration_id, state=state)
        if not self.is_known(key, integration_id):
            return self.error_response(404, self.messages.integration_not_found, state=state)
        return self.page_response(page, request, state)

    def integration_view(self, identifier: str) -> dict[str, Any]:
        """An integration as the list shows it (its last job as the job status lists it)."""
        now = self.clock()
        last = self.jobs_of(identifier).shown(now).last()
        view: dict[str, Any] = {
            "integration_id": identifier,
            "app_group_id": self.fixtures.integrations[identifier],
            "integration_name": f"Integration {identifier[:8]}",
            "integration_type": "users",
            "integration_status": "active",
            "contact_emails": "data-team@example.com",
            "warehouse_type": "snowflake",
        }
        if last is not None:
            view["last_job_start_time"] = iso(last.started)
            view["last_job_status"] = self.job_view(last, now)["job_status"]
            view["last_updated_at"] = iso(min(last.ends, now))
        return view

    def job_view(self, job: Job, now: float) -> dict[str, Any]:
        """A job as the status list shows it: running until it ends, then its outcome."""
        if job.ends > now:
            return {
                "job_status": sorted(self.contract.jobs.running)[0],
                "sync_start_time": iso(job.started),
            }
        return {
            "job_status": job.outcome.status,
            "sync_start_time": iso(job.started),
            "sync_finish_time": iso(job.ends),
            "last_timestamp_synced": iso(job.started - 60),
            "rows_synced": job.outcome.rows_synced,
            "rows_failed_with_errors": job.outcome.rows_failed_with_errors,
        }

    # Paging: opaque cursors over a stable order.

    def page(
        self, items: Sequence[tuple[str, dict[str, Any]]], cursor: str | None, *, scope: str
    ) -> Page | None:
        """The page a cursor names (the first without one), or None if it cannot be read.

        Items come as (key, item) in the list's order; a cursor names the item its page starts
        after (or ends before), so pages stay where they were when items are added elsewhere. A
        cursor naming an item the list does not hold cannot be read. Only the page's own items
        are read from `items`.
        """
        size = self.contract.jobs.page_size
        start, stop = 0, size
        if cursor is not None:
            decoded = self.decode_cursor(cursor, scope)
            at = None if decoded is None else position(items, decoded[1])
            if decoded is None or at is None:
                return None
            start, stop = (at + 1, at + 1 + size) if decoded[0] == "next" else (at - size, at)
        chosen = [items[index] for index in range(max(0, start), min(stop, len(items)))]
        first = max(0, start)
        prev = next_ = None
        if chosen and first > 0:
            prev = self.encode_cursor(scope, "prev", chosen[0][0])
        if chosen and first + len(chosen) < len(items):
            next_ = self.encode_cursor(scope, "next", chosen[-1][0])
        return Page([item for _, item in chosen], prev, next_)

    def encode_cursor(self, scope: str, direction: str, anchor: str) -> str:
        """An opaque cursor: which list, which way, from which item."""
        raw = json.dumps([scope, direction, anchor], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode_cursor(self, cursor: str, scope: str) -> tuple[str, str] | None:
        """(direction, anchor) of a cursor of this list, or None if it is not one."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            named, direction, anchor = json.loads(raw)
        except (ValueError, TypeError, binascii.Error):
            return None
        if named != scope or direction not in {"prev", "next"} or not isinstance(anchor, str):
            return None
        return direction, anchor

    def link_header(self, page: Page, request: Request) -> str | None:
        """The Link header of a page: relative URLs, prev then next; None when neither."""
        parts = [
            f'<{request.url.path}?cursor={cursor}>; rel="{relation}"'
            for relation, cursor in (("prev", page.prev), ("next", page.next))
            if cursor is not None
        ]
        return ",".join(parts) or None

    def page_response(self, page: Page, request: Request, state: RateState) -> Response:
        """200 with the page's items, `message: success` and the Link header."""
        headers = self.rate_limit_headers(state)
        link = self.link_header(page, request)
        if link is not None:
            headers["Link"] = link
        body = {"results": page.items, "message": self.messages.sync_accepted}
        return JSONResponse(body, status_code=200, headers=headers)

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


# The control API's place: a path prefix the contract does not use.
CONTROL_PREFIX = "/_control"
# Where a request's scope holds the journal's recorder (a fault is kept before it is made).
RECORD = "braze_cdi_reference.record"


class _Journaling:
    """Keeps each request of the contract's paths in the server's journal: what was sent (the
    key masked everywhere) and how it was answered (a status, or a transport fault).
    """

    def __init__(self, server: ReferenceServer, app: ASGIApp) -> None:
        self.server = server
        self.app = app
        self.patterns = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", "(?P<id>[^/]+)", op.path) + "$"), op)
            for op in server.contract.operations.values()
        ]

    def _operation(self, path: str) -> tuple[str | None, str | None]:
        for pattern, operation in self.patterns:
            match = pattern.match(path)
            if match:
                return operation.operation_id, match.groupdict().get("id")
        return None, None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        server = self.server
        at, number = server.clock(), server.journal.number()
        body = bytearray()
        recorded = False

        def record(status: int | None) -> None:
            # Kept before the answer leaves, so a client that has its answer finds it kept.
            nonlocal recorded
            recorded = True
            keys = list(server.fixtures.keys)
            headers: dict[str, str] = {}
            for raw_name, raw_value in scope.get("headers", []):
                name = raw_name.decode("latin-1").lower()
                value = _masked_header(name, raw_value.decode("latin-1"), keys)
                headers[name] = f"{headers[name]}, {value}" if name in headers else value
            operation_id, integration_id = self._operation(scope["path"])
            fault = scope.get("state", {}).get("fault")
            server.journal.add(
                Recorded(
                    number=number,
                    at=at,
                    method=scope["method"],
                    path=scope["path"],
                    query=masked(scope.get("query_string", b"").decode("latin-1"), keys),
                    headers=headers,
                    body=masked(body.decode("utf-8", "replace"), keys),
                    status=None if fault else status,
                    fault=fault,
                    operation_id=operation_id,
                    integration_id=integration_id,
                )
            )

        async def receive_and_keep() -> Message:
            message = await receive()
            if message["type"] == "http.request" and len(body) < BODY_BYTES:
                body.extend(message.get("body", b"")[: BODY_BYTES - len(body)])
            return message

        async def send_and_record(message: Message) -> None:
            if message["type"] == "http.response.start" and not recorded:
                record(message["status"])
            await send(message)

        scope[RECORD] = lambda: None if recorded else record(None)
        try:
            await self.app(scope, receive_and_keep, send_and_record)
        finally:
            if not recorded:  # no answer was given
                record(None)


def _reason(status: int) -> str:
    """The reason phrase of a status, or none for one HTTP does not name."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _masked_header(name: str, value: str, keys: list[str]) -> str:
    """A header's value as the journal keeps it: Authorization with its scheme only."""
    if name.lower() == "authorization":
        scheme = value.split(" ", 1)[0] if " " in value else ""
        return f"{scheme} ***".strip()
    return masked(value, keys)


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
