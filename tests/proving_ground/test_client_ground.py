"""The client against its proving ground: every misbehaving server, through `braze-cdi` and both
API clients, each run in a process of its own with the key in the environment.

Each run must end with the case's outcome (the exit status, or the exception or job the API
gives), within the case's bound and the stated allowance, on one line, with no traceback, with
the key in no output and never at the other origin, and under the memory bound.
"""

from __future__ import annotations

import json

import pytest

from proving_ground.client_ground import (
    ALLOWANCE_SECONDS,
    CASES,
    CLIENT_KEY,
    DOORS,
    MEMORY_BOUND_MIB,
    ClientCase,
    run_door,
    serving,
)

# The faults the client must survive, as issue 21 lists them: each needs a case.
REQUIRED = {
    "silent",
    "dripping",
    "gzip-bomb",
    "redirect-elsewhere",
    "link-elsewhere",
    "link-loop",
    "503-forever",
    "429-a-year-ahead",
    "429-in-the-past",
    "429-not-a-number",
    "late-failing-job",
    "only-a-previous-job",
    "flipping-job",
    "html-on-200",
    "truncated-json",
    "nested-json",
    "key-on-401",
    "key-on-502",
    "escapes-in-message",
    "cut-connection",
    "refused",
    # Issue 30: a 202 is a started sync, whatever follows its status line.
    "202-length-one-short",
    "202-broken-chunks",
    "202-dropped-after-status",
    "202-html",
    "202-no-content-type",
}


def test_every_listed_fault_has_a_case() -> None:
    assert set(CASES) >= REQUIRED


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_the_client_survives(case: ClientCase, door: str) -> None:
    with serving(case) as (url, elsewhere):
        run = run_door(door, case, url)
    said = run.stdout + run.stderr
    assert "Traceback" not in said, run.stderr
    if door == "braze-cdi":
        assert run.exit_status == case.exit_status, run.stderr
        lines = run.stderr.splitlines() if run.exit_status not in {0, 3, 4, 5} else []
        if lines:
            assert len(lines) == 1, run.stderr  # one line, whatever the server sent
            assert lines[0].startswith("braze-cdi: ")
        else:
            assert len(run.stdout.splitlines()) == 1, run.stdout
        if case.warns:  # what was odd, in one warning line, though the command succeeded
            assert run.stderr.count("accepted (202), though") == 1, run.stderr
            assert len(run.stderr.splitlines()) == 1, run.stderr
    else:
        assert run.exit_status == 0, run.stderr
        assert run.outcome == case.api_outcome, run.stdout
        shown = json.loads(run.stdout.splitlines()[-1])
        assert "\n" not in shown.get("text", "")
        assert not any(ord(character) < 32 for character in shown.get("text", ""))
    assert run.seconds <= case.seconds + ALLOWANCE_SECONDS, f"{run.seconds:.1f} s"
    assert CLIENT_KEY not in said
    assert elsewhere.requests == []  # nothing, and so no key, went to another origin
    if case.triggers is not None:
        assert elsewhere.triggers == case.triggers
    assert run.peak_mib <= MEMORY_BOUND_MIB, f"{run.peak_mib:.0f} MiB"
