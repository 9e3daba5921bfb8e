"""What the client does with a rate limit a server states wrongly: a reset in the past, far
ahead, or not a number counts as one documented window; never more triggers in a window than
the documented limit. Against a server on loopback that refuses every trigger with 429, and a
fake clock the client's sleeps advance.
"""

from __future__ import annotations

import itertools

import pytest
from braze_cdi_client.contract_facts import (
    OVER_RATE_LIMIT_MESSAGE,
    TRIGGER_INTEGRATION_SYNC_RATE_LIMIT,
    TRIGGER_INTEGRATION_SYNC_RATE_WINDOW_SECONDS,
)
from braze_cdi_contract.serving import serve_in_thread
from braze_cdi_reference.fixtures import DEMO_INTEGRATIONS, DEMO_KEY
from braze_cdi_sync import CdiClient, Retry, WaitTimedOut
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.client.test_client import FakeTime

INTEGRATION = DEMO_INTEGRATIONS[0]
NO_JITTER = Retry(attempts=4, base_seconds=1.0, max_seconds=8.0, jitter=lambda: 1.0)


def always_over_the_limit(clock: FakeTime, reset: str, triggers: list[float]) -> Starlette:
    """Every trigger 429 `Over rate limit` with the given X-RateLimit-Reset (`{past}`, `{year}`
    are filled in from the clock); the job status lists nothing.
    """

    async def trigger(request: Request) -> Response:
        triggers.append(clock.now)
        value = reset.format(past=int(clock.now) - 30, year=int(clock.now) + 365 * 86400)
        headers = {
            "X-RateLimit-Limit": "20",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": value,
        }
        return JSONResponse({"message": OVER_RATE_LIMIT_MESSAGE}, 429, headers)

    async def status(request: Request) -> Response:
        return JSONResponse({"results": [], "message": "success"})

    return Starlette(
        routes=[
            Route("/cdi/integrations/{integration_id}/sync", trigger, methods=["POST"]),
            Route("/cdi/integrations/{integration_id}/job_sync_status", status, methods=["GET"]),
        ]
    )


@pytest.mark.parametrize(
    "reset", ["{past}", "soon", "{year}"], ids=["past", "not a number", "a year ahead"]
)
def test_a_wrong_reset_counts_as_one_window_and_the_limit_holds(reset: str) -> None:
    clock = FakeTime()
    triggers: list[float] = []
    app = always_over_the_limit(clock, reset, triggers)
    window = TRIGGER_INTEGRATION_SYNC_RATE_WINDOW_SECONDS
    with (
        serve_in_thread(app) as url,
        CdiClient(url, DEMO_KEY, sleep=clock.sleep, clock=clock, retry=NO_JITTER) as braze,
        pytest.raises(WaitTimedOut),
    ):
        braze.sync_and_wait(INTEGRATION, timeout=10 * window, poll=5)
    gaps = [later - earlier for earlier, later in itertools.pairwise(triggers)]
    assert len(triggers) >= 2
    assert all(window <= gap <= window + 2 for gap in gaps)  # one window each, no hot loop
    for start in triggers:
        in_window = [moment for moment in triggers if start <= moment < start + window]
        assert len(in_window) <= TRIGGER_INTEGRATION_SYNC_RATE_LIMIT


def test_a_reset_past_the_deadline_ends_the_wait_at_once() -> None:
    clock = FakeTime()
    triggers: list[float] = []
    app = always_over_the_limit(clock, "{year}", triggers)
    started = clock.now
    with (
        serve_in_thread(app) as url,
        CdiClient(url, DEMO_KEY, sleep=clock.sleep, clock=clock, retry=NO_JITTER) as braze,
        pytest.raises(WaitTimedOut, match="rate limit"),
    ):
        braze.sync_and_wait(INTEGRATION, timeout=20, poll=5)
    assert clock.now - started < 1  # no sleep that would pass the deadline was taken
    assert len(triggers) == 1
