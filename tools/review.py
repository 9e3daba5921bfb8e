"""`python -m tools.review [--base REF]` (`make review`): one Markdown report for a contract change.

1. lint results (as `make lint-spec`);
2. every difference between the document at BASE and the working tree, breaking or not, with the
   rule that decided (tools/specdiff.py);
3. the generated client's change: files, and public functions and classes added, removed, changed;
4. a rendered HTML reference, written to build/reference.html.

Exit 1 on a breaking change that is not acknowledged by raising the major part of info.version, or
on lint problems; 2 when BASE cannot be read.
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
from tools import generate, lint_spec, specdiff

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT_PATH = "openapi/openapi.yaml"
REFERENCE_HTML = ROOT / "build" / "reference.html"


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


def client_change(base_text: str) -> list[str]:
    """Markdown lines describing how the generated client changes."""
    with tempfile.TemporaryDirectory() as folder:
        base_document = Path(folder) / "base.yaml"
        base_document.write_text(base_text)
        try:
            old = generate.generate_into(Path(folder) / "old", document=base_document)
            new = generate.generate_into(Path(folder) / "new", document=DOCUMENT)
        except generate.GenerationError as error:
            return [f"The client could not be generated: {error}"]
        old_files, new_files = generate.tree(old), generate.tree(new)
        old_api = public_api(old / "braze_cdi_client")
        new_api = public_api(new / "braze_cdi_client")
    lines = [f"- file {kind}: `{name}`" for kind, name in _differences(old_files, new_files)]
    for kind, name in _differences(old_api, new_api):
        if kind == "removed":
            lines.append(f"- **removed** `{name}`")
        elif kind == "added":
            lines.append(f"- added `{name}`: `{new_api[name]}`")
        else:
            lines.append(f"- **changed** `{name}`: `{old_api[name]}` → `{new_api[name]}`")
    return lines or ["No change."]


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
    """Build the HTML reference with Redocly; a line saying where it is, or why not."""
    REFERENCE_HTML.parent.mkdir(exist_ok=True)
    result = lint_spec.run_tool(
        [
            lint_spec.node_tool("redocly"),
            "build-docs",
            str(DOCUMENT),
            "--output",
            str(REFERENCE_HTML),
        ]
    )
    if result.returncode != 0:
        words = result.stderr.strip().splitlines()
        return f"The HTML reference could not be built: {words[-1] if words else 'no output'}"
    where = REFERENCE_HTML.relative_to(ROOT)
    return f"Rendered HTML reference: `{where}` (prerendered; open it in a browser)."


def review(base: str) -> tuple[str, int]:
    """The report and the exit code."""
    base_text = document_at(base)
    old: dict[str, Any] = yaml.safe_load(base_text)
    new: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text())
    reports = lint_spec.lint(DOCUMENT)
    problems = sum(len(report.problems) for report in reports)
    changes = specdiff.classify(old, new)
    breaking = [change for change in changes if change.breaking]
    acknowledged = specdiff.acknowledged(old, new)
    lines = [f"# Contract review against `{base}`", "", "## 1. Lint", ""]
    for report in reports:
        found = f"{len(report.problems)} problem(s)" if report.problems else "clean"
        lines.append(f"- {report.linter}: {found}")
        lines += [
            f"  - `{problem.rule}` {problem.where}: {problem.message}"
            for problem in report.problems
        ]
    lines += ["", "## 2. Contract changes", ""]
    if not changes:
        lines.append("No change to the contract.")
    else:
        lines += ["| change | where | rule | verdict |", "| --- | --- | --- | --- |"]
        for item in changes:
            verdict = "**breaking**" if item.breaking else "non-breaking"
            lines.append(
                f"| {item.change.kind} | `{item.change.where}` | {item.rule} | {verdict} |"
            )
    lines += [
        "",
        "## 3. Generated client",
        "",
        *client_change(base_text),
        "",
        "## 4. Reference docs",
        "",
        render_docs(),
        "",
        "## Verdict",
        "",
    ]
    status = 0
    if problems:
        lines.append(f"FAILED: {problems} lint problem(s).")
        status = 1
    if breaking and not acknowledged:
        rules = ", ".join(sorted({item.rule for item in breaking}))
        lines.append(
            f"FAILED: {len(breaking)} breaking change(s) ({rules}) not acknowledged; raise the "
            f"major part of info.version (now {new.get('info', {}).get('version')}) if intended."
        )
        status = 1
    elif breaking:
        lines.append(
            f"Breaking change(s) acknowledged by the major version {new['info']['version']}."
        )
    if status == 0:
        kinds = "breaking (acknowledged)" if breaking else "non-breaking"
        lines.append(
            f"PASSED: {len(changes)} change(s), all {kinds}." if changes else "PASSED: no change."
        )
    return "\n".join(lines), status


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
    except (ReviewError, lint_spec.LintError) as error:
        print(f"review: {error}", file=sys.stderr)
        return 2
    except yaml.YAMLError:
        print("review: a version of the contract is not valid YAML.", file=sys.stderr)
        return 2
    print(report)
    return status


if __name__ == "__main__":
    exit_with(main, prog="review")
