"""Lint an OpenAPI document the way reviewers do: three independent linters, zero problems allowed.

Usage: python -m tools.lint_spec [--general] [DOCUMENT]

Without DOCUMENT: the contract (openapi/openapi.yaml) and the test double's control API
(control.yaml), each with its rules. Runs openapi-spec-validator (structure), Spectral with the
project's ruleset (every built-in rule plus the project rules that hold the contract to Braze's
facts; `--general`, and the control API: the built-in rules only) and Redocly's `recommended`
rules. Prints one line per linter and every problem found; exits 0 only when all three report
nothing, not even a warning.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from tools import DOCUMENT

ROOT = Path(__file__).resolve().parent.parent
SPECTRAL_RULESET = ROOT / "openapi" / "spectral.yaml"
GENERAL_RULESET = ROOT / "openapi" / "spectral-general.yaml"
CONTROL_DOCUMENT = ROOT / "reference" / "braze_cdi_reference" / "control.yaml"
REDOCLY_CONFIG = ROOT / "openapi" / "redocly.yaml"
NODE_BIN = ROOT / "node_modules" / ".bin"


@dataclass
class Problem:
    """One finding of one linter."""

    rule: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"  {self.rule}  {self.where}: {self.message}"


@dataclass
class Report:
    """What one linter said about the document."""

    linter: str
    problems: list[Problem] = field(default_factory=list)


class LintError(Exception):
    """A linter could not run at all (missing tool, unreadable output)."""


def run_spec_validator(document: Path) -> Report:
    """Validate the document's structure against the OpenAPI specification."""
    report = Report("openapi-spec-validator")
    try:
        spec, base_uri = read_from_filename(str(document))
        validate(spec, base_uri=base_uri)
    except yaml.YAMLError as error:
        report.problems.append(Problem("yaml", str(document), str(error).splitlines()[0]))
    except Exception as error:  # noqa: BLE001 - the validator raises many types; each is a finding
        report.problems.append(Problem("structure", str(document), str(error).splitlines()[0]))
    return report


def node_tool(name: str) -> str:
    """The path of a pinned Node tool; LintError if `npm ci` has not installed it."""
    tool = NODE_BIN / name
    if not tool.exists():
        raise LintError(f"{tool} is missing; run `make node_modules` (npm ci) first.")
    return str(tool)


def run_tool(command: list[str]) -> subprocess.CompletedProcess[str]:
    """Run a Node tool from the project root, quiet and without telemetry."""
    environment = {
        **os.environ,
        "REDOCLY_TELEMETRY": "off",
        "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
        "NO_COLOR": "1",
    }
    return subprocess.run(  # noqa: S603 - the command is built from fixed tool paths
        command, capture_output=True, text=True, check=False, env=environment, cwd=ROOT
    )


def run_spectral(document: Path, *, ruleset: Path = SPECTRAL_RULESET) -> Report:
    """Lint with Spectral: all built-in OpenAPI rules plus the project's own."""
    result = run_tool(
        [
            node_tool("spectral"),
            "lint",
            "--quiet",
            "--format=json",
            f"--ruleset={ruleset}",
            "--fail-severity=hint",
            str(document),
        ]
    )
    try:
        findings = json.loads(result.stdout or "[]")
    except json.JSONDecodeError as error:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise LintError(f"Spectral gave no report: {detail[-1] if detail else error}") from error
    report = Report("spectral")
    for finding in findings:
        where = ".".join(str(part) for part in finding.get("path", [])) or "(document)"
        report.problems.append(Problem(str(finding["code"]), where, str(finding["message"])))
    return report


def run_redocly(document: Path, *, config: Path = REDOCLY_CONFIG) -> Report:
    """Lint with Redocly's recommended rules; warnings count as problems."""
    result = run_tool(
        [
            node_tool("redocly"),
            "lint",
            "--format=json",
            f"--config={config}",
            str(document),
        ]
    )
    try:
        findings = json.loads(result.stdout)
    except json.JSONDecodeError as error:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise LintError(f"Redocly gave no report: {detail[-1] if detail else error}") from error
    report = Report("redocly")
    for finding in findings.get("problems", []):
        locations = finding.get("location") or [{}]
        where = str(locations[0].get("pointer", "(document)"))
        report.problems.append(Problem(str(finding["ruleId"]), where, str(finding["message"])))
    return report


def lint(document: Path, *, ruleset: Path = SPECTRAL_RULESET) -> list[Report]:
    """Run every linter on the document (Spectral with `ruleset`)."""
    return [
        run_spec_validator(document),
        run_spectral(document, ruleset=ruleset),
        run_redocly(document),
    ]


def main(argv: list[str] | None = None) -> int:
    """Lint the document named on the command line and print a verdict per linter."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    general = "--general" in arguments
    arguments = [argument for argument in arguments if argument != "--general"]
    if len(arguments) > 1 or (arguments and arguments[0].startswith("-")):
        print("usage: python -m tools.lint_spec [--general] [DOCUMENT]", file=sys.stderr)
        return 2
    ruleset = GENERAL_RULESET if general else SPECTRAL_RULESET
    documents = (
        [(Path(arguments[0]), ruleset)]
        if arguments
        else [(DOCUMENT, SPECTRAL_RULESET), (CONTROL_DOCUMENT, GENERAL_RULESET)]
    )
    failed = False
    for document, rules in documents:
        if not document.is_file():
            print(f"lint-spec: {document} is not a file; name an OpenAPI document", file=sys.stderr)
            return 2
        try:
            reports = lint(document.resolve(), ruleset=rules)
        except LintError as error:
            print(f"lint-spec: {error}", file=sys.stderr)
            return 2
        total = 0
        for report in reports:
            count = len(report.problems)
            total += count
            verdict = "clean" if count == 0 else f"{count} problem(s)"
            print(f"{report.linter}: {verdict}")
            for problem in report.problems:
                print(problem)
        verdict = "passed" if total == 0 else "failed"
        print(f"lint-spec: {verdict} ({total} problem(s)) on {document}")
        failed = failed or total > 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
