"""Start a bundled server in its own process on loopback, and stop it afterwards."""

from __future__ import annotations

import selectors
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 20


class LaunchError(Exception):
    """The server process did not start; the message says why."""


@contextmanager
def launched(name: str) -> Iterator[str]:
    """Run `python -m conformance.servers NAME` until the block ends; yields its base URL."""
    # The server's log goes to a file: a pipe nobody reads would fill up and stall the server.
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in the finally below
    process = subprocess.Popen(  # noqa: S603 - our own module, run with our own interpreter
        [sys.executable, "-m", "conformance.servers", name],
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
        line = process.stdout.readline().strip() if ready else ""
        if not line.startswith("http://"):
            process.kill()
            process.communicate(timeout=5)
            log.seek(0)
            err = log.read().strip()
            reason = err.splitlines()[-1] if err else "no URL printed"
            raise LaunchError(f"server {name!r} did not start: {reason}")
        yield line
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
        log.close()
