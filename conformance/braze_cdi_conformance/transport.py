"""Sending requests to the server under test, paced by its rate-limit headers."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import requests
import schemathesis
from braze_cdi_contract import Contract

from braze_cdi_conformance import bounded, judgements

RESET_MARGIN_SECONDS = 0.25
RATE_LIMIT_RETRIES = 3
# While waiting, a progress line at least this often.
PROGRESS_EVERY_SECONDS = 10.0

Case = schemathesis.Case[Any]


@dataclass(frozen=True)
class Exchange:
    """One request and what came back: a response, or the error that stood in for one."""

    label: str
    case: Case
    response: schemathesis.Response | None
    error: str | None
    sent_at: float
    sequential: bool
    sent: bool = True
    # When the request went and its answer was complete, on the monotonic clock (None where the
    # exchange was not timed so: the invariants then derive them from `sent_at`).
    sent_monotonic: float | None = None
    received_monotonic: float | None = None

    @property
    def status(self) -> int | None:
        """The status code, or None when no response came."""
        return None if self.response is None else self.response.status_code

    def header_int(self, name: str) -> int | None:
        """A response header read as an integer, or None if absent or not an integer."""
        return None if self.response is None else judgements.header_int(self.response, name)

    @cached_property
    def message(self) -> str | None:
        """The `message` field of a JSON body, or None (parsed once; several checks ask)."""
        return None if self.response is None else judgements.message_of(self.response)

    @property
    def succeeded(self) -> bool:
        """Whether the answer is a 2xx (for a trigger: a sync was started)."""
        return 200 <= (self.status or 0) < 300

    @property
    def key_sent(self) -> str | None:
        """The key the request presented (`Authorization: Bearer KEY`), or None."""
        return judgements.bearer_key(self.case.headers)

    @property
    def is_json(self) -> bool:
        """Whether the answer's body parses as JSON."""
        if self.response is None:
            return False
        try:
            self.response.json()
        except ValueError:
            return False
        return True

    def received(self) -> str:
        """A one-line summary of what came back, for failure messages."""
        if self.response is None:
            return f"no response ({self.error})"
        text = self.response.content[:200].decode("utf-8", "replace").replace("\n", " ")
        return f"{self.response.status_code} {text}".strip()


def window_of(case: Case) -> str:
    """Which rate-limit window a request counts against: its operation's (one per operation)."""
    return f"{case.operation.method.upper()} {case.operation.path}"


def shape_of(case: Case) -> str:
    """What makes requests alike for a slow server: method, operation, and whether a path
    parameter holds a percent-encoded byte (an odd ID).
    """
    odd = any("%" in str(value) for value in (case.path_parameters or {}).values())
    return f"{case.method.upper()} {case.operation.path}{' (odd ID)' if odd else ''}"


# After a request of a shape broke the answer deadline, the next ones of that shape get this
# deadline; after a second breach, no more of that shape are sent. So a slow server costs the
# run one full deadline and one short one per shape, not one per request.
SHORT_ANSWER_SECONDS = 3.0
BREACHES_BEFORE_GIVING_UP = 2


class Sender:
    """Sends cases to one server, waits out its rate limit, and reports every exchange."""

    def __init__(
        self,
        *,
        contract: Contract,
        base_url: str,
        observe: Callable[[Exchange], None],
        progress: Callable[[str], None] = lambda line: None,
        bounds: bounded.Bounds | None = None,
        run_seconds: float = float("inf"),
        budget: int | None = None,
        keys: Collection[str] | None = None,
    ) -> None:
        self.contract = contract
        # The workspaces' keys the run was given (None: any key may be one): a 429 to a request
        # with another key, or with none, cannot be a workspace's rate limit.
        self.keys = None if keys is None else frozenset(keys)
        self.bounds = bounds or bounded.Bounds()
        self.run_seconds = run_seconds
        self._stop_at = time.monotonic() + run_seconds
        self.requests_not_sent = 0
        self.budget = budget
        self.requests_over_budget = 0
        # The budget is per operation, as the rate limits are: `budget` requests to the trigger,
        # and to each other operation the same share of its own documented limit.
        self._trigger_window = f"{contract.trigger.method} {contract.trigger.path}"
        self.budgets = (
            {}
            if budget is None
            else {
                f"{op.method} {op.path}": max(
                    1, budget * op.rate_limit.limit // contract.trigger.rate_limit.limit
                )
                for op in contract.operations.values()
            }
        )
        self.sent_per_window: dict[str, int] = {}
        self.base_url = base_url.rstrip("/")
        self.observe = observe
        self.progress = progress
        self.requests_sent = 0
        self.seconds_waited = 0.0
        self._session = requests.Session()
        self._lock = threading.Lock()
        # Each operation has its own window: operation key -> (remaining, reset).
        self._windows: dict[str, tuple[int | None, int | None]] = {}
        # Shapes of request whose answers broke the deadline, and how often; and how many of
        # each shape were not sent after it broke it twice.
        self._slow: dict[str, int] = {}
        self.requests_given_up: dict[str, int] = {}

    def close(self) -> None:
        """Close the connection pool."""
        self._session.close()

    def send(self, case: Case, *, label: str) -> Exchange:
        """Send one case; if the workspace is over its rate limit, wait for the reset and resend."""
        exchange = self._send_once(case, label=label, session=self._session, sequential=True)
        for _ in range(RATE_LIMIT_RETRIES):
            if not self.is_rate_limited(exchange):
                break
            self.wait_for_reset(window_of(case))
            exchange = self._send_once(case, label=label, session=self._session, sequential=True)
        return exchange

    def send_together(self, cases: Sequence[Case], *, label: str) -> list[Exchange]:
        """Send the cases at the same moment, each on its own connection; no retries."""
        for window in {window_of(case) for case in cases}:
            self._pace(window)
        barrier = threading.Barrier(len(cases))

        def one(case: Case) -> Exchange:
            with requests.Session() as session:
                barrier.wait()
                return self._send_once(
                    case, label=label, session=session, sequential=False, paced=False
                )

        with ThreadPoolExecutor(max_workers=len(cases)) as pool:
            return list(pool.map(one, cases))

    def judgeable(self, exchange: Exchange) -> bool:
        """Whether an answer came and was not the rate limit, so a check can judge it."""
        return exchange.status is not None and not self.is_rate_limited(exchange)

    def is_rate_limited(self, exchange: Exchange) -> bool:
        """Whether an answer is the workspace's rate limit (429, the message, nothing remaining).

        A 429 whose message says the workspace is over its limit while X-RateLimit-Remaining is
        above 0 is not taken for the rate limit: the headers contradict it, and the checks judge
        it instead.
        """
        over_rate_limit = self.contract.messages.over_rate_limit
        if exchange.status != 429 or exchange.message != over_rate_limit:
            return False
        if not self.counts_against_a_workspace(exchange.case):
            return False
        remaining = exchange.header_int("X-RateLimit-Remaining")
        return remaining is None or remaining == 0

    def counts_against_a_workspace(self, case: Case) -> bool:
        """Whether the request carries a key a workspace may have: Braze's rate limits are per
        workspace, and a request with no key, or with a key the run made up, is rejected before
        any workspace is known, so its 429 is a finding, never a limit to wait out.
        """
        key = judgements.bearer_key(case.headers)
        return key is not None and (self.keys is None or key in self.keys)

    def _send_once(
        self,
        case: Case,
        *,
        label: str,
        session: requests.Session,
        sequential: bool,
        paced: bool = True,
    ) -> Exchange:
        shape = shape_of(case)
        refusal = self._refusal(window_of(case), shape)
        if refusal is not None:
            return Exchange(label, case, None, refusal, time.time(), sequential, sent=False)
        if paced:
            self._pace(window_of(case))
        sent_at, sent_monotonic = time.time(), time.monotonic()
        bounds = self.bounds
        if self._slow.get(shape):
            short = min(SHORT_ANSWER_SECONDS, bounds.answer_seconds)
            bounds = dataclasses.replace(bounds, answer_seconds=short)
        response, error = bounded.call(case, base_url=self.base_url, session=session, bounds=bounds)
        exchange = Exchange(
            label,
            case,
            response,
            error,
            sent_at,
            sequential,
            sent_monotonic=sent_monotonic,
            received_monotonic=time.monotonic(),
        )
        with self._lock:
            self.requests_sent += 1
            if bounded.broke_the_deadline(error):
                self._slow[shape] = self._slow.get(shape, 0) + 1
            self._remember_window(exchange)
            self.observe(exchange)
        return exchange

    def _budget_key(self, window: str) -> str:
        """Whose budget a request spends: its operation's, or the trigger's for any other."""
        return window if window in self.budgets else self._trigger_window

    @property
    def budget_left(self) -> int | None:
        """Requests to the trigger the budget still allows (None: no budget)."""
        if self.budget is None:
            return None
        key = self._trigger_window
        return max(0, self.budgets[key] - self.sent_per_window.get(key, 0))

    def _refusal(self, window: str, shape: str) -> str | None:
        """Why a request may not be sent (the run's bound passed, the budget spent, requests of
        its shape broke the answer deadline twice), or None; a request that may be sent takes its
        place in the budget at once, so that simultaneous ones never exceed it together.
        """
        with self._lock:
            if time.monotonic() >= self._stop_at:
                self.requests_not_sent += 1
                return f"not sent: the run reached its bound of {self.run_seconds:g} s"
            if self._slow.get(shape, 0) >= BREACHES_BEFORE_GIVING_UP:
                self.requests_given_up[shape] = self.requests_given_up.get(shape, 0) + 1
                return (
                    f"not sent: requests like it ({shape}) broke the answer deadline "
                    f"{BREACHES_BEFORE_GIVING_UP} times"
                )
            key = self._budget_key(window)
            if self.budget is not None and self.sent_per_window.get(key, 0) >= self.budgets[key]:
                self.requests_over_budget += 1
                return f"not sent: the budget of {self.budgets[key]} requests to {key} was spent"
            self.sent_per_window[key] = self.sent_per_window.get(key, 0) + 1
            return None

    def _remember_window(self, exchange: Exchange) -> None:
        remaining = exchange.header_int("X-RateLimit-Remaining")
        reset = exchange.header_int("X-RateLimit-Reset")
        if remaining is not None and reset is not None:
            self._windows[window_of(exchange.case)] = (remaining, reset)

    def _pace(self, window: str) -> None:
        """Before a request: if its operation's window is spent, wait for its reset."""
        if self._windows.get(window, (None, None))[0] == 0:
            self.wait_for_reset(window)

    def wait_for_reset(self, window: str) -> None:
        """Wait until an operation's rate-limit window resets (bounded by the longest window)."""
        longest = (
            max(op.rate_limit.window_seconds for op in self.contract.operations.values()) + 1.0
        )
        now = time.time()
        reset = self._windows.get(window, (None, None))[1]
        reset = reset if reset is not None else int(now + longest)
        delay = min(max(reset - now, 0.0) + RESET_MARGIN_SECONDS, longest)
        self.wait(delay, reason="for the rate-limit window to reset")
        self._windows.pop(window, None)

    def wait(self, seconds: float, *, reason: str) -> None:
        """Sleep, saying what for on the progress line at least every 10 s."""
        seconds = max(0.0, min(seconds, self._stop_at - time.monotonic()))
        self.seconds_waited += seconds
        left = seconds
        while left > 0:
            if left >= 1:
                self.progress(f"waiting {left:.0f} s {reason}")
            step = min(left, PROGRESS_EVERY_SECONDS)
            time.sleep(step)
            left -= step
