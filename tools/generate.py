"""Generate the Python client from the contract with openapi-python-client, or check it is current.

Usage:
    python -m tools.generate          write generated/braze-cdi-client (skipped if inputs unchanged)
    python -m tools.generate --force  write it even if the inputs look unchanged
    python -m tools.generate --check  regenerate into a temporary folder and compare; never writes

Besides what openapi-python-client writes, it writes `braze_cdi_client/contract_facts.py`: the
facts of the contract the generated models do not carry (the messages of `x-braze-messages`, the
permissions and rate limits of the `x-braze-*` extensions, the servers), so the installed client
asks the contract for them without reading YAML at run time.

The inputs (document, generator configuration, generator and ruff versions, this module) are hashed
into generated/INPUTS.sha256, so a regeneration with nothing changed is a no-op.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

from braze_cdi_contract import Contract, ContractError
from braze_cdi_contract import load as load_contract
from braze_cdi_contract.commandline import Parser, exit_with
from braze_cdi_contract.model import MESSAGE_NAMES

from tools import DOCUMENT

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "openapi" / "generator.yaml"
# The package's own pyproject.toml (license, classifiers, URLs) and README, in place of the
# generator's; LICENSE is copied in beside them.
TEMPLATES = ROOT / "openapi" / "templates"
LICENSE = ROOT / "LICENSE"
GENERATED = ROOT / "generated"
PACKAGE = "braze-cdi-client"
MODULE = "braze_cdi_client"
FACTS_FILE = "contract_facts.py"
STAMP = GENERATED / "INPUTS.sha256"
MAX_DIFF_LINES = 60


class GenerationError(Exception):
    """The generator failed or warned; the message carries its last words."""


def inputs_digest() -> str:
    """A hash of everything the output depends on."""
    digest = hashlib.sha256()
    parts = [DOCUMENT, CONFIG, Path(__file__), LICENSE, *sorted(TEMPLATES.glob("*.jinja"))]
    for part in parts:
        digest.update(hashlib.sha256(part.read_bytes()).digest())
    for package in ("openapi-python-client", "ruff"):
        digest.update(f"{package}=={version(package)}".encode())
    return digest.hexdigest()


def generate_into(folder: Path, *, document: Path = DOCUMENT) -> Path:
    """Run the generator on a document into folder/braze-cdi-client and return that path."""
    folder.mkdir(parents=True, exist_ok=True)
    output = folder / PACKAGE
    bin_dir = Path(sys.executable).parent
    environment = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(  # noqa: S603 - the generator this project pins
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(document),
            "--config",
            str(CONFIG),
            "--custom-template-path",
            str(TEMPLATES),
            "--output-path",
            str(output),
            "--meta",
            "pdm",
            "--overwrite",
            "--fail-on-warning",
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    if result.returncode != 0:
        words = (result.stdout + result.stderr).strip().splitlines()
        raise GenerationError(words[-1] if words else f"exit {result.returncode}")
    try:
        facts = contract_facts(load_contract(document))
    except ContractError as error:
        raise GenerationError(str(error)) from error
    (output / MODULE / FACTS_FILE).write_text(facts, encoding="utf-8")
    shutil.copyfile(LICENSE, output / "LICENSE")
    return output


def _constant(name: str) -> str:
    return "".join(f"_{c}" if c.isupper() and i else c for i, c in enumerate(name)).upper()


def contract_facts(contract: Contract) -> str:
    """The source of contract_facts.py: one constant per fact, named after its source."""
    lines = [
        '"""Facts of the contract that the generated models do not carry. Do not edit.',
        "",
        "Written by `make generate` from openapi/openapi.yaml: each message from x-braze-messages",
        "(and the const of SyncAccepted.message), permissions and rate limits from each",
        "operation's x-braze-* extensions, the job statuses and page size from the job schemas,",
        "the REST hosts by x-braze-instance from servers.",
        '"""',
        "",
        "from typing import Final",
        "",
    ]
    for name in MESSAGE_NAMES:
        value = getattr(contract.messages, name)
        lines.append(f"{name.upper()}_MESSAGE: Final = {json.dumps(value)}")
    lines.append("")
    for operation in contract.operations.values():
        prefix = _constant(operation.operation_id)
        rule = operation.rate_limit
        lines += [
            f"{prefix}_PERMISSION: Final = {json.dumps(operation.permission)}",
            f"{prefix}_RATE_LIMIT: Final = {rule.limit!r}",
            f"{prefix}_RATE_WINDOW_SECONDS: Final = {rule.window_seconds!r}",
        ]
    jobs = contract.jobs
    lines += [
        "",
        "# Sync jobs (components.schemas.JobStatus): every status, those of a job still running",
        "# (x-braze-running), and the page size of the lists (maxItems of their results).",
        f"JOB_STATUSES: Final = {json.dumps(list(jobs.statuses))}",
        f"RUNNING_JOB_STATUSES: Final = {json.dumps(sorted(jobs.running))}",
        f"PAGE_SIZE: Final = {jobs.page_size!r}",
        *(f"JOB_STATUS_{status.upper()}: Final = {json.dumps(status)}" for status in jobs.statuses),
    ]
    lines += ["", "# Instance name (each server's x-braze-instance) to REST host."]
    lines.append("SERVERS: Final = {")
    for url, instance in contract.servers:
        lines.append(f"    {json.dumps(instance)}: {json.dumps(url)},")
    lines.append("}")
    return "\n".join(lines) + "\n"


# Never committed: Python's bytecode caches, and what an editable install (`make bootstrap`
# installs the client so) leaves in the project folder.
NOT_GENERATED = frozenset({"__pycache__", ".pdm-build"})


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below folder by relative path, but caches and install leftovers."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not NOT_GENERATED & set(path.parts)
    }


def differences(expected: Path, actual: Path) -> list[str]:
    """A readable diff from the committed tree (actual) to a fresh generation (expected)."""
    want, have = tree(expected), tree(actual)
    lines: list[str] = []
    for name in sorted(want.keys() | have.keys()):
        if want.get(name) == have.get(name):
            continue
        old = have.get(name, b"").decode("utf-8", "replace").splitlines()
        new = want.get(name, b"").decode("utf-8", "replace").splitlines()
        lines += difflib.unified_diff(
            old, new, f"committed/{name}", f"generated/{name}", lineterm="", n=1
        )
    return lines


def check() -> int:
    """Regenerate into a temporary folder and compare with what is committed."""
    with tempfile.TemporaryDirectory() as folder:
        fresh = generate_into(Path(folder))
        diff = differences(fresh, GENERATED / PACKAGE)
    stale_stamp = not STAMP.exists() or STAMP.read_text().strip() != inputs_digest()
    if not diff and not stale_stamp:
        print(f"generate: {GENERATED.relative_to(ROOT)}/{PACKAGE} is up to date.")
        return 0
    for line in diff[:MAX_DIFF_LINES]:
        print(line)
    if len(diff) > MAX_DIFF_LINES:
        print(f"... {len(diff) - MAX_DIFF_LINES} more diff lines")
    what = "differs from a fresh generation" if diff else "has a stale INPUTS.sha256"
    hint = "run make generate and commit the result"
    print(f"generate: the committed client {what}; {hint}.", file=sys.stderr)
    return 1


def write(*, force: bool) -> int:
    """Regenerate generated/ in place, unless its inputs are unchanged."""
    digest = inputs_digest()
    target = GENERATED / PACKAGE
    if not force and target.exists() and STAMP.exists() and STAMP.read_text().strip() == digest:
        print("generate: inputs unchanged; nothing to do (--force regenerates anyway).")
        return 0
    GENERATED.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=GENERATED) as folder:
        fresh = generate_into(Path(folder))
        if target.exists():
            shutil.rmtree(target)
        fresh.rename(target)
    STAMP.write_text(digest + "\n")
    print(f"generate: wrote {target.relative_to(ROOT)}.")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and generate or check."""
    parser = Parser(prog="python -m tools.generate", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="compare only; never writes")
    mode.add_argument("--force", action="store_true", help="regenerate even if inputs unchanged")
    arguments = parser.parse_args(argv)
    try:
        return check() if arguments.check else write(force=arguments.force)
    except GenerationError as error:
        print(f"generate: openapi-python-client failed: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    exit_with(main, prog="generate")
