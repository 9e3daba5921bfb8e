"""`python -m tools.render`: the contract as a static page, complete with its scripts removed."""

from __future__ import annotations

import copy
import dataclasses
import html
import re
from pathlib import Path
from typing import Any

import yaml

from contract import DOCUMENT, model
from tests.support import run_module
from tools import render

DOCUMENT_DATA: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text())
PATH = "/cdi/integrations/{integration_id}/sync"


def readable_text(page: str) -> str:
    """What a reader sees with scripts off: the page without scripts and tags."""
    without_scripts = re.sub(r"<(script|style).*?</\1>", "", page, flags=re.S | re.I)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", without_scripts)).split())


def test_every_promise_of_the_contract_is_in_the_text() -> None:
    text = readable_text(render.render(DOCUMENT_DATA))
    contract = model.load(DOCUMENT)
    for operation in contract.operations.values():
        assert f"{operation.method} {operation.path}".upper() in text.upper()
        assert operation.permission in text
        assert (
            f"{operation.rate_limit.limit} requests per {operation.rate_limit.window_seconds} "
            f"seconds, counted per {operation.rate_limit.scope}"
        ) in text
        for status in operation.statuses:
            assert f" {status} " in text
    for message in dataclasses.asdict(contract.messages).values():
        assert f'"message": "{message}"' in text
    for url, instance in contract.servers:
        assert f"{instance} {url}" in text


def test_the_page_loads_nothing_and_runs_nothing() -> None:
    page = render.render(DOCUMENT_DATA)
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)


def test_links_and_request_bodies_are_shown() -> None:
    document = copy.deepcopy(DOCUMENT_DATA)
    operation = document["paths"][PATH]["post"]
    operation["requestBody"] = {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
    operation["responses"]["202"]["links"] = {
        "again": {"operationId": "triggerIntegrationSync", "description": "Trigger it again."}
    }
    text = readable_text(render.render(document))
    assert "Request body (required)" in text
    assert "Link again → triggerIntegrationSync" in text
    assert "Trigger it again." in text


def test_descriptions_are_escaped() -> None:
    document = copy.deepcopy(DOCUMENT_DATA)
    document["info"]["description"] = "Use <b>no</b> `<script>` here."
    page = render.render(document)
    assert "<b>no</b>" not in page
    assert "<code>&lt;script&gt;</code>" in page


def test_command_writes_the_page(tmp_path: Path) -> None:
    output = tmp_path / "out" / "reference.html"
    result = run_module("tools.render", "--output", str(output))
    assert result.returncode == 0, result.stderr
    assert "triggerIntegrationSync" in output.read_text()


def test_unwritable_output_is_a_one_line_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = run_module("tools.render", "--output", str(blocker / "reference.html"))
    assert result.returncode == 2
    assert result.stderr.startswith("render: cannot write ")
    assert result.stderr.count("\n") == 1
