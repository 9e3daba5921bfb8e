"""A pipeline's traffic, as `braze-cdi` makes it: what a day of a real pipeline sends, for
running through the passive proxy and without it.

`braze-cdi` runs in this process (its `main`, with its key in the environment as users give it),
so a run costs no interpreter start-up; the one request it cannot make, one with no key at all
(it refuses to start without one), is sent with httpx.
"""

from __future__ import annotations

import contextlib
import io
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
from braze_cdi_reference.fixtures import DEMO_INTEGRATIONS, DEMO_KEY, DEMO_READ_KEY
from braze_cdi_sync import cli

INTEGRATION = DEMO_INTEGRATIONS[0]
UNKNOWN_KEY = "not-a-key-of-this-workspace-5f1c"
# Each command's bound: a server that never answers as it should cannot hold a run for long.
COMMAND_SECONDS = "8"


@dataclass(frozen=True)
class Step:
    """One command of the pipeline and how it ended."""

    name: str
    exit_status: int
    stdout: str


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def braze_cdi(url: str, *arguments: str, key: str = DEMO_KEY) -> tuple[int, str]:
    """Run `braze-cdi ARGUMENTS` against `url` with `key`: its exit status and stdout."""
    out, err = io.StringIO(), io.StringIO()
    with (
        _environment(BRAZE_REST_API_KEY=key, BRAZE_REST_ENDPOINT=url),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            status = cli.main(list(arguments))
        except SystemExit as stop:  # argparse's own exits
            status = stop.code if isinstance(stop.code, int) else 1
    return status, out.getvalue()


def no_key_request(url: str) -> int:
    """The list of integrations asked for with no Authorization header: its status."""
    with httpx.Client(base_url=url, timeout=float(COMMAND_SECONDS)) as client:
        return client.get("/cdi/integrations").status_code


def run_pipeline(url: str, *, limited_key: str = DEMO_READ_KEY) -> list[Step]:
    """List, read the status, sync and wait, trigger again, once more (it meets that sync
    running) and read the status while it runs, then one each with an unknown key, a limited
    key, an unknown ID and no key.
    """
    bound = ("--timeout", COMMAND_SECONDS)
    commands: list[tuple[str, tuple[str, ...], str]] = [
        ("list", ("list", *bound), DEMO_KEY),
        ("status", ("status", INTEGRATION, *bound), DEMO_KEY),
        ("sync --wait", ("sync", INTEGRATION, "--wait", "--poll", "0.1", *bound), DEMO_KEY),
        ("sync", ("sync", INTEGRATION, *bound), DEMO_KEY),
        ("second sync", ("sync", INTEGRATION, *bound), DEMO_KEY),
        ("status while it runs", ("status", INTEGRATION, *bound), DEMO_KEY),
        ("list, unknown key", ("list", *bound), UNKNOWN_KEY),
        ("sync, limited key", ("sync", INTEGRATION, *bound), limited_key),
        ("status, unknown ID", ("status", str(uuid.uuid4()), *bound), DEMO_KEY),
    ]
    steps = []
    for name, arguments, key in commands:
        status, stdout = braze_cdi(url, *arguments, key=key)
        steps.append(Step(name, status, stdout))
    steps.append(Step("no key", no_key_request(url), ""))
    return steps


def run_reads(url: str) -> list[Step]:
    """What a pipeline reads first: the list of integrations, and the status of its own."""
    bound = ("--timeout", COMMAND_SECONDS)
    return [
        Step("list", *braze_cdi(url, "list", *bound)),
        Step("status", *braze_cdi(url, "status", INTEGRATION, *bound)),
    ]


def exit_statuses(steps: list[Step]) -> dict[str, int]:
    """How each step ended, by name."""
    return {step.name: step.exit_status for step in steps}


__all__ = [
    "INTEGRATION",
    "UNKNOWN_KEY",
    "Step",
    "braze_cdi",
    "exit_statuses",
    "run_pipeline",
    "run_reads",
]
