"""Promises that tie answers together, judged over parsed answers: no I/O, no HTTP, no clock.

One answer can look right while two answers contradict each other. This module holds what
several answers show, and says when they break a promise the contract makes (each rule names
where the contract takes it from). The suite feeds it every answer it gets (the observers
`job-consistency` and `integration-listed` in `checks.py`); the passive proxy can feed it the
answers it passes on, as it sees them.

Feeding it: make one `Invariants` per run (per server), with the contract's running and ended
job statuses; then, for each answer, call the method of its operation, in the order the answers
complete, under the caller's lock (it is not thread-safe):

- `trigger(...)` for a trigger of an integration, with its `outcome`: `"accepted"` (202),
  `"in-progress"` (the 429 whose message says a job is in progress), `"unknown"` (no complete
  answer: it may have started a sync), or `"refused"` (anything else; it shows nothing);
- `job_page(...)` for one 200 page of an integration's job status, with its `results` items;
- `integration_page(...)` for one 200 page of the list of integrations, with the cursor it was
  asked with (None for the first page), the cursor of its `rel="next"` link (None on the last
  page) and the `integration_id` of its items; the pages of one read are stitched by cursor.

Every method takes `principal`, an opaque label of the key the request presented (the same key,
the same label; never the key itself, which no finding carries), `sent` and `received`, the
times the request was sent and its answer complete, on one monotonic clock (seconds), and `ref`,
whatever the caller wants back in a finding to show the answer (the suite passes its
`Exchange`). Each returns `Judged`: the `findings` it shows (each at most once per run), and the
names of the checks that judged something (`judged`), so that a caller can tell a check that
passed from one that never applied.

The rules, by check (`Finding.check`, and `Finding.rule` within it):

`job-consistency`, over the job status (and the triggers):
- `finish-before-start`: an ended job never has a `sync_finish_time` earlier than its
  `sync_start_time` (a job finishes after it started; equal conforms). Times that are not ISO
  8601, or one with an offset and one without, are not compared. A running job's finish time is
  not judged (Braze does not say what a running job has).
- `ended-then-running`: a job seen ended is never shown running later: a later answer (sent
  after the one that showed it ended came back) never shows the job with the same start time
  running. A change from one ended status to another is not judged (Braze does not say an
  outcome is final, only that a finished job no longer runs). A start time two jobs of one answer
  share is ambiguous, and not judged.
- `two-running`: one answer never shows two jobs of the integration running (one sync of an
  integration runs at a time: a trigger meanwhile gets the in-progress 429).
- `one-trigger-two-jobs`: after an accepted trigger, no two new jobs (start times no answer before
  the trigger showed) started at the same moment, unless one of them ended that very moment
  (finish equal to start: a short sync, and the next one starting the same second). One trigger
  makes one sync; two jobs that ran one after the other may be the trigger's and the schedule's,
  so they are not counted; two that run at once are `two-running`.

`integration-listed`, over the list of integrations:
- `integration-left-out`: a complete read of the list (every page, the last without
  `rel="next"`) holds every integration the same key was seen to reach both before the read was
  sent and after it came back (so the integration existed throughout; one created or deleted
  between is not judged): a trigger answered 202 or the in-progress 429, or a job status that
  listed at least one job (Braze does not document the job status of an unknown integration,
  so an empty one shows nothing). IDs are compared without regard to case. With
  `either_side=True` one side suffices: evidence before or after the read (a caller that sees
  little traffic may choose it, accepting that an integration created or deleted meanwhile would
  be reported).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Literal, TypeVar

__all__ = [
    "INTEGRATION_LISTED",
    "JOB_CONSISTENCY",
    "Finding",
    "Invariants",
    "Judged",
    "TriggerOutcome",
]

JOB_CONSISTENCY = "job-consistency"
INTEGRATION_LISTED = "integration-listed"
# Reads of the list of integrations kept while their next page is awaited, and complete reads
# kept to judge evidence that arrives later (per key): enough for any client, bounded for a proxy.
PENDING_READS = 16
KEPT_READS = 8

Ref = TypeVar("Ref")
TriggerOutcome = Literal["accepted", "in-progress", "unknown", "refused"]


@dataclass(frozen=True)
class Finding(Generic[Ref]):
    """One broken promise: which check and rule, what broke, and the answer that shows it."""

    check: str
    rule: str
    what: str
    expected: str
    received: str
    integration_id: str
    ref: Ref


@dataclass(frozen=True)
class Judged(Generic[Ref]):
    """What one answer showed: the findings (new ones only) and the checks that judged it."""

    findings: tuple[Finding[Ref], ...] = ()
    judged: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _Seen:
    """When something was seen: the request's time and its answer's."""

    sent: float
    received: float


@dataclass
class _ListRead(Generic[Ref]):
    """A read of the list of integrations, page by page."""

    sent: float
    received: float
    ids: set[str]
    ref: Ref
    number: int


@dataclass
class _Reach:
    """When a key was seen to reach an integration: the earliest answer, the latest request."""

    first_received: float
    last_sent: float


@dataclass
class _Jobs:
    """What the job status of one integration (for one key) showed."""

    # Start time -> when an answer showed that job ended, and with which status.
    ended: dict[object, tuple[float, str]] = field(default_factory=dict)
    # Start time -> when an answer first showed it (the request's time).
    first_shown: dict[object, float] = field(default_factory=dict)


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 time, or None when the value is not one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _instant(value: object) -> object:
    """What identifies a job's start: the moment it names (so `Z` and `+00:00` are one), else the
    raw value.
    """
    moment = parse_time(value)
    if moment is None:
        return value
    return moment if moment.tzinfo is None else moment.timestamp()


def _earlier(finish: datetime, start: datetime) -> bool | None:
    """Whether finish is before start; None when they cannot be compared."""
    if (finish.tzinfo is None) != (start.tzinfo is None):
        return None
    return finish < start


class Invariants(Generic[Ref]):
    """What several answers of one server showed, and the promises they break (see the module)."""

    def __init__(
        self, *, running: Collection[str], ended: Collection[str], either_side: bool = False
    ) -> None:
        self.running = frozenset(running)
        self.ended = frozenset(ended)
        self.either_side = either_side
        self._jobs: dict[tuple[str, str], _Jobs] = {}
        # (key, integration) -> accepted triggers, as (sent, received), and triggers whose
        # outcome is unknown.
        self._accepted: dict[tuple[str, str], list[_Seen]] = {}
        self._reach: dict[tuple[str, str], _Reach] = {}
        self._pending: dict[tuple[str, str], _ListRead[Ref]] = {}
        self._reads: dict[str, list[_ListRead[Ref]]] = {}
        self._read_numbers = 0
        # What was reported already, so that each finding comes once.
        self._reported: set[tuple[object, ...]] = set()

    # Triggers.

    def trigger(
        self,
        *,
        principal: str,
        integration_id: str,
        outcome: TriggerOutcome,
        sent: float,
        received: float,
        ref: Ref,
    ) -> Judged[Ref]:
        """A trigger of an integration and what it was answered (see the module)."""
        key = (principal, integration_id.lower())
        if outcome in {"accepted", "unknown"}:
            self._accepted.setdefault(key, []).append(_Seen(sent, received))
        if outcome in {"accepted", "in-progress"}:
            return self._reached(key, _Seen(sent, received))
        return Judged()

    # The job status.

    def job_page(
        self,
        *,
        principal: str,
        integration_id: str,
        items: Sequence[Mapping[str, object]],
        sent: float,
        received: float,
        ref: Ref,
    ) -> Judged[Ref]:
        """One page of an integration's job status (its `results`)."""
        identifier = integration_id.lower()
        key = (principal, identifier)
        jobs = self._jobs.setdefault(key, _Jobs())
        findings: list[Finding[Ref]] = []
        judged: set[str] = set()
        if items:
            judged.add(JOB_CONSISTENCY)
        starts: dict[object, list[Mapping[str, object]]] = {}
        for item in items:
            start = item.get("sync_start_time")
            if start is not None:
                starts.setdefault(_instant(start), []).append(item)
        findings += self._finish_before_start(integration_id, items, ref)
        findings += self._two_running(integration_id, items, ref)
        findings += self._ended_then_running(
            integration_id, jobs=jobs, starts=starts, sent=sent, ref=ref
        )
        findings += self._one_trigger_two_jobs(
            key, integration_id, jobs=jobs, starts=starts, sent=sent, ref=ref
        )
        for start, alike in starts.items():
            jobs.first_shown.setdefault(start, sent)
            status = alike[0].get("job_status")
            if len(alike) == 1 and isinstance(status, str) and status in self.ended:
                jobs.ended.setdefault(start, (received, status))
        if items:
            reached = self._reached(key, _Seen(sent, received))
            findings += reached.findings
            judged |= reached.judged
        return Judged(tuple(findings), frozenset(judged))

    def _finish_before_start(
        self, integration_id: str, items: Sequence[Mapping[str, object]], ref: Ref
    ) -> list[Finding[Ref]]:
        findings = []
        for item in items:
            if item.get("job_status") not in self.ended:
                continue
            start = parse_time(item.get("sync_start_time"))
            finish = parse_time(item.get("sync_finish_time"))
            if start is None or finish is None or not _earlier(finish, start):
                continue
            if self._first("finish-before-start", integration_id.lower(), _instant(start)):
                findings.append(
                    Finding(
                        JOB_CONSISTENCY,
                        "finish-before-start",
                        what="An ended job finished before it started",
                        expected="a sync_finish_time no earlier than the job's sync_start_time",
                        received=f"job_status {item.get('job_status')}, sync_start_time "
                        f"{item.get('sync_start_time')}, sync_finish_time "
                        f"{item.get('sync_finish_time')}",
                        integration_id=integration_id,
                        ref=ref,
                    )
                )
        return findings

    def _two_running(
        self, integration_id: str, items: Sequence[Mapping[str, object]], ref: Ref
    ) -> list[Finding[Ref]]:
        running = [item for item in items if item.get("job_status") in self.running]
        if len(running) < 2:
            return []
        starts = tuple(sorted(str(item.get("sync_start_time")) for item in running))
        if not self._first("two-running", integration_id.lower(), starts):
            return []
        return [
            Finding(
                JOB_CONSISTENCY,
                "two-running",
                what=f"One answer of the job status shows {len(running)} jobs running at once",
                expected="at most one running job: one sync of an integration runs at a time (a "
                "trigger meanwhile gets the 429 that says a job is in progress)",
                received="running jobs with sync_start_time " + ", ".join(starts),
                integration_id=integration_id,
                ref=ref,
            )
        ]

    def _ended_then_running(
        self,
        integration_id: str,
        *,
        jobs: _Jobs,
        starts: dict[object, list[Mapping[str, object]]],
        sent: float,
        ref: Ref,
    ) -> list[Finding[Ref]]:
        findings = []
        for start, alike in starts.items():
            before = jobs.ended.get(start)
            if before is None or len(alike) != 1 or before[0] > sent:
                continue
            status = alike[0].get("job_status")
            if status not in self.running:
                continue
            if self._first("ended-then-running", integration_id.lower(), start):
                findings.append(
                    Finding(
                        JOB_CONSISTENCY,
                        "ended-then-running",
                        what="A job the job status showed ended shows running again",
                        expected=f"the job with sync_start_time {alike[0].get('sync_start_time')}"
                        f" stays ended (it showed {before[1]}): a finished job no longer runs",
                        received=f"job_status {status}",
                        integration_id=integration_id,
                        ref=ref,
                    )
                )
        return findings

    def _one_trigger_two_jobs(
        self,
        key: tuple[str, str],
        integration_id: str,
        *,
        jobs: _Jobs,
        starts: dict[object, list[Mapping[str, object]]],
        sent: float,
        ref: Ref,
    ) -> list[Finding[Ref]]:
        triggers = [seen for seen in self._accepted.get(key, []) if seen.received <= sent]
        if not triggers:
            return []
        trigger = max(triggers, key=lambda seen: seen.received)
        findings = []
        for start, alike in starts.items():
            shown = jobs.first_shown.get(start)
            if len(alike) < 2 or (shown is not None and shown < trigger.sent):
                continue
            if any(self._ended_at_once(item) for item in alike):
                continue
            if self._first("one-trigger-two-jobs", integration_id.lower(), start):
                findings.append(
                    Finding(
                        JOB_CONSISTENCY,
                        "one-trigger-two-jobs",
                        what=f"After an accepted trigger, {len(alike)} new jobs started at the "
                        "same moment",
                        expected="one new job per accepted trigger (one sync of an integration "
                        "runs at a time, so no two start together unless one ended at once)",
                        received=f"{len(alike)} jobs with sync_start_time "
                        f"{alike[0].get('sync_start_time')}, job_status "
                        + ", ".join(str(item.get("job_status")) for item in alike),
                        integration_id=integration_id,
                        ref=ref,
                    )
                )
        return findings

    def _ended_at_once(self, item: Mapping[str, object]) -> bool:
        if item.get("job_status") not in self.ended:
            return False
        start = parse_time(item.get("sync_start_time"))
        finish = parse_time(item.get("sync_finish_time"))
        return start is not None and finish is not None and _instant(start) == _instant(finish)

    # The list of integrations.

    def integration_page(
        self,
        *,
        principal: str,
        cursor: str | None,
        next_cursor: str | None,
        integration_ids: Sequence[str],
        sent: float,
        received: float,
        ref: Ref,
    ) -> Judged[Ref]:
        """One page of the list of integrations: asked with `cursor` (None: the first page),
        naming `next_cursor` in its `rel="next"` link (None: the last page).
        """
        ids = {identifier.lower() for identifier in integration_ids}
        if cursor is None:
            self._read_numbers += 1
            read: _ListRead[Ref] | None = _ListRead(sent, received, ids, ref, self._read_numbers)
        else:
            read = self._pending.pop((principal, cursor), None)
            if read is not None:
                read.ids |= ids
                read.received = received
        if read is None:
            return Judged()
        if next_cursor is not None:
            self._pending[(principal, next_cursor)] = read
            while len(self._pending) > PENDING_READS:
                self._pending.pop(next(iter(self._pending)))
            return Judged()
        reads = self._reads.setdefault(principal, [])
        reads.append(read)
        del reads[:-KEPT_READS]
        findings: list[Finding[Ref]] = []
        judged: set[str] = set()
        for (who, identifier), reach in self._reach.items():
            if who == principal:
                verdict = self._judge_listed(principal, identifier, reach, read)
                findings += verdict.findings
                judged |= verdict.judged
        return Judged(tuple(findings), frozenset(judged))

    def _reached(self, key: tuple[str, str], seen: _Seen) -> Judged[Ref]:
        """The key reached the integration: judge the complete reads it brackets now."""
        reach = self._reach.get(key)
        if reach is None:
            reach = self._reach[key] = _Reach(seen.received, seen.sent)
        else:
            reach.first_received = min(reach.first_received, seen.received)
            reach.last_sent = max(reach.last_sent, seen.sent)
        findings: list[Finding[Ref]] = []
        judged: set[str] = set()
        for read in self._reads.get(key[0], []):
            verdict = self._judge_listed(key[0], key[1], reach, read)
            findings += verdict.findings
            judged |= verdict.judged
        return Judged(tuple(findings), frozenset(judged))

    def _judge_listed(
        self, principal: str, identifier: str, reach: _Reach, read: _ListRead[Ref]
    ) -> Judged[Ref]:
        before = reach.first_received <= read.sent
        after = reach.last_sent >= read.received
        if not ((before or after) if self.either_side else (before and after)):
            return Judged()
        if not self._first("judged-listed", principal, identifier, read.number):
            return Judged()
        if identifier in read.ids:
            return Judged(judged=frozenset({INTEGRATION_LISTED}))
        finding = Finding(
            INTEGRATION_LISTED,
            "integration-left-out",
            what="The list of integrations leaves out an integration the same key triggers or "
            "reads the job status of",
            expected=f"integration {identifier} among the {len(read.ids)} listed (every page "
            "read, the last without a next link)",
            received=f"{len(read.ids)} integrations, none of them {identifier}",
            integration_id=identifier,
            ref=read.ref,
        )
        return Judged((finding,), frozenset({INTEGRATION_LISTED}))

    def _first(self, *what: object) -> bool:
        """Whether this is the first time `what` is reported."""
        if what in self._reported:
            return False
        self._reported.add(what)
        return True
