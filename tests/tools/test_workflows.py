"""The pull-request workflow is valid for GitHub Actions, as actionlint (from PyPI) judges it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tools import ROOT

ACTIONLINT = Path(sys.executable).parent / "actionlint"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ACTIONLINT), "-no-color", *map(str, files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_workflows_pass_actionlint() -> None:
    assert WORKFLOWS
    result = actionlint(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        "on: pull_request\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.nonexistent_context }}\n"
    )
    result = actionlint(broken)
    assert result.returncode == 1
    assert "nonexistent_context" in result.stdout


def test_workflow_runs_lint_drift_tests_and_review() -> None:
    text = (ROOT / ".github" / "workflows" / "pull-request.yml").read_text()
    for step in (
        "make lint-spec",
        "tools.generate --check",
        "make test",
        "make --no-print-directory review",
        "GITHUB_STEP_SUMMARY",
        "make --no-print-directory mutants",
        "make test-airflow",
        "make test-installed",
        "make test-browser",
        "make test-bench",
    ):
        assert step in text


def test_ci_runs_the_readme_test_command_then_the_slow_tiers() -> None:
    text = (ROOT / ".ci" / "run").read_text()
    tiers = [line.split()[1] for line in text.splitlines() if line.startswith("tier ")]
    assert tiers == [
        "test",
        "mutants",
        "test-airflow",
        "test-installed",
        "test-bench",
        "test-browser",
    ]
    readme = (ROOT / "README.md").read_text()
    assert "make test " in readme


def test_canary_runs_the_suite_nightly_with_secrets_and_keeps_its_report() -> None:
    text = (ROOT / ".github" / "workflows" / "canary.yml").read_text()
    for part in (
        "schedule:",
        "workflow_dispatch:",
        "secrets.BRAZE_TOKEN",
        "secrets.BRAZE_LIMITED_TOKEN",
        "bin/conformance --junit-xml",
        "actions/upload-artifact",
        "GITHUB_STEP_SUMMARY",
    ):
        assert part in text, part
    assert "--budget" not in text  # a host elsewhere gets the default budget: one window


def test_the_site_is_built_for_pull_requests_and_published_from_main() -> None:
    pull_request = (ROOT / ".github" / "workflows" / "pull-request.yml").read_text()
    assert "run: make docs" in pull_request
    assert "path: build/site" in pull_request
    pages = (ROOT / ".github" / "workflows" / "pages.yml").read_text()
    for part in ("branches: [main]", "run: make docs", "upload-pages-artifact", "deploy-pages"):
        assert part in pages
