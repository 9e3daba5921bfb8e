"""`python -m tools.dist` (`make dist`): every package's wheel and sdist, into dist/.

Each package is built by its own pinned build backend (pdm-backend, from requirements.txt),
called through its PEP 517 hooks in this environment, as a frontend does without isolation: no
download, and the same bytes for the same sources (the backend fixes every file's time;
SOURCE_DATE_EPOCH, the last commit's time where git knows it, fixes the sdists').
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from braze_cdi_contract.commandline import Parser, exit_with

from tools import ROOT

# The packages, in the order they depend on each other.
PACKAGES = (
    "contract",
    "generated/braze-cdi-client",
    "client",
    "reference",
    "conformance",
    "airflow-provider",
)
BUILT = "built: "
HOOKS = (
    "import sys, pdm.backend as backend; "
    f"print({BUILT!r} + backend.build_wheel(sys.argv[1])); "
    f"print({BUILT!r} + backend.build_sdist(sys.argv[1]))"
)


def _source_date() -> str:
    """The last commit's time in epoch seconds, or a fixed time outside a git checkout."""
    try:
        done = subprocess.run(
            ["git", "log", "-1", "--format=%ct"],  # noqa: S607 - git from PATH, as a user runs it
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "1480000000"
    return done.stdout.strip() or "1480000000"


def build(output: Path) -> list[Path]:
    """Build every package into `output`; the files written."""
    output.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, "SOURCE_DATE_EPOCH": _source_date()}
    written: list[Path] = []
    for package in PACKAGES:
        result = subprocess.run(  # noqa: S603 - the pinned backend, run by our own interpreter
            [sys.executable, "-c", HOOKS, str(output.resolve())],
            cwd=ROOT / package,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            lines = (result.stderr or result.stdout).strip().splitlines()
            raise RuntimeError(f"{package}: {lines[-1] if lines else 'the build failed'}")
        written += [
            output / line.removeprefix(BUILT)
            for line in result.stdout.splitlines()
            if line.startswith(BUILT)
        ]
    return written


def main(argv: list[str] | None = None) -> int:
    """Build the wheels and sdists; print each file written."""
    parser = Parser(prog="python -m tools.dist", description=__doc__)
    parser.add_argument("--output", type=Path, default=ROOT / "dist", help="default: dist/")
    arguments = parser.parse_args(argv)
    try:
        written = build(arguments.output)
    except RuntimeError as error:
        print(f"dist: {error}", file=sys.stderr)
        return 1
    for path in written:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    exit_with(main, prog="dist")
