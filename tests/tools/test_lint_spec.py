"""Each lint rule of the project flags its broken fixture, and the real contract passes them all."""

from pathlib import Path

import pytest
from braze_cdi_contract import DOCUMENT

from tools import lint_spec

FIXTURES = Path(__file__).parent / "lint"
ERROR_RULES = {
    "braze-operation-permission",
    "braze-operation-rate-limit",
    "braze-operation-401",
    "braze-operation-429",
    "oas3-valid-media-example",
}


def _must_flag(fixture: Path) -> str:
    first_line = fixture.read_text().splitlines()[0]
    assert first_line.startswith("# must-flag: "), f"{fixture.name} does not say what it must flag"
    return first_line.removeprefix("# must-flag: ").strip()


def _flagged_project_rules(document: Path) -> set[str]:
    report = lint_spec.run_spectral(document)
    return {problem.rule for problem in report.problems if problem.rule in ERROR_RULES}


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.yaml")), ids=lambda path: path.stem)
def test_fixture_is_flagged_by_exactly_its_rule(fixture: Path) -> None:
    expected = _must_flag(fixture)
    wanted = set() if expected == "nothing" else {expected}
    assert _flagged_project_rules(fixture) == wanted


def test_every_project_rule_has_a_fixture() -> None:
    covered = {_must_flag(fixture) for fixture in FIXTURES.glob("*.yaml")}
    assert covered - {"nothing"} == ERROR_RULES


def test_contract_passes_every_linter() -> None:
    reports = lint_spec.lint(DOCUMENT)
    assert {report.linter: report.problems for report in reports} == {
        "openapi-spec-validator": [],
        "spectral": [],
        "redocly": [],
    }


def test_redocly_warning_counts_as_a_problem() -> None:
    report = lint_spec.run_redocly(FIXTURES / "invalid-media-example.yaml")
    assert "no-invalid-media-type-examples" in {problem.rule for problem in report.problems}


def test_spec_validator_reports_a_structural_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.1.0\ninfo:\n  title: x\npaths: {}\n")
    report = lint_spec.run_spec_validator(broken)
    assert [problem.rule for problem in report.problems] == ["structure"]


def test_missing_document_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert lint_spec.main(["does/not/exist.yaml"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
