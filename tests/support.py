"""Helpers the tests share (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys

from commandline import ROOT, SUITE_VARIABLES

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
