"""One request with bounds on its answer: a server under judgement may be broken in any way.

The suite never follows a redirect (a 3xx is an answer to judge, and the key never goes to another
origin), gives the whole answer, headers and body, one deadline, and reads at most a set number of
bytes after decoding, in small steps, so a compressed bomb is stopped after one step. An answer
that crosses a bound is no answer: the error says which bound, and the run goes on.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
import schemathesis
from braze_cdi_contract.commandline import positive, seconds

CONNECT_SECONDS = 10.0
DEFAULT_ANSWER_SECONDS = 30.0
DEFAULT_MAX_ANSWER_BYTES = 1024 * 1024
READ_STEP_BYTES = 8 * 1024

Case = schemathesis.Case[Any]


@dataclass(frozen=True)
class Bounds:
    """What one answer may take: seconds for all of it, and bytes of body after decoding."""

    answer_seconds: float = DEFAULT_ANSWER_SECONDS
    max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES


def add_bound_options(command: argparse.ArgumentParser) -> None:
    """--answer-deadline and --max-answer-bytes, as the suite and the proxy both take them."""
    command.add_argument(
        "--answer-deadline",
        type=seconds,
        default=DEFAULT_ANSWER_SECONDS,
        help=f"seconds one answer may take, headers and body (default {DEFAULT_ANSWER_SECONDS:g})",
    )
    command.add_argument(
        "--max-answer-bytes",
        type=positive,
        default=DEFAULT_MAX_ANSWER_BYTES,
        help=f"bytes of one answer's body after decoding (default {DEFAULT_MAX_ANSWER_BYTES})",
    )


class _Attempt:
    """The request in a worker thread, so that a server that never finishes cannot hold the run."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.response: requests.Response | None = None
        self.error: str | None = None
        self.lock = threading.Lock()

    def abort(self) -> None:
        """Shut the connection of an answer still being read, which unblocks a read that drips.

        The socket is shut, not the response closed: closing waits for the reading thread's
        buffer lock, that is, for the drip. Before the headers are complete there is no response
        yet; the worker is then left to the server, and ends with the process (a daemon).
        """
        with self.lock:
            response = self.response
        connection = getattr(getattr(response, "raw", None), "_connection", None)
        sock = getattr(connection, "sock", None)
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


DEADLINE_WORDS = "(the answer deadline, --answer-deadline)"


def broke_the_deadline(error: str | None) -> bool:
    """Whether an exchange's error says its answer broke the answer deadline."""
    return error is not None and (DEADLINE_WORDS in error or "(--answer-deadline)" in error)


def call(
    case: Case, *, base_url: str, session: requests.Session, bounds: Bounds
) -> tuple[schemathesis.Response | None, str | None]:
    """Send a case and read its answer within the bounds: (response, None) or (None, why not)."""
    request = case.as_transport_kwargs(base_url=base_url)
    request.update(
        allow_redirects=False,
        stream=True,
        timeout=(CONNECT_SECONDS, bounds.answer_seconds),
    )
    attempt = _Attempt()
    worker = threading.Thread(
        target=_run, args=(attempt, session, request, bounds), daemon=True, name="exchange"
    )
    worker.start()
    if not attempt.done.wait(bounds.answer_seconds + 1.0):
        attempt.abort()
        return None, (f"no complete answer within {bounds.answer_seconds:g} s {DEADLINE_WORDS}")
    if attempt.error is not None or attempt.response is None:
        return None, attempt.error or "no answer"
    return schemathesis.Response.from_requests(attempt.response, verify=True), None


def _run(
    attempt: _Attempt, session: requests.Session, request: dict[str, Any], bounds: Bounds
) -> None:
    started = time.monotonic()
    try:
        response = session.request(**request)
        with attempt.lock:
            attempt.response = response
        body = bytearray()
        for chunk in response.raw.stream(READ_STEP_BYTES, decode_content=True):
            body += chunk
            if len(body) > bounds.max_answer_bytes:
                attempt.error = (
                    f"the body passed {bounds.max_answer_bytes:,} bytes after decoding "
                    "(the size bound, --max-answer-bytes)"
                )
                response.close()
                return
            if time.monotonic() - started > bounds.answer_seconds:
                attempt.error = (
                    f"no complete answer within {bounds.answer_seconds:g} s {DEADLINE_WORDS}"
                )
                response.close()
                return
        response._content = bytes(body)
    except requests.Timeout:
        attempt.error = f"no answer within {bounds.answer_seconds:g} s (--answer-deadline)"
    except requests.ConnectionError as failure:
        attempt.error = f"connection dropped or refused ({type(failure).__name__})"
    except Exception as failure:  # noqa: BLE001 - a thread's edge: any failure is the answer's
        attempt.error = f"the answer could not be read ({type(failure).__name__})"
    finally:
        attempt.done.set()
