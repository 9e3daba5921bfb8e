"""Start a server in its own process on loopback, and stop it afterwards."""

from __future__ import annotations

import selectors
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 20


class LaunchError(Exception):
    """The server process did not start; the message says why."""


def launched(name: str) -> AbstractContextManager[str]:
    """Run the bundled server NAME (`python -m conformance.servers NAME`); yields its base URL."""
    return launched_module("conformance.servers", name)


@contextmanager
def launched_module(module: str, *arguments: str) -> Iterator[str]:
    """Run `python -m MODULE ARGUMENTS...` until the block ends; yields the base URL it prints.

    The URL is the last word of the first line the server prints.
    """
    # The server's log goes to a file: a pipe nobody reads would fill up and stall the server.
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in the finally below
    process = subprocess.Popen(  # noqa: S603 - our own module, run with our own interpreter
        [sys.executable, "-m", module, *arguments],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            ready = selector.select(timeout=STARTUP_SECONDS)
        words = process.stdout.readline().split() if ready else []
        url = words[-1] if words else ""
        if not url.startswith("http://"):
            process.kill()
            process.communicate(timeout=5)
            log.seek(0)
            err = log.read().strip()
            reason = err.splitlines()[-1] if err else "no URL printed"
            raise LaunchError(f"{' '.join((module, *arguments))} did not start: {reason}")
        yield url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
        log.close()
