"""Fixtures every part's tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from braze_cdi_contract import Contract
from braze_cdi_contract import load as load_contract
from braze_cdi_contract.serving import serve_in_thread
from braze_cdi_reference.app import ReferenceServer
from braze_cdi_reference.fixtures import demo_fixtures

from tests.support import USER_VARIABLES


@pytest.fixture(autouse=True)
def _without_the_users_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the variables a user exported for their own server (BASE_URL, TOKEN,
    LIMITED_TOKEN, LIMITED_PERMISSIONS, INTEGRATION_ID); a test that wants one sets it.
    """
    for name in USER_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def contract() -> Contract:
    """The model of openapi/openapi.yaml."""
    return load_contract()


@pytest.fixture(scope="module")
def reference_url() -> Iterator[str]:
    """The reference server with its demo fixtures, on a free loopback port, for one module."""
    with serve_in_thread(ReferenceServer(demo_fixtures()).app) as url:
        yield url
