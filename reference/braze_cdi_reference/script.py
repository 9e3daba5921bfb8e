"""What a test scripts the test double with: the next syncs of an integration, scheduled syncs,
injected answers and transport faults, a virtual clock, and a journal of the requests it got.

Every script is checked against the contract as it is given: an ended status the contract does
not name, a status or message it does not document for the operation, a negative duration or
count, an unknown integration or operation is a ScriptError (one line) and changes nothing. An
answer Braze never gives can still be scripted on purpose (`off_contract=True`).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from braze_cdi_contract import Contract
from braze_cdi_contract.serving import CONNECTION

# The transport faults an injected answer may have.
FAULTS = ("close", "reset", "truncate", "drip")
# How long a dripped head waits between two of its bytes.
DRIP_SECONDS = 0.05
# The most requests the journal keeps (the oldest go first), and the most of a body it keeps.
JOURNAL_SIZE = 1000
BODY_BYTES = 1024


class ScriptError(ValueError):
    """A script the contract or the double does not allow; the message says what, in one line."""


class VirtualClock:
    """The test double's time: real time unless frozen, moved on, or run faster. Job times,
    rate-limit windows and `X-RateLimit-Reset` all read it. It never goes back.
    """

    def __init__(self, real: Callable[[], float] = time.time) -> None:
        self._real = real
        self.reset()

    def reset(self) -> None:
        """Back to real time."""
        self._origin = self._real()
        self._start = self._origin
        self.speed = 1.0
        self.frozen = False

    def __call__(self) -> float:
        if self.frozen:
            return self._start
        return self._start + (self._real() - self._origin) * self.speed

    def _rebase(self) -> None:
        self._start, self._origin = self(), self._real()

    def freeze(self) -> None:
        """Stop the time where it is (`advance` still moves it)."""
        self._rebase()
        self.frozen = True

    def advance(self, seconds: float) -> None:
        """Move the time on by `seconds` at once (0 or more)."""
        if not seconds >= 0 or seconds == float("inf"):
            raise ScriptError(f"the clock moves on by 0 seconds or more, not {seconds!r}")
        self._rebase()
        self._start += seconds

    def run(self, speed: float = 1.0) -> None:
        """Let the time run again, `speed` times as fast as real time (more than 0)."""
        if not 0 < speed < float("inf"):
            raise ScriptError(f"the clock runs at a speed of more than 0, not {speed!r}")
        self._rebase()
        self.frozen = False
        self.speed = speed

    def state(self) -> dict[str, Any]:
        """The clock as plain values."""
        return {"now": self(), "frozen": self.frozen, "speed": self.speed}


def _seconds(value: object, what: str, *, allow_none: bool = False) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScriptError(f"{what} is a number of seconds, not {value!r}")
    if not 0 <= value < float("inf"):
        raise ScriptError(f"{what} is 0 seconds or more, not {value!r}")
    return float(value)


def _count(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ScriptError(f"{what} is a whole number, 0 or more, not {value!r}")
    return value


@dataclass(frozen=True)
class NextSync:
    """How the next sync of an integration goes: its ending status, how long it runs (None: the
    fixtures' `sync_seconds`), its rows, and when its job shows in the job status: this many
    seconds after it started (0: at once), or never (None).
    """

    status: str
    seconds: float | None = None
    rows_synced: int = 1000
    rows_failed_with_errors: int = 0
    listed_after: float | None = 0.0

    def checked(self, contract: Contract) -> NextSync:
        """This sync, or ScriptError saying what the contract does not allow."""
        if self.status not in contract.jobs.ended:
            raise ScriptError(f"a sync ends {', '.join(contract.jobs.ended)}, not {self.status!r}")
        _seconds(self.seconds, "a sync's seconds", allow_none=True)
        _seconds(self.listed_after, "a job's listing delay (listed_after)", allow_none=True)
        _count(self.rows_synced, "rows_synced")
        _count(self.rows_failed_with_errors, "rows_failed_with_errors")
        return self


@dataclass(frozen=True)
class ScheduledSync:
    """A sync the schedule starts at `at` (the double's clock), or as soon as a running one
    ends; it goes as `sync` says.
    """

    at: float
    sync: NextSync


@dataclass
class Injection:
    """An answer given in place of the double's own, to the next `times` requests of an
    operation (of one integration, where named; None: until cleared): a status with a message
    (and, for 429, a reset `reset_in` seconds ahead), a delay before answering, or a transport
    fault (then the double's own answer, or the injected one, is what the fault cuts).
    """

    operation_id: str
    integration_id: str | None = None
    status: int | None = None
    message: str | None = None
    reset_in: float | None = None
    times: int | None = 1
    delay: float = 0.0
    fault: str | None = None
    off_contract: bool = False
    number: int = 0

    def matches(self, operation_id: str, integration_id: str | None) -> bool:
        """Whether a request of this operation (and integration) gets this answer."""
        if operation_id != self.operation_id:
            return False
        return self.integration_id is None or (
            integration_id is not None and integration_id.lower() == self.integration_id.lower()
        )

    def as_dict(self) -> dict[str, Any]:
        """The injection as plain values."""
        return {
            "id": self.number,
            "operation_id": self.operation_id,
            "integration_id": self.integration_id,
            "status": self.status,
            "message": self.message,
            "reset_in": self.reset_in,
            "times": self.times,
            "delay": self.delay,
            "fault": self.fault,
            "off_contract": self.off_contract,
        }


def _messages(answers: Iterable[tuple[str, tuple[str, ...]]], status: int) -> tuple[str, ...]:
    """The messages the contract lists for an answer of this status (5XX for any 5xx)."""
    wanted = {str(status)} | ({"5XX"} if 500 <= status <= 599 else set())
    return next((listed for code, listed in answers if code in wanted), ())


def _documented(status: int, statuses: Iterable[str]) -> bool:
    return str(status) in statuses or (500 <= status <= 599 and "5XX" in statuses)


def checked_injection(injection: Injection, contract: Contract) -> Injection:
    """The injection with its message filled in, or ScriptError saying what the contract does
    not document (unless it is off the contract on purpose).
    """
    operation = contract.operations.get(injection.operation_id)
    if operation is None:
        known = ", ".join(contract.operations)
        raise ScriptError(f"no operation {injection.operation_id!r}; one of: {known}")
    if injection.fault is not None and injection.fault not in FAULTS:
        raise ScriptError(f"a fault is one of {', '.join(FAULTS)}, not {injection.fault!r}")
    _seconds(injection.delay, "a delay")
    _seconds(injection.reset_in, "a reset (reset_in)", allow_none=True)
    if injection.times is not None and (
        isinstance(injection.times, bool)
        or not isinstance(injection.times, int)
        or injection.times < 1
    ):
        raise ScriptError(f"times is 1 or more (None: until cleared), not {injection.times!r}")
    if injection.status is None:
        if injection.message is not None or injection.reset_in is not None:
            raise ScriptError("a message or a reset needs a status to answer with")
        if injection.fault is None and injection.delay == 0:
            raise ScriptError("an injection answers with a status, a delay or a fault")
        return injection
    status = injection.status
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ScriptError(f"a status is an HTTP status code, not {status!r}")
    listed = _messages(operation.answer_messages, status)
    message = injection.message if injection.message is not None else next(iter(listed), None)
    if not injection.off_contract:
        if not _documented(status, operation.statuses) or status < 400:
            documented = ", ".join(code for code in operation.statuses if code[0] in "45")
            raise ScriptError(
                f"{operation.operation_id} does not answer {status} (documented errors: "
                f"{documented}); off_contract=True scripts it anyway"
            )
        if message not in listed:
            known = ", ".join(repr(listed_message) for listed_message in listed)
            raise ScriptError(
                f"{operation.operation_id} does not answer {status} {message!r} (its messages: "
                f"{known}); off_contract=True scripts it anyway"
            )
    if message is None:
        raise ScriptError(f"{status} needs a message (the contract lists none for it)")
    return replace(injection, message=message)


@dataclass(frozen=True)
class Recorded:
    """One request as the journal keeps it: when (the double's clock), what, and how it was
    answered; the key never (Authorization shows its scheme only, and any key of the fixtures
    in a header, the query or the body is masked).
    """

    number: int
    at: float
    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: str
    status: int | None
    fault: str | None
    operation_id: str | None
    integration_id: str | None

    def as_dict(self) -> dict[str, Any]:
        """The request as plain values."""
        return {
            "number": self.number,
            "at": self.at,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": dict(self.headers),
            "body": self.body,
            "status": self.status,
            "fault": self.fault,
            "operation_id": self.operation_id,
            "integration_id": self.integration_id,
        }


def masked(text: str, secrets: Iterable[str]) -> str:
    """The text with every secret in it shown as `***`."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


@dataclass
class Journal:
    """The requests the double got, the last `size` of them."""

    size: int = JOURNAL_SIZE
    entries: deque[Recorded] = field(default_factory=deque)
    counted: int = 0

    def add(self, entry: Recorded) -> None:
        """Keep a request, forgetting the oldest past `size`."""
        self.entries.append(entry)
        while len(self.entries) > self.size:
            self.entries.popleft()

    def number(self) -> int:
        """The next request's number (the first is 1)."""
        self.counted += 1
        return self.counted

    def find(
        self, *, operation_id: str | None = None, integration_id: str | None = None
    ) -> list[Recorded]:
        """The requests kept, in the order they came, of an operation and an integration where
        given.
        """
        return [
            entry
            for entry in sorted(self.entries, key=lambda entry: entry.number)
            if (operation_id is None or entry.operation_id == operation_id)
            and (
                integration_id is None
                or (entry.integration_id or "").lower() == integration_id.lower()
            )
        ]

    def clear(self) -> None:
        """Forget every request kept."""
        self.entries.clear()


def head_bytes(status: int, reason: str, headers: Iterable[tuple[bytes, bytes]]) -> bytes:
    """An HTTP/1.1 response head, closing the connection after the answer."""
    lines = [f"HTTP/1.1 {status} {reason}".encode()]
    lines += [name + b": " + value for name, value in headers if name.lower() != b"connection"]
    lines.append(b"connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n"


async def write_fault(fault: str, head: bytes, body: bytes) -> bool:
    """Answer with a transport fault on the connection being answered: `close` (nothing),
    `reset` (the head, then a reset), `truncate` (the head and half the body, then a close),
    `drip` (the head a byte at a time, DRIP_SECONDS apart, then the body). False when the
    double is not answering over a socket (an in-process transport), where no fault can be made.
    """
    transport = CONNECTION.get()
    if transport is None:
        return False
    if fault == "close":
        transport.close()
    elif fault == "reset":
        transport.write(head)
        transport.abort()
    elif fault == "truncate":
        transport.write(head + body[: len(body) // 2])
        transport.close()
    else:
        for byte in head:
            if transport.is_closing():
                return True
            transport.write(bytes([byte]))
            await asyncio.sleep(DRIP_SECONDS)
        transport.write(body)
        transport.close()
    await asyncio.sleep(0)  # the connection is lost before anything else is sent on it
    return True


def plain(value: object) -> Mapping[str, Any]:
    """A script given as JSON: a mapping, or ScriptError."""
    if not isinstance(value, Mapping):
        raise ScriptError(f"a script is a JSON object, not {type(value).__name__}")
    return value
