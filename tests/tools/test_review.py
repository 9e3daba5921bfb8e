"""`make review` on a clone: unchanged passes, breaking changes fail naming their rule."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from commandline import ROOT

CONTRACT = Path("openapi") / "openapi.yaml"
PATH = "/cdi/integrations/{integration_id}/sync"


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("review") / "repo"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(repo)], check=True)
    (repo / "node_modules").symlink_to(ROOT / "node_modules")
    return repo


@pytest.fixture
def contract(clone: Path) -> Iterator[Path]:
    path = clone / CONTRACT
    original = path.read_text()
    yield path
    path.write_text(original)


def review(clone: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.review", *arguments],
        cwd=clone,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    document = yaml.safe_load(path.read_text())
    change(document)
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))


def test_unchanged_document_passes(clone: Path, contract: Path) -> None:
    result = review(clone, "--base", "HEAD")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No change to the contract." in result.stdout
    assert "PASSED: no change." in result.stdout
    assert (clone / "build" / "reference.html").stat().st_size > 10_000


@pytest.mark.parametrize(
    ("rule", "change"),
    [
        ("path-removed", lambda d: d["paths"].pop(PATH)),
        ("response-removed", lambda d: d["paths"][PATH]["post"]["responses"].pop("404")),
        (
            "success-status-changed",
            lambda d: d["paths"][PATH]["post"]["responses"].__setitem__(
                "200", d["paths"][PATH]["post"]["responses"].pop("202")
            ),
        ),
    ],
    ids=["remove the path", "remove the 404", "202 becomes 200"],
)
def test_breaking_change_fails_and_names_its_rule(
    clone: Path, contract: Path, rule: str, change: Callable[[dict[str, Any]], None]
) -> None:
    edit(contract, change)
    result = review(clone, "--base", "HEAD")
    assert result.returncode == 1
    assert f"| {rule} | **breaking** |" in result.stdout
    assert "not acknowledged" in result.stdout


def test_description_edit_passes_as_non_breaking(clone: Path, contract: Path) -> None:
    edit(contract, lambda d: d["paths"][PATH]["post"].__setitem__("summary", "Trigger a sync now"))
    result = review(clone, "--base", "HEAD")
    assert result.returncode == 0, result.stdout
    assert "| documentation | non-breaking |" in result.stdout
    assert "PASSED: 1 change(s), all non-breaking." in result.stdout


def test_generated_client_change_is_listed(clone: Path, contract: Path) -> None:
    edit(contract, lambda d: d["paths"][PATH]["post"].__setitem__("operationId", "startSync"))
    result = review(clone, "--base", "HEAD")
    assert "**removed** `api.cloud_data_ingestion.trigger_integration_sync.sync`" in result.stdout
    assert "added `api.cloud_data_ingestion.start_sync.sync`" in result.stdout


def test_major_version_bump_acknowledges_a_breaking_change(clone: Path, contract: Path) -> None:
    def remove_404_and_bump(document: dict[str, Any]) -> None:
        document["paths"][PATH]["post"]["responses"].pop("404")
        document["info"]["version"] = "2.0.0"

    edit(contract, remove_404_and_bump)
    result = review(clone, "--base", "HEAD")
    assert "acknowledged by the major version 2.0.0" in result.stdout


def test_unknown_base_is_a_one_line_error(clone: Path) -> None:
    result = review(clone, "--base", "no-such-ref")
    assert result.returncode == 2
    assert result.stderr.startswith("review: cannot read openapi/openapi.yaml at 'no-such-ref'")
    assert result.stderr.count("\n") == 1
