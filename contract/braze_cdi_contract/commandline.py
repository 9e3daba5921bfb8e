"""Command-line plumbing every entry point shares: one-line errors, checked numbers, Ctrl-C, and
starting a command that serves on loopback as its own process.
"""

from __future__ import annotations

import argparse
import selectors
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
HIGHEST_PORT = 65_535
STARTUP_SECONDS = 20


def versions(distribution: str, contract_version: str) -> str:
    """`NAME VERSION (contract X.Y.Z)`: an installed tool's version and its contract's."""
    try:
        own = version(distribution)
    except PackageNotFoundError:
        own = "unknown (not installed)"
    return f"{distribution} {own} (contract {contract_version})"


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see --help)\n")


def port(text: str) -> int:
    """A TCP port number, 0 meaning any free one."""
    value = int(text)
    if not 0 <= value <= HIGHEST_PORT:
        raise argparse.ArgumentTypeError(f"a port is 0 to {HIGHEST_PORT}, not {value}")
    return value


def positive(text: str) -> int:
    """A whole number of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def seconds(text: str) -> float:
    """A number of seconds, 0 or more."""
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more seconds, not {text}")
    return value


def exit_with(main: Callable[[], int], *, prog: str) -> None:
    """Call a main function and exit with its code; Ctrl-C ends it with one line, no traceback."""
    try:
        code = main()
    except KeyboardInterrupt:
        print(f"{prog}: interrupted.", file=sys.stderr)
        code = EXIT_INTERRUPTED
    sys.exit(code)


class StartError(Exception):
    """A server process did not start; the message says why, in one line."""


@dataclass(frozen=True)
class Started:
    """A server process: the first line it printed (where it listens), and its process ID."""

    first_line: str
    pid: int


@contextmanager
def server_process(module: str, *arguments: str, cwd: Path | None = None) -> Iterator[Started]:
    """Run `python -m MODULE ARGUMENTS...` (in `cwd`, if given) as its own process until the
    block ends.

    Yields the first line it prints (a server announces where it listens there) and its process
    ID; stops it with SIGINT afterwards, and kills it if it does not stop within 10 s.
    """
    # The server's log goes to a file: a pipe nobody reads would fill up and stall the server.
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in the finally below
    process = subprocess.Popen(  # noqa: S603 - our own module, run with our own interpreter
        [sys.executable, "-m", module, *arguments],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            ready = selector.select(timeout=STARTUP_SECONDS)
        line = process.stdout.readline().strip() if ready else ""
        if not line:
            process.kill()
            process.communicate(timeout=5)
            log.seek(0)
            err = log.read().strip()
            reason = err.splitlines()[-1] if err else "it printed nothing"
            raise StartError(f"{' '.join((module, *arguments))} did not start: {reason}")
        yield Started(line, process.pid)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
        log.close()


def unwritable(path: Path) -> str | None:
    """Why a report cannot be written at path, or None if it can: checked before a run, so a
    run's verdict is never lost for want of a place to write it.
    """
    existed = path.exists()
    try:
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as error:
        return f"cannot write {path}: {error.strerror}"
    if not existed:
        path.unlink()
    return None
