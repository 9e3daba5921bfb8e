"""What a trigger comes back with: typed outcomes for expected answers, one error type else."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

import httpx
from braze_cdi_client.contract_facts import (
    ANOTHER_JOB_IN_PROGRESS_MESSAGE,
    LIST_INTEGRATIONS_RATE_WINDOW_SECONDS,
    LIST_JOB_SYNC_STATUS_RATE_WINDOW_SECONDS,
    TRIGGER_INTEGRATION_SYNC_PERMISSION,
    TRIGGER_INTEGRATION_SYNC_RATE_WINDOW_SECONDS,
)
from braze_cdi_client.models.error import Error
from braze_cdi_client.models.sync_accepted import SyncAccepted

from braze_cdi_sync.jobs import Job

# The two meanings of 429, told apart by the message (see the contract's TooManyRequests response);
# `make generate` writes the message from the contract's x-braze-messages.
IN_PROGRESS_MESSAGE = ANOTHER_JOB_IN_PROGRESS_MESSAGE
# When a 429 carries no usable X-RateLimit-Reset (none, not a number, already past, or further
# ahead than a window can be), wait one documented window: the longest of the three operations'.
WINDOW_SECONDS = float(
    max(
        TRIGGER_INTEGRATION_SYNC_RATE_WINDOW_SECONDS,
        LIST_INTEGRATIONS_RATE_WINDOW_SECONDS,
        LIST_JOB_SYNC_STATUS_RATE_WINDOW_SECONDS,
    )
)
RESET_MARGIN_SECONDS = 0.5


@dataclass(frozen=True)
class RateLimit:
    """The X-RateLimit-* headers of an answer, as integers (None where absent or not an integer)."""

    limit: int | None
    remaining: int | None
    reset: int | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimit:
        """Read the three headers (case-insensitive, as HTTP header names are)."""
        lowered = {name.lower(): value for name, value in headers.items()}

        def number(name: str) -> int | None:
            try:
                return int(lowered[name].strip())
            except (KeyError, ValueError):
                return None

        return cls(
            limit=number("x-ratelimit-limit"),
            remaining=number("x-ratelimit-remaining"),
            reset=number("x-ratelimit-reset"),
        )

    def seconds_until_reset(self, now: float) -> float | None:
        """Seconds from `now` (epoch seconds) until the window resets; None if unknown."""
        return None if self.reset is None else max(0.0, self.reset - now)

    def wait_seconds(self, now: float) -> float:
        """How long to wait before trying again: until the reset, a margin more; one documented
        window when the reset is missing, already past or further ahead than a window (a server
        that says so is wrong, and neither a hot loop nor an hour's wait helps).
        """
        left = None if self.reset is None else self.reset - now
        usable = left is not None and 0 < left <= WINDOW_SECONDS
        return (left if usable and left is not None else WINDOW_SECONDS) + RESET_MARGIN_SECONDS


@dataclass(frozen=True)
class SyncStarted:
    """202: the sync was started. `body` is the documented answer where it came whole; `odd`
    says what was odd after the status line where something was (a body cut short or not
    JSON, broken framing, another Content-Type): a 202 is a started sync all the same.
    """

    body: SyncAccepted | None
    rate_limit: RateLimit
    odd: str | None = None


@dataclass(frozen=True)
class SyncInProgress:
    """429 with the in-progress message: a sync of this integration runs; try after it ends."""

    message: str
    rate_limit: RateLimit


@dataclass(frozen=True)
class RateLimited:
    """429 over the rate limit: try again at `rate_limit.reset` (UTC epoch seconds)."""

    message: str
    rate_limit: RateLimit


Outcome = SyncStarted | SyncInProgress | RateLimited


@dataclass
class Progress:
    """How far a wait got, as it goes: whether a trigger was sent, whether one was accepted
    (202) and when (the client's clock), and the trigger's job as last read. A caller that
    passes one can tell what runs on Braze when the call ends by an error or an interrupt.
    """

    trigger_sent: bool = False
    trigger_accepted: bool = False
    accepted_at: float | None = None
    job: Job | None = None


class BrazeApiError(Exception):
    """Any other answer: a documented error (400, 401, 403, 404, 5XX), an undocumented status, or a
    body that does not match the contract. Carries the status, the message and the headers;
    `progress`, for an error that ended a wait, says how far the wait got.
    Raised as one of its subclasses, by what a caller would do about it (`api_error` picks).
    """

    progress: Progress | None = None

    def __init__(self, status_code: int, message: str, *, headers: httpx.Headers) -> None:
        super().__init__(f"{status_code}: {message}")
        self.status_code = status_code
        self.message = message
        self.headers = headers
        self.rate_limit = RateLimit.from_headers(headers)

    def without(self, secret: str) -> BrazeApiError:
        """The same error with every occurrence of a secret (the key) in its message masked."""
        if not secret or secret not in self.message:
            return self
        masked = type(self)(
            self.status_code, self.message.replace(secret, "***"), headers=self.headers
        )
        masked.rate_limit = self.rate_limit
        masked.progress = self.progress
        if isinstance(self, PermissionDenied) and isinstance(masked, PermissionDenied):
            masked.permission = self.permission
            masked.args = tuple(str(arg).replace(secret, "***") for arg in self.args)
        return masked


class AuthenticationFailed(BrazeApiError):
    """401: the key is missing, unknown, or belongs to another instance."""


class PermissionDenied(BrazeApiError):
    """403: the key lacks the operation's permission (`permission`, where known), or the account
    may not use the feature.
    """

    permission: str | None = None


class NotFound(BrazeApiError):
    """404, or 400: no such integration (or an ID the server cannot read), or a cursor it cannot."""


class RateLimitExceeded(BrazeApiError):
    """429 over the rate limit, still so after the waits the call allowed."""


class Unavailable(BrazeApiError):
    """No answer (status 0), or a 5xx after the retries: Braze could not be reached."""


class UnexpectedAnswer(BrazeApiError):
    """An answer the contract does not describe: another status, or a body of the wrong shape."""


def api_error(
    status_code: int, message: str, *, headers: httpx.Headers, permission: str | None = None
) -> BrazeApiError:
    """The BrazeApiError subclass for a status (a 403 names the permission, where known)."""
    kind: type[BrazeApiError] = UnexpectedAnswer
    if status_code == 0 or status_code >= 500:
        kind = Unavailable
    elif status_code == 401:
        kind = AuthenticationFailed
    elif status_code == 403:
        kind = PermissionDenied
    elif status_code in {400, 404}:
        kind = NotFound
    elif status_code == 429:
        kind = RateLimitExceeded
    error = kind(status_code, message, headers=headers)
    if isinstance(error, PermissionDenied) and permission:
        error.permission = permission
        error.args = (f"{status_code}: {message} (the operation needs {permission})",)
    return error


def json_body(response: httpx.Response) -> object:
    """The answer's body as JSON, or None when it is not JSON."""
    try:
        return json.loads(response.content)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than Python reads
        return None


def error_message(response: httpx.Response, body: object) -> str:
    """The `message` of an error body, else the start of the body, else the reason phrase; as
    `shown` makes server text safe to print.
    """
    if isinstance(body, dict):
        try:
            return shown(Error.from_dict(body).message)
        except (KeyError, TypeError, ValueError):
            pass
    text = response.content[:SHOWN_CHARACTERS].decode("utf-8", "replace").strip()
    return shown(text or response.reason_phrase or "no message")


# The most characters of a server's text that the client shows.
SHOWN_CHARACTERS = 200


def shown(text: object) -> str:
    """Server text as one safe line: control and format characters (escape sequences, line
    breaks, bidirectional overrides) escaped as `\\xNN` or `\\uNNNN`, at most SHOWN_CHARACTERS.
    """
    value = str(text)
    cut = len(value) > SHOWN_CHARACTERS
    safe = "".join(
        character
        if unicodedata.category(character) not in {"Cc", "Cf", "Zl", "Zp"}
        else character.encode("unicode_escape").decode("ascii")
        for character in value[:SHOWN_CHARACTERS]
    )
    return safe + ("…" if cut else "")


# Set by the client on an answer whose status line came and whose rest did not come whole: what
# went wrong after the status line.
CUT_SHORT = "braze_cdi_cut_short"


def _started(response: httpx.Response, body: object, rate_limit: RateLimit) -> SyncStarted:
    """A 202 as a started sync, saying what was odd about its answer, if anything."""
    accepted: SyncAccepted | None = None
    if isinstance(body, dict):
        try:
            accepted = SyncAccepted.from_dict(body)
        except (KeyError, TypeError, ValueError):
            accepted = None
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    odd: str | None = None
    if response.extensions.get(CUT_SHORT):
        odd = f"its answer was cut short after the status line ({response.extensions[CUT_SHORT]})"
    elif accepted is None:
        odd = f"its body is not the documented JSON ({error_message(response, None)})"
    elif kind != "application/json":
        odd = f"its Content-Type is {shown(kind) if kind else 'missing'}, not application/json"
    return SyncStarted(accepted, rate_limit, odd)


def interpret(response: httpx.Response) -> Outcome:
    """Turn an answer into an outcome, or raise BrazeApiError; never any other exception."""
    body = json_body(response)
    rate_limit = RateLimit.from_headers(response.headers)
    status = response.status_code
    if status == 202:
        return _started(response, body, rate_limit)
    if status == 429:
        message = error_message(response, body)
        if message == IN_PROGRESS_MESSAGE:
            return SyncInProgress(message, rate_limit)
        return RateLimited(message, rate_limit)
    raise api_error(
        status,
        error_message(response, body),
        headers=response.headers,
        permission=TRIGGER_INTEGRATION_SYNC_PERMISSION,
    )
