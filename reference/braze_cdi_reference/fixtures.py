"""What the reference server knows: API keys, integrations, how syncs end, and rate limits.

The demo fixtures are built in; a small TOML file can replace any part of them:

    sync_seconds = 2.0          # how long a started sync runs
    history = 12                # ended jobs each integration has when the server starts
    history_every_seconds = 3600  # how far apart they started (the last that long ago)
    job_order = "newest-first"  # or "oldest-first": how the job status lists them
    rate_limit = 20             # requests per window, for every operation
    rate_window_seconds = 60

    [keys.my-key]
    workspace = "demo"
    permissions = ["cdi.integration_sync", "cdi.integration_job_status"]

    [integrations]
    "3f2b8c1e-7d4a-4e6b-9c0d-1a2b3c4d5e6f" = "demo"   # integration ID = its workspace

    [outcomes."3f2b8c1e-7d4a-4e6b-9c0d-1a2b3c4d5e6f"]    # how its syncs end (default: the
                                                         # contract's first ended status)
    status = "partial"
    rows_synced = 900
    rows_failed_with_errors = 100
"""

from __future__ import annotations

import tomllib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from braze_cdi_contract import Contract
from braze_cdi_contract import load as load_contract

T = TypeVar("T")

DEMO_WORKSPACE = "demo"
DEMO_KEY = "demo-key-full-access"
DEMO_LIMITED_KEY = "demo-key-without-cdi-sync"
DEMO_READ_KEY = "demo-key-read-only"
DEMO_INTEGRATIONS = (
    "3f2b8c1e-7d4a-4e6b-9c0d-1a2b3c4d5e6f",
    "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
)
# Ten more integrations of the demo workspace, so that its list has two pages.
DEMO_LISTED_ONLY = tuple(
    str(uuid.uuid5(uuid.NAMESPACE_URL, f"braze-cdi-contract-kit/demo/{number}"))
    for number in range(10)
)

# The default is generous so that local runs and the conformance suite are never slowed by it.
LOCAL_RATE_LIMIT = 100_000
DEFAULT_SYNC_SECONDS = 2.0
# How the job status may list an integration's jobs (Braze promises no order).
NEWEST_FIRST = "newest-first"
OLDEST_FIRST = "oldest-first"
JOB_ORDERS = (NEWEST_FIRST, OLDEST_FIRST)


class FixtureError(ValueError):
    """The fixture file or a flag is unusable; the message says what to change."""


@dataclass(frozen=True)
class ApiKey:
    """A REST API key: the workspace it belongs to and the permissions it has."""

    workspace: str
    permissions: frozenset[str]


@dataclass(frozen=True)
class Outcome:
    """How the syncs of an integration end: the job status and the row counts."""

    status: str
    rows_synced: int = 1000
    rows_failed_with_errors: int = 0


def clean_outcome(contract: Contract) -> Outcome:
    """The default: the contract's first ended status (every row synced), no row failed."""
    return Outcome(contract.jobs.ended[0])


@dataclass(frozen=True)
class Fixtures:
    """Everything the reference server is configured with."""

    keys: dict[str, ApiKey] = field(default_factory=dict)
    integrations: dict[str, str] = field(default_factory=dict)
    sync_seconds: float = DEFAULT_SYNC_SECONDS
    rate_limit: int = LOCAL_RATE_LIMIT
    rate_window_seconds: int = 60
    outcomes: Mapping[str, Outcome] = field(default_factory=dict)
    default_outcome: Outcome = field(default_factory=lambda: clean_outcome(load_contract()))
    history: int = 12
    history_every_seconds: float = 3600.0
    job_order: str = NEWEST_FIRST
    # Per operationId: (limit, window in seconds); operations not named use the two above.
    operation_limits: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    def limit_for(self, operation_id: str) -> tuple[int, int]:
        """(requests, window in seconds) for an operation."""
        return self.operation_limits.get(operation_id, (self.rate_limit, self.rate_window_seconds))

    def outcome_for(self, integration_id: str) -> Outcome:
        """How the syncs of an integration end."""
        return self.outcomes.get(integration_id.lower(), self.default_outcome)

    def __post_init__(self) -> None:
        if self.sync_seconds < 0:
            raise FixtureError(f"sync_seconds must be 0 or more, not {self.sync_seconds}.")
        if self.rate_limit < 1:
            raise FixtureError(f"rate_limit must be at least 1, not {self.rate_limit}.")
        if self.rate_window_seconds < 1:
            raise FixtureError(
                f"rate_window_seconds must be at least 1, not {self.rate_window_seconds}."
            )
        if self.history < 0:
            raise FixtureError(f"history must be 0 or more, not {self.history}.")
        if not self.history_every_seconds > 0:
            raise FixtureError(
                f"history_every_seconds must be more than 0, not {self.history_every_seconds}."
            )
        if self.job_order not in JOB_ORDERS:
            raise FixtureError(
                f"job_order must be {' or '.join(JOB_ORDERS)}, not {self.job_order!r}."
            )

    def with_braze_limits(self, contract: Contract) -> Fixtures:
        """The same fixtures with each operation's documented limit (`x-braze-rate-limit`)."""
        limits = {
            operation.operation_id: (
                operation.rate_limit.limit,
                operation.rate_limit.window_seconds,
            )
            for operation in contract.operations.values()
        }
        rule = contract.trigger.rate_limit
        return replace(
            self,
            rate_limit=rule.limit,
            rate_window_seconds=rule.window_seconds,
            operation_limits=limits,
        )


def demo_fixtures(contract: Contract | None = None) -> Fixtures:
    """The built-in fixtures (the contract: openapi/openapi.yaml unless given).

    Keys: one with every permission the contract names; `demo-key-without-cdi-sync` with only the
    job status permission (so each operation's permission is seen to be its own); one that may
    read both lists but not trigger. Twelve integrations, so the list has two pages; the second
    demo integration's syncs end `partial`.
    """
    contract = contract or load_contract()
    everything = contract.permissions()
    reads = {contract.list_integrations.permission, contract.job_sync_status.permission}
    return Fixtures(
        keys={
            DEMO_KEY: ApiKey(DEMO_WORKSPACE, everything),
            DEMO_LIMITED_KEY: ApiKey(
                DEMO_WORKSPACE, frozenset({contract.job_sync_status.permission})
            ),
            DEMO_READ_KEY: ApiKey(DEMO_WORKSPACE, frozenset(reads)),
        },
        integrations=dict.fromkeys((*DEMO_INTEGRATIONS, *DEMO_LISTED_ONLY), DEMO_WORKSPACE),
        outcomes={DEMO_INTEGRATIONS[1]: Outcome(_status(contract, "partial"), 900, 100)},
        default_outcome=clean_outcome(contract),
    )


def _status(contract: Contract, status: str) -> str:
    """A job status the demo names, checked against the contract's."""
    if status not in contract.jobs.ended:
        raise FixtureError(f"the contract has no ended job status {status!r}.")
    return status


def _expect(value: object, kind: type[T], where: str) -> T:
    if not isinstance(value, kind) or isinstance(value, bool):
        raise FixtureError(f"{where} must be a {kind.__name__}, not {value!r}.")
    return value


def _seconds(value: object, where: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise FixtureError(f"{where} must be a number of seconds, not {value!r}.")


def load_fixtures(path: Path, contract: Contract | None = None) -> Fixtures:
    """Read a TOML fixture file; parts it leaves out keep their demo values."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise FixtureError(f"cannot read {path}: {error.strerror}.") from error
    except tomllib.TOMLDecodeError as error:
        raise FixtureError(f"{path} is not valid TOML: {error}.") from error
    known = {
        "keys",
        "integrations",
        "sync_seconds",
        "rate_limit",
        "rate_window_seconds",
        "outcomes",
        "history",
        "history_every_seconds",
        "job_order",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise FixtureError(
            f"{path}: unknown setting {unknown[0]!r}; known: {', '.join(sorted(known))}."
        )
    base = demo_fixtures(contract)
    keys = base.keys
    if "keys" in data:
        keys = {}
        for name, raw_entry in _expect(data["keys"], dict, "keys").items():
            entry: dict[str, Any] = _expect(raw_entry, dict, f"keys.{name}")
            workspace = _expect(
                entry.get("workspace", DEMO_WORKSPACE), str, f"keys.{name}.workspace"
            )
            permissions = _expect(entry.get("permissions", []), list, f"keys.{name}.permissions")
            for permission in permissions:
                _expect(permission, str, f"keys.{name}.permissions[]")
            keys[name] = ApiKey(workspace, frozenset(permissions))
    integrations = base.integrations
    if "integrations" in data:
        integrations = {
            str(identifier): _expect(workspace, str, f"integrations.{identifier}")
            for identifier, workspace in _expect(data["integrations"], dict, "integrations").items()
        }
    outcomes = base.outcomes
    if "outcomes" in data:
        outcomes = {
            str(identifier).lower(): _outcome(entry, f"outcomes.{identifier}", contract)
            for identifier, entry in _expect(data["outcomes"], dict, "outcomes").items()
        }
    return Fixtures(
        keys=keys,
        integrations=integrations,
        outcomes=outcomes,
        history=_expect(data.get("history", base.history), int, "history"),
        history_every_seconds=_seconds(
            data.get("history_every_seconds", base.history_every_seconds), "history_every_seconds"
        ),
        job_order=_expect(data.get("job_order", base.job_order), str, "job_order"),
        sync_seconds=_seconds(data.get("sync_seconds", base.sync_seconds), "sync_seconds"),
        rate_limit=_expect(data.get("rate_limit", base.rate_limit), int, "rate_limit"),
        rate_window_seconds=_expect(
            data.get("rate_window_seconds", base.rate_window_seconds), int, "rate_window_seconds"
        ),
    )


def _outcome(raw: object, where: str, contract: Contract | None) -> Outcome:
    entry: dict[str, Any] = _expect(raw, dict, where)
    unknown = sorted(set(entry) - {"status", "rows_synced", "rows_failed_with_errors"})
    if unknown:
        raise FixtureError(f"{where}: unknown setting {unknown[0]!r}.")
    ended = (contract or load_contract()).jobs.ended
    status = _expect(entry.get("status", ended[0]), str, f"{where}.status")
    if status not in ended:
        raise FixtureError(f"{where}.status must be one of {', '.join(ended)}, not {status!r}.")
    return Outcome(
        status=status,
        rows_synced=_expect(entry.get("rows_synced", 1000), int, f"{where}.rows_synced"),
        rows_failed_with_errors=_expect(
            entry.get("rows_failed_with_errors", 0), int, f"{where}.rows_failed_with_errors"
        ),
    )
