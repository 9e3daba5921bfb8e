"""The control API as a process serves it (`braze-cdi-reference --control`): every route, held
to its document (control.yaml, which lint-spec checks), each refusal one line, and the contract's
own paths answering as they do without it (the suite passes the double with it on).
"""

from __future__ import annotations

import re
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml
from braze_cdi_reference.app import CONTROL_PREFIX, ReferenceServer
from braze_cdi_reference.control import DOCUMENT, control_routes
from braze_cdi_reference.fixtures import DEMO_INTEGRATIONS, DEMO_KEY, demo_fixtures

SPEC: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text())
INTEGRATION = DEMO_INTEGRATIONS[0]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def double() -> Iterator[str]:
    """`braze-cdi-reference --control` as its own process; its URL."""
    process = subprocess.Popen(
        [str(BIN / "braze-cdi-reference"), "--port", "0", "--control", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 30)
        assert ready
        url = re.search(r"http://127\.0\.0\.1:\d+", process.stdout.readline())
        assert url
        rest = []
        while True:
            line = process.stdout.readline()
            rest.append(line)
            if line.startswith("Control API"):
                break
        assert f"{url[0]}{CONTROL_PREFIX}" in rest[-1]
        yield url[0]
    finally:
        process.terminate()
        process.communicate(timeout=30)


@pytest.fixture
def control(double: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=double) as client:
        assert client.post(f"{CONTROL_PREFIX}/reset").status_code == 204
        yield client


def _schema(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}", "components": SPEC["components"]}


def _holds(answer: httpx.Response, schema: dict[str, Any]) -> None:
    jsonschema.validate(answer.json(), schema)


def _answer_schema(path: str, method: str, status: int) -> dict[str, Any] | None:
    """The JSON schema the document gives an answer, or None for one without a body."""
    given = SPEC["paths"][path][method]["responses"][str(status)]
    if "$ref" in given:
        given = SPEC["components"]["responses"][given["$ref"].rsplit("/", 1)[1]]
    content = given.get("content")
    if not content:
        return None
    return {**content["application/json"]["schema"], "components": SPEC["components"]}


def test_every_route_is_in_the_document_and_every_operation_is_served() -> None:
    served = {
        (route.path, method.lower())
        for route in control_routes(ReferenceServer(demo_fixtures()))
        if "{rest:path}" not in route.path
        for method in (route.methods or set())
        if method != "HEAD"
    }
    documented = {
        (path, method)
        for path, item in SPEC["paths"].items()
        for method in item
        if method != "parameters"
    }
    assert served == documented


def test_reset_and_the_clock(control: httpx.Client) -> None:
    state = control.get(f"{CONTROL_PREFIX}/clock")
    _holds(state, _schema("Clock"))
    moved = control.post(f"{CONTROL_PREFIX}/clock", json={"freeze": True, "advance": 7200})
    assert moved.status_code == 200
    assert moved.json()["frozen"] is True
    assert moved.json()["now"] >= state.json()["now"] + 7200
    refused = control.post(f"{CONTROL_PREFIX}/clock", json={"advance": -1})
    assert refused.status_code == 400
    _holds(refused, _schema("Refusal"))
    assert control.post(f"{CONTROL_PREFIX}/reset").status_code == 204
    assert control.get(f"{CONTROL_PREFIX}/clock").json()["frozen"] is False


def test_a_queued_sync_ends_as_scripted_seen_by_a_plain_http_client(control: httpx.Client) -> None:
    queued = control.post(
        f"{CONTROL_PREFIX}/integrations/{INTEGRATION}/next-syncs",
        json={
            "syncs": [
                {"status": "error", "seconds": 7200, "rows_synced": 0, "rows_failed_with_errors": 5}
            ]
        },
    )
    assert queued.status_code == 201
    _holds(
        queued,
        _answer_schema("/_control/integrations/{integration_id}/next-syncs", "post", 201) or {},
    )
    headers = {"Authorization": f"Bearer {DEMO_KEY}"}
    assert control.post(f"/cdi/integrations/{INTEGRATION}/sync", headers=headers).status_code == 202
    control.post(f"{CONTROL_PREFIX}/clock", json={"advance": 7201})
    job = control.get(f"/cdi/integrations/{INTEGRATION}/job_sync_status", headers=headers).json()
    assert job["results"][0]["job_status"] == "error"
    assert job["results"][0]["rows_failed_with_errors"] == 5


def test_a_scheduled_sync_and_a_history(control: httpx.Client) -> None:
    base = f"{CONTROL_PREFIX}/integrations/{INTEGRATION}"
    scheduled = control.post(
        f"{base}/scheduled-syncs", json={"in": 0, "status": "partial", "seconds": 0}
    )
    assert scheduled.status_code == 201
    history = control.put(f"{base}/history", json={"length": 35000, "every_seconds": 900})
    assert history.status_code == 200
    _holds(history, _schema("HistoryLength"))
    both = control.post(f"{base}/scheduled-syncs", json={"at": 1, "in": 1, "status": "success"})
    assert both.status_code == 400


def test_injections_are_kept_listed_given_and_cleared(control: httpx.Client) -> None:
    kept = control.post(
        f"{CONTROL_PREFIX}/injections",
        json={"operation_id": "listJobSyncStatus", "status": 503, "times": 2},
    )
    assert kept.status_code == 201
    _holds(kept, _schema("KeptInjection"))
    assert kept.json()["message"] == "Internal Server Error"
    listed = control.get(f"{CONTROL_PREFIX}/injections")
    assert [item["id"] for item in listed.json()] == [kept.json()["id"]]
    headers = {"Authorization": f"Bearer {DEMO_KEY}"}
    path = f"/cdi/integrations/{INTEGRATION}/job_sync_status"
    assert [control.get(path, headers=headers).status_code for _ in range(3)] == [503, 503, 200]
    control.post(
        f"{CONTROL_PREFIX}/injections",
        json={"operation_id": "listIntegrations", "fault": "close", "times": None},
    )
    assert control.delete(f"{CONTROL_PREFIX}/injections").status_code == 204
    assert control.get(f"{CONTROL_PREFIX}/injections").json() == []


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"operation_id": "listJobSyncStatus", "status": 409}, "does not answer 409"),
        (
            {"operation_id": "listIntegrations", "status": 404, "message": "Integration not found"},
            "does not answer 404",
        ),
        ({"operation_id": "nope"}, "no operation 'nope'"),
        ({"status": 500}, "names its operation_id"),
        ({"operation_id": "listIntegrations", "colour": "red"}, "unknown field 'colour'"),
        (
            {"operation_id": "listIntegrations", "fault": "close", "integration_id": "not-there"},
            "no integration 'not-there'",
        ),
    ],
)
def test_a_refused_injection_is_one_line_and_changes_nothing(
    control: httpx.Client, body: dict[str, Any], named: str
) -> None:
    refused = control.post(f"{CONTROL_PREFIX}/injections", json=body)
    assert refused.status_code == 400
    assert named in refused.json()["message"]
    assert "\n" not in refused.json()["message"]
    assert control.get(f"{CONTROL_PREFIX}/injections").json() == []


def test_the_journal_is_read_filtered_and_cleared_with_every_key_masked(
    control: httpx.Client,
) -> None:
    headers = {"Authorization": f"Bearer {DEMO_KEY}"}
    control.get("/cdi/integrations", headers=headers)
    control.get(f"/cdi/integrations/{INTEGRATION}/job_sync_status", headers=headers)
    every = control.get(f"{CONTROL_PREFIX}/requests")
    listed = {"type": "array", "items": {"$ref": "#/components/schemas/RecordedRequest"}}
    jsonschema.validate(every.json(), {**listed, "components": SPEC["components"]})
    assert DEMO_KEY not in every.text
    assert [entry["operation_id"] for entry in every.json()] == [
        "listIntegrations",
        "listJobSyncStatus",
    ]
    only = control.get(f"{CONTROL_PREFIX}/requests", params={"operation_id": "listJobSyncStatus"})
    assert len(only.json()) == 1
    assert control.get(f"{CONTROL_PREFIX}/requests", params={"colour": "red"}).status_code == 400
    assert control.delete(f"{CONTROL_PREFIX}/requests").status_code == 204
    assert control.get(f"{CONTROL_PREFIX}/requests").json() == []


def test_a_body_that_is_not_json_and_an_unknown_route_are_refused(control: httpx.Client) -> None:
    refused = control.post(
        f"{CONTROL_PREFIX}/injections",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert refused.status_code == 400
    assert "not JSON" in refused.json()["message"]
    assert control.get(f"{CONTROL_PREFIX}/nothing-here").status_code == 404


def test_without_control_the_prefix_is_an_unknown_path() -> None:
    from starlette.testclient import TestClient  # noqa: PLC0415

    with TestClient(ReferenceServer(demo_fixtures()).app) as client:
        answer = client.post(f"{CONTROL_PREFIX}/reset")
    assert answer.status_code == 404
    assert answer.json() == {"message": "Invalid URL"}


@pytest.mark.slow
def test_the_suite_passes_the_double_with_its_control_api_on(double: str) -> None:
    result = subprocess.run(
        [str(BIN / "braze-cdi-conformance"), "--base-url", double, "--max-examples", "20"],
        env={"PATH": str(BIN), "TOKEN": DEMO_KEY, "INTEGRATION_ID": INTEGRATION},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-500:]
