"""Sphinx configuration of the documentation site (`make docs` builds it into build/site).

Sphinx, with the Furo theme and pages in Markdown (MyST): chosen for maintenance and fit. Sphinx
and MyST are released several times a year by active teams; autodoc writes the Python API
reference from the client's docstrings with nothing else to install; and the site builds
offline, from the repository alone. (MkDocs 1.x has had no release since 2024, and its
successors were young when this was chosen.)
"""

from __future__ import annotations

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
html_theme = "furo"
html_title = project
html_static_path: list[str] = []
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
nitpicky = False
