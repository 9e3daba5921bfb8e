"""The client layer: every answer is a typed outcome or one BrazeApiError, over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from braze_cdi_client import AuthenticatedClient
from braze_cdi_client.api.cloud_data_ingestion import trigger_integration_sync
from braze_cdi_contract import load as load_contract
from braze_cdi_contract.serving import serve_in_thread
from braze_cdi_reference.app import ReferenceServer
from braze_cdi_reference.fixtures import (
    DEMO_INTEGRATIONS,
    DEMO_KEY,
    DEMO_LIMITED_KEY,
    Fixtures,
    demo_fixtures,
)
from braze_cdi_sync import (
    DEFAULT_TIMEOUT,
    IN_PROGRESS_MESSAGE,
    AsyncCdiClient,
    AuthenticationFailed,
    BrazeApiError,
    CdiClient,
    NotFound,
    Outcome,
    PermissionDenied,
    RateLimited,
    SyncInProgress,
    SyncStarted,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

INTEGRATION, OTHER = DEMO_INTEGRATIONS
UNKNOWN = "11111111-2222-4333-8444-555555555555"
OPERATION = "/cdi/integrations/{integration_id}/sync"


class FakeTime:
    """A clock shared by the server and the client; sleeping advances it."""

    def __init__(self) -> None:
        self.now = 1_800_000_030.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


def fixtures(*, rate_limit: int = 1000) -> Fixtures:
    base = demo_fixtures()
    return Fixtures(keys=base.keys, integrations=base.integrations, rate_limit=rate_limit)


@pytest.fixture
def reference_url() -> Iterator[str]:
    with serve_in_thread(ReferenceServer(fixtures()).app) as url:
        yield url


def tiny_server(response: Response) -> Starlette:
    """A server that answers every trigger with the same response."""

    async def answer(request: Request) -> Response:
        return response

    return Starlette(
        routes=[Route("/cdi/integrations/{integration_id}/sync", answer, methods=["POST"])]
    )


def trigger_on(app: Starlette) -> Outcome:
    with serve_in_thread(app) as url, CdiClient(url, DEMO_KEY) as client:
        return client.trigger_sync(INTEGRATION)


def test_202_is_sync_started_with_integer_rate_limit_headers(reference_url: str) -> None:
    with CdiClient(reference_url, DEMO_KEY) as client:
        outcome = client.trigger_sync(INTEGRATION)
    assert isinstance(outcome, SyncStarted)
    assert outcome.body is not None
    assert outcome.body.message == "success"
    assert outcome.odd is None
    assert (outcome.rate_limit.limit, outcome.rate_limit.remaining) == (1000, 999)
    assert isinstance(outcome.rate_limit.reset, int)


def test_second_trigger_is_sync_in_progress(reference_url: str) -> None:
    with CdiClient(reference_url, DEMO_KEY) as client:
        client.trigger_sync(INTEGRATION)
        outcome = client.trigger_sync(INTEGRATION)
    assert outcome == SyncInProgress(IN_PROGRESS_MESSAGE, outcome.rate_limit)


def test_over_the_rate_limit_is_rate_limited_with_the_reset_time() -> None:
    server = ReferenceServer(fixtures(rate_limit=1))
    with serve_in_thread(server.app) as url, CdiClient(url, DEMO_KEY) as client:
        assert isinstance(client.trigger_sync(OTHER), SyncStarted)
        outcome = client.trigger_sync(INTEGRATION)
    assert isinstance(outcome, RateLimited)
    assert outcome.message == "Over rate limit"
    assert outcome.rate_limit.remaining == 0
    assert isinstance(outcome.rate_limit.reset, int)


@pytest.mark.parametrize(
    ("key", "integration_id", "status", "message", "kind", "told"),
    [
        ("not-a-key", INTEGRATION, 401, "Invalid API key", AuthenticationFailed, ""),
        (
            DEMO_LIMITED_KEY,
            INTEGRATION,
            403,
            "Access Denied",
            PermissionDenied,
            " (the operation needs cdi.integration_sync)",
        ),
        (DEMO_KEY, "abc", 400, "Invalid integration ID", NotFound, ""),
        (DEMO_KEY, UNKNOWN, 404, "Integration not found", NotFound, ""),
    ],
)
def test_documented_errors_raise_the_subclass_users_branch_on_with_their_message(
    reference_url: str,
    key: str,
    integration_id: str,
    status: int,
    message: str,
    kind: type[BrazeApiError],
    told: str,
) -> None:
    with CdiClient(reference_url, key) as client, pytest.raises(kind) as raised:
        client.trigger_sync(integration_id)
    assert (raised.value.status_code, raised.value.message) == (status, message)
    assert str(raised.value) == f"{status}: {message}{told}"


def test_error_carries_headers_and_rate_limit(reference_url: str) -> None:
    with CdiClient(reference_url, DEMO_KEY) as client, pytest.raises(BrazeApiError) as raised:
        client.trigger_sync(UNKNOWN)
    assert raised.value.headers["x-ratelimit-limit"] == "1000"
    assert raised.value.rate_limit.limit == 1000


def test_status_outside_httpstatus_is_braze_api_error() -> None:
    with pytest.raises(BrazeApiError) as raised:
        trigger_on(tiny_server(JSONResponse({"message": "Origin error"}, 520)))
    assert (raised.value.status_code, raised.value.message) == (520, "Origin error")


def test_generated_client_alone_raises_value_error_on_520() -> None:
    # Why the layer exists: the generated module builds HTTPStatus(520), which does not exist.
    with serve_in_thread(tiny_server(JSONResponse({"message": "x"}, 520))) as url:
        client = AuthenticatedClient(base_url=url, token=DEMO_KEY)
        with pytest.raises(ValueError, match="520"):
            trigger_integration_sync.sync_detailed(INTEGRATION, client=client)
        client.get_httpx_client().close()


def test_503_on_a_trigger_is_an_error_that_says_the_sync_may_have_started() -> None:
    page = Response("<html>Service Unavailable</html>", 503, media_type="text/html")
    with pytest.raises(BrazeApiError) as raised:
        trigger_on(tiny_server(page))
    assert raised.value.status_code == 503
    assert "the sync may have started" in raised.value.message


def test_202_with_an_unexpected_body_is_a_started_sync_that_says_what_was_odd() -> None:
    outcome = trigger_on(tiny_server(JSONResponse({"status": "queued"}, 202)))
    assert isinstance(outcome, SyncStarted)
    assert outcome.body is None
    assert outcome.odd is not None
    assert "not the documented JSON" in outcome.odd


def test_202_with_extra_fields_is_sync_started() -> None:
    outcome = trigger_on(tiny_server(JSONResponse({"message": "success", "job_id": 7}, 202)))
    assert isinstance(outcome, SyncStarted)
    assert outcome.body is not None
    assert outcome.body["job_id"] == 7
    assert outcome.odd is None


def test_429_with_an_html_body_is_rate_limited_not_a_crash() -> None:
    outcome = trigger_on(tiny_server(Response("slow down", 429, media_type="text/plain")))
    assert isinstance(outcome, RateLimited)
    assert outcome.message == "slow down"


def test_default_timeout_is_set() -> None:
    with CdiClient("http://127.0.0.1:9", DEMO_KEY) as client:
        assert client.generated.get_httpx_client().timeout == DEFAULT_TIMEOUT
    assert DEFAULT_TIMEOUT.read == 30.0


def test_a_trigger_that_times_out_is_an_error_not_an_httpx_exception() -> None:
    async def slow(request: Request) -> Response:
        await asyncio.sleep(1)
        return JSONResponse({"message": "success"}, 202)

    app = Starlette(routes=[Route(OPERATION, slow, methods=["POST"])])
    short = httpx.Timeout(0.1)
    with (
        serve_in_thread(app) as url,
        CdiClient(url, DEMO_KEY, timeout=short) as client,
        pytest.raises(BrazeApiError, match="ReadTimeout") as raised,
    ):
        client.trigger_sync(INTEGRATION)
    assert raised.value.status_code == 0  # no answer came


def test_empty_key_is_refused_in_one_sentence() -> None:
    with pytest.raises(ValueError, match=r"^api_key is empty; pass a Braze REST API key"):
        CdiClient("http://127.0.0.1:9", "")


def test_in_progress_message_matches_the_contract() -> None:
    assert load_contract().messages.another_job_in_progress == IN_PROGRESS_MESSAGE


# The waiting helper, with one fake clock for the server and the client.


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def limited_url(fake_time: FakeTime) -> Iterator[str]:
    with serve_in_thread(ReferenceServer(fixtures(rate_limit=1), clock=fake_time).app) as url:
        yield url


def test_waiting_helper_waits_for_the_reset_then_starts_the_sync(
    limited_url: str, fake_time: FakeTime
) -> None:
    with CdiClient(limited_url, DEMO_KEY, sleep=fake_time.sleep, clock=fake_time) as client:
        assert isinstance(client.trigger_sync(OTHER), SyncStarted)
        outcome = client.trigger_sync_when_allowed(INTEGRATION)
    assert isinstance(outcome, SyncStarted)
    assert fake_time.sleeps == [30.5]  # the window of 60 s resets at ...060; now is ...030


def test_waiting_helper_never_retries_a_sync_in_progress(
    reference_url: str, fake_time: FakeTime
) -> None:
    with CdiClient(reference_url, DEMO_KEY, sleep=fake_time.sleep, clock=fake_time) as client:
        client.trigger_sync(INTEGRATION)
        outcome = client.trigger_sync_when_allowed(INTEGRATION)
    assert isinstance(outcome, SyncInProgress)
    assert fake_time.sleeps == []


def test_waiting_helper_gives_up_when_the_reset_is_beyond_its_bound(
    limited_url: str, fake_time: FakeTime
) -> None:
    with CdiClient(limited_url, DEMO_KEY, sleep=fake_time.sleep, clock=fake_time) as client:
        client.trigger_sync(OTHER)
        outcome = client.trigger_sync_when_allowed(INTEGRATION, max_wait_seconds=10)
    assert isinstance(outcome, RateLimited)
    assert fake_time.sleeps == []


def test_async_client_triggers_and_waits_like_the_blocking_one(
    limited_url: str, fake_time: FakeTime
) -> None:
    async def scenario() -> tuple[object, object]:
        async with AsyncCdiClient(
            limited_url, DEMO_KEY, sleep=fake_time.async_sleep, clock=fake_time
        ) as client:
            first = await client.trigger_sync(OTHER)
            second = await client.trigger_sync_when_allowed(INTEGRATION)
        return first, second

    first, second = asyncio.run(scenario())
    assert isinstance(first, SyncStarted)
    assert isinstance(second, SyncStarted)
    assert fake_time.sleeps == [30.5]


def test_async_client_raises_the_same_error(reference_url: str) -> None:
    async def scenario() -> None:
        async with AsyncCdiClient(reference_url, "not-a-key") as client:
            await client.trigger_sync(INTEGRATION)

    with pytest.raises(BrazeApiError) as raised:
        asyncio.run(scenario())
    assert raised.value.status_code == 401


def test_202_with_a_body_that_is_not_json_is_a_started_sync() -> None:
    outcome = trigger_on(tiny_server(Response("accepted", 202, media_type="text/plain")))
    assert isinstance(outcome, SyncStarted)
    assert outcome.odd == "its body is not the documented JSON (accepted)"


def test_202_with_the_documented_body_as_text_is_a_started_sync_that_names_its_type() -> None:
    outcome = trigger_on(
        tiny_server(Response('{"message": "success"}', 202, media_type="text/plain"))
    )
    assert isinstance(outcome, SyncStarted)
    assert outcome.body is not None
    assert outcome.odd == "its Content-Type is text/plain, not application/json"
