"""CHANGELOG.md names the versions this checkout carries in its newest release."""

from __future__ import annotations

import re
import tomllib

from braze_cdi_contract import load as load_contract

from tools import ROOT


def test_the_newest_release_names_the_contract_and_package_versions() -> None:
    text = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in text
    newest = re.findall(r"^## (\d{4}-\d{2}-\d{2}: .+)$", text, flags=re.MULTILINE)[0]
    client = tomllib.loads((ROOT / "client" / "pyproject.toml").read_text())["project"]
    contract = load_contract().version
    assert f"contract {contract}" in newest
    assert f"braze-cdi-client {contract}" in newest
    assert f"braze-cdi-sync {client['version']}" in newest
