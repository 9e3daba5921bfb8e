"""`python -m tools.render`: the contract as a static page, complete with its scripts removed."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml
from braze_cdi_contract import DOCUMENT

from tests.support import assert_every_fact_of_the_contract, readable_text, run_module
from tools import render

DOCUMENT_DATA: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text())
PATH = "/cdi/integrations/{integration_id}/sync"


def test_every_promise_of_the_contract_is_in_the_text() -> None:
    assert_every_fact_of_the_contract(render.render(DOCUMENT_DATA))


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
