"""The kill matrix's logic, and a sample of it: one faulty server per check, four valid servers
(one on the wire).

The whole matrix (every server, four runs each) is `make mutants`, which CI runs beside `make test`.
"""

from __future__ import annotations

import pytest
from braze_cdi_conformance.checks import CHECKS
from braze_cdi_reference.fixtures import DEMO_KEY, DEMO_LIMITED_KEY

from proving_ground.matrix import SAMPLE, SEED, Row, judge, judge_with_suite
from proving_ground.servers import registry
from tests.support import run_module

python_module = run_module
# Fewer generated requests than the whole matrix's 25: every check the sample holds to fires on
# the suite's own probes, and the fast tier stays fast.
SAMPLE_EXAMPLES = 10


@pytest.mark.slow
@pytest.mark.parametrize("name", SAMPLE)
def test_sample_server_gets_its_verdict(name: str) -> None:
    """The sample of the kill matrix `make test` runs; `make mutants` runs every server."""
    server = registry()[name]
    exit_code, fired, _ = judge_with_suite(server, max_examples=SAMPLE_EXAMPLES, seed=SEED)
    row = Row(server, exit_code, fired, seconds=0.0)
    expected = f"caught by {server.caught_by}" if server.faulty else "conformant"
    assert row.correct, f"{name}: expected {expected}, got exit {exit_code}, fired {fired}"


def test_the_sample_makes_every_check_fire_and_holds_valid_servers() -> None:
    servers = registry()
    sampled = [servers[name] for name in SAMPLE]
    assert {server.caught_by for server in sampled if server.faulty} == {
        check.name for check in CHECKS
    }
    assert sum(not server.faulty for server in sampled) >= 2
    assert len(set(SAMPLE)) == len(SAMPLE)


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
    result = python_module(
        "proving_ground.judge", "--server", "missing-key-accepted", "--max-examples", "5"
    )
    assert result.returncode == 1
    assert "FAIL  authentication" in result.stdout
    assert "Expected: 401 Invalid API key" in result.stdout
    assert "Received: " in result.stdout
    assert "Reproduce: curl -X POST" in result.stdout
    assert DEMO_KEY not in result.stdout + result.stderr


def test_failure_reproduction_masks_a_key_that_was_sent() -> None:
    result = python_module(
        "proving_ground.judge", "--server", "permission-not-checked", "--max-examples", "5"
    )
    assert result.returncode == 1
    assert "-H 'Authorization: Bearer ***'" in result.stdout
    assert DEMO_LIMITED_KEY not in result.stdout + result.stderr
