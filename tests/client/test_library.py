"""What a Python user expects of the library: a client from the environment or an instance
name, a timeout in seconds, its own User-Agent, a quiet logger, jobs that know their integration.
"""

from __future__ import annotations

import logging

import httpx
import pytest
from braze_cdi_client.contract_facts import SERVERS
from braze_cdi_contract.serving import serve_in_thread
from braze_cdi_reference.fixtures import DEMO_INTEGRATIONS, DEMO_KEY
from braze_cdi_sync import AsyncCdiClient, CdiClient, Job, __version__
from braze_cdi_sync.clients import ENDPOINT_VARIABLE, KEY_VARIABLE
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def test_from_env_takes_an_instance_name_and_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_VARIABLE, DEMO_KEY)
    monkeypatch.setenv(ENDPOINT_VARIABLE, "eu-01")
    with CdiClient.from_env() as braze:
        assert str(braze.generated.get_httpx_client().base_url) == SERVERS["EU-01"]


def test_from_env_without_the_key_is_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    monkeypatch.setenv(ENDPOINT_VARIABLE, "US-03")
    with pytest.raises(ValueError, match=rf"^{KEY_VARIABLE} is not set"):
        AsyncCdiClient.from_env()


def test_an_instance_name_is_taken_wherever_a_base_url_is() -> None:
    with CdiClient("US-03", DEMO_KEY) as braze:
        assert str(braze.generated.get_httpx_client().base_url) == SERVERS["US-03"]
    with pytest.raises(ValueError, match="unknown instance 'XX-99'"):
        CdiClient("XX-99", DEMO_KEY)


def test_a_timeout_in_seconds_is_a_timeout() -> None:
    with CdiClient("US-01", DEMO_KEY, timeout=12.5) as braze:
        timeout = braze.generated.get_httpx_client().timeout
    assert (timeout.read, timeout.connect) == (12.5, 10.0)


def test_requests_carry_the_packages_user_agent() -> None:
    seen: list[str] = []

    async def answer(request: Request) -> Response:
        seen.append(request.headers.get("user-agent", ""))
        return JSONResponse({"results": [], "message": "success"})

    app = Starlette(routes=[Route("/cdi/integrations", answer)])
    with serve_in_thread(app) as url, CdiClient(url, DEMO_KEY) as braze:
        assert list(braze.list_integrations()) == []
    assert seen == [f"braze-cdi-sync/{__version__}"]


def test_the_package_logger_has_a_null_handler() -> None:
    handlers = logging.getLogger("braze_cdi_sync").handlers
    assert any(isinstance(handler, logging.NullHandler) for handler in handlers)


def test_a_job_knows_its_integration_and_whether_it_succeeded() -> None:
    integration = DEMO_INTEGRATIONS[0]
    ended = Job.from_item({"job_status": "success"}, integration_id=integration)
    assert ended.integration_id == integration
    assert ended.succeeded
    assert not Job.from_item({"job_status": "partial"}).succeeded
    assert ended.as_dict()["integration_id"] == integration


def test_jobs_read_from_the_status_carry_the_integration(reference_url: str) -> None:
    integration = DEMO_INTEGRATIONS[0]
    with CdiClient(reference_url, DEMO_KEY) as braze:
        jobs = list(braze.job_sync_status(integration))
    assert jobs
    assert {job.integration_id for job in jobs} == {integration}


def test_a_timeout_of_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="more than 0 seconds"):
        CdiClient("US-01", DEMO_KEY, timeout=0)
    assert isinstance(CdiClient("US-01", DEMO_KEY, timeout=httpx.Timeout(3.0)), CdiClient)
