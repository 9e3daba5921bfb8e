"""No input gets a 5xx or a dropped connection from the reference server."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from braze_cdi_contract import DOCUMENT
from braze_cdi_contract.serving import serve_in_thread
from braze_cdi_reference.app import ReferenceServer
from braze_cdi_reference.fixtures import DEMO_INTEGRATIONS, DEMO_KEY, demo_fixtures
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

FULL = {"Authorization": f"Bearer {DEMO_KEY}"}

# The default configuration: the repository's schemathesis.toml is for runs against a server.
schema = schemathesis.openapi.from_path(DOCUMENT, config=SchemathesisConfig())
schema.app = ReferenceServer(demo_fixtures(), clock=lambda: 1_800_000_000.0).app


@schema.parametrize()
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
def test_generated_requests_conform_in_process(case: schemathesis.Case[Any]) -> None:
    # Named checks, not the registry: a process that imported the project's schemathesis hooks
    # has more registered, and this server runs on a fixed clock. positive_data_acceptance is not
    # among them: Braze promises no ID format, so a schema-valid ID may get 400 or 404.
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
    ]
    case.call_and_validate(headers=FULL, checks=checks)


@pytest.mark.parametrize(
    "segment",
    [
        "%F0%9F%98%80" * 50,
        "%00",
        "..",
        "%2E%2E",
        "a%2Fb",
        "%25",
        "%FF%FE",
        "%20",
        "x" * 8_000,
        DEMO_INTEGRATIONS[0] + "%0A",
    ],
)
def test_odd_path_segments_over_http_get_a_4xx_json_answer(
    reference_url: str, segment: str
) -> None:
    with httpx.Client() as client:
        response = client.post(f"{reference_url}/cdi/integrations/{segment}/sync", headers=FULL)
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    "headers",
    [
        [(b"Authorization", b"Bearer \xff\xfe\x80")],
        [(b"Authorization", b"Bearer " + b"k" * 7_000)],
        [(b"Authorization", b"Bearer a"), (b"Authorization", b"Bearer b")],
        [(b"Authorization", f"Bearer {DEMO_KEY}".encode()), (b"Content-Type", b"text/\xff")],
        [(b"Authorization", f"Bearer {DEMO_KEY}".encode()), (b"Content-Length", b"0")],
    ],
    ids=["latin-1 key", "long key", "two keys", "odd content type", "empty body"],
)
def test_odd_headers_over_http_get_a_documented_answer(headers: list[tuple[bytes, bytes]]) -> None:
    with serve_in_thread(ReferenceServer(demo_fixtures()).app) as url, httpx.Client() as client:
        response = client.post(
            f"{url}/cdi/integrations/{DEMO_INTEGRATIONS[0]}/sync", headers=headers
        )
    assert response.status_code in {202, 401}
    assert response.headers["content-type"] == "application/json"
