"""`braze-cdi`: list integrations, read a job status, trigger a sync and wait for it.

The key comes from BRAZE_REST_API_KEY only (a flag would show it in the process list); the host
from --instance (an instance name such as US-03), or BRAZE_REST_ENDPOINT (a URL, or an instance
name). The exit status says how it went (listed below); every error is one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any, NoReturn

from braze_cdi_client.contract_facts import (
    INVALID_INTEGRATION_ID_MESSAGE,
    JOB_STATUS_CONFIG_ERROR,
    JOB_STATUS_ERROR,
    JOB_STATUS_PARTIAL,
    JOB_STATUS_SUCCESS,
    SERVERS,
)

from braze_cdi_sync._version import __version__
from braze_cdi_sync.clients import (
    DEFAULT_CALL_SECONDS,
    DEFAULT_POLL_SECONDS,
    DEFAULT_SYNC_TIMEOUT_SECONDS,
    ENDPOINT_VARIABLE,
    KEY_VARIABLE,
    CdiClient,
    resolve_host,
)
from braze_cdi_sync.flows import (
    DEFAULT_RECENT,
    NOTE_PAGES,
    STATUS,
    HistoryOutOfReach,
    SyncAlreadyRunning,
    WaitTimedOut,
)
from braze_cdi_sync.jobs import Job
from braze_cdi_sync.outcomes import (
    BrazeApiError,
    PermissionDenied,
    Progress,
    RateLimited,
    RateLimitExceeded,
    SyncInProgress,
    SyncStarted,
    shown,
)

OK = 0
UNEXPECTED = 1
INTERRUPTED = 130
USAGE = 2
# How an ended job's status maps to the exit status (a test holds this to the contract's list).
JOB_EXIT = {
    JOB_STATUS_SUCCESS: OK,
    JOB_STATUS_PARTIAL: 3,
    JOB_STATUS_ERROR: 4,
    JOB_STATUS_CONFIG_ERROR: 5,
}
TIMEOUT = 6
RATE_LIMITED = 7
ALREADY_RUNNING = 8
KEY_REFUSED = 9
NOT_FOUND = 10
UNAVAILABLE = 11
OUT_OF_REACH = 12
EXIT_CODES = {
    OK: f"done (for sync --wait: the job ended `{JOB_STATUS_SUCCESS}`)",
    UNEXPECTED: "an answer the contract does not describe, or a job status it does not name",
    USAGE: "bad arguments, no key, or an unknown instance",
    **{code: f"the job ended `{status}`" for status, code in JOB_EXIT.items() if code},
    TIMEOUT: "the job did not end within --timeout",
    RATE_LIMITED: "over the rate limit, with a reset past --timeout (a wait: exit 6)",
    ALREADY_RUNNING: "a sync of the integration is running (without --wait, or --if-running fail)",
    KEY_REFUSED: "the key was refused (401) or lacks the permission (403)",
    NOT_FOUND: f"no such integration (404, or 400 {INVALID_INTEGRATION_ID_MESSAGE})",
    UNAVAILABLE: "Braze could not be reached, or answered 5xx after the retries",
    OUT_OF_REACH: f"the job status lists over {NOTE_PAGES} pages with the newest jobs last or "
    "scattered: a wait would not find its job (nothing is triggered), nor status the most recent",
    INTERRUPTED: "interrupted (Ctrl-C)",
}


class CommandError(Exception):
    """Ends the command with an exit status and a one-line message; `shown`: its JSON result
    was printed already (with --json).
    """

    def __init__(
        self, status: int, message: str, *, shown: bool = False, progress: Progress | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.shown = shown
        self.progress = progress


# What each failing exit status is called in a --json result.
OUTCOMES = {
    UNEXPECTED: "unexpected-answer",
    USAGE: "usage",
    TIMEOUT: "timeout",
    RATE_LIMITED: "rate-limited",
    ALREADY_RUNNING: "already-running",
    KEY_REFUSED: "key-refused",
    NOT_FOUND: "not-found",
    UNAVAILABLE: "unavailable",
    OUT_OF_REACH: "history-out-of-reach",
    INTERRUPTED: "interrupted",
}


def _versions() -> str:
    """This command's version, and the generated client's (the contract's it was made from)."""
    try:
        generated = version("braze-cdi-client")
    except PackageNotFoundError:
        generated = "unknown"
    return f"braze-cdi {__version__} (contract {generated}, through braze-cdi-client {generated})"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(USAGE, f"{self.prog}: {message}\n")


def parser() -> argparse.ArgumentParser:
    """The command line."""
    codes = "\n".join(f"  {code:>2}  {meaning}" for code, meaning in EXIT_CODES.items())
    command = _Parser(
        prog="braze-cdi",
        description=__doc__,
        epilog=f"exit status:\n{codes}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument("--version", action="version", version=_versions())
    _common(command, default=None)
    # The common options are taken before or after the command (`braze-cdi sync ID --json`).
    shared = _Parser(add_help=False)
    _common(shared, default=argparse.SUPPRESS)
    commands = command.add_subparsers(dest="command", required=True, parser_class=_Parser)
    listing = commands.add_parser(
        "list", parents=[shared], help="list the workspace's integrations (every page)"
    )
    _call_timeout(listing)
    status = commands.add_parser(
        "status", parents=[shared], help="list an integration's most recent sync jobs, newest first"
    )
    status.add_argument(
        "integration_id",
        type=_integration_id,
        help="the integration's ID (braze-cdi list shows them)",
    )
    how_many = status.add_mutually_exclusive_group()
    how_many.add_argument(
        "--limit",
        type=_count,
        default=DEFAULT_RECENT,
        help=f"how many of the most recent jobs (default {DEFAULT_RECENT})",
    )
    how_many.add_argument(
        "--all",
        action="store_true",
        help="every job: reads every page, at half the job status's rate limit (a year of "
        "15-minute syncs is 3,500 pages, over an hour; raise --timeout)",
    )
    _call_timeout(status)
    sync = commands.add_parser(
        "sync", parents=[shared], help="trigger a sync; with --wait, wait for its end"
    )
    sync.add_argument(
        "integration_id",
        type=_integration_id,
        help="the integration's ID (braze-cdi list shows them)",
    )
    sync.add_argument("--wait", action="store_true", help="wait for the job to end")
    _waiting_options(sync)
    sync.add_argument(
        "--if-running",
        choices=("wait", "fail"),
        default="wait",
        help="with --wait, if a sync is already running: wait for it, then trigger (default), "
        "or fail",
    )
    wait = commands.add_parser(
        "wait",
        parents=[shared],
        help="wait for the sync that runs now (the schedule's, or a bare trigger's) to end",
    )
    wait.add_argument(
        "integration_id",
        type=_integration_id,
        help="the integration's ID (braze-cdi list shows them)",
    )
    _waiting_options(wait)
    return command


def _call_timeout(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_CALL_SECONDS,
        help=f"seconds for the whole command: retries, rate-limit waits and pages included "
        f"(default {DEFAULT_CALL_SECONDS:g})",
    )


def _waiting_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--timeout",
        type=_seconds,
        default=None,
        help=f"seconds in all: for the job to end with --wait (default "
        f"{DEFAULT_SYNC_TIMEOUT_SECONDS:g}), for the trigger without (default "
        f"{DEFAULT_CALL_SECONDS:g})",
    )
    command.add_argument(
        "--poll",
        type=_seconds,
        default=DEFAULT_POLL_SECONDS,
        help=f"seconds between job status reads (default {DEFAULT_POLL_SECONDS:g})",
    )


def _common(command: argparse.ArgumentParser, *, default: object) -> None:
    command.add_argument(
        "--instance",
        default=default,
        help=f"Braze instance ({', '.join(SERVERS)}); default: {ENDPOINT_VARIABLE}",
    )
    command.add_argument(
        "--json", action="store_true", default=default, help="print JSON instead of text"
    )
    command.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=default,
        help="log every request and decision to stderr",
    )


# Longer IDs are refused before anything is sent (Braze documents no format, but no URL of a
# real integration comes near this).
MAX_ID_CHARACTERS = 1000


def _integration_id(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("the integration ID is empty")
    if len(text) > MAX_ID_CHARACTERS:
        raise argparse.ArgumentTypeError(
            f"the integration ID has {len(text):,} characters, more than {MAX_ID_CHARACTERS:,}"
        )
    return text


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {text!r}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, not {text!r}")
    return value


def endpoint(instance: str | None) -> str:
    """The REST host: --instance, else BRAZE_REST_ENDPOINT (a URL or an instance name)."""
    given = instance or os.environ.get(ENDPOINT_VARIABLE, "").strip()
    if not given:
        raise CommandError(
            USAGE, f"no host: set {ENDPOINT_VARIABLE} or pass --instance ({', '.join(SERVERS)})"
        )
    try:
        return resolve_host(given)
    except ValueError as error:
        raise CommandError(USAGE, str(error)) from None


def api_key() -> str:
    """The key from BRAZE_REST_API_KEY."""
    key = os.environ.get(KEY_VARIABLE, "").strip()
    if not key:
        raise CommandError(USAGE, f"no key: set {KEY_VARIABLE} to a Braze REST API key")
    return key


def _print_json(value: object) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def _list(client: CdiClient, *, as_json: bool) -> int:
    found = list(client.list_integrations())
    if as_json:
        _print_json([dict(integration.raw) for integration in found])
        return OK
    for integration in found:
        print(
            f"{shown(integration.integration_id)}  {shown(integration.name or '-')}  "
            f"{shown(integration.status or '-')}  "
            f"last job: {shown(integration.last_job_status or '-')}"
        )
    print(f"{len(found)} integration(s)", file=sys.stderr)
    return OK


def _by_start(job: Job) -> str:
    return job.started_at.isoformat() if job.started_at else ""


# How often a long read of every page says how far it got (on stderr).
READ_PROGRESS_SECONDS = 10.0


def _every_job(client: CdiClient, integration_id: str) -> list[Job]:
    """Every job, every page read, with a progress line on stderr every READ_PROGRESS_SECONDS."""
    found: list[Job] = []
    began = told = time.monotonic()
    for job in client.job_sync_status(integration_id):
        found.append(job)
        if time.monotonic() - told >= READ_PROGRESS_SECONDS:
            told = time.monotonic()
            print(
                f"braze-cdi: read {len(found):,} jobs of {integration_id} in {told - began:.0f} s "
                f"(at most {client.budget.allowance(STATUS)} pages a minute)",
                file=sys.stderr,
                flush=True,
            )
    return found


def _status(client: CdiClient, arguments: argparse.Namespace) -> int:
    integration_id, as_json = arguments.integration_id, arguments.json
    if arguments.all:
        jobs = sorted(_every_job(client, integration_id), key=_by_start, reverse=True)
    else:
        jobs = client.recent_jobs(integration_id, arguments.limit)
    if as_json:
        _print_json([job.as_dict() for job in jobs])
        return OK
    for job in jobs:
        print(_job_line(job))
    which = (
        "" if arguments.all else f" (the {arguments.limit} most recent at most; --all: every job)"
    )
    print(f"{len(jobs)} job(s){which}", file=sys.stderr)
    return OK


def _job_line(job: Job) -> str:
    started = job.started_at.isoformat() if job.started_at else "-"
    finished = job.finished_at.isoformat() if job.finished_at else "-"
    rows = (
        f"{job.rows_synced} rows synced, {job.rows_failed} failed"
        if job.rows_synced is not None or job.rows_failed is not None
        else "no row counts"
    )
    return f"{shown(job.status):<12} started {started}  finished {finished}  {rows}"


def _sync(client: CdiClient, arguments: argparse.Namespace) -> int:
    """`sync`: every failure it ends with says (with --json) whether a trigger was accepted."""
    progress = Progress()
    try:
        if arguments.wait:
            return _sync_and_wait(client, arguments, progress)
        try:
            return _trigger(client, arguments)
        except BrazeApiError as error:
            raise _api_error(error) from error
    except CommandError as failure:
        failure.progress = failure.progress or progress
        raise


def _trigger(client: CdiClient, arguments: argparse.Namespace) -> int:
    integration_id = arguments.integration_id
    outcome = client.trigger_sync(integration_id)
    if isinstance(outcome, SyncStarted):
        _say(
            arguments,
            {"integration_id": integration_id, "outcome": "started", "trigger_accepted": True},
            f"sync of {integration_id} started",
        )
        return OK
    if isinstance(outcome, SyncInProgress):
        raise CommandError(ALREADY_RUNNING, f"a sync of {integration_id} is running already")
    assert isinstance(outcome, RateLimited)
    raise CommandError(
        RATE_LIMITED,
        f"over the rate limit: {outcome.message}{_reset(outcome.rate_limit.reset)}",
    )


def _sync_and_wait(client: CdiClient, arguments: argparse.Namespace, progress: Progress) -> int:
    integration_id = arguments.integration_id
    try:
        job = client.sync_and_wait(
            integration_id,
            timeout=arguments.timeout or DEFAULT_SYNC_TIMEOUT_SECONDS,
            poll=arguments.poll,
            if_running=arguments.if_running,
            progress=progress,
        )
    except SyncAlreadyRunning as error:
        raise CommandError(ALREADY_RUNNING, f"{error}; no trigger was sent") from error
    except HistoryOutOfReach as error:
        raise CommandError(OUT_OF_REACH, f"{error}; no trigger was sent") from None
    except WaitTimedOut as error:
        if arguments.json:
            last = error.last_seen.as_dict() if error.last_seen else None
            _print_json(
                {
                    "integration_id": integration_id,
                    "outcome": "timeout",
                    "trigger_accepted": progress.trigger_accepted,
                    "last_seen": last,
                }
            )
        message = f"{error}; {_still_runs(integration_id, progress)}"
        raise CommandError(TIMEOUT, message, shown=arguments.json) from error
    except KeyboardInterrupt:
        before = "" if progress.trigger_sent else " before a trigger was sent"
        message = f"interrupted{before}; {_still_runs(integration_id, progress)}"
        raise CommandError(INTERRUPTED, message, progress=progress) from None
    except BrazeApiError as error:
        failure = _api_error(error)
        if progress.trigger_accepted:
            failure = CommandError(
                failure.status, f"{failure}; {_still_runs(integration_id, progress)}"
            )
        raise failure from error
    _say(
        arguments,
        {"integration_id": integration_id, "trigger_accepted": True, **job.as_dict()},
        f"sync of {integration_id} ended: {_job_line(job)}",
    )
    return JOB_EXIT.get(job.status, UNEXPECTED)


def _wait(client: CdiClient, arguments: argparse.Namespace) -> int:
    integration_id = arguments.integration_id
    try:
        job = client.wait_for_running(
            integration_id,
            timeout=arguments.timeout or DEFAULT_SYNC_TIMEOUT_SECONDS,
            poll=arguments.poll,
        )
    except HistoryOutOfReach as error:
        raise CommandError(OUT_OF_REACH, str(error)) from None
    except WaitTimedOut as error:
        raise CommandError(TIMEOUT, f"{error}; the sync still runs on Braze") from error
    if job is None:
        _say(
            arguments,
            {"integration_id": integration_id, "outcome": "none-running"},
            f"no sync of {integration_id} is running",
        )
        return OK
    _say(
        arguments,
        {"integration_id": integration_id, **job.as_dict()},
        f"sync of {integration_id} ended: {_job_line(job)}",
    )
    return JOB_EXIT.get(job.status, UNEXPECTED)


def _reset(reset: int | None) -> str:
    """A window's reset as a time of day and the seconds until it, if the server gave one."""
    if reset is None:
        return ""
    try:
        at = datetime.fromtimestamp(reset, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        return ""
    return f"; the window resets at {at} (in {max(0, reset - int(time.time()))} s)"


def _still_runs(integration_id: str, progress: Progress) -> str:
    """What a wait that ended early leaves on Braze, by how far it got."""
    follow = f"follow it with `braze-cdi status {integration_id}`"
    if progress.trigger_accepted:
        return f"the trigger was accepted and its sync still runs on Braze: {follow}"
    if progress.trigger_sent:
        return f"a trigger was sent without a clear answer, so a sync may run on Braze: {follow}"
    return "nothing was started on Braze"


def _say(arguments: argparse.Namespace, value: dict[str, Any], text: str) -> None:
    if arguments.json:
        _print_json(value)
    else:
        print(text)


def _api_error(error: BrazeApiError) -> CommandError:
    status = error.status_code
    if status == 0 or status >= 500:
        return CommandError(UNAVAILABLE, f"Braze is unavailable: {error.message}")
    if isinstance(error, PermissionDenied) and error.permission:
        return CommandError(
            KEY_REFUSED,
            f"{status} {error.message}: the key in {KEY_VARIABLE} needs {error.permission}",
        )
    if status in {401, 403}:
        return CommandError(
            KEY_REFUSED, f"{status} {error.message}: check {KEY_VARIABLE} and its permissions"
        )
    if status in {400, 404}:
        return CommandError(NOT_FOUND, f"{status} {error.message}")
    if isinstance(error, RateLimitExceeded):
        return CommandError(
            RATE_LIMITED, f"over the rate limit: {error.message}{_reset(error.rate_limit.reset)}"
        )
    return CommandError(UNEXPECTED, f"unexpected answer: {status} {error.message}")


def run(arguments: argparse.Namespace) -> int:
    """Carry out one command; CommandError for any expected failure."""
    bound = arguments.timeout or DEFAULT_CALL_SECONDS  # a wait's own bound is passed to it
    with CdiClient(endpoint(arguments.instance), api_key(), call_timeout=bound) as client:
        try:
            if arguments.command == "list":
                return _list(client, as_json=arguments.json)
            if arguments.command == "status":
                return _status(client, arguments)
            if arguments.command == "wait":
                return _wait(client, arguments)
            return _sync(client, arguments)
        except BrazeApiError as error:
            raise _api_error(error) from error
        except HistoryOutOfReach as error:
            raise CommandError(OUT_OF_REACH, str(error)) from None


def main(argv: Sequence[str] | None = None) -> int:
    """The console script."""
    arguments = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if arguments.verbose else logging.WARNING,
        format="braze-cdi: %(message)s",
        stream=sys.stderr,
    )
    if not arguments.verbose:
        # A failure is one line (its exit status's); retries are told with -v.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        logging.getLogger("braze_cdi_sync").setLevel(logging.ERROR)
    # What a long wait waits for, every 30 s at least, shows without -v too; so does a 202 whose
    # answer was odd after its status line.
    logging.getLogger("braze_cdi_sync.progress").setLevel(logging.INFO)
    logging.getLogger("braze_cdi_sync.notice").setLevel(logging.INFO)
    try:
        return run(arguments)
    except CommandError as error:
        if arguments.json and not error.shown:  # --json: a result for every outcome
            result: dict[str, Any] = {
                "outcome": OUTCOMES.get(error.status, "failed"),
                "exit_status": error.status,
            }
            if error.progress is not None:
                result["trigger_accepted"] = error.progress.trigger_accepted
            _print_json({**result, "message": str(error)})
        print(f"braze-cdi: {error}", file=sys.stderr)
        return error.status
    except KeyboardInterrupt:
        print("braze-cdi: interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`braze-cdi status ID | head`): stop quietly, as other tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
