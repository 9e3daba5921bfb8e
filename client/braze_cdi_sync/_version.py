"""The package's version, read from its installed metadata (client/pyproject.toml holds it)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("braze-cdi-sync")
except PackageNotFoundError:  # imported from a checkout without installing it
    __version__ = "0+unknown"

USER_AGENT = f"braze-cdi-sync/{__version__}"
