"""Judgements of a single answer, written once for both doors: the suite's observers
(`conformance.checks`) and the schemathesis checks of `conformance.schemathesis_hooks` call these.

Each takes a schemathesis `Response` and what it needs to know besides, and returns the broken
promises it finds as `Problem`s; none sends a request or remembers anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import schemathesis
from braze_cdi_contract import Contract, Operation

CLOCK_SKEW_SECONDS = 5
# Keys shorter than this are not looked for in answers: they would match by chance.
MIN_KEY_LENGTH = 8
RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")

Response = schemathesis.Response


@dataclass(frozen=True)
class Problem:
    """One broken promise: what broke, what was expected, and what came (None: the answer)."""

    what: str
    expected: str
    received: str | None = None

    def text(self) -> str:
        """The problem as the lines a person reads."""
        lines = [self.what, f"Expected: {self.expected}"]
        if self.received is not None:
            lines.append(f"Received: {self.received}")
        return "\n".join(lines)


def header_int(response: Response, name: str) -> int | None:
    """A response header read as an integer, or None if absent or not an integer."""
    values = response.headers.get(name.lower())
    if not values:
        return None
    try:
        return int(values[0].strip())
    except ValueError:
        return None


def message_of(response: Response) -> str | None:
    """The `message` field of a JSON body, or None."""
    try:
        body: Any = response.json()
    except ValueError:
        return None
    value = body.get("message") if isinstance(body, dict) else None
    return value if isinstance(value, str) else None


def server_error(response: Response) -> Problem | None:
    """A 5xx: the server failed on a request it should have answered."""
    if response.status_code < 500:
        return None
    return Problem("Server error", "a documented 2xx or 4xx answer")


def rate_limit_problems(response: Response, *, sent_at: float, window: int) -> list[Problem]:
    """The X-RateLimit-* headers of one answer: integers, Remaining <= Limit, Reset in the window.

    A 401 carries none (no workspace is known), and a missing required header is the schema's
    finding, not this one's.
    """
    if response.status_code == 401:
        return []
    present = [name for name in RATE_HEADERS if response.headers.get(name.lower())]
    for name in present:
        if header_int(response, name) is None:
            raw = response.headers[name.lower()][0]
            return [
                Problem(f"{name} is not an integer", f"{name}: a whole number", f"{name}: {raw}")
            ]
    if len(present) < len(RATE_HEADERS):
        return []
    limit, remaining, reset = (header_int(response, name) or 0 for name in RATE_HEADERS)
    received = f"Limit {limit}, Remaining {remaining}, Reset {reset}"
    problems = []
    if remaining > limit:
        problems.append(
            Problem(
                "X-RateLimit-Remaining exceeds X-RateLimit-Limit", "Remaining <= Limit", received
            )
        )
    earliest = sent_at - CLOCK_SKEW_SECONDS
    latest = sent_at + window + CLOCK_SKEW_SECONDS
    if not earliest <= reset <= latest:
        problems.append(
            Problem(
                "X-RateLimit-Reset is not the end of the current window in epoch seconds",
                f"between {int(earliest)} and {int(latest)} (now to now + {window} s)",
                received,
            )
        )
    return problems


def documented_operation(contract: Contract, method: str, path: str) -> Operation | None:
    """The operation the document lists for `method` at a path template, or None (a method the
    document does not list there).
    """
    if method.upper() not in contract.methods_at(path):
        return None
    return contract.operation_at(method, path)


def too_many_requests_problem(
    response: Response, contract: Contract, operation: Operation | None = None
) -> Problem | None:
    """A 429 must say which of its two meanings it is: the in-progress message, or the
    rate-limit message with nothing remaining in the window; and, for a documented `operation`,
    one its own 429 lists (the in-progress message is the trigger's alone: the reads start no
    sync, so none of theirs can be in progress).
    """
    if response.status_code != 429:
        return None
    messages = contract.messages
    message = message_of(response)
    known = {messages.another_job_in_progress, messages.over_rate_limit}
    listed = operation.messages_for(429) if operation is not None else ()
    if operation is not None and message in known and message not in listed:
        return Problem(
            f"A 429 of {operation.operation_id} says {message!r}, which the document lists for "
            "another operation only",
            "a 429 with " + " or ".join(repr(listed_message) for listed_message in listed),
            f"message {message!r}",
        )
    if message == messages.another_job_in_progress:
        return None
    if message == messages.over_rate_limit:
        remaining = header_int(response, "X-RateLimit-Remaining")
        if remaining is None or remaining == 0:
            return None
        return Problem(
            "A 429 says the workspace is over its rate limit while requests remain",
            f"X-RateLimit-Remaining: 0 with {messages.over_rate_limit!r}, "
            f"or the message {messages.another_job_in_progress!r}",
            f"X-RateLimit-Remaining: {remaining}",
        )
    return Problem(
        "A 429 names neither of its two meanings",
        f"the message {messages.another_job_in_progress!r} or {messages.over_rate_limit!r}",
        f"message {message!r}",
    )


def reflected_key_problem(response: Response, key: str | None) -> Problem | None:
    """The key a request presented must not come back in the answer's body or headers."""
    if key is None or len(key) < MIN_KEY_LENGTH:
        return None
    places = ["body"] if key.encode() in response.content else []
    places += [
        f"header {name}"
        for name, values in response.headers.items()
        if any(key in value for value in values)
    ]
    if not places:
        return None
    return Problem(
        "The answer carries the key that was sent",
        "no trace of the presented key in the answer",
        f"{response.status_code} with the key in its {', '.join(places)}",
    )


def bearer_key(headers: Any) -> str | None:  # noqa: ANN401 - any mapping of header names
    """The key of an `Authorization: Bearer KEY` header in a mapping of request headers."""
    for name, value in dict(headers or {}).items():
        if str(name).lower() == "authorization":
            scheme, _, key = str(value).partition(" ")
            return key.strip() if scheme.lower() == "bearer" else None
    return None
