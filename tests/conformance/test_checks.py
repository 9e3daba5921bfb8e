"""Checks are bound to their names: a second check of a name is refused, verdicts land under it."""

from __future__ import annotations

import inspect
import subprocess
import sys
from dataclasses import fields

import pytest
from braze_cdi_conformance import run as run_module
from braze_cdi_conformance.checks import CHECKS, OBSERVERS, PROBES, observer, probe
from braze_cdi_conformance.evidence import Evidence

from tools import ROOT


def test_a_second_check_of_the_same_name_is_refused() -> None:
    before = (list(OBSERVERS), list(PROBES))
    with pytest.raises(ValueError, match="'robustness' is registered already"):

        @observer("robustness")
        def again(*_: object) -> None:
            """A copy."""

    with pytest.raises(ValueError, match="'permission' is registered already"):

        @probe("permission")
        def twice(*_: object) -> None:
            """A copy."""

    assert before == (OBSERVERS, PROBES)


def test_every_check_has_a_one_line_promise() -> None:
    assert len({check.name for check in CHECKS}) == len(CHECKS)
    assert all(check.promise.endswith(".") for check in CHECKS)


def test_probes_get_what_others_learned_as_evidence_not_through_the_run() -> None:
    for check in PROBES:
        assert list(inspect.signature(check.function).parameters) == ["check", "run", "evidence"]
    assert "self.burst" not in inspect.getsource(run_module.Run)
    assert {field.name for field in fields(Evidence)} >= {"burst", "started", "follow_up"}


def test_the_suite_imports_no_server_framework() -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "braze_cdi_conformance", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    imported = {line.split("|")[-1].strip().split(".")[0] for line in result.stderr.splitlines()}
    assert "schemathesis" in imported  # the measurement sees the suite's own imports
    assert not imported & {"starlette", "uvicorn", "braze_cdi_reference", "proving_ground"}


def test_the_proxy_imports_nothing_of_the_test_double_or_the_proving_ground() -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import braze_cdi_conformance.proxy"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-500:]
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines()}
    assert "braze_cdi_contract.serving" in imported  # the measurement sees the proxy's imports
    assert not {
        name for name in imported if name.startswith(("proving_ground", "braze_cdi_reference"))
    }


def test_no_module_of_the_suite_names_the_test_double_or_the_proving_ground() -> None:
    package = ROOT / "conformance" / "braze_cdi_conformance"
    for module in package.glob("*.py"):
        text = module.read_text()
        assert "braze_cdi_reference" not in text, module.name
        assert "proving_ground" not in text, module.name
