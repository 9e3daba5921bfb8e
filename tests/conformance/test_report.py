"""What users read: the report's text is pinned, and so is the sample output of the suite's page."""

from __future__ import annotations

import os
import re
import subprocess

import pytest
from braze_cdi_conformance.checks import CHECKS
from braze_cdi_conformance.report import render
from braze_cdi_conformance.run import CheckState, Finding
from braze_cdi_conformance.suite import Result

from tools import ROOT

SNAPSHOT = ROOT / "tests" / "conformance" / "snapshots" / "report.txt"
PAGE_COMMAND: tuple[str, ...] = ("bin/conformance", "--server", "unknown-key-gets-403")
PAGE_COMMAND += ("--max-examples", "25", "--seed", "3")


def _states() -> list[CheckState]:
    states = {check.name: CheckState(applied=3) for check in CHECKS}
    states["robustness"] = CheckState(
        findings=[Finding("Server error (odd integration ID)", "a 2xx or 4xx", "500 {}", "curl")],
        total_findings=4,
        applied=9,
    )
    states["permission"] = CheckState(skip_reason="no LIMITED_TOKEN given")
    return [states[check.name] for check in CHECKS]


def test_report_text_matches_its_snapshot() -> None:
    result = Result(
        base_url="http://127.0.0.1:8080",
        contract_version="1.0.0",
        checks=list(zip(CHECKS, _states(), strict=True)),
        notes=["undocumented methods answered: GET 405"],
        requests_sent=59,
        generated_cases=25,
        seconds=1.25,
        seconds_waited=0.0,
        seed=3,
    )
    text = render(result) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(text)
    assert text == SNAPSHOT.read_text()


def _normalised(text: str) -> list[str]:
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "UUID", text)
    text = re.sub(r"\d+\.\d s\b", "N.N s", text)
    return [line.rstrip() for line in text.strip().splitlines()]


@pytest.mark.slow
def test_the_pages_sample_output_is_what_the_command_prints() -> None:
    readme = (ROOT / "docs" / "suite.md").read_text()
    assert f"`{' '.join(PAGE_COMMAND)}`" in readme
    sample = "  FAIL" + readme.split("```text\n  FAIL", 1)[1].split("```", 1)[0]
    result = subprocess.run(  # as printed, from the repository root
        [str(ROOT / PAGE_COMMAND[0]), *PAGE_COMMAND[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    printed = "  FAIL" + result.stdout.split("  FAIL", 1)[1]
    assert _normalised(printed) == _normalised(sample)
