"""The scenarios the Airflow tier runs as DAGs, and the reference server that plays them.

The Airflow tier's one door to the test double (the installed `braze_cdi_reference`): the other
modules of tests/airflow import it from here.

Each scenario has an integration of its own on one `ScenarioServer`: how its syncs end and how
long they run, how late its jobs are listed, a sync of the schedule already running when its
task first reads the job status, or a trigger over the rate limit. The server journals every
trigger and read per integration, so a test can say how many triggers reached it.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from braze_cdi_contract.serving import serve_in_thread
from braze_cdi_reference.app import Page, RateState, ReferenceServer
from braze_cdi_reference.fixtures import DEMO_INTEGRATIONS, ApiKey, Outcome, demo_fixtures
from starlette.requests import Request
from starlette.responses import Response

__all__ = ["DEMO_INTEGRATIONS", "ReferenceServer", "demo_server", "serve_in_thread"]


@dataclass(frozen=True)
class Scenario:
    """One outcome DAG: its integration's behaviour and its task's options."""

    name: str
    status: str = "success"
    rows_synced: int = 1000
    rows_failed: int = 0
    sync_seconds: float = 3.0
    # The job status lists a job of this integration only this long after it started.
    listed_after: float = 0.0
    # A sync of the schedule starts at the task's first request and runs this long, unlisted
    # for `running_unlisted` seconds (so the trigger meets the in-progress 429 itself).
    already_running: float = 0.0
    running_unlisted: float = 0.0
    # The first trigger is answered 429 over the rate limit, with a reset this far ahead.
    over_limit_once: float = 0.0
    # The job status writes this integration's times to the whole second (as Braze may).
    whole_seconds: bool = False
    # The key's workspace has no such integration: 404 `Integration not found`.
    unknown: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    retries: int = 0

    @property
    def integration_id(self) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"braze-cdi-contract-kit/airflow/{self.name}"))

    @property
    def outcome(self) -> Outcome:
        return Outcome(self.status, self.rows_synced, self.rows_failed)

    def spec(self, provider: str, conn_id: str, dag_id: str | None = None) -> dict[str, Any]:
        """The DAG file's description of this scenario's DAG (tests/airflow/dags)."""
        options = self.options if provider != "braze" else braze_options(self.options)
        return {
            "dag_id": dag_id or f"{provider}_{self.name}",
            "provider": provider,
            "integration_id": self.integration_id,
            "conn_id": conn_id,
            "kwargs": options,
            "retries": self.retries,
        }


def braze_options(options: dict[str, Any]) -> dict[str, Any]:
    """The options airflow-provider-braze's operator has of ours (it has no other)."""
    kept = {"poll_interval": options.get("poll_interval", 2)}
    kept["timeout"] = int(options.get("timeout", 60))
    return kept


def demo_server(key: str) -> ReferenceServer:
    """The reference server with its demo fixtures, whose one key is `key`."""
    base = demo_fixtures()
    everything = base.keys["demo-key-full-access"].permissions
    return ReferenceServer(replace(base, keys={key: ApiKey("demo", everything)}))


def new_key() -> str:
    """A key made for one run, so that finding it anywhere means the run leaked it."""
    return f"test-key-{secrets.token_hex(16)}"


@dataclass
class Entry:
    """One request the server answered."""

    integration_id: str
    operation: str  # "trigger" or "status"
    status: int
    at: float


class ScenarioServer(ReferenceServer):
    """The reference server with one integration per scenario, and a journal."""

    def __init__(self, scenarios: list[Scenario], key: str) -> None:
        base = demo_fixtures()
        everything = base.keys["demo-key-full-access"].permissions
        self.scenarios = {scenario.integration_id: scenario for scenario in scenarios}
        fixtures = replace(
            base,
            keys={key: ApiKey("demo", everything)},
            integrations={i: "demo" for i, s in self.scenarios.items() if not s.unknown},
            outcomes={identifier: s.outcome for identifier, s in self.scenarios.items()},
            history=3,
        )
        self.calls: list[Entry] = []  # what each scenario got (the journal holds more)
        self.scheduled: dict[str, float] = {}  # integration: when its schedule's sync started
        self._limited: set[str] = set()
        self.started_at = time.time()
        super().__init__(fixtures)

    def scenario(self, integration_id: str) -> Scenario | None:
        return self.scenarios.get(integration_id.lower())

    def triggers(self, integration_id: str) -> list[int]:
        """The statuses of the triggers of an integration, in order."""
        return [
            entry.status
            for entry in self.calls
            if entry.integration_id == integration_id and entry.operation == "trigger"
        ]

    def reads(self, integration_id: str) -> int:
        return sum(
            1
            for entry in self.calls
            if entry.integration_id == integration_id and entry.operation == "status"
        )

    def _schedule_runs(self, integration_id: str) -> None:
        """The schedule's sync of a scenario that has one starts before the task's first
        request, whichever that is.
        """
        scenario = self.scenario(integration_id)
        if scenario and scenario.already_running and integration_id not in self.scheduled:
            now = self.clock()
            self.scheduled[integration_id] = now
            self.jobs_of(integration_id).add(now, now + scenario.already_running, scenario.outcome)

    async def trigger(self, request: Request) -> Response:
        integration_id = request.path_params["integration_id"].lower()
        self._schedule_runs(integration_id)
        scenario = self.scenario(integration_id)
        if scenario and scenario.over_limit_once and integration_id not in self._limited:
            self._limited.add(integration_id)
            now = self.clock()
            state = RateState(20, 0, int(now + scenario.over_limit_once), over=True)
            response = self.error_response(429, self.messages.over_rate_limit, state=state)
        else:
            response = await super().trigger(request)
        self.calls.append(Entry(integration_id, "trigger", response.status_code, time.time()))
        return response

    async def job_sync_status(self, request: Request) -> Response:
        integration_id = request.path_params["integration_id"].lower()
        self._schedule_runs(integration_id)
        response = await super().job_sync_status(request)
        self.calls.append(Entry(integration_id, "status", response.status_code, time.time()))
        return response

    def mark_running(self, integration_id: str) -> None:
        scenario = self.scenario(integration_id)
        if scenario is None:
            super().mark_running(integration_id)
            return
        now = self.clock()
        self.jobs_of(integration_id).add(now, now + scenario.sync_seconds, scenario.outcome)
        self.syncs_started += 1

    def page(self, items: Any, cursor: str | None, *, scope: str) -> Page | None:
        if scope.startswith("jobs:"):
            scenario = self.scenario(scope.removeprefix("jobs:"))
            if scenario is not None:
                items = [
                    (key, _to_the_second(view) if scenario.whole_seconds else view)
                    for key, view in items
                    if self._listed(scenario, key)
                ]
        return super().page(items, cursor, scope=scope)

    def _listed(self, scenario: Scenario, key: str) -> bool:
        job = self.jobs_of(scenario.integration_id).job(int(key) - 1)
        if job.started < self.started_at:
            return True  # the seeded history
        now = self.clock()
        scheduled = self.scheduled.get(scenario.integration_id)
        if scheduled is not None and job.started == scheduled:
            return now - job.started >= scenario.running_unlisted
        return now - job.started >= scenario.listed_after


def _to_the_second(view: dict[str, Any]) -> dict[str, Any]:
    """A job's times cut to the whole second: `...T03:43:51.794Z` reads `...T03:43:51Z`."""
    return {
        name: value.split(".")[0] + "Z" if name.endswith("_time") and "." in str(value) else value
        for name, value in view.items()
    }


# The outcome DAGs, as the provider's page documents them: each scenario, the task state it
# ends in, the exception a failed task raises, and the job status its XCom holds.

QUICK = {"poll_interval": 1.2, "timeout": 60}
DEFERRED = {**QUICK, "deferrable": True}
BLOCKING = {**QUICK, "deferrable": False}


@dataclass(frozen=True)
class Expected:
    """How a scenario's task must end with this project's provider."""

    scenario: Scenario
    state: str
    raises: str | None
    job_status: str | None
    what: str  # the outcome in words, as the page's table says it

    @property
    def name(self) -> str:
        return self.scenario.name


OUTCOMES = (
    Expected(Scenario("success", options=DEFERRED), "success", None, "success", "success"),
    Expected(
        Scenario("success_blocking", options=BLOCKING),
        "success",
        None,
        "success",
        "success, waiting in the worker (deferrable=False)",
    ),
    Expected(
        Scenario("partial", "partial", 900, 100, options=DEFERRED),
        "success",
        None,
        "partial",
        "partial, fail_on_partial=False (the default): success, with a warning",
    ),
    Expected(
        Scenario(
            "partial_fails", "partial", 900, 100, options={**BLOCKING, "fail_on_partial": True}
        ),
        "failed",
        "BrazeCdiSyncPartial",
        "partial",
        "partial, fail_on_partial=True",
    ),
    Expected(
        Scenario("error", "error", 0, 1000, options=DEFERRED),
        "failed",
        "BrazeCdiSyncError",
        "error",
        "error",
    ),
    Expected(
        Scenario("config_error", "config_error", 0, 0, options=BLOCKING),
        "failed",
        "BrazeCdiSyncConfigError",
        "config_error",
        "config_error",
    ),
    Expected(
        Scenario("timeout", sync_seconds=600, options={**DEFERRED, "timeout": 8}),
        "failed",
        "BrazeCdiSyncTimeout",
        "running",
        "timeout (the sync runs past the task's 8 s)",
    ),
    Expected(
        Scenario(
            "in_progress_wait",
            already_running=6,
            running_unlisted=3,
            options={**DEFERRED, "if_running": "wait"},
        ),
        "success",
        None,
        "success",
        'a sync of the schedule runs: the in-progress 429, if_running="wait"',
    ),
    Expected(
        Scenario(
            "in_progress_fail",
            already_running=6,
            running_unlisted=3,
            options={**DEFERRED, "if_running": "fail"},
        ),
        "failed",
        "BrazeCdiSyncAlreadyRunning",
        None,
        'a sync of the schedule runs: the in-progress 429, if_running="fail"',
    ),
    Expected(
        Scenario(
            "listed_late",
            listed_after=20,
            whole_seconds=True,
            options={**DEFERRED, "timeout": 45},
        ),
        "success",
        None,
        "success",
        "the job listed 20 s after its trigger, start times to the whole second",
    ),
    Expected(
        Scenario("rate_limited", over_limit_once=3, options=BLOCKING),
        "success",
        None,
        "success",
        "the first trigger over the rate limit (reset 3 s later)",
    ),
    Expected(
        Scenario("not_found", unknown=True, options=BLOCKING),
        "failed",
        "BrazeCdiApiError",
        None,
        "an integration the key's workspace does not have (404)",
    ),
    Expected(
        Scenario(
            "sensor_poke",
            already_running=5,
            options={"poke_interval": 1.2, "timeout": 60, "mode": "poke"},
        ),
        "success",
        None,
        "success",
        "BrazeCdiSyncSensor, poke mode, on a running sync",
    ),
    Expected(
        Scenario(
            "sensor_reschedule",
            already_running=5,
            options={"poke_interval": 1.2, "timeout": 60, "mode": "reschedule"},
        ),
        "success",
        None,
        "success",
        "BrazeCdiSyncSensor, reschedule mode",
    ),
    Expected(
        Scenario(
            "sensor_deferrable",
            "error",
            0,
            1000,
            already_running=5,
            options={"poke_interval": 1.2, "timeout": 60, "deferrable": True},
        ),
        "failed",
        "BrazeCdiSyncError",
        "error",
        "BrazeCdiSyncSensor, deferrable, on a running sync that ends error",
    ),
)
SENSORS = frozenset(expected.name for expected in OUTCOMES if expected.name.startswith("sensor"))
# A task whose process dies between the 202 and the end, retried; and a triggerer that dies.
RETRY = Scenario("retry", sync_seconds=8, options=BLOCKING, retries=1)
RESTART = Scenario("triggerer_restart", sync_seconds=8, options=DEFERRED)


def provider_of(name: str) -> str:
    """Which task a scenario's DAG has with this project's provider."""
    return "sensor" if name in SENSORS else "ours"
