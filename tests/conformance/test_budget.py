"""`--budget N`: the run never sends more than N triggers (and to each read the same share of its
own documented limit), every probe fits in one window of each limit, and what was not explored
because of the budget is said.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from braze_cdi_conformance.run import Options
from braze_cdi_conformance.suite import default_budget, side_effects
from braze_cdi_contract import Contract
from braze_cdi_contract import load as load_contract
from braze_cdi_contract.serving import serve_in_thread
from braze_cdi_reference.app import ReferenceServer
from braze_cdi_reference.fixtures import (
    DEMO_INTEGRATIONS,
    DEMO_KEY,
    DEMO_LIMITED_KEY,
    demo_fixtures,
)
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.support import run_module

KEYS = {"TOKEN": DEMO_KEY, "LIMITED_TOKEN": DEMO_LIMITED_KEY}


class Counting:
    """An ASGI wrapper that counts the HTTP requests an application receives, by operation."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.requests = 0
        self.triggers = 0
        self.integration_lists = 0
        self.job_statuses = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.requests += 1
            path = scope["path"]
            if path.endswith("/job_sync_status"):
                self.job_statuses += 1
            elif path.rstrip("/") == "/cdi/integrations":
                self.integration_lists += 1
            else:
                self.triggers += 1  # the trigger, and any other path, spend the trigger's budget
        await self.app(scope, receive, send)


@pytest.fixture(params=[20, 60], ids=["Braze's 20 a minute", "10 per 20 s, so answers are 429"])
def braze_limited(request: pytest.FixtureRequest) -> Iterator[tuple[str, Counting]]:
    fixtures = demo_fixtures().with_braze_limits(load_contract())
    if request.param != 20:
        trigger = load_contract().trigger.operation_id
        fixtures = replace(
            fixtures, operation_limits={**fixtures.operation_limits, trigger: (10, 20)}
        )
    counting = Counting(ReferenceServer(fixtures).app)
    with serve_in_thread(counting) as url:
        yield url, counting


def test_the_budget_is_never_exceeded(braze_limited: tuple[str, Counting]) -> None:
    url, counting = braze_limited
    result = run_module(
        *("proving_ground.judge", "--base-url", url, "--integration-id", DEMO_INTEGRATIONS[0]),
        *("--budget", "20", "--seed", "4", "--busy-wait", "0"),
        env=KEYS,
        timeout=200,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert counting.triggers <= 20
    assert counting.integration_lists <= 50
    assert counting.job_statuses <= 100
    assert (
        "the budget (--budget 20): 20 of 20 to POST /cdi/integrations/{integration_id}/sync, "
        in (result.stdout)
    )


def test_every_probe_fits_one_window_without_a_wait() -> None:
    limited = demo_fixtures().with_braze_limits(load_contract())
    counting = Counting(ReferenceServer(limited).app)
    with serve_in_thread(counting) as url:
        result = run_module(
            *("proving_ground.judge", "--base-url", url, "--integration-id", DEMO_INTEGRATIONS[0]),
            *("--budget", "20", "--seed", "4"),
            env=KEYS,
            timeout=120,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SKIP" not in result.stdout  # every check, every probe among them, judged
    assert "of it waiting" not in result.stdout  # no wait for a reset
    assert "waiting" not in result.stderr
    assert counting.triggers <= 20
    assert "not explored because of it: 100 of 100 generated requests" in result.stdout


def test_hosts_elsewhere_get_a_budget_that_leaves_room_in_one_window(contract: Contract) -> None:
    assert default_budget(contract) == 18  # 20 a minute, less a tenth (at least 2)
    options = Options(base_url="https://rest.iad-01.braze.com", token="k", budget=18)
    assert "at most 18 requests (--budget; the documented limit is 20 per 60 s)" in (
        side_effects(options, contract)
    )
