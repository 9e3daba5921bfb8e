"""The wait's promises, as properties: Hypothesis plays a server that does anything the contract
allows, step by step, while the flow waits, and checks after every step that the wait

- never returns a job other than the trigger's: the first job to start after the 202 (never an
  earlier job, never a later scheduled sync's, never one with another outcome than the
  server's; after a 202 that started nothing, the first sync that starts after it, which is the
  first to sync the data the trigger was for),
- never runs past its deadline (the timeout and the stated margin),
- never sends more triggers in a window than its share of the documented limit,
- reads the job status at a cost that does not grow with the history: where the server lists
  the newest first in Braze's pages of 10, at most two pages between two pauses (one to note,
  one a poll, and one more after an unclear trigger), whether the history holds 10 jobs or
  35,000; otherwise never more than twice NOTE_PAGES between two pauses,
- and ends before any trigger (HistoryOutOfReach) only where the order puts the newest jobs out
  of reach.

The server: job histories of any length (up to 35,000 jobs), listed newest first, oldest first
or (up to 40) in no order, in pages of any size; new jobs listed late; scheduled syncs that
start and end at any time; a server clock up to 10 minutes off; 429 over the rate limit with
any reset; 503, cut connections and timeouts; a 202 that starts nothing and a 503 that starts a
sync. The flows are free of I/O, so the machine answers their requests itself and moves a fake
clock, through the drivers' own deadline (`clients._Deadline`, `clients._next`), with the
clients' own budget (`flows.paced`).

What the server may not do, because Braze does not either or nothing could tell it apart: run
two syncs of an integration at once (a trigger while one runs gets 429); list a later job before
an earlier one; end a job before it is listed (a listing delay shorter than a sync); and end a
sync that the client's last read of the job status's first page before a trigger did not list,
before that trigger is answered (a sync that short would be indistinguishable from the
trigger's own without a clock shared with the server, which Braze does not promise).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from braze_cdi_client.contract_facts import (
    ANOTHER_JOB_IN_PROGRESS_MESSAGE,
    JOB_STATUS_CONFIG_ERROR,
    JOB_STATUS_ERROR,
    JOB_STATUS_PARTIAL,
    JOB_STATUS_SUCCESS,
    OVER_RATE_LIMIT_MESSAGE,
    RUNNING_JOB_STATUSES,
    TRIGGER_INTEGRATION_SYNC_RATE_LIMIT,
    TRIGGER_INTEGRATION_SYNC_RATE_WINDOW_SECONDS,
)
from braze_cdi_sync import (
    BrazeApiError,
    HistoryOutOfReach,
    Job,
    Retry,
    SyncAlreadyRunning,
    WaitTimedOut,
    flows,
)
from braze_cdi_sync.clients import DEADLINE_MARGIN_SECONDS, _Deadline, _next
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

INTEGRATION = "property-integration"
ORIGIN = "https://rest.example.test"
RUNNING = sorted(RUNNING_JOB_STATUSES)[0]
ENDED = [JOB_STATUS_SUCCESS, JOB_STATUS_PARTIAL, JOB_STATUS_ERROR, JOB_STATUS_CONFIG_ERROR]
ANSWER_SECONDS = 30.0
START = 1_800_000_000.0


class Clock:
    """The client's clock; the server's is `skew` seconds off it."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@dataclass
class ModelJob:
    started: float  # server clock
    status: str
    ours: bool
    visible: bool
    tiebreak: float

    def item(self) -> dict[str, Any]:
        started = datetime.fromtimestamp(self.started, UTC).isoformat(timespec="microseconds")
        if self.status == RUNNING:
            return {"job_status": RUNNING, "sync_start_time": started}
        return {
            "job_status": self.status,
            "sync_start_time": started,
            "sync_finish_time": started,
            "rows_synced": 1,
            "rows_failed_with_errors": 0 if self.status == JOB_STATUS_SUCCESS else 1,
        }


class History:
    """A long history of ended jobs, an hour apart, each made only when it is listed."""

    def __init__(self, length: int, last: float) -> None:
        self.length, self.last = length, last
        self.jobs: dict[int, ModelJob] = {}

    def job(self, index: int) -> ModelJob:
        """The job at `index`, 0 the oldest."""
        if index not in self.jobs:
            started = self.last - 3600 * (self.length - 1 - index)
            status = ENDED[index % len(ENDED)]
            self.jobs[index] = ModelJob(started, status, False, True, 0.0)
        return self.jobs[index]


ANSWERS = st.sampled_from(
    ["as-documented"] * 14
    + ["503", "503-started", "cut", "refused", "timeout", "429-over", "202-nothing"]
)


class WaitMachine(RuleBasedStateMachine):
    """A sync_and_wait against a server that does what Hypothesis draws."""

    @initialize(
        history=st.lists(st.sampled_from(ENDED), max_size=40),
        long_history=st.sampled_from([0, 0, 0, 1_000, 35_000]),
        running_at_start=st.booleans(),
        order=st.sampled_from(["newest first", "oldest first", "any"]),
        page_size=st.integers(1, 10),
        skew=st.floats(-600, 600),
        listed_late=st.booleans(),
        timeout=st.floats(5, 900),
        poll=st.floats(0.1, 60),
        seed=st.integers(0, 2**32 - 1),
    )
    def begin(
        self,
        history: list[str],
        long_history: int,
        running_at_start: bool,
        order: str,
        page_size: int,
        skew: float,
        listed_late: bool,
        timeout: float,
        poll: float,
        seed: int,
    ) -> None:
        self.clock = Clock()
        self.random = random.Random(seed)
        if order == "any":
            long_history = 0  # a model listing in no order sorts every job each read
        # The long history, older than the short one: its jobs are made when listed.
        self.history = History(long_history, START + skew - 3600 * (len(history) + 1))
        self.reads_since_pause = 0
        # Before a trigger's answer: the jobs the last read of the first page listed (None once
        # a trigger is answered: any listed job may end).
        self.noted: set[int] | None = None
        self.skew, self.order, self.page_size, self.listed_late = (
            skew,
            order,
            page_size,
            listed_late,
        )
        self.jobs = [
            ModelJob(
                START + skew - 3600 * (len(history) - n), status, False, True, self.random.random()
            )
            for n, status in enumerate(history)
        ]
        self.short_history = len(self.jobs)
        if running_at_start:
            self.jobs.append(self.new_job(ours=False))
        self.timeout = timeout
        self.triggers: list[float] = []
        self.accepted: int | None = None  # the index of the first job after the 202
        self.done = False
        self.result: object = None
        self.bound = _Deadline(ANSWER_SECONDS, self.clock, timeout)
        wait = flows.sync_and_wait(
            INTEGRATION,
            timeout=timeout,
            poll=poll,
            if_running="wait",
            retry=Retry(attempts=3, base_seconds=1.0, max_seconds=8.0, jitter=self.random.random),
            clock=self.clock,
        )
        self.flow = flows.paced(wait, flows.Budget(), self.clock)  # as both clients run it
        self.action: flows.Send | flows.Sleep | None = None
        self.step(None)

    # The server's model.

    def new_job(self, *, ours: bool) -> ModelJob:
        latest = max((job.started for job in self.jobs), default=0.0)
        started = max(self.clock.now + self.skew, latest + 0.001)  # never two at one instant
        return ModelJob(started, RUNNING, ours, not self.listed_late, self.random.random())

    def running(self) -> ModelJob | None:
        return next((job for job in self.jobs if job.status == RUNNING), None)

    def listed(self, start: int, stop: int) -> tuple[list[ModelJob], int]:
        """The jobs listed at positions start to stop, and how many are listed in all."""
        shown = [job for job in self.jobs if job.visible]
        if self.order == "any":
            shown.sort(key=lambda job: job.tiebreak)
        else:
            shown.sort(key=lambda job: job.started, reverse=self.order == "newest first")
        old = self.history.length
        total = old + len(shown)
        if self.order == "newest first":
            positions = range(start, min(stop, total))
            page = [
                shown[n] if n < len(shown) else self.history.job(total - 1 - n) for n in positions
            ]
        else:
            positions = range(start, min(stop, total))
            page = [self.history.job(n) if n < old else shown[n - old] for n in positions]
        return page, total

    def answer(self, send: flows.Send, kind: str) -> flows.Reply:
        method = str(send.request["method"]).upper()
        url = httpx.URL(ORIGIN).join(str(send.request["url"]))
        request = httpx.Request(method, url)
        if kind == "refused":
            return httpx.ConnectError("refused", request=request)
        if kind == "cut":
            return httpx.RemoteProtocolError("cut", request=request)
        if kind == "timeout":
            return httpx.ReadTimeout("late", request=request)
        if kind == "429-over":
            reset = str(int(self.clock.now + self.skew + self.random.uniform(-120, 7200)))
            headers = {"X-RateLimit-Reset": reset}
            return httpx.Response(
                429, json={"message": OVER_RATE_LIMIT_MESSAGE}, headers=headers, request=request
            )
        if method == "POST":
            self.triggers.append(self.clock.now)
            self.noted = None  # a trigger answered: any listed sync may end
            if kind == "503":
                return httpx.Response(503, json={"message": "down"}, request=request)
            if self.running() is not None:
                message = {"message": ANOTHER_JOB_IN_PROGRESS_MESSAGE}
                return httpx.Response(429, json=message, request=request)
            if kind != "202-nothing":
                self.jobs.append(self.new_job(ours=True))
            if kind != "503-started":
                self.accepted = len(self.jobs) - (kind != "202-nothing")
            if kind == "503-started":
                return httpx.Response(503, json={"message": "down"}, request=request)
            return httpx.Response(202, json={"message": "success"}, request=request)
        if kind in {"503", "503-started"}:
            return httpx.Response(503, json={"message": "down"}, request=request)
        self.reads_since_pause += 1
        cursor = int(url.params.get("cursor", "0"))
        if cursor == 0 and self.accepted is None:  # a note, before a trigger is accepted
            self.noted = {id(job) for job in self.jobs if job.visible}
        page, total = self.listed(cursor, cursor + self.page_size)
        headers = {}
        if cursor + self.page_size < total:
            path = f"/cdi/integrations/{INTEGRATION}/job_sync_status"
            headers["Link"] = f'<{path}?cursor={cursor + self.page_size}>; rel="next"'
        body = {"results": [job.item() for job in page], "message": "success"}
        return httpx.Response(200, json=body, headers=headers, request=request)

    # The driver, as clients.drive runs it, one action per rule.

    def step(self, reply: flows.Reply | None) -> None:
        try:
            self.action = _next(self.flow, reply, self.bound)
        except StopIteration as ended:
            self.done, self.result = True, ended.value
        except (WaitTimedOut, BrazeApiError, SyncAlreadyRunning, HistoryOutOfReach) as error:
            self.done, self.result = True, error
        if self.done:
            event(f"{type(self.result).__name__} with {self.history.length} long, {self.order}")

    @precondition(lambda self: not self.done and isinstance(self.action, flows.Send))
    @rule(kind=ANSWERS, seconds=st.floats(0, 40))
    def server_answers(self, kind: str, seconds: float) -> None:
        assert isinstance(self.action, flows.Send)
        allowed = self.bound.answer()  # what the driver gives an answer
        if kind == "timeout" or seconds > allowed:
            kind, seconds = "timeout", allowed
        self.clock.now += seconds
        self.step(self.answer(self.action, kind))

    @precondition(lambda self: not self.done and isinstance(self.action, flows.Sleep))
    @rule()
    def client_sleeps(self) -> None:
        assert isinstance(self.action, flows.Sleep)
        self.clock.now += self.bound.sleep(self.action.seconds)
        self.reads_since_pause = 0
        self.step(None)

    @rule(status=st.sampled_from(ENDED))
    def running_job_ends(self, status: str) -> None:
        job = self.running()
        if job is None or not job.visible:
            return
        if self.noted is not None and id(job) not in self.noted:
            return  # not listed by the note: cannot end before the trigger's answer
        job.status = status

    @rule()
    def schedule_starts_a_sync(self) -> None:
        if self.running() is None:
            self.jobs.append(self.new_job(ours=False))

    @rule()
    def listing_catches_up(self) -> None:
        for job in self.jobs:
            job.visible = True

    # The promises.

    @invariant()
    def never_past_the_deadline(self) -> None:
        assert self.clock.now <= START + self.timeout + DEADLINE_MARGIN_SECONDS + 0.01

    @invariant()
    def never_more_triggers_than_the_share_of_the_limit(self) -> None:
        window = TRIGGER_INTEGRATION_SYNC_RATE_WINDOW_SECONDS
        share = int(TRIGGER_INTEGRATION_SYNC_RATE_LIMIT * flows.BUDGET_SHARE)
        for start in self.triggers:
            sent = [moment for moment in self.triggers if start <= moment < start + window]
            assert len(sent) <= share

    @invariant()
    def reads_between_pauses_do_not_grow_with_the_history(self) -> None:
        history = self.history.length + self.short_history
        if self.order == "newest first" and self.page_size == 10 and history >= 10:
            assert self.reads_since_pause <= 2, f"{self.reads_since_pause} reads of {history} jobs"
        assert self.reads_since_pause <= 2 * flows.NOTE_PAGES

    @invariant()
    def out_of_reach_only_before_a_trigger_and_past_the_note(self) -> None:
        if isinstance(self.result, HistoryOutOfReach):
            assert not self.triggers
            history = self.history.length + self.short_history
            assert history > flows.NOTE_PAGES * self.page_size

    @invariant()
    def a_returned_job_is_one_of_ours_as_it_ended(self) -> None:
        if not isinstance(self.result, Job):
            return
        started = self.result.raw.get("sync_start_time")
        matching = [job for job in self.jobs if job.item()["sync_start_time"] == started]
        matching += [
            job for job in self.history.jobs.values() if job.item()["sync_start_time"] == started
        ]
        assert len(matching) == 1
        assert self.accepted is not None, "a job returned without a 202"
        assert matching[0] is self.jobs[self.accepted], "not the first job after the 202"
        assert matching[0].status == self.result.status != RUNNING


WaitMachine.TestCase.settings = settings(
    max_examples=300,
    stateful_step_count=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestWait = WaitMachine.TestCase
