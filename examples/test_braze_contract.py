"""The Braze CDI contract held from pytest, with schemathesis' pytest integration.

Copy this module into your own test suite, or run it from the repository root:

    export BASE_URL=http://127.0.0.1:8080 TOKEN=<key> INTEGRATION_ID=<an existing integration>
    pytest examples/test_braze_contract.py

`schemathesis.toml` (found from the current directory up) supplies the key, the integration and
the statuses Braze may answer; `braze_cdi_conformance.schemathesis_hooks` adds the project's
single-answer checks to schemathesis' own, so every generated request is judged as `schemathesis
run` judges it.
"""

from __future__ import annotations

import os
from typing import Any

import braze_cdi_conformance.schemathesis_hooks  # noqa: F401 - registers the checks
import pytest
import schemathesis

schema = schemathesis.openapi.from_path("openapi/openapi.yaml")


@pytest.fixture(scope="session")
def base_url() -> str:
    """The server under test: BASE_URL."""
    return os.environ.get("BASE_URL") or pytest.fail("set BASE_URL to the server to test")


@schema.parametrize()
def test_the_contract_is_kept(case: schemathesis.Case[Any], base_url: str) -> None:
    case.call_and_validate(base_url=base_url)
