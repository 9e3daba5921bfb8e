"""The promises that tie answers together (`invariants.py`), over parsed answers alone."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from braze_cdi_conformance.invariants import (
    INTEGRATION_LISTED,
    JOB_CONSISTENCY,
    Invariants,
    Judged,
)

RUNNING = ("running",)
ENDED = ("success", "partial", "error", "config_error")
KEY = "token-label"
ID = "3f2b8c1e-7d4a-4e6b-9c0d-1a2b3c4d5e6f"
OTHER = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


def invariants(*, either_side: bool = False) -> Invariants[str]:
    return Invariants(running=RUNNING, ended=ENDED, either_side=either_side)


def ended(start: str, finish: str, status: str = "success") -> dict[str, object]:
    return {"job_status": status, "sync_start_time": start, "sync_finish_time": finish}


def running(start: str) -> dict[str, object]:
    return {"job_status": "running", "sync_start_time": start}


def page(
    state: Invariants[str],
    items: list[dict[str, object]],
    *,
    at: float,
    ref: str = "page",
    integration_id: str = ID,
) -> Judged[str]:
    return state.job_page(
        principal=KEY,
        integration_id=integration_id,
        items=items,
        sent=at,
        received=at + 0.1,
        ref=ref,
    )


def rules(judged: Judged[str]) -> list[str]:
    return [finding.rule for finding in judged.findings]


def accepted(state: Invariants[str], *, at: float, integration_id: str = ID) -> Judged[str]:
    return state.trigger(
        principal=KEY,
        integration_id=integration_id,
        outcome="accepted",
        sent=at,
        received=at + 0.1,
        ref="trigger",
    )


# finish-before-start


def test_an_ended_job_that_finished_before_it_started_is_a_finding() -> None:
    judged = page(invariants(), [ended("2026-11-20T10:00:00Z", "2026-11-20T09:59:59Z")], at=1)
    assert rules(judged) == ["finish-before-start"]
    assert judged.findings[0].check == JOB_CONSISTENCY
    assert judged.findings[0].ref == "page"


@pytest.mark.parametrize(
    ("start", "finish"),
    [
        ("2026-11-20T10:00:00Z", "2026-11-20T10:00:00Z"),
        ("2026-11-20T10:00:00Z", "2026-11-20T05:00:02-05:00"),
        ("2026-11-20T10:00:00.500Z", "2026-11-20T10:00:01+00:00"),
        ("2026-11-20T10:00:00Z", "not a time"),
        ("2026-11-20T10:00:00Z", "2026-11-20T09:00:00"),
    ],
    ids=["finish equals start", "finish in another offset", "Z and +00:00", "no time", "naive"],
)
def test_an_ended_job_with_a_finish_not_before_its_start_is_no_finding(
    start: str, finish: str
) -> None:
    judged = page(invariants(), [ended(start, finish)], at=1)
    assert judged.findings == ()
    assert judged.judged == {JOB_CONSISTENCY}


def test_a_running_jobs_finish_time_is_not_judged() -> None:
    item = running("2026-11-20T10:00:00Z") | {"sync_finish_time": "1970-01-01T00:00:00Z"}
    assert page(invariants(), [item], at=1).findings == ()


def test_the_same_finding_is_reported_once() -> None:
    state = invariants()
    bad = ended("2026-11-20T10:00:00Z", "2026-11-20T09:00:00Z")
    assert rules(page(state, [bad], at=1)) == ["finish-before-start"]
    assert page(state, [bad], at=2).findings == ()


# ended-then-running


def test_a_job_that_shows_running_after_it_showed_ended_is_a_finding() -> None:
    state = invariants()
    start = "2026-11-20T10:00:00Z"
    assert page(state, [ended(start, "2026-11-20T10:00:02Z")], at=1).findings == ()
    judged = page(state, [running(start)], at=3, ref="later")
    assert rules(judged) == ["ended-then-running"]
    assert judged.findings[0].ref == "later"


def test_the_same_start_in_another_notation_is_the_same_job() -> None:
    state = invariants()
    page(state, [ended("2026-11-20T10:00:00Z", "2026-11-20T10:00:02Z")], at=1)
    assert rules(page(state, [running("2026-11-20T10:00:00+00:00")], at=3)) == [
        "ended-then-running"
    ]


def test_a_job_running_then_ended_is_no_finding() -> None:
    state = invariants()
    start = "2026-11-20T10:00:00Z"
    page(state, [running(start)], at=1)
    assert page(state, [ended(start, "2026-11-20T10:00:02Z")], at=3).findings == ()


def test_a_read_sent_before_the_ended_answer_came_is_not_later() -> None:
    state = invariants()
    start = "2026-11-20T10:00:00Z"
    page(state, [ended(start, "2026-11-20T10:00:02Z")], at=5)
    assert page(state, [running(start)], at=4).findings == ()


def test_an_ended_job_changing_its_outcome_is_not_judged() -> None:
    state = invariants()
    start = "2026-11-20T10:00:00Z"
    page(state, [ended(start, "2026-11-20T10:00:02Z", "partial")], at=1)
    assert page(state, [ended(start, "2026-11-20T10:00:02Z", "success")], at=3).findings == ()


def test_a_start_time_two_jobs_share_is_not_judged_as_one_job() -> None:
    state = invariants()
    start = "2026-11-20T10:00:00Z"
    page(state, [ended(start, start), running(start)], at=1)
    assert "ended-then-running" not in rules(page(state, [running(start)], at=3))


def test_jobs_of_another_integration_are_other_jobs() -> None:
    state = invariants()
    start = "2026-11-20T10:00:00Z"
    page(state, [ended(start, "2026-11-20T10:00:02Z")], at=1, integration_id=OTHER)
    assert page(state, [running(start)], at=3).findings == ()


# two-running


def test_two_running_jobs_in_one_answer_are_a_finding() -> None:
    judged = page(
        invariants(), [running("2026-11-20T10:00:01Z"), running("2026-11-20T10:00:00Z")], at=1
    )
    assert rules(judged) == ["two-running"]


def test_one_running_job_beside_ended_ones_is_no_finding() -> None:
    items = [running("2026-11-20T11:00:00Z"), ended("2026-11-20T10:00:00Z", "2026-11-20T10:01Z")]
    assert page(invariants(), items, at=1).findings == ()


def test_running_jobs_in_two_answers_are_no_finding() -> None:
    state = invariants()
    page(state, [running("2026-11-20T10:00:00Z")], at=1)
    assert page(state, [running("2026-11-20T10:05:00Z")], at=3).findings == ()


# one-trigger-two-jobs


def test_two_new_jobs_that_started_together_after_one_trigger_are_a_finding() -> None:
    state = invariants()
    history = [ended("2026-11-20T09:00:00Z", "2026-11-20T09:02:00Z")]
    page(state, history, at=1)
    accepted(state, at=2)
    start = "2026-11-20T10:00:00Z"
    items = [running(start), ended(start, "2026-11-20T10:00:01Z", "error"), *history]
    assert rules(page(state, items, at=3)) == ["one-trigger-two-jobs"]


def test_two_new_jobs_running_together_after_one_trigger_are_two_findings() -> None:
    state = invariants()
    accepted(state, at=2)
    start = "2026-11-20T10:00:00Z"
    assert sorted(rules(page(state, [running(start), running(start)], at=3))) == [
        "one-trigger-two-jobs",
        "two-running",
    ]


def test_a_new_job_beside_one_that_ended_the_moment_it_started_is_no_finding() -> None:
    state = invariants()
    accepted(state, at=2)
    start = "2026-11-20T10:00:00Z"
    assert page(state, [running(start), ended(start, start)], at=3).findings == ()


def test_two_new_jobs_one_after_the_other_are_no_finding() -> None:
    state = invariants()
    accepted(state, at=2)
    items = [running("2026-11-20T10:00:03Z"), ended("2026-11-20T10:00:00Z", "2026-11-20T10:00:02Z")]
    assert page(state, items, at=3).findings == ()


def test_jobs_that_started_together_before_the_trigger_are_not_its_jobs() -> None:
    state = invariants()
    start = "2026-11-20T09:00:00Z"
    old = [ended(start, "2026-11-20T09:01:00Z"), ended(start, "2026-11-20T09:02:00Z")]
    page(state, old, at=1)
    accepted(state, at=2)
    assert page(state, old, at=3).findings == ()


def test_without_an_accepted_trigger_jobs_that_started_together_are_not_judged() -> None:
    state = invariants()
    start = "2026-11-20T10:00:00Z"
    old = [ended(start, "2026-11-20T10:01:00Z"), ended(start, "2026-11-20T10:02:00Z")]
    assert page(state, old, at=1).findings == ()


# integration-listed


def integrations(
    state: Invariants[str],
    ids: list[str],
    *,
    at: float,
    cursor: str | None = None,
    next_cursor: str | None = None,
    ref: str = "list",
) -> Judged[str]:
    return state.integration_page(
        principal=KEY,
        cursor=cursor,
        next_cursor=next_cursor,
        integration_ids=ids,
        sent=at,
        received=at + 0.1,
        ref=ref,
    )


def test_a_list_that_leaves_out_an_integration_the_key_reaches_is_a_finding() -> None:
    state = invariants()
    accepted(state, at=1)
    assert integrations(state, [OTHER], at=2).findings == ()
    judged = page(state, [running("2026-11-20T10:00:00Z")], at=3)
    assert rules(judged) == ["integration-left-out"]
    assert judged.findings[0].check == INTEGRATION_LISTED
    assert judged.findings[0].ref == "list"


def test_a_list_read_after_both_sides_of_evidence_is_judged_when_it_completes() -> None:
    state = invariants()
    state.trigger(
        principal=KEY, integration_id=ID, outcome="in-progress", sent=1, received=1.1, ref="t"
    )
    assert integrations(state, [OTHER], at=2, next_cursor="c2", ref="first").findings == ()
    accepted(state, at=5)
    judged = integrations(state, [], at=3, cursor="c2")
    assert rules(judged) == ["integration-left-out"]
    assert judged.findings[0].ref == "first"


def test_an_integration_on_a_later_page_is_listed() -> None:
    state = invariants()
    accepted(state, at=1)
    integrations(state, [OTHER], at=2, next_cursor="c2")
    integrations(state, [ID.upper()], at=3, cursor="c2")
    judged = page(state, [running("2026-11-20T10:00:00Z")], at=4)
    assert judged.findings == ()
    assert INTEGRATION_LISTED in judged.judged


def test_a_read_that_stops_before_its_last_page_is_not_judged() -> None:
    state = invariants()
    accepted(state, at=1)
    integrations(state, [OTHER], at=2, next_cursor="c2")
    judged = page(state, [running("2026-11-20T10:00:00Z")], at=4)
    assert judged.findings == ()
    assert INTEGRATION_LISTED not in judged.judged


def test_evidence_on_one_side_only_is_not_enough_by_default() -> None:
    state = invariants()
    integrations(state, [OTHER], at=2)
    assert page(state, [running("2026-11-20T10:00:00Z")], at=4).findings == ()
    accepted(state, at=5)
    assert (
        state.trigger(
            principal=KEY, integration_id=ID, outcome="accepted", sent=6, received=6.1, ref="t"
        ).findings
        == ()
    )


def test_with_either_side_evidence_after_the_read_is_enough() -> None:
    state = invariants(either_side=True)
    integrations(state, [OTHER], at=2)
    assert rules(accepted(state, at=5)) == ["integration-left-out"]


def test_an_empty_job_status_or_a_refused_trigger_shows_no_integration() -> None:
    state = invariants()
    page(state, [], at=1)
    state.trigger(principal=KEY, integration_id=ID, outcome="refused", sent=1, received=1, ref="")
    integrations(state, [OTHER], at=2)
    page(state, [], at=3)
    state.trigger(principal=KEY, integration_id=ID, outcome="refused", sent=4, received=4, ref="")
    assert page(state, [], at=5).judged == frozenset()


def test_another_key_may_see_another_list() -> None:
    state = invariants()
    accepted(state, at=1)
    state.integration_page(
        principal="another key",
        cursor=None,
        next_cursor=None,
        integration_ids=[OTHER],
        sent=2,
        received=2.1,
        ref="list",
    )
    assert page(state, [running("2026-11-20T10:00:00Z")], at=3).findings == ()


def test_findings_never_carry_the_principal() -> None:
    state = invariants()
    accepted(state, at=1)
    integrations(state, [OTHER], at=2)
    judged = page(state, [running("2026-11-20T10:00:00Z")], at=3)
    finding: Mapping[str, object] = vars(judged.findings[0])
    assert all(KEY not in str(value) for value in finding.values())
