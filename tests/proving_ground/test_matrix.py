"""The kill matrix: every faulty server caught by its named check, no valid server flagged."""

from __future__ import annotations

import pytest

from proving_ground.faulty import FAULTY
from proving_ground.matrix import judge
from proving_ground.servers import registry
from proving_ground.valid import VALID as VARIANTS
from reference.fixtures import DEMO_KEY, DEMO_LIMITED_KEY
from tests.support import run_module

python_module = run_module


@pytest.mark.slow
@pytest.mark.timeout(1800)  # the whole matrix: 47 servers, four runs each where answers end
def test_full_matrix_catches_every_fault_and_flags_no_valid_server() -> None:
    result = run_module("proving_ground.matrix", timeout=1700)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        f"Suite: {len(FAULTY)}/{len(FAULTY)} faulty servers caught by their named check, "
        f"0/{len(VARIANTS) + 1} false alarms on valid servers." in result.stdout
    )
    rows = [
        line for line in result.stdout.splitlines() if line.startswith("| ") and "---" not in line
    ]
    assert len(rows) == len(registry()) + 1  # one row per server, plus the header


def test_row_is_wrong_when_another_check_than_the_named_one_fired() -> None:
    server = registry()["success-200"]
    row = judge(server, max_examples=5, seed=1, baseline=False)
    assert row.correct
    wrong = type(row)(
        server=type(server)(server.name, server.description, server.build, caught_by="permission"),
        exit_code=row.exit_code,
        fired=row.fired,
        seconds=row.seconds,
        baseline=None,
    )
    assert not wrong.correct


def test_unknown_server_name_is_a_one_line_error() -> None:
    result = python_module("proving_ground.matrix", "--only", "no-such-server")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1


def test_failure_report_masks_the_key_and_shows_expected_received_and_curl() -> None:
    result = python_module("conformance", "--server", "missing-key-accepted", "--max-examples", "5")
    assert result.returncode == 1
    assert "FAIL  authentication" in result.stdout
    assert "Expected: 401 Invalid API key" in result.stdout
    assert "Received: " in result.stdout
    assert "Reproduce: curl -X POST" in result.stdout
    assert DEMO_KEY not in result.stdout + result.stderr


def test_failure_reproduction_masks_a_key_that_was_sent() -> None:
    result = python_module(
        "conformance", "--server", "permission-not-checked", "--max-examples", "5"
    )
    assert result.returncode == 1
    assert "-H 'Authorization: Bearer ***'" in result.stdout
    assert DEMO_LIMITED_KEY not in result.stdout + result.stderr
