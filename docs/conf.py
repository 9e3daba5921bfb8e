"""Sphinx configuration of the documentation site (`make docs` builds it into build/site).

Sphinx, with the Furo theme and pages in Markdown (MyST): chosen for maintenance and fit. Sphinx
and MyST are released several times a year by active teams; autodoc writes the Python API
reference from the client's docstrings with nothing else to install; and the site builds
offline, from the repository alone. (MkDocs 1.x has had no release since 2024, and its
successors were young when this was chosen.)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE / "_ext"), str(ROOT)]

project = "Braze CDI contract kit"
author = "the Braze CDI contract kit's authors"
copyright = "2026, the Braze CDI contract kit's authors"
extensions = ["myst_parser", "sphinx.ext.autodoc", "site_parts"]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_ext"]
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3
smartquotes = False  # "--timeout" stays two hyphens: what a reader copies must run
html_theme = "furo"


def _release() -> str:
    """The newest release of CHANGELOG.md, as its heading names it (date and versions)."""
    found = re.search(r"^## (\d{4}-\d{2}-\d{2}: .+)$", (ROOT / "CHANGELOG.md").read_text(), re.M)
    return found[1] if found else "unreleased"


def _repository() -> str | None:
    """Where the repository lives: REPOSITORY_URL, else the forge's CI variables, else the clone's
    origin; None where none is known (the site then links no repository)."""
    if os.environ.get("REPOSITORY_URL"):
        return os.environ["REPOSITORY_URL"]
    if os.environ.get("GITHUB_REPOSITORY"):
        server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
        return f"{server}/{os.environ['GITHUB_REPOSITORY']}"
    git = shutil.which("git")
    if git is None:
        return None
    origin = subprocess.run(  # noqa: S603 - git, asked for this clone's origin
        [git, "-C", str(ROOT), "remote", "get-url", "origin"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if origin.startswith("git@") and ":" in origin:
        host, path = origin.removeprefix("git@").split(":", 1)
        origin = f"https://{host}/{path}"
    return origin.removesuffix(".git") or None


release = _release()
version = release.split(":", 1)[0]
REPOSITORY = _repository()
html_title = project
_source = f' · <a href="{REPOSITORY}">the repository</a>' if REPOSITORY else ""
html_theme_options: dict[str, object] = {
    "announcement": f"Release {release}{_source}",
}
html_static_path = ["_static"]
html_css_files = ["site.css"]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented_params"  # no bare parameter lists
autodoc_preserve_defaults = True  # `sleep=time.sleep`, not `<built-in function sleep>`
autodoc_default_options = {"members": True, "show-inheritance": True}


def _public_bases(app: object, name: str, obj: object, options: object, bases: list[type]) -> None:
    """Show only public bases: a client's methods from a private base are documented on it."""
    bases[:] = [base for base in bases if not base.__name__.startswith("_") and base is not object]


def setup(app: object) -> None:
    app.connect("autodoc-process-bases", _public_bases)  # type: ignore[attr-defined]


nitpicky = False
