"""The client's proving ground: servers that misbehave one way each, and what the client must do.

Each case names a fault, the command that meets it, the exit status `braze-cdi` must end with,
the outcome the Python API (blocking and asyncio) must reach, and the time it may take. The
tests (tests/proving_ground/test_client_ground.py) run every case through the three doors and
hold each to its outcome, its time bound, one line, no traceback, no key in any output or at any
other origin, and bounded memory; `make bench` prints time to outcome and peak memory per case.

A door runs in a process of its own (`python -m proving_ground.client_ground DOOR ...`), as users
run it, so its peak memory is its own and a hang cannot hold the test process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from braze_cdi_client.contract_facts import (
    JOB_STATUS_ERROR,
    JOB_STATUS_SUCCESS,
    OVER_RATE_LIMIT_MESSAGE,
    RUNNING_JOB_STATUSES,
    SYNC_ACCEPTED_MESSAGE,
)
from braze_cdi_contract.serving import LOOPBACK, bind_loopback, serve_in_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

# The key every door is given: distinctive, so that it is found wherever it leaks.
CLIENT_KEY = "proving-ground-client-key-7c1e5b"
INTEGRATION = "pg-integration-1"
# The bound every case passes (`--timeout`, `call_timeout`, the wait's `timeout`).
SECONDS = 1.5
POLL_SECONDS = 0.5
# What a door may take beyond a case's bound: the client's stated deadline margin (1 s) and the
# start of a Python process on a loaded machine.
ALLOWANCE_SECONDS = 1.0 + 4.0
# No door's process may pass this peak resident memory (a door that reads a gzip bomb whole
# passes it many times over).
MEMORY_BOUND_MIB = 100
DOORS = ("braze-cdi", "blocking", "asyncio")
ROOT = Path(__file__).resolve().parent.parent
PEAK_REPORTER = Path(__file__).resolve().parent / "peak"
RUNNING = sorted(RUNNING_JOB_STATUSES)[0]
OK = SYNC_ACCEPTED_MESSAGE  # a 202's message, which the lists' answers carry too


@dataclass
class Elsewhere:
    """A second origin: it must never be asked anything (the key would go with the request).
    Beside it, `triggers`: the triggers the case's own server got, where it counts them.
    """

    url: str = ""
    requests: list[str] = field(default_factory=list)
    triggers: int = 0


@dataclass(frozen=True)
class ClientCase:
    """One misbehaving server, the command that meets it, and what the client must do."""

    name: str
    fault: str
    command: tuple[str, ...]
    exit_status: int
    api_outcome: str  # the exception's class name, or `Job:<status>` for a returned job
    app: Callable[[Elsewhere], Starlette] | None = None
    raw: Callable[[socket.socket], None] | None = None
    # A raw peer with state of its own, made for each run: what it does with each connection.
    peer: Callable[[Elsewhere], Callable[[socket.socket], None]] | None = None
    seconds: float = SECONDS  # the time the outcome may take, before the allowance
    # How many triggers the case's server must get (None: not counted), and whether braze-cdi
    # must say, in one warning line, what was odd about an answer that still succeeded.
    triggers: int | None = None
    warns: bool = False

    def arguments(self) -> list[str]:
        """The command with its bound (and, for a wait, a short poll)."""
        extra = ["--timeout", f"{self.seconds:g}"]
        if "--wait" in self.command:
            extra += ["--poll", f"{POLL_SECONDS:g}"]
        return [*self.command, *extra]


# Servers, one fault each.


def _routes(
    *,
    listing: Callable[[Request], Any] | None = None,
    status: Callable[[Request], Any] | None = None,
    trigger: Callable[[Request], Any] | None = None,
) -> Starlette:
    routes = []
    if listing is not None:
        routes.append(Route("/cdi/integrations", listing))
    if status is not None:
        routes.append(Route("/cdi/integrations/{integration_id}/job_sync_status", status))
    if trigger is not None:
        routes.append(Route("/cdi/integrations/{integration_id}/sync", trigger, methods=["POST"]))
    return Starlette(routes=routes)


def _answer(body: bytes | str, status: int = 200, **headers: str) -> Callable[[Request], Any]:
    async def answer(request: Request) -> Response:
        return Response(body, status, headers=headers, media_type="application/json")

    return answer


async def _drips(request: Request) -> Response:
    async def byte_by_byte() -> AsyncIterator[bytes]:
        yield b'{"results": ['
        while True:
            await asyncio.sleep(0.2)
            yield b" "

    return StreamingResponse(byte_by_byte(), media_type="application/json")


_BOMB: list[bytes] = []


def _bomb() -> Callable[[Request], Awaitable[Response]]:
    """The bomb's endpoint, its body made now, with the server, so that no request waits for it
    (compressing 200 MB takes seconds): about 200 KB on the wire, 200 MB read whole.
    """
    if not _BOMB:  # made in steps, kept small, once per process
        packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # the gzip format
        blank = b" " * 1_000_000
        parts = [packer.compress(b'{"results": [')]
        parts += [packer.compress(blank) for _ in range(200)]
        _BOMB.append(b"".join([*parts, packer.compress(b"]}"), packer.flush()]))
    body = _BOMB[0]

    async def answer(request: Request) -> Response:
        return Response(body, headers={"Content-Encoding": "gzip"}, media_type="application/json")

    return answer


def _redirect(elsewhere: Elsewhere) -> Starlette:
    return _routes(listing=_answer("", 307, location=f"{elsewhere.url}/cdi/integrations"))


def _link(elsewhere: Elsewhere) -> Starlette:
    link = f'<{elsewhere.url}/cdi/integrations?cursor=2>; rel="next"'
    return _routes(listing=_answer(json.dumps({"results": [], "message": OK}), link=link))


def _link_loop(elsewhere: Elsewhere) -> Starlette:
    link = '</cdi/integrations?cursor=again>; rel="next"'
    return _routes(listing=_answer(json.dumps({"results": [], "message": OK}), link=link))


def _rate_limited(reset: Callable[[], str]) -> Callable[[Request], Any]:
    async def answer(request: Request) -> Response:
        headers = {
            "X-RateLimit-Limit": "50",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": reset(),
        }
        return JSONResponse({"message": OVER_RATE_LIMIT_MESSAGE}, 429, headers)

    return answer


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ended(started: float, status: str) -> dict[str, Any]:
    return {
        "job_status": status,
        "sync_start_time": _iso(started),
        "sync_finish_time": _iso(started + 1),
        "rows_synced": 10,
        "rows_failed_with_errors": 0 if status == JOB_STATUS_SUCCESS else 10,
    }


class _Jobs:
    """A job status with one earlier job that succeeded; what a trigger adds is up to the case."""

    def __init__(
        self,
        *,
        starts: bool,
        listed_after: float,
        flips: bool = False,
        ends: str = JOB_STATUS_ERROR,
    ) -> None:
        self.previous = _ended(time.time() - 3600, JOB_STATUS_SUCCESS)
        self.starts, self.listed_after, self.flips, self.ends = starts, listed_after, flips, ends
        self.triggered: float | None = None
        self.reads = 0
        self.seen = Elsewhere()

    async def trigger(self, request: Request) -> Response:
        self.triggered_now()
        return JSONResponse({"message": OK}, 202)

    def triggered_now(self) -> None:
        """Count a trigger; the first starts the job."""
        self.seen.triggers += 1
        if self.triggered is None:
            self.triggered = time.time()

    def results(self) -> list[dict[str, Any]]:
        """The jobs listed now, the newest first."""
        results = [self.previous]
        now = time.time()
        if self.starts and self.triggered is not None and now >= self.triggered + self.listed_after:
            self.reads += 1
            started = self.triggered + 0.1
            ended = self.reads % 2 == 0 if self.flips else self.reads > 1
            job = (
                _ended(started, self.ends)
                if ended
                else {"job_status": RUNNING, "sync_start_time": _iso(started)}
            )
            results.insert(0, job)
        return results

    async def status(self, request: Request) -> Response:
        return JSONResponse({"results": self.results(), "message": OK})

    def app(self, elsewhere: Elsewhere) -> Starlette:
        self.seen = elsewhere
        return _routes(status=self.status, trigger=self.trigger)


# What comes after a 202's status line, for each odd 202.
_ACCEPTED = json.dumps({"message": OK}).encode()
_JSON = b"Content-Type: application/json\r\n"
_HTML = b"<html>Accepted</html>\n"


def _length(size: int) -> bytes:
    return f"Content-Length: {size}\r\n\r\n".encode()


ODD_202 = {
    "202-length-one-short": _JSON + _length(len(_ACCEPTED) - 1) + _ACCEPTED,
    "202-length-one-long": _JSON + _length(len(_ACCEPTED) + 1) + _ACCEPTED,
    "202-broken-chunks": _JSON + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n" + _ACCEPTED,
    # The head whole, then nothing: a head cut before its blank line is no answer to an HTTP
    # client (h11 reads no status from it), so that case is an unclear trigger, not this one.
    "202-dropped-after-status": _JSON + _length(len(_ACCEPTED)),
    "202-html": b"Content-Type: text/html\r\n" + _length(len(_HTML)) + _HTML,
    "202-no-content-type": _length(len(_ACCEPTED)) + _ACCEPTED,
}


def _odd_202(rest: bytes) -> Callable[[Elsewhere], Callable[[socket.socket], None]]:
    """A raw peer whose job status is _Jobs' (the trigger's job ends `success`) and whose 202
    is its status line followed by `rest`, then the connection closes.
    """

    def peer(seen: Elsewhere) -> Callable[[socket.socket], None]:
        jobs = _Jobs(starts=True, listed_after=0, ends=JOB_STATUS_SUCCESS)
        jobs.seen = seen

        def behaviour(connection: socket.socket) -> None:
            head = _read_request(connection)
            if head.startswith(b"POST "):
                jobs.triggered_now()
                connection.sendall(b"HTTP/1.1 202 Accepted\r\n" + rest)
                return
            body = json.dumps({"results": jobs.results(), "message": OK}).encode()
            connection.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )

        return behaviour

    return peer


def _echo(status: int) -> Callable[[Elsewhere], Starlette]:
    async def answer(request: Request) -> Response:
        sent = request.headers.get("authorization", "")
        return JSONResponse({"message": f"bad key: {sent}"}, status)

    return lambda elsewhere: _routes(listing=answer)


async def _escapes(request: Request) -> Response:
    message = "\x1b[2J\x1b[Hno such integration\nbraze-cdi: sync of x ended: success\r\x07"
    return JSONResponse({"message": message}, 404)


# Raw TCP peers, for what an HTTP server would not do.


def _silent(connection: socket.socket) -> None:
    time.sleep(60)


def _cut(connection: socket.socket) -> None:
    _read_request(connection)
    connection.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 400\r\n\r\n{"results": [')


def _not_http(connection: socket.socket) -> None:
    connection.sendall(b"SSH-2.0-OpenSSH_9.6\r\n" * 4)


def _read_request(connection: socket.socket) -> bytes:
    """The request's head, as read (the clients send no body)."""
    seen = b""
    connection.settimeout(5)
    with contextlib.suppress(OSError):
        while b"\r\n\r\n" not in seen and len(seen) < 65536:
            chunk = connection.recv(4096)
            if not chunk:
                break
            seen += chunk
    return seen


@contextlib.contextmanager
def raw_peer(behaviour: Callable[[socket.socket], None]) -> Iterator[str]:
    """A loopback port whose every connection is handled by `behaviour`, then closed."""
    listener = bind_loopback()
    stopping = threading.Event()

    def handle(connection: socket.socket) -> None:
        with connection, contextlib.suppress(OSError):
            behaviour(connection)

    def accept() -> None:
        listener.settimeout(0.2)
        while not stopping.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=handle, args=(connection,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True, name="proving-ground-raw-peer")
    thread.start()
    host, port = listener.getsockname()[:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        stopping.set()
        thread.join(5)
        listener.close()


@contextlib.contextmanager
def refused() -> Iterator[str]:
    """A loopback URL where nothing listens."""
    sock = socket.socket()
    sock.bind((LOOPBACK, 0))
    port = sock.getsockname()[1]
    sock.close()
    yield f"http://{LOOPBACK}:{port}"


def _status(integration: str = INTEGRATION) -> tuple[str, ...]:
    return ("status", integration)


LIST = ("list",)
TRIGGER = ("sync", INTEGRATION)
WAIT = ("sync", INTEGRATION, "--wait")


def _cases() -> list[ClientCase]:
    # Exit statuses as braze-cdi documents them (braze_cdi_sync.cli.EXIT_CODES).
    unexpected, timeout, rate_limited, key_refused, not_found, unavailable = 1, 6, 7, 9, 10, 11
    year_ahead = lambda: str(int(time.time()) + 365 * 86400)  # noqa: E731
    past = lambda: str(int(time.time()) - 30)  # noqa: E731
    return [
        ClientCase(
            "silent", "accepts and never answers", LIST, unavailable, "Unavailable", raw=_silent
        ),
        ClientCase(
            "silent-trigger",
            "accepts a trigger and never answers",
            TRIGGER,
            unavailable,
            "Unavailable",
            raw=_silent,
        ),
        ClientCase(
            "silent-wait",
            "accepts and never answers, during a wait",
            WAIT,
            timeout,
            "WaitTimedOut",
            raw=_silent,
        ),
        ClientCase(
            "dripping",
            "sends its answer a byte every 0.2 s",
            LIST,
            unavailable,
            "Unavailable",
            app=lambda e: _routes(listing=_drips),
        ),
        ClientCase(
            "gzip-bomb",
            "200 KB of gzip that decodes to 200 MB",
            LIST,
            unexpected,
            "UnexpectedAnswer",
            app=lambda e: _routes(listing=_bomb()),
        ),
        ClientCase(
            "redirect-elsewhere",
            "redirects to another origin",
            LIST,
            unexpected,
            "UnexpectedAnswer",
            app=_redirect,
        ),
        ClientCase(
            "link-elsewhere",
            "a Link to a next page on another origin",
            LIST,
            unexpected,
            "UnexpectedAnswer",
            app=_link,
        ),
        ClientCase(
            "link-loop",
            "a Link to the page itself, for ever",
            LIST,
            unexpected,
            "UnexpectedAnswer",
            app=_link_loop,
        ),
        ClientCase(
            "503-forever",
            "503 to every request",
            LIST,
            unavailable,
            "Unavailable",
            app=lambda e: _routes(listing=_answer('{"message": "down"}', 503)),
        ),
        ClientCase(
            "429-a-year-ahead",
            "429 with a reset a year ahead",
            LIST,
            rate_limited,
            "RateLimitExceeded",
            app=lambda e: _routes(listing=_rate_limited(year_ahead)),
        ),
        ClientCase(
            "429-in-the-past",
            "429 with a reset in the past",
            LIST,
            rate_limited,
            "RateLimitExceeded",
            app=lambda e: _routes(listing=_rate_limited(past)),
        ),
        ClientCase(
            "429-not-a-number",
            "429 with a reset that is not a number",
            LIST,
            rate_limited,
            "RateLimitExceeded",
            app=lambda e: _routes(listing=_rate_limited(lambda: "soon")),
        ),
        ClientCase(
            "429-on-the-trigger",
            "every trigger 429 with a reset a year ahead",
            WAIT,
            timeout,
            "WaitTimedOut",
            app=lambda e: _routes(
                status=_answer(json.dumps({"results": [], "message": OK})),
                trigger=_rate_limited(year_ahead),
            ),
        ),
        ClientCase(
            "late-failing-job",
            "a previous success; the new job is listed 1 s late and ends in error",
            WAIT,
            4,
            f"Job:{JOB_STATUS_ERROR}",
            app=lambda e: _Jobs(starts=True, listed_after=1.0).app(e),
            seconds=6.0,
        ),
        ClientCase(
            "only-a-previous-job",
            "a 202 that starts nothing; a previous success is listed",
            WAIT,
            timeout,
            "WaitTimedOut",
            app=lambda e: _Jobs(starts=False, listed_after=0).app(e),
        ),
        ClientCase(
            "flipping-job",
            "the new job flips between running and ended (error)",
            WAIT,
            4,
            f"Job:{JOB_STATUS_ERROR}",
            app=lambda e: _Jobs(starts=True, listed_after=0, flips=True).app(e),
            seconds=6.0,
        ),
        ClientCase(
            "html-on-200",
            "an HTML page with status 200",
            LIST,
            unexpected,
            "UnexpectedAnswer",
            app=lambda e: _routes(listing=_answer("<html><body>Welcome</body></html>")),
        ),
        ClientCase(
            "truncated-json",
            "JSON cut off in the middle",
            LIST,
            unexpected,
            "UnexpectedAnswer",
            app=lambda e: _routes(listing=_answer('{"results": [{"integration_id": "a')),
        ),
        ClientCase(
            "nested-json",
            "200,000 nested arrays",
            LIST,
            unexpected,
            "UnexpectedAnswer",
            app=lambda e: _routes(listing=_answer("[" * 200_000 + "]" * 200_000)),
        ),
        ClientCase(
            "key-on-401",
            "echoes the key in a 401",
            LIST,
            key_refused,
            "AuthenticationFailed",
            app=_echo(401),
        ),
        ClientCase(
            "key-on-502",
            "echoes the key in every 502",
            LIST,
            unavailable,
            "Unavailable",
            app=_echo(502),
        ),
        ClientCase(
            "escapes-in-message",
            "escape sequences and a forged line in a 404's message",
            _status(),
            not_found,
            "NotFound",
            app=lambda e: _routes(status=_escapes),
        ),
        ClientCase(
            "cut-connection",
            "cuts the connection in the middle of an answer",
            LIST,
            unavailable,
            "Unavailable",
            raw=_cut,
        ),
        ClientCase(
            "cut-trigger",
            "cuts the connection in the middle of a trigger's answer",
            TRIGGER,
            unavailable,
            "Unavailable",
            raw=_cut,
        ),
        ClientCase(
            "not-http",
            "a peer that does not speak HTTP",
            LIST,
            unavailable,
            "Unavailable",
            raw=_not_http,
        ),
        ClientCase("refused", "nothing listens", LIST, unavailable, "Unavailable"),
        *(
            ClientCase(
                name,
                f"a 202 whose status line is followed by {fault}; the sync started and ends "
                "`success`",
                WAIT,
                0,
                f"Job:{JOB_STATUS_SUCCESS}",
                peer=_odd_202(ODD_202[name]),
                seconds=6.0,
                triggers=1,
                warns=True,
            )
            for name, fault in (
                ("202-length-one-short", "a Content-Length one byte short of its JSON"),
                ("202-length-one-long", "a Content-Length one byte past its JSON, then a close"),
                ("202-broken-chunks", "broken chunked framing"),
                ("202-dropped-after-status", "its head and no body: the connection drops"),
                ("202-html", "an HTML body"),
                ("202-no-content-type", "its JSON without a Content-Type"),
            )
        ),
    ]


CASES: dict[str, ClientCase] = {case.name: case for case in _cases()}


def _record(elsewhere: Elsewhere) -> Starlette:
    async def anything(request: Request) -> Response:
        elsewhere.requests.append(request.headers.get("authorization", ""))
        return JSONResponse({"results": [], "message": OK})

    return Starlette(routes=[Route("/{path:path}", anything, methods=["GET", "POST"])])


@contextlib.contextmanager
def serving(case: ClientCase) -> Iterator[tuple[str, Elsewhere]]:
    """The case's server on loopback, with a second origin that records what reaches it."""
    elsewhere = Elsewhere()
    with serve_in_thread(_record(elsewhere)) as other:
        elsewhere.url = other
        if case.peer is not None:
            server: contextlib.AbstractContextManager[str] = raw_peer(case.peer(elsewhere))
        elif case.raw is not None:
            server = raw_peer(case.raw)
        elif case.app is not None:
            server = serve_in_thread(case.app(elsewhere))
        else:
            server = refused()
        with server as url:
            yield url, elsewhere


@dataclass(frozen=True)
class DoorRun:
    """How one door ended against one case."""

    door: str
    exit_status: int
    outcome: str  # the API doors' outcome (see ClientCase.api_outcome); "" for braze-cdi
    seconds: float
    peak_mib: float  # the door process's own peak resident memory (nan if it did not exit)
    stdout: str
    stderr: str


def run_door(door: str, case: ClientCase, url: str, *, limit: float = 120.0) -> DoorRun:
    """Run one door against a case's server in a process of its own, keys in the environment."""
    environment = {
        **os.environ,
        "BRAZE_REST_API_KEY": CLIENT_KEY,
        "BRAZE_REST_ENDPOINT": url,
        "PYTHONUNBUFFERED": "1",
    }
    if door == "braze-cdi":
        command = [str(Path(sys.executable).parent / "braze-cdi"), *case.arguments()]
    else:
        command = [sys.executable, "-m", "proving_ground.client_ground", door, *case.arguments()]
    peak_file = tempfile.NamedTemporaryFile(prefix="door-peak-", delete=False)  # noqa: SIM115
    peak_file.close()
    environment["PROVING_GROUND_PEAK_FILE"] = peak_file.name
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(PEAK_REPORTER), str(ROOT), environment.get("PYTHONPATH", "")]
    )
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603 - the doors, with arguments of our own
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
        text=True,
    )
    output: dict[str, str] = {}
    readers = [
        threading.Thread(
            target=lambda name=name, stream=stream: output.update({name: stream.read()})
        )
        for name, stream in (("stdout", process.stdout), ("stderr", process.stderr))
    ]
    for reader in readers:
        reader.start()
    status = _reap(process.pid, limit)
    seconds = time.monotonic() - started
    process.returncode = status
    peak_text = Path(peak_file.name).read_text(encoding="ascii").strip()
    Path(peak_file.name).unlink()
    peak = int(peak_text) / 1024 if peak_text else float("nan")
    for reader in readers:
        reader.join(10)
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()
    stdout, stderr = output.get("stdout", ""), output.get("stderr", "")
    outcome = ""
    if door != "braze-cdi":
        lines = stdout.strip().splitlines()
        outcome = json.loads(lines[-1]).get("outcome", "") if lines else ""
    return DoorRun(door, status, outcome, seconds, peak, stdout, stderr)


def _reap(pid: int, limit: float) -> int:
    """Wait for a child, killing it after `limit` seconds; its exit status."""
    ends = time.monotonic() + limit
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > ends:
            os.kill(pid, 9)
            ends = float("inf")
        time.sleep(0.02)


# The API doors, as a user's program would call them.


def _api_call(door: str, arguments: argparse.Namespace) -> str:
    from braze_cdi_sync import AsyncCdiClient, CdiClient  # noqa: PLC0415 - a door's own import

    wait = arguments.wait
    if door == "blocking":
        with CdiClient.from_env(call_timeout=arguments.timeout) as braze:
            if arguments.command == "list":
                list(braze.list_integrations())
            elif arguments.command == "status":
                list(braze.job_sync_status(arguments.integration_id))
            elif wait:
                job = braze.sync_and_wait(
                    arguments.integration_id, timeout=arguments.timeout, poll=arguments.poll
                )
                return f"Job:{job.status}"
            else:
                return type(braze.trigger_sync(arguments.integration_id)).__name__
        return "done"

    async def call() -> str:
        async with AsyncCdiClient.from_env(call_timeout=arguments.timeout) as braze:
            if arguments.command == "list":
                [item async for item in braze.list_integrations()]
            elif arguments.command == "status":
                [item async for item in braze.job_sync_status(arguments.integration_id)]
            elif wait:
                job = await braze.sync_and_wait(
                    arguments.integration_id, timeout=arguments.timeout, poll=arguments.poll
                )
                return f"Job:{job.status}"
            else:
                return type(await braze.trigger_sync(arguments.integration_id)).__name__
        return "done"

    return asyncio.run(call())


def door_main(argv: Sequence[str]) -> int:
    """`python -m proving_ground.client_ground blocking|asyncio COMMAND ...`: one API call,
    its outcome as one JSON line on stdout, the library's log (INFO) on stderr.
    """
    parser = argparse.ArgumentParser(prog="client_ground")
    parser.add_argument("door", choices=DOORS[1:])
    parser.add_argument("command", choices=("list", "status", "sync"))
    parser.add_argument("integration_id", nargs="?")
    parser.add_argument("--wait", action="store_true")
    parser.add_argument("--timeout", type=float, default=SECONDS)
    parser.add_argument("--poll", type=float, default=POLL_SECONDS)
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s: %(message)s")
    try:
        outcome = _api_call(arguments.door, arguments)
        print(json.dumps({"outcome": outcome}))
    except Exception as error:  # noqa: BLE001 - the outcome is the exception, told as data
        print(
            json.dumps({"outcome": type(error).__name__, "text": str(error), "repr": repr(error)})
        )
    return 0


if __name__ == "__main__":
    sys.exit(door_main(sys.argv[1:]))
