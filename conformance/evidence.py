"""What the suite gathers for several probes at once, before any of them runs.

Braze's documented request (the contract's curl sample) is sent `--burst` times at the same moment
to the user's integration: one answer should start a sync, the others meet it running. If the
integration is already syncing when the run starts (its schedule fired), the suite waits for that
sync to end, bounded by `--busy-wait`, trying one documented request every few seconds. Then the
same request without its `Content-Type` follows while the sync runs. Each probe is handed this
evidence and judges its own part; none passes on evidence that shows no sync start.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from conformance.run import CannotJudge, Run
from conformance.transport import RATE_LIMIT_RETRIES, Exchange

BUSY_POLL_SECONDS = 5.0
# Simultaneous triggers when a budget is set: enough for a race, few enough for one window.
COMPACT_BURST = 3


@dataclass(frozen=True)
class Evidence:
    """The documented requests sent to the user's integration, and what they showed."""

    burst: tuple[Exchange, ...] = ()
    started: Exchange | None = None
    simultaneous: bool = False
    follow_up: Exchange | None = None
    follow_up_waited: bool = False
    missing: str | None = None


def _is_in_progress(run: Run, exchange: Exchange) -> bool:
    return exchange.status == 429 and exchange.message == (
        run.contract.messages.another_job_in_progress
    )


def _unknown_integration(run: Run, exchanges: list[Exchange]) -> bool:
    invalid = run.contract.messages.invalid_integration_id
    return all(
        exchange.status == 404 or (exchange.status == 400 and exchange.message == invalid)
        for exchange in exchanges
    )


def _burst(run: Run, integration_id: str) -> list[Exchange]:
    sender = run.sender
    size = min(run.options.burst, COMPACT_BURST) if run.compact else run.options.burst
    cases = [run.documented_case(integration_id) for _ in range(size)]
    exchanges = sender.send_together(cases, label="Braze's documented request, simultaneously")
    for _ in range(RATE_LIMIT_RETRIES):
        if not all(sender.is_rate_limited(exchange) for exchange in exchanges):
            break
        sender.wait_for_reset()
        exchanges = sender.send_together(cases, label="Braze's documented request, simultaneously")
    return exchanges


def _wait_for_idle(run: Run, integration_id: str) -> Exchange | None:
    """Try one documented request every few seconds until one starts a sync, or time is up."""
    sender = run.sender
    deadline = time.monotonic() + run.options.busy_wait_seconds
    while time.monotonic() < deadline:
        left = deadline - time.monotonic()
        sender.wait(
            min(BUSY_POLL_SECONDS, left),
            reason=f"for the running sync of {integration_id} to end "
            f"(at most {left:.0f} s more; --busy-wait)",
        )
        exchange = sender.send(
            run.documented_case(integration_id), label="Braze's documented request, after a wait"
        )
        if exchange.succeeded:
            return exchange
        if not _is_in_progress(run, exchange):
            return None
    return None


def gather_evidence(run: Run) -> Evidence:
    """Start one sync of the user's integration with Braze's documented request, and follow up."""
    integration_id = run.options.integration_id
    if integration_id is None:
        return Evidence(missing="no INTEGRATION_ID given")
    sender = run.sender
    burst = _burst(run, integration_id)
    if all(sender.is_rate_limited(exchange) for exchange in burst):
        return Evidence(tuple(burst), missing="rate limited on every attempt")
    if _unknown_integration(run, burst):
        raise CannotJudge(
            f"the server does not know INTEGRATION_ID {integration_id} ({burst[0].status}); "
            "pass the ID of an existing integration."
        )
    started = next((exchange for exchange in burst if exchange.succeeded), None)
    simultaneous = started is not None
    if started is None and any(_is_in_progress(run, exchange) for exchange in burst):
        run.note(f"integration {integration_id} was syncing when the run started; waited for it")
        started = _wait_for_idle(run, integration_id)
        if started is None:
            return Evidence(
                tuple(burst),
                missing=f"the integration was syncing throughout the "
                f"{run.options.busy_wait_seconds:g} s the suite waited (--busy-wait)",
            )
    if started is None:
        return Evidence(tuple(burst), simultaneous=True)
    waited_before = sender.seconds_waited
    follow_up = sender.send(
        run.documented_case(integration_id, content_type=False),
        label="the documented request without Content-Type, while the sync runs",
    )
    return Evidence(
        burst=tuple(burst),
        started=started,
        simultaneous=simultaneous,
        follow_up=follow_up,
        follow_up_waited=sender.seconds_waited != waited_before,
    )
