"""`make bench` works: a smoke run prints every measurement; figures are not judged."""

from __future__ import annotations

import pytest

from tests.support import run_module

pytestmark = pytest.mark.bench


def test_smoke_run_prints_every_measurement() -> None:
    result = run_module("tools.bench", "--smoke", timeout=300)
    assert result.returncode == 0, result.stderr
    for row in (
        "| make generate: full generation |",
        "| make generate: nothing changed (no-op) |",
        "| conformance suite vs reference (5 examples) |",
        "| plain schemathesis run (`--max-examples 5 --continue-on-failure`) |",
        "| client: one call, braze_cdi_sync.CdiClient |",
        "| client: async throughput, 20 in flight, shared pool |",
        "| reference server, 50 concurrent clients, no request log (`--quiet`) |",
        "| reference server, a new client while 50 idle connections are held |",
        "| reference server memory over 1,000 requests, each a new ID, half new keys |",
        "| conformance suite vs gzip-bomb-success (a proving-ground server) |",
        "| suite vs reference with Braze's limit (20 per 60 s), `--budget 20` |",
        "| test double: reset() with a 35,000-job history, a queued sync and an injection |",
        "| `braze-cdi sync --wait` against 1,000 past jobs (newest first; 2 s sync, poll 1.2 s) |",
    ):
        assert row in result.stdout
    assert "one 202 per integration: exactly" in result.stdout
    assert "one 202 per integration: NO" not in result.stdout
