"""Helpers the tests share (fixtures live in conftest.py)."""

from __future__ import annotations

import dataclasses
import html
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from braze_cdi_conformance import SUITE_VARIABLES

from tools import ROOT

# A user's shell may export these for their own server; runs in tests must never depend on them.
USER_VARIABLES = SUITE_VARIABLES


def run_module(
    *arguments: str, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """`python -m ARGUMENTS...` from the repository root, without the user's run variables."""
    environment = {key: value for key, value in os.environ.items() if key not in USER_VARIABLES}
    return subprocess.run(
        [sys.executable, "-m", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**environment, **(env or {})},
        check=False,
    )


def start_module(*arguments: str) -> subprocess.Popen[str]:
    """`python -m ARGUMENTS...` started from the repository root, its output in pipes."""
    return subprocess.Popen(
        [sys.executable, "-m", *arguments],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def readable_text(page: str, *, between_tags: str = " ") -> str:
    """What a reader sees of an HTML page with scripts off: no scripts, styles or tags, and
    whitespace collapsed; `between_tags=""` joins text split by inline tags (highlighted code).
    """
    without_scripts = re.sub(r"<(script|style).*?</\1>", "", page, flags=re.S | re.I)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", between_tags, without_scripts)).split())


def assert_every_fact_of_the_contract(page: str) -> None:
    """Every promise of the contract can be read on an HTML page with its scripts removed:
    each operation with its permission, rate limit and statuses, every message, every server.
    """
    from braze_cdi_contract import DOCUMENT, model  # noqa: PLC0415 - only the pages' tests need it

    text, joined = readable_text(page), readable_text(page, between_tags="")
    contract = model.load(DOCUMENT)
    for operation in contract.operations.values():
        assert f"{operation.method} {operation.path}".upper() in text.upper()
        assert operation.permission in text
        rule = operation.rate_limit
        assert (
            f"{rule.limit} requests per {rule.window_seconds} seconds, counted per {rule.scope}"
        ) in text
        for status in operation.statuses:
            assert f" {status} " in text
    for message in dataclasses.asdict(contract.messages).values():
        assert f'"message": "{message}"' in joined
    for url, instance in contract.servers:
        assert f"{instance} {url}" in text


# The passive proxy, as its command runs.
PROXY = [sys.executable, "-m", "braze_cdi_conformance", "proxy"]


@contextmanager
def proxy_process(upstream: str, *more: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """Run `braze-cdi-conformance proxy --upstream UPSTREAM` until the block ends: its URL and
    its process."""
    process = subprocess.Popen(
        [*PROXY, "--upstream", upstream, *more],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip(), process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def stop_proxy(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    """Stop the proxy as Ctrl-C does: its exit status, stdout and stderr."""
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    return process.returncode, out, err
