"""`make review` on a clone: unchanged passes, breaking changes fail naming their rule."""

from __future__ import annotations

import dataclasses
import html
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from commandline import ROOT
from contract import model

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
    assert "`generated/` matches the contract: nothing to regenerate." in result.stdout
    assert "PASSED: no change." in result.stdout


@pytest.mark.parametrize(
    ("rule", "change"),
    [
        ("endpoint-removed", lambda d: d["paths"].pop(PATH)),
        (
            "response-success-status-removed",
            lambda d: d["paths"][PATH]["post"]["responses"].pop("202"),
        ),
        (
            "response-bound-widened",
            lambda d: d["components"]["schemas"]["RateLimitCount"].pop("minimum"),
        ),
        (
            "response-required-widened",
            lambda d: d["components"]["schemas"]["SyncAccepted"].pop("required"),
        ),
    ],
    ids=["remove the path", "remove the 202", "drop minimum: 0 from the count", "loosen the 202"],
)
def test_breaking_change_fails_and_names_its_rule(
    clone: Path, contract: Path, rule: str, change: Callable[[dict[str, Any]], None]
) -> None:
    edit(contract, change)
    result = review(clone, "--base", "HEAD")
    assert result.returncode == 1
    assert f"| **breaking** | `{rule}` |" in result.stdout
    assert f"FAILED: 1 breaking change(s) ({rule}) not acknowledged" in result.stdout


def test_description_edit_passes_and_says_to_regenerate(clone: Path, contract: Path) -> None:
    edit(contract, lambda d: d["paths"][PATH]["post"].__setitem__("summary", "Trigger a sync now"))
    result = review(clone, "--base", "HEAD")
    assert result.returncode == 0, result.stdout
    assert "| info | `documentation` |" in result.stdout
    assert "PASSED: 1 change(s): 0 breaking, 0 warning, 1 info." in result.stdout
    assert "**Regenerate the client:** its code differs from a fresh generation" in result.stdout
    assert "Before merging: run `make generate` and commit `generated/`." in result.stdout


def test_removed_error_status_is_a_warning_that_passes(clone: Path, contract: Path) -> None:
    edit(contract, lambda d: d["paths"][PATH]["post"]["responses"].pop("404"))
    result = review(clone, "--base", "HEAD")
    assert result.returncode == 0, result.stdout
    assert "| **warning** | `response-error-status-removed` |" in result.stdout
    assert "PASSED: 1 change(s): 0 breaking, 1 warning, 0 info." in result.stdout


def test_a_ref_to_nothing_is_a_one_line_error(clone: Path, contract: Path) -> None:
    edit(contract, lambda d: d["components"]["responses"].pop("NotFound"))
    result = review(clone, "--base", "HEAD")
    assert result.returncode == 2
    assert result.stderr == (
        "review: the contract in the working tree has a $ref to nothing: "
        "#/components/responses/NotFound\n"
    )


def test_unclassified_change_fails_even_with_a_major_bump(clone: Path, contract: Path) -> None:
    def one_of_and_bump(document: dict[str, Any]) -> None:
        document["components"]["schemas"]["Error"]["oneOf"] = [{"type": "object"}]
        document["info"]["version"] = "2.0.0"

    edit(contract, one_of_and_bump)
    result = review(clone, "--base", "HEAD")
    assert result.returncode == 1
    assert "| **unclassified** | `unclassified` | `components > schemas > Error > oneOf`" in (
        result.stdout
    )
    assert "FAILED: 1 unclassified change(s)" in result.stdout


def test_generated_client_change_is_listed(clone: Path, contract: Path) -> None:
    edit(contract, lambda d: d["paths"][PATH]["post"].__setitem__("operationId", "startSync"))
    result = review(clone, "--base", "HEAD")
    assert "**removed** `api.cloud_data_ingestion.trigger_integration_sync.sync`" in result.stdout
    assert "added `api.cloud_data_ingestion.start_sync.sync`" in result.stdout


def test_major_version_bump_acknowledges_a_breaking_change(clone: Path, contract: Path) -> None:
    def lower_limit_and_bump(document: dict[str, Any]) -> None:
        document["paths"][PATH]["post"]["x-braze-rate-limit"]["limit"] = 10
        document["info"]["version"] = "2.0.0"

    edit(contract, lower_limit_and_bump)
    result = review(clone, "--base", "HEAD")
    assert result.returncode == 0, result.stdout
    assert "| **breaking** | `rate-limit-lowered` |" in result.stdout
    assert (
        "PASSED: 2 change(s): 1 breaking (acknowledged by the major version 2.0.0), 0 warning, "
        "1 info." in result.stdout
    )


def test_rendered_reference_is_complete_with_scripts_removed(clone: Path) -> None:
    review(clone, "--base", "HEAD")
    page = (clone / "build" / "reference.html").read_text()
    text = html.unescape(
        re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", "", page, flags=re.S))
    )
    text = " ".join(text.split())
    contract = model.load(clone / CONTRACT)
    for operation in contract.operations.values():
        assert operation.operation_id in text
        assert operation.permission in text
        rule = operation.rate_limit
        assert f"{rule.limit} requests per {rule.window_seconds} seconds" in text
        for status in operation.statuses:
            assert f" {status} " in text
    for message in dataclasses.asdict(contract.messages).values():
        assert message in text
    assert "<script" not in page
    assert "http-equiv" not in page
    assert not re.search(r"""(src|href)=["']https?:""", page)


def test_unknown_base_is_a_one_line_error(clone: Path) -> None:
    result = review(clone, "--base", "no-such-ref")
    assert result.returncode == 2
    assert result.stderr.startswith("review: cannot read openapi/openapi.yaml at 'no-such-ref'")
    assert result.stderr.count("\n") == 1


def test_readme_sample_is_what_the_review_prints(clone: Path, contract: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("For example, dropping `minimum: 0`")
    sample = readme[readme.index("```\n", start) + 4 : readme.index("\n```", start)]

    def as_in_the_readme(document: dict[str, Any]) -> None:
        document["components"]["schemas"]["RateLimitCount"].pop("minimum")
        document["paths"][PATH]["post"]["summary"] = "Trigger a sync of an integration"

    edit(contract, as_in_the_readme)
    result = review(clone, "--base", "HEAD")
    assert result.returncode == 1
    printed = result.stdout.splitlines()
    missing = [line for line in sample.splitlines() if line and line not in printed]
    assert not missing, f"README lines the review does not print: {missing}"
