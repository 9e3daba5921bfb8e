"""The test double as a pytest fixture: `braze_cdi_server`, a running test double on a free
loopback port, started once per test run and reset before each test.

Installed with the test double (a `pytest11` entry point), so a test needs no import:

    def test_my_pipeline_fails_when_the_sync_fails(braze_cdi_server):
        braze_cdi_server.next_sync(braze_cdi_server.integration_ids[0], status="error")
        ...
        braze_cdi_server.assert_triggered(braze_cdi_server.integration_ids[0], times=1)
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from braze_cdi_contract.serving import serve_in_thread

from braze_cdi_reference.app import ReferenceServer
from braze_cdi_reference.fixtures import (
    DEMO_INTEGRATIONS,
    DEMO_KEY,
    DEMO_LIMITED_KEY,
    DEMO_READ_KEY,
    demo_fixtures,
)
from braze_cdi_reference.script import Injection, NextSync, Recorded, VirtualClock


class BrazeCdiServer:
    """A running test double, as a test scripts it."""

    def __init__(self, server: ReferenceServer, url: str) -> None:
        self.server = server
        self.url = url
        # The demo keys: every permission; the job status's only; both lists' (not the trigger).
        self.key = DEMO_KEY
        self.limited_key = DEMO_LIMITED_KEY
        self.read_key = DEMO_READ_KEY
        # The demo integrations: the first ends `success`, the second `partial`, as configured.
        self.integration_ids = DEMO_INTEGRATIONS
        assert isinstance(server.clock, VirtualClock)
        self.clock: VirtualClock = server.clock

    def sleep(self, seconds: float) -> None:
        """Move the double's time on instead of waiting: give it to a client as its `sleep`
        (and `clock` as its clock), and a two-hour sync ends in no time.
        """
        self.clock.advance(seconds)

    def next_sync(
        self,
        integration_id: str,
        *,
        status: str | None = None,
        seconds: float | None = None,
        rows_synced: int = 1000,
        rows_failed_with_errors: int = 0,
        listed_after: float | None = 0.0,
    ) -> None:
        """The next sync a trigger of the integration starts ends `status` (the contract's first
        ended status, `success`, where not given) after `seconds`, with its rows; its job shows
        `listed_after` seconds after it started (None: never).
        """
        ending = status or self.server.contract.jobs.ended[0]
        self.server.next_sync(
            integration_id,
            NextSync(ending, seconds, rows_synced, rows_failed_with_errors, listed_after),
        )

    def schedule_sync(
        self,
        integration_id: str,
        *,
        after: float = 0.0,
        status: str | None = None,
        seconds: float | None = None,
        rows_synced: int = 1000,
        rows_failed_with_errors: int = 0,
    ) -> None:
        """The schedule starts a sync of the integration `after` seconds from now (the double's
        clock), or once a sync running then has ended; it ends `status` (as `next_sync`).
        """
        ending = status or self.server.contract.jobs.ended[0]
        sync = NextSync(ending, seconds, rows_synced, rows_failed_with_errors)
        self.server.schedule_sync(integration_id, self.clock() + after, sync)

    def set_history(self, integration_id: str, **history: Any) -> None:  # noqa: ANN401
        """Replace the integration's history (`length`, `every_seconds`, `status`, rows)."""
        self.server.set_history(integration_id, **history)

    def inject(
        self,
        operation_id: str,
        *,
        status: int | None = None,
        message: str | None = None,
        times: int | None = 1,
        delay: float = 0.0,
        fault: str | None = None,
        integration_id: str | None = None,
        reset_in: float | None = None,
        off_contract: bool = False,
    ) -> Injection:
        """Answer the next `times` requests of the operation (`triggerIntegrationSync`,
        `listIntegrations`, `listJobSyncStatus`) with `status` and `message`, after `delay`, cut
        by `fault` (`close`, `reset`, `truncate`, `drip`); None times: until cleared.
        """
        return self.server.inject(
            Injection(
                operation_id=operation_id,
                integration_id=integration_id,
                status=status,
                message=message,
                reset_in=reset_in,
                times=times,
                delay=delay,
                fault=fault,
                off_contract=off_contract,
            )
        )

    def clear_injections(self) -> None:
        """No more injected answers."""
        self.server.clear_injections()

    def requests(
        self, operation_id: str | None = None, *, integration_id: str | None = None
    ) -> list[Recorded]:
        """The requests the double got since the test began, oldest first (keys masked)."""
        return self.server.journal.find(operation_id=operation_id, integration_id=integration_id)

    def triggers(self, integration_id: str | None = None) -> list[Recorded]:
        """The triggers it got, of one integration where given."""
        return self.requests("triggerIntegrationSync", integration_id=integration_id)

    def assert_triggered(self, integration_id: str, *, times: int = 1) -> None:
        """The integration was triggered exactly `times` times."""
        sent = self.triggers(integration_id)
        assert len(sent) == times, (
            f"{integration_id} was triggered {len(sent)} time(s), not {times}: "
            + ", ".join(f"{entry.method} {entry.path} -> {entry.status}" for entry in sent)
        )

    def assert_never_faster_than(self, seconds: float, operation_id: str) -> None:
        """No two requests of the operation came closer than `seconds` (the double's clock)."""
        moments = [entry.at for entry in self.requests(operation_id)]
        closest = min((b - a for a, b in itertools.pairwise(moments)), default=None)
        assert closest is None or closest >= seconds, (
            f"two {operation_id} requests came {closest:.3f} s apart, closer than {seconds:g} s"
        )

    def reset(self) -> None:
        """Back to the fixtures, real time and an empty journal (done before every test)."""
        self.server.reset()


@pytest.fixture(scope="session")
def _braze_cdi_double() -> Iterator[BrazeCdiServer]:
    server = ReferenceServer(demo_fixtures())
    with serve_in_thread(server.app) as url:
        yield BrazeCdiServer(server, url)


@pytest.fixture
def braze_cdi_server(_braze_cdi_double: BrazeCdiServer) -> BrazeCdiServer:
    """The test double, reset to its fixtures for this test."""
    _braze_cdi_double.reset()
    return _braze_cdi_double
