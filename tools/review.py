"""`python -m tools.review [--base REF]` (`make review`): one Markdown report for a contract change.

1. lint results (as `make lint-spec`);
2. every difference between the document at BASE and the working tree, one row per change at its
   source, with its level (breaking, warning, info), the rule that decided, the values before and
   after, and the operations and answers it reaches (tools/specdiff.py);
3. the generated client's change (files, and public functions and classes added, removed,
   changed), and whether `generated/` must be regenerated before CI's drift check passes;
4. the contract as a static HTML page with no scripts, written to build/reference.html.

Exit 1 on lint problems, on an unclassified change, or on a breaking change that is not
acknowledged by raising the major part of info.version; 2 when BASE cannot be read.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from commandline import Parser, exit_with
from contract import DOCUMENT
from tools import generate, lint_spec, render, specdiff

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT_PATH = "openapi/openapi.yaml"
REFERENCE_HTML = render.OUTPUT


class ReviewError(Exception):
    """The review cannot run; the message says why in one sentence."""


def _git(*arguments: str) -> str:
    result = subprocess.run(  # noqa: S603 - git with fixed arguments
        ["git", *arguments],  # noqa: S607 - git from PATH, as a person runs it
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        words = result.stderr.strip().splitlines()
        raise ReviewError(words[-1] if words else f"git {' '.join(arguments)} failed")
    return result.stdout


def default_base() -> str:
    """The merge base with main (on main itself: HEAD)."""
    try:
        return _git("merge-base", "HEAD", "main").strip()
    except ReviewError:
        return "HEAD"


def document_at(base: str) -> str:
    """The contract's text at a git ref."""
    try:
        return _git("show", f"{base}:{DOCUMENT_PATH}")
    except ReviewError as error:
        raise ReviewError(f"cannot read {DOCUMENT_PATH} at {base!r}: {error}") from error


# The generated client's public surface.


def public_api(package: Path) -> dict[str, str]:
    """Public top-level functions and classes of every module: `module.name` -> signature."""
    api: dict[str, str] = {}
    for path in sorted(package.rglob("*.py")):
        module = path.relative_to(package).with_suffix("").as_posix().replace("/", ".")
        for node in ast.parse(path.read_text()).body:
            if isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef
            ) and not node.name.startswith("_"):
                prefix = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
                returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
                api[f"{module}.{node.name}"] = (
                    f"{prefix} {node.name}({ast.unparse(node.args)}){returns}"
                )
            elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                fields = [
                    ast.unparse(item) for item in node.body if isinstance(item, ast.AnnAssign)
                ]
                api[f"{module}.{node.name}"] = f"class {node.name}: " + "; ".join(fields)
    return api


def client_change(base_text: str) -> tuple[list[str], list[str]]:
    """Markdown lines on how the generated client changes, and on whether generated/ is current."""
    with tempfile.TemporaryDirectory() as folder:
        base_document = Path(folder) / "base.yaml"
        base_document.write_text(base_text)
        try:
            old = generate.generate_into(Path(folder) / "old", document=base_document)
            new = generate.generate_into(Path(folder) / "new", document=DOCUMENT)
        except generate.GenerationError as error:
            return [f"The client could not be generated: {error}"], []
        old_files, new_files = generate.tree(old), generate.tree(new)
        old_api = public_api(old / "braze_cdi_client")
        new_api = public_api(new / "braze_cdi_client")
        stale_files = generate.differences(new, generate.GENERATED / generate.PACKAGE)
    lines = [f"- file {kind}: `{name}`" for kind, name in _differences(old_files, new_files)]
    for kind, name in _differences(old_api, new_api):
        if kind == "removed":
            lines.append(f"- **removed** `{name}`")
        elif kind == "added":
            lines.append(f"- added `{name}`: `{new_api[name]}`")
        else:
            lines.append(f"- **changed** `{name}`: `{old_api[name]}` → `{new_api[name]}`")
    return lines or ["No change."], regeneration(stale_files)


def regeneration(stale_files: list[str]) -> list[str]:
    """Whether generated/ matches the contract, as CI's drift check (`generate --check`) sees it."""
    stamp = generate.STAMP
    stale_stamp = not stamp.exists() or stamp.read_text().strip() != generate.inputs_digest()
    if not stale_files and not stale_stamp:
        return ["`generated/` matches the contract: nothing to regenerate."]
    changed = sorted(
        {line.split("/", 1)[1] for line in stale_files if line.startswith("+++ generated/")}
    )
    what = (
        f"its code differs from a fresh generation ({len(changed)} file(s): "
        + ", ".join(f"`{name}`" for name in changed[:5])
        + (", …" if len(changed) > 5 else "")
        + ")"
        if stale_files
        else "only `generated/INPUTS.sha256` is stale (the code itself would not change)"
    )
    return [
        f"**Regenerate the client:** {what}. Run `make generate` and commit `generated/`; "
        "CI's drift check fails until then."
    ]


def _differences(old: Mapping[str, object], new: Mapping[str, object]) -> Iterator[tuple[str, str]]:
    """(removed|added|changed, key) for every key whose value differs, in key order."""
    for name in sorted(old.keys() | new.keys()):
        if name not in new:
            yield "removed", name
        elif name not in old:
            yield "added", name
        elif old[name] != new[name]:
            yield "changed", name


def render_docs() -> str:
    """Write the static HTML reference; a line saying where it is."""
    where = render.write(REFERENCE_HTML)
    return (
        f"Rendered HTML reference: `{where.relative_to(ROOT)}`: one static page with no scripts "
        "and nothing fetched from the network; every operation, response, message, permission "
        "and rate limit is in the HTML itself."
    )


def review(base: str) -> tuple[str, int]:
    """The report and the exit code."""
    base_text = document_at(base)
    old: dict[str, Any] = yaml.safe_load(base_text)
    new: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text())
    reports = lint_spec.lint(DOCUMENT)
    problems = sum(len(report.problems) for report in reports)
    changes = specdiff.classify(old, new)
    counts = specdiff.count(changes)
    acknowledged = specdiff.acknowledged(old, new)
    client, regenerate = client_change(base_text)
    lines = [f"# Contract review against `{base}`", "", "## 1. Lint", ""]
    for report in reports:
        found = f"{len(report.problems)} problem(s)" if report.problems else "clean"
        lines.append(f"- {report.linter}: {found}")
        lines += [
            f"  - `{problem.rule}` {problem.where}: {problem.message}"
            for problem in report.problems
        ]
    lines += ["", "## 2. Contract changes", ""]
    lines += change_table(changes) if changes else ["No change to the contract."]
    lines += [
        "",
        "## 3. Generated client",
        "",
        *client,
        "",
        *regenerate,
        "",
        "## 4. Reference docs",
        "",
        render_docs(),
        "",
        "## Verdict",
        "",
    ]
    verdict, status = judge(
        changes,
        counts,
        problems=problems,
        acknowledged=acknowledged,
        version=new.get("info", {}).get("version"),
    )
    lines += verdict
    if regenerate and not regenerate[0].startswith("`generated/` matches"):
        lines.append("Before merging: run `make generate` and commit `generated/`.")
    return "\n".join(lines), status


def change_table(changes: list[specdiff.Change]) -> list[str]:
    """One row per change, worst level first, then by where it is."""
    order = {level: index for index, level in enumerate((specdiff.UNCLASSIFIED, *specdiff.LEVELS))}
    rows = sorted(changes, key=lambda change: (order[change.level], change.path))
    lines = [
        "| level | rule | where | before → after | reaches |",
        "| --- | --- | --- | --- | --- |",
    ]
    for change in rows:
        level = change.level if change.level == "info" else f"**{change.level}**"
        cells = (
            level,
            f"`{change.rule}`",
            f"`{change.where}`",
            _cell(change.values),
            _cell(specdiff.reaches(change)),
        )
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def judge(
    changes: list[specdiff.Change],
    counts: dict[str, int],
    *,
    problems: int,
    acknowledged: bool,
    version: object,
) -> tuple[list[str], int]:
    """The verdict lines and the exit status."""
    lines: list[str] = []
    status = 0
    if problems:
        lines.append(f"FAILED: {problems} lint problem(s).")
        status = 1
    if counts[specdiff.UNCLASSIFIED]:
        lines.append(
            f"FAILED: {counts[specdiff.UNCLASSIFIED]} unclassified change(s): no rule in "
            "tools/specdiff.py knows them; add one (with its test) before this can merge."
        )
        status = 1
    breaking = sorted({change.rule for change in changes if change.level == "breaking"})
    if breaking and not acknowledged:
        lines.append(
            f"FAILED: {counts['breaking']} breaking change(s) ({', '.join(breaking)}) not "
            f"acknowledged; raise the major part of info.version (now {version}) if intended."
        )
        status = 1
    summary = ", ".join(f"{counts[level]} {level}" for level in specdiff.LEVELS)
    if breaking and acknowledged:
        summary = summary.replace(
            f"{counts['breaking']} breaking",
            f"{counts['breaking']} breaking (acknowledged by the major version {version})",
        )
    if status == 0:
        lines.append(
            f"PASSED: {len(changes)} change(s): {summary}." if changes else "PASSED: no change."
        )
    else:
        lines.append(f"Changes: {summary}, {counts[specdiff.UNCLASSIFIED]} unclassified.")
    return lines, status


def main(argv: list[str] | None = None) -> int:
    """Print the review report."""
    parser = Parser(prog="python -m tools.review", description=__doc__)
    parser.add_argument(
        "--base", default="", help="git ref to compare with (default: merge base with main)"
    )
    arguments = parser.parse_args(argv)
    base = arguments.base or default_base()
    try:
        report, status = review(base)
    except (ReviewError, lint_spec.LintError, specdiff.BrokenDocument) as error:
        print(f"review: {error}", file=sys.stderr)
        return 2
    except yaml.YAMLError:
        print("review: a version of the contract is not valid YAML.", file=sys.stderr)
        return 2
    print(report)
    return status


if __name__ == "__main__":
    exit_with(main, prog="review")
