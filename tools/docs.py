"""`python -m tools.docs`: build the documentation site into build/site, offline.

Sphinx (with the Furo theme and MyST Markdown) reads docs/, fills in the parts written from the
repository (the contract reference, the review's rules, the checks, the exit statuses), and
treats every warning as an error, so a broken internal link or a page missing from the
navigation fails the build. Also writes build/reference.html, the contract reference as one
standalone page.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from braze_cdi_contract.commandline import Parser, exit_with

from tools import ROOT, render

SOURCE = ROOT / "docs"
SITE = ROOT / "build" / "site"


def build(
    site: Path = SITE, environment: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run Sphinx: every warning an error, a fresh build each time (in `environment`, if given:
    REPOSITORY_URL names the repository the site links)."""
    return subprocess.run(  # noqa: S603 - Sphinx, from this interpreter
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-E",
            "-q",
            "-b",
            "html",
            "-d",
            str(site.parent / "doctrees"),
            str(SOURCE),
            str(site),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=environment,
    )


def main(argv: list[str] | None = None) -> int:
    """Build the site and the standalone reference page."""
    parser = Parser(prog="python -m tools.docs", description=__doc__)
    parser.add_argument("--output", type=Path, default=SITE, help="where to write the site")
    arguments = parser.parse_args(argv)
    result = build(arguments.output)
    if result.returncode != 0:
        problems = [line for line in result.stderr.splitlines() if line.strip()]
        for line in problems[:20]:
            print(f"docs: {line}", file=sys.stderr)
        print(f"docs: the site did not build ({len(problems)} problem(s))", file=sys.stderr)
        return 1
    page = render.write()
    print(f"docs: wrote {arguments.output / 'index.html'} and {page}")
    return 0


if __name__ == "__main__":
    exit_with(main, prog="docs")
