"""`python -m tools.review [--base REF]` (`make review`): one Markdown report for a contract change.

1. lint results (as `make lint-spec`);
2. every difference between the document at BASE and the working tree, one row per change at its
   source, with its level (breaking, warning, info), the rule that decided, the values before and
   after, and the operations and answers it reaches (tools/specdiff.py);
3. the generated client at BASE and now, as a consumer (tools/clientdiff.py, on griffe): every
   change to a public name by kind (removed, made required, moved, narrowed, a default or a
   constant changed, added), each a row with its level and the contract rows that caused it; the
   client layer type-checked (mypy --strict) against the regenerated client; and whether
   `generated/` must be regenerated;
4. the contract as a static HTML page with no scripts, written to build/reference.html.

Exit 1 on lint problems, on an unclassified change, or on a breaking change (of the contract or of
the generated client) that is not acknowledged by raising the major part of info.version; 2, with
one line "cannot review: …", when BASE cannot be read or a version of the contract is not valid
OpenAPI.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import venv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import yaml
from braze_cdi_contract.commandline import Parser, exit_with
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from tools import DOCUMENT, clientdiff, generate, lint_spec, render, specdiff
from tools.clientdiff import ClientChange

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
        raise ReviewError(f"{DOCUMENT_PATH} at {base!r} cannot be read: {error}") from error


# The generated client, judged as a consumer (tools/clientdiff.py): each row with the contract
# rows that caused it.


def api_changes(
    old_package: Path,
    new_package: Path,
    contract: list[specdiff.Change],
    operations: Mapping[str, str],
) -> list[ClientChange]:
    """Each removed, added or changed public name of two generated project folders, judged, with
    the contract rows behind it (`operations` maps each operationId to its operation's label).
    """
    return [
        dataclasses.replace(change, causes=_causes(change.name, contract, operations))
        for change in clientdiff.compare(old_package, new_package)
    ]


# Where in the contract each part of the generated client comes from, as words a contract row's
# place holds: a model from its schema, an operation's module from the operation (and its tag),
# each constant of contract_facts from its extension or schema.
FACT_SOURCES = (
    ("_MESSAGE", ("x-braze-messages", "SyncAccepted")),
    ("_PERMISSION", ("x-braze-permission",)),
    ("_RATE_", ("x-braze-rate-limit",)),
    ("SERVERS", ("servers",)),
    ("JOB_STATUS", ("JobStatus",)),
    ("PAGE_SIZE", ("maxItems", "results")),
)


def _causes(
    name: str, contract: list[specdiff.Change], operations: Mapping[str, str]
) -> tuple[str, ...]:
    """The contract rows (their places) that a change of this client name comes from.

    `operations` maps each operationId of either version to the operation's label.
    """
    parts = name.partition("(")[0].split(".")
    hints: set[str] = set()
    if parts[0] == "models" and len(parts) > 3:
        # A field: the rows at its property first, else those of its schema.
        schema = f"schemas > {parts[2]}"
        own = _places(contract, {f"{schema} > properties > {parts[3]}"})
        return own or _places(contract, {schema})
    if parts[0] == "models" and len(parts) > 1:
        # A model's module (`job_status`) or its name exported by `models` (`JobStatus`).
        schema = parts[1] if parts[1][:1].isupper() else _camel(parts[1])
        hints.add(f"schemas > {schema}")
    elif parts[0] == "api" and len(parts) > 2 and parts[2] != "__init__":
        operation_id = _camel(parts[2], upper=False)
        label = operations.get(operation_id)
        return tuple(
            dict.fromkeys(
                change.where
                for change in contract
                if (label and change.path[0] == label) or operation_id in _text(change)
            )
        )[:3]
    elif parts[0] == "api" and len(parts) > 1:
        hints.add("tags")
    elif parts[0] == "contract_facts" and len(parts) > 1:
        for marker, sources in FACT_SOURCES:
            if marker in parts[1]:
                hints |= set(sources)
    return _places(contract, hints)


def _places(contract: list[specdiff.Change], hints: set[str]) -> tuple[str, ...]:
    """The places of the first three contract rows that mention any of the hints."""
    weightiest = sorted(contract, key=lambda change: -specdiff.SEVERITY[change.level])
    found = [
        change.where
        for change in weightiest
        if any(hint in change.where or hint in _text(change) for hint in hints)
    ]
    return tuple(dict.fromkeys(found))[:3]


def _camel(snake: str, *, upper: bool = True) -> str:
    words = snake.split("_")
    head = words[0].capitalize() if upper else words[0]
    return head + "".join(word.capitalize() for word in words[1:])


def _text(change: specdiff.Change) -> str:
    """What a contract row says, to find an operationId or tag it changed."""
    return f"{change.values} {change.rule}"


def type_check(package: Path) -> list[str]:
    """mypy --strict on the client layer against a generated project folder (the one holding
    `braze_cdi_client`); the errors, if any.

    mypy would otherwise find any module the new client lacks in the installed (editable) client
    or in the committed `generated/`, and pass: so it runs without the repository's mypy_path,
    for a throwaway interpreter whose site-packages lists this one's packages as a directory (so
    the `.pth` of the editable installs is not read).
    """
    # Kept between runs, so mypy's cache is warm; the client is copied to the same place each
    # time.
    folder = ROOT / "build" / "review-type-check"
    interpreter = folder / "venv"
    if not (interpreter / "bin" / "python").exists():
        venv.create(interpreter, with_pip=False)
    [site_packages] = (interpreter / "lib").glob("python*/site-packages")
    (site_packages / "packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    checked = folder / "client"
    shutil.rmtree(checked, ignore_errors=True)
    # The cache keeps the standard library and third-party packages only: the two packages under
    # review are always checked afresh (mypy's cache can take a module that vanished between two
    # runs for one still there).
    for stale in (*folder.glob("cache/*/braze_cdi_client"), *folder.glob("cache/*/braze_cdi_sync")):
        shutil.rmtree(stale, ignore_errors=True)
    shutil.copytree(package, checked, ignore=shutil.ignore_patterns("__pycache__"))
    environment = {**os.environ, "MYPYPATH": f"{checked}{os.pathsep}{ROOT / 'client'}"}
    result = subprocess.run(  # noqa: S603 - the mypy this project pins
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file=",
            "--strict",
            "--python-executable",
            str(interpreter / "bin" / "python"),
            "--no-error-summary",
            "--hide-error-context",
            "--no-sqlite-cache",  # a file per module, so the two under review can be dropped
            "--cache-dir",
            str(folder / "cache"),
            "-p",
            "braze_cdi_sync",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0:
        return []
    lines = [line for line in result.stdout.splitlines() if ": error:" in line]
    return lines or [(result.stdout + result.stderr).strip().splitlines()[-1]]


def operation_labels(*documents: dict[str, Any]) -> dict[str, str]:
    """operationId -> `METHOD /path`, over the given versions of the contract."""
    return {
        str(operation.get("operationId")): specdiff.label(path, method)
        for document in documents
        for path, method, operation in specdiff.operations(document)
    }


@dataclass(frozen=True)
class ClientReport:
    """What the review says of the generated client."""

    changes: list[ClientChange]
    type_errors: list[str]
    files: list[str]
    regenerate: list[str]
    note: str = ""
    # None: no client was generated; False: the generated code is the same at BASE and now.
    type_checked: bool | None = None


def client_change(base_text: str, contract: list[specdiff.Change]) -> ClientReport:
    """The generated client at BASE and now, compared; the client layer type-checked against the
    new one (where the generated code differs); whether generated/ must be regenerated.
    """
    with tempfile.TemporaryDirectory() as folder:
        base_document = Path(folder) / "base.yaml"
        base_document.write_text(base_text)
        try:
            old = generate.generate_into(Path(folder) / "old", document=base_document)
            new = generate.generate_into(Path(folder) / "new", document=DOCUMENT)
        except generate.GenerationError as error:
            row = ClientChange("client-not-generated", "braze_cdi_client", None, str(error))
            return ClientReport([row], [], [], [], note=f"The client cannot be generated: {error}")
        old_files, new_files = generate.tree(old), generate.tree(new)
        changes = api_changes(
            old,
            new,
            contract,
            operation_labels(yaml.safe_load(base_text), yaml.safe_load(DOCUMENT.read_text())),
        )
        code_changed = {k: v for k, v in old_files.items() if k.endswith(".py")} != {
            k: v for k, v in new_files.items() if k.endswith(".py")
        }
        errors = type_check(new) if code_changed else []
        stale_files = generate.differences(new, generate.GENERATED / generate.PACKAGE)
    files = [f"- file {kind}: `{name}`" for kind, name in _differences(old_files, new_files)]
    return ClientReport(
        changes, errors, files, regeneration(stale_files), type_checked=code_changed
    )


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
    old = readable(base_text, "the base")
    new = readable(DOCUMENT.read_text(), "the working tree")
    reports = lint_spec.lint(DOCUMENT)
    problems = sum(len(report.problems) for report in reports)
    changes = specdiff.classify(old, new)
    acknowledged = specdiff.acknowledged(old, new)
    client = client_change(base_text, changes)
    judged: list[Judged] = [*changes, *client.changes]
    if client.type_errors:
        # Caused by the contract's breaking rows, else by those behind the client's breaking rows.
        causes = [change.where for change in changes if change.level == "breaking"] or [
            where for row in client.changes if row.level == "breaking" for where in row.causes
        ]
        judged.append(
            ClientChange(
                "client-layer-type-error",
                "client/braze_cdi_sync",
                None,
                "; ".join(client.type_errors[:3]),
                tuple(dict.fromkeys(causes))[:3],
            )
        )
    counts = dict.fromkeys((*specdiff.LEVELS, specdiff.UNCLASSIFIED), 0)
    for row in judged:
        counts[row.level] += 1
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
    lines += ["", "## 3. Generated client", "", *client_section(client, judged[len(changes) :])]
    lines += [
        "",
        *client.regenerate,
        "",
        "## 4. Reference docs",
        "",
        render_docs(),
        "",
        "## Verdict",
        "",
    ]
    verdict, status = judge(
        judged,
        counts,
        problems=problems,
        acknowledged=acknowledged,
        version=new.get("info", {}).get("version"),
    )
    lines += verdict
    if client.regenerate and not client.regenerate[0].startswith("`generated/` matches"):
        lines.append("Before merging: run `make generate` and commit `generated/`.")
    return "\n".join(lines), status


class Judged(Protocol):
    """A row of the verdict: a contract change or a change to the generated client."""

    @property
    def rule(self) -> str: ...

    @property
    def level(self) -> str: ...


def readable(text: str, where: str) -> dict[str, Any]:
    """A version of the contract, parsed and checked enough to be compared; ReviewError (exit 2)
    when it is not YAML, not OpenAPI 3.1 as openapi-spec-validator reads it, or has a key that is
    not a string (an unquoted status code: `409:`).
    """
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        raise ReviewError(f"the contract in {where} is not valid YAML{line}") from None
    if not isinstance(document, dict):
        raise ReviewError(f"the contract in {where} is not an OpenAPI document")
    odd = _non_string_key(document, ())
    if odd is not None:
        at, key = odd
        raise ReviewError(
            f"the contract in {where} has a key that is not a string at {'/'.join(at) or '/'}:"
            f" {key!r} (quote it: '{key}')"
        )
    specdiff.check_references(document, where)
    try:
        validate(document)
    except OpenAPIValidationError as error:
        place = "/".join(str(part) for part in error.absolute_path) or "/"
        message = " ".join(str(error.message).split()).split(" Failed validating")[0][:200]
        raise ReviewError(
            f"the contract in {where} is not valid OpenAPI 3.1 at {place}: {message}"
        ) from None
    except Exception as error:  # noqa: BLE001 - the validator's other failures (references) vary
        first = (str(error).splitlines() or [type(error).__name__])[0][:200]
        raise ReviewError(f"the contract in {where} is not valid OpenAPI 3.1: {first}") from None
    return document


def _non_string_key(node: object, place: tuple[str, ...]) -> tuple[tuple[str, ...], object] | None:
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                return place, key
            found = _non_string_key(value, (*place, key))
            if found is not None:
                return found
    elif isinstance(node, list):
        for index, item in enumerate(node):
            found = _non_string_key(item, (*place, str(index)))
            if found is not None:
                return found
    return None


def client_section(client: ClientReport, rows: list[Judged]) -> list[str]:
    """The generated client's changes as rows, the files, and the type-check's word."""
    lines: list[str] = [client.note, ""] if client.note else []
    if rows:
        lines += [
            "| level | rule | name | before → after | caused by |",
            "| --- | --- | --- | --- | --- |",
        ]
        order = {
            level: index for index, level in enumerate((specdiff.UNCLASSIFIED, *specdiff.LEVELS))
        }
        shown = sorted(
            (row for row in rows if isinstance(row, ClientChange)),
            key=lambda row: (order[row.level], row.rule, row.name),
        )
        for row in shown:
            level = row.level if row.level == "info" else f"**{row.level}**"
            cause = ", ".join(f"`{where}`" for where in row.causes) or "—"
            lines.append(
                f"| {level} | `{row.rule}` | `{row.name}` | {_cell(row.values)} | {_cell(cause)} |"
            )
    else:
        lines.append("No change to the generated client's public API.")
    lines += ["", *client.files] if client.files else []
    if client.type_checked is not None and not client.type_errors:
        lines += [
            "",
            "The client layer type-checks against the regenerated client (mypy --strict)."
            if client.type_checked
            else "The generated code is unchanged, so the client layer's type-check is unchanged.",
        ]
    return lines


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
    changes: list[Judged],
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
        print(f"review: cannot review: {error}", file=sys.stderr)
        return 2
    print(report)
    return status


if __name__ == "__main__":
    exit_with(main, prog="review")
