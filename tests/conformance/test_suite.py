"""The suite judges the reference server conformant over real HTTP and paces itself."""

from __future__ import annotations

import pytest
from braze_cdi_conformance.run import CannotJudge, Options, Status
from braze_cdi_conformance.suite import Result, is_loopback, judge, side_effects
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

CONTRACT = load_contract()


def run_against(fixtures: Fixtures, **options: object) -> Result:
    settings: dict[str, object] = {
        "token": DEMO_KEY,
        "integration_id": DEMO_INTEGRATIONS[0],
        "limited_token": DEMO_LIMITED_KEY,
        "seed": 7,
        "max_examples": 30,
        **options,
    }
    with serve_in_thread(ReferenceServer(fixtures).app) as url:
        return judge(Options(base_url=url, **settings), CONTRACT)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def reference_result() -> Result:
    return run_against(demo_fixtures())


def test_reference_server_is_conformant(reference_result: Result) -> None:
    statuses = {check.name: state.status for check, state in reference_result.checks}
    assert set(statuses.values()) == {Status.PASSED}, statuses


def test_every_generated_case_was_sent(reference_result: Result) -> None:
    assert reference_result.generated_cases >= 30
    assert reference_result.requests_sent > reference_result.generated_cases


def test_undocumented_methods_are_reported_not_failed(reference_result: Result) -> None:
    assert "undocumented methods answered: GET 405, PUT 405, PATCH 405, DELETE 405" in (
        reference_result.notes
    )


def test_without_integration_id_the_lifecycle_checks_are_skipped_with_a_reason() -> None:
    result = run_against(demo_fixtures(), integration_id=None, limited_token=None)
    skipped = {
        check.name: state.skip_reason
        for check, state in result.checks
        if state.status is Status.SKIPPED
    }
    assert skipped == {
        "documented-request": "no INTEGRATION_ID given",
        "concurrency": "no INTEGRATION_ID given",
        "sync-lifecycle": "no INTEGRATION_ID given",
        "job-status": "no INTEGRATION_ID given",
        "permission": "no LIMITED_TOKEN given",
        "too-many-requests": "nothing it applies to was observed",
        # (no integration was seen reached both before and after the list was read)
        "integration-listed": "nothing it applies to was observed",
    }
    assert result.conformant


def test_suite_waits_out_a_real_rate_limit_and_still_judges() -> None:
    base = demo_fixtures()
    tight = Fixtures(
        keys=base.keys, integrations=base.integrations, rate_limit=15, rate_window_seconds=1
    )
    result = run_against(tight, max_examples=10)
    assert result.conformant, [check.name for check in result.failed]
    assert result.seconds_waited > 0
    assert result.requests_sent > 15


def test_unknown_integration_id_cannot_be_judged() -> None:
    with pytest.raises(CannotJudge, match="does not know INTEGRATION_ID"):
        run_against(demo_fixtures(), integration_id="11111111-2222-4333-8444-555555555555")


def test_key_without_the_permission_cannot_be_judged() -> None:
    with pytest.raises(CannotJudge, match=r"lacks cdi\.integration_sync"):
        run_against(demo_fixtures(), token=DEMO_LIMITED_KEY)


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8080", True),
        ("http://localhost", True),
        ("http://[::1]:1", True),
        ("https://rest.iad-01.braze.com", False),
        ("http://10.0.0.1", False),
    ],
)
def test_loopback_detection(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


def test_side_effects_name_the_integration_and_the_sync_count() -> None:
    text = side_effects(
        Options(base_url="https://example.invalid", token="k", integration_id="abc"), CONTRACT
    )
    assert "may start up to 2 real syncs of integration abc" in text
    options = Options(base_url="https://example.invalid", token="k")
    assert "starts no sync" in side_effects(options, CONTRACT)
