"""What the reference server knows: API keys, integrations, sync duration and rate limit.

The demo fixtures are built in; a small TOML file can replace any part of them:

    sync_seconds = 2.0
    rate_limit = 20
    rate_window_seconds = 60

    [keys.my-key]
    workspace = "demo"
    permissions = ["cdi.integration_sync"]

    [integrations]
    "3f2b8c1e-7d4a-4e6b-9c0d-1a2b3c4d5e6f" = "demo"   # integration ID = its workspace
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from contract import Contract
from contract import load as load_contract

T = TypeVar("T")

DEMO_WORKSPACE = "demo"
DEMO_KEY = "demo-key-full-access"
DEMO_LIMITED_KEY = "demo-key-without-cdi-sync"
DEMO_INTEGRATIONS = (
    "3f2b8c1e-7d4a-4e6b-9c0d-1a2b3c4d5e6f",
    "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
)

# The default is generous so that local runs and the conformance suite are never slowed by it.
LOCAL_RATE_LIMIT = 100_000
DEFAULT_SYNC_SECONDS = 2.0


class FixtureError(ValueError):
    """The fixture file or a flag is unusable; the message says what to change."""


@dataclass(frozen=True)
class ApiKey:
    """A REST API key: the workspace it belongs to and the permissions it has."""

    workspace: str
    permissions: frozenset[str]


@dataclass(frozen=True)
class Fixtures:
    """Everything the reference server is configured with."""

    keys: dict[str, ApiKey] = field(default_factory=dict)
    integrations: dict[str, str] = field(default_factory=dict)
    sync_seconds: float = DEFAULT_SYNC_SECONDS
    rate_limit: int = LOCAL_RATE_LIMIT
    rate_window_seconds: int = 60

    def __post_init__(self) -> None:
        if self.sync_seconds < 0:
            raise FixtureError(f"sync_seconds must be 0 or more, not {self.sync_seconds}.")
        if self.rate_limit < 1:
            raise FixtureError(f"rate_limit must be at least 1, not {self.rate_limit}.")
        if self.rate_window_seconds < 1:
            raise FixtureError(
                f"rate_window_seconds must be at least 1, not {self.rate_window_seconds}."
            )

    def with_braze_limits(self, contract: Contract) -> Fixtures:
        """The same fixtures with the contract's documented limit (`x-braze-rate-limit`)."""
        rule = contract.trigger.rate_limit
        return replace(self, rate_limit=rule.limit, rate_window_seconds=rule.window_seconds)


def demo_fixtures(contract: Contract | None = None) -> Fixtures:
    """The built-in fixtures: one key with every permission the contract names, and one with all
    of them but the trigger's (the contract: openapi/openapi.yaml unless given).
    """
    contract = contract or load_contract()
    everything = contract.permissions()
    return Fixtures(
        keys={
            DEMO_KEY: ApiKey(DEMO_WORKSPACE, everything),
            DEMO_LIMITED_KEY: ApiKey(DEMO_WORKSPACE, everything - {contract.trigger.permission}),
        },
        integrations=dict.fromkeys(DEMO_INTEGRATIONS, DEMO_WORKSPACE),
    )


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
    known = {"keys", "integrations", "sync_seconds", "rate_limit", "rate_window_seconds"}
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
    return Fixtures(
        keys=keys,
        integrations=integrations,
        sync_seconds=_seconds(data.get("sync_seconds", base.sync_seconds), "sync_seconds"),
        rate_limit=_expect(data.get("rate_limit", base.rate_limit), int, "rate_limit"),
        rate_window_seconds=_expect(
            data.get("rate_window_seconds", base.rate_window_seconds), int, "rate_window_seconds"
        ),
    )
