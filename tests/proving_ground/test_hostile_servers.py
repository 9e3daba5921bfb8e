"""Against servers whose answers never end, drip or inflate, the suite reaches a verdict and names
the bound that was crossed (how fast, and in how much memory, `make bench` measures).
"""

from __future__ import annotations

import pytest

from tests.support import run_module


@pytest.mark.slow
@pytest.mark.parametrize(
    ("server", "flags", "bound"),
    [
        ("gzip-bomb-success", (), "the size bound, --max-answer-bytes"),
        ("endless-success-body", (), "the size bound, --max-answer-bytes"),
        ("huge-success-body", (), "the size bound, --max-answer-bytes"),
        ("dripping-success-body", ("--answer-deadline", "2"), "the answer deadline"),
        ("stalls-on-odd-ids", ("--answer-deadline", "2"), "--answer-deadline"),
    ],
)
def test_the_suite_names_the_bound_and_reaches_a_verdict(
    server: str, flags: tuple[str, ...], bound: str
) -> None:
    result = run_module(
        "proving_ground.judge", "--server", server, "--max-examples", "5", *flags, timeout=120
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAIL  robustness" in result.stdout
    assert f"({bound}" in result.stdout


@pytest.mark.slow
def test_after_two_broken_deadlines_requests_of_that_kind_are_not_sent() -> None:
    result = run_module(
        *("proving_ground.judge", "--server", "stalls-on-odd-ids", "--max-examples", "5"),
        *("--answer-deadline", "2"),
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "(odd ID) were not sent: two of them broke the answer deadline" in result.stdout
    # Two answers waited out (the deadline, then a short one), not one per odd ID.
    assert result.stdout.count("no answer within") == 2
