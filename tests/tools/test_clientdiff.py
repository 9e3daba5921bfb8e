"""Every client rule of the review, proven on an edit of a small package shaped as the generated.

`CASES` holds, per rule, an edit that fires it and a near edit that must not (with what that one
is judged instead). A test fails while a client rule judged on the API has no case, and while a
kind of breakage griffe knows has no rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import griffe
import pytest

from tools import clientdiff, specdiff

# The generated client's shapes, a few lines of each (openapi-python-client's output).
BEFORE = {
    "__init__.py": 'from .client import Client\n\n__all__ = ("Client",)\n',
    "client.py": "class Client:\n    token: str\n\n\nclass AuthenticatedClient(Client): ...\n",
    "types.py": "class Unset:\n    pass\n\n\nUNSET: Unset = Unset()\n",
    "api/__init__.py": "",
    "api/jobs.py": """\
from ..client import AuthenticatedClient, Client
from ..types import UNSET, Unset


def _get_kwargs(integration_id: str, *, cursor: str | Unset = UNSET) -> dict[str, str]:
    return {}


def sync(
    integration_id: str,
    *,
    client: AuthenticatedClient,
    cursor: str | Unset = UNSET,
) -> Error | JobSyncStatusList | None:
    return None


async def asyncio(integration_id: str, *, client: AuthenticatedClient) -> Error | None:
    return None


def status(integration_id: str, job_id: str, *, client: AuthenticatedClient | Client) -> None:
    return None
""",
    "models/__init__.py": 'from .job_status import JobStatus\n\n__all__ = ("JobStatus",)\n',
    "models/job_status.py": """\
from enum import StrEnum


class JobStatus(StrEnum):
    RUNNING = "running"
    SUCCESS = "success"
""",
    "models/job.py": """\
from attrs import define as _attrs_define

from ..types import UNSET, Unset


@_attrs_define
class Job:
    job_status: JobStatus
    sync_start_time: str | Unset = UNSET
""",
    "contract_facts.py": """\
from typing import Final

JOB_STATUSES: Final = ["running", "success", "error"]
RATE_LIMIT: Final = 100
PAGE_SIZE: Final = 10
SERVERS: Final = {
    "US-01": "https://rest.iad-01.braze.com",
    "EU-01": "https://rest.fra-01.braze.eu",
}
""",
}


@dataclass(frozen=True)
class Edit:
    """One text replacement in one module of the package."""

    module: str
    old: str
    new: str


@dataclass(frozen=True)
class Case:
    """An edit that the rule judges, and a near one it must not (judged by `instead`, if any)."""

    rule: str
    fires: Edit
    quiet: Edit
    instead: tuple[str, ...] = ()


SYNC = "api/jobs.py"
CURSOR = "    cursor: str | Unset = UNSET,\n"
RETURNS = ") -> Error | JobSyncStatusList | None:"
FACTS = "contract_facts.py"
CASES = [
    Case(
        "client-api-removed",
        Edit("models/job_status.py", '    SUCCESS = "success"\n', ""),
        Edit(SYNC, "def _get_kwargs(", "def _build_kwargs("),
    ),
    Case(
        "client-kind-changed",
        Edit(FACTS, "PAGE_SIZE: Final = 10\n", "def PAGE_SIZE() -> int:\n    return 10\n"),
        Edit(FACTS, "PAGE_SIZE: Final = 10\n", "PAGE_SIZE: Final[int] = 10\n"),
        instead=("client-field-type-changed",),
    ),
    Case(
        "client-kind-changed",
        Edit(SYNC, "async def asyncio(", "def asyncio("),
        Edit(SYNC, "async def asyncio(", "async def asyncio(  # the coroutine\n   "),
    ),
    Case(
        "client-parameter-removed",
        Edit(SYNC, CURSOR, ""),
        Edit(SYNC, "_get_kwargs(integration_id: str, *,", "_get_kwargs(*,"),
    ),
    Case(
        "client-parameter-became-required",
        Edit(SYNC, CURSOR, "    cursor: str | Unset,\n"),
        Edit(SYNC, CURSOR, '    cursor: str | Unset = "",\n'),
        instead=("client-default-changed",),
    ),
    Case(
        "client-parameter-added-required",
        Edit(SYNC, CURSOR, CURSOR + "    limit: int,\n"),
        Edit(SYNC, CURSOR, CURSOR + "    limit: int | Unset = UNSET,\n"),
        instead=("client-parameter-added",),
    ),
    Case(
        "client-parameter-moved",
        Edit(
            SYNC,
            "def status(integration_id: str, job_id: str,",
            "def status(job_id: str, integration_id: str,",
        ),
        Edit(
            SYNC,
            "    client: AuthenticatedClient,\n" + CURSOR,
            CURSOR + "    client: AuthenticatedClient,\n",
        ),
    ),
    Case(
        "client-parameter-kind-changed",
        Edit(SYNC, "    integration_id: str,\n    *,\n", "    *,\n    integration_id: str,\n"),
        Edit(
            SYNC,
            "    *,\n    client: AuthenticatedClient,\n",
            "    client: AuthenticatedClient,\n    *,\n",
        ),
    ),
    Case(
        "client-parameter-type-narrowed",
        Edit(SYNC, "client: AuthenticatedClient | Client)", "client: AuthenticatedClient)"),
        Edit(
            SYNC, "client: AuthenticatedClient | Client)", "client: Client | AuthenticatedClient)"
        ),
    ),
    Case(
        "client-parameter-type-widened",
        Edit(
            SYNC,
            "    client: AuthenticatedClient,\n",
            "    client: AuthenticatedClient | Client,\n",
        ),
        Edit(SYNC, CURSOR, "    cursor: Unset | str = UNSET,\n"),
    ),
    Case(
        "client-return-type-widened",
        Edit(SYNC, RETURNS, ") -> Error | JobSyncStatusList | SyncAccepted | None:"),
        Edit(SYNC, RETURNS, ") -> JobSyncStatusList | None:"),
        instead=("client-return-type-narrowed",),
    ),
    Case(
        "client-return-type-widened",
        Edit(SYNC, ") -> Error | None:", "):"),
        Edit(SYNC, ") -> Error | None:", ") -> None | Error:"),
    ),
    Case(
        "client-field-type-changed",
        Edit(
            "models/job.py",
            "sync_start_time: str | Unset",
            "sync_start_time: datetime.datetime | Unset",
        ),
        Edit("models/job.py", "sync_start_time: str | Unset", "sync_start_time: Unset | str"),
    ),
    Case(
        "client-base-removed",
        Edit("models/job_status.py", "class JobStatus(StrEnum):", "class JobStatus(IntEnum):"),
        Edit("models/job.py", "class Job:", "class Job(object):"),
    ),
    Case(
        "client-default-changed",
        Edit(SYNC, CURSOR, '    cursor: str | Unset = "first",\n'),
        Edit(
            SYNC, "*, cursor: str | Unset = UNSET) -> dict", '*, cursor: str | Unset = "") -> dict'
        ),
    ),
    Case(
        "client-default-changed",
        Edit(
            "models/job.py",
            "sync_start_time: str | Unset = UNSET",
            'sync_start_time: str | Unset = ""',
        ),
        Edit(
            "models/job.py",
            "sync_start_time: str | Unset = UNSET",
            "sync_start_time: str | Unset = (UNSET)",
        ),
    ),
    Case(
        "client-constant-changed",
        Edit(FACTS, "RATE_LIMIT: Final = 100", "RATE_LIMIT: Final = 250"),
        Edit(FACTS, '["running", "success", "error"]', '["running", "error", "success"]'),
    ),
    Case(
        "client-constant-changed",
        Edit(
            FACTS,
            '"US-01": "https://rest.iad-01.braze.com"',
            '"US01": "https://rest.iad-01.braze.com"',
        ),
        Edit(
            FACTS,
            '    "US-01": "https://rest.iad-01.braze.com",\n    "EU-01": "https://rest.fra-01.braze.eu",\n',
            '    "EU-01": "https://rest.fra-01.braze.eu",\n    "US-01": "https://rest.iad-01.braze.com",\n',
        ),
    ),
    Case(
        "client-api-added",
        Edit(
            FACTS,
            "PAGE_SIZE: Final = 10\n",
            'PAGE_SIZE: Final = 10\nJOB_STATUS_ERROR: Final = "error"\n',
        ),
        Edit(
            FACTS, "PAGE_SIZE: Final = 10\n", "PAGE_SIZE: Final = 10\n_CACHE: dict[str, str] = {}\n"
        ),
    ),
    Case(
        "client-parameter-added",
        Edit(SYNC, CURSOR, CURSOR + "    body: SyncOptions | Unset = UNSET,\n"),
        Edit(SYNC, CURSOR, CURSOR + "    body: SyncOptions,\n"),
        instead=("client-parameter-added-required",),
    ),
    Case(
        "client-return-type-narrowed",
        Edit(SYNC, RETURNS, ") -> JobSyncStatusList | None:"),
        Edit(SYNC, RETURNS, ") -> None | JobSyncStatusList | Error:"),
    ),
]
# Judged by the review itself, on a contract edit (tests/tools/test_review.py).
REVIEW_RULES = {"client-layer-type-error", "client-not-generated"}


def write(folder: Path, edit: Edit | None = None) -> Path:
    """The package below folder, with the edit applied (its old text must occur exactly once)."""
    for module, text in BEFORE.items():
        edited = text
        if edit is not None and module == edit.module:
            assert text.count(edit.old) == 1, (module, edit.old)
            edited = text.replace(edit.old, edit.new)
        path = folder / clientdiff.PACKAGE / module
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(edited)
    return folder


def judged(tmp_path: Path, edit: Edit) -> list[clientdiff.ClientChange]:
    return clientdiff.compare(write(tmp_path / "old"), write(tmp_path / "new", edit))


def first(rule: str) -> Case:
    return next(case for case in CASES if case.rule == rule)


@pytest.mark.parametrize("case", CASES, ids=[case.rule for case in CASES])
def test_the_edit_is_judged_by_its_rule(tmp_path: Path, case: Case) -> None:
    rows = judged(tmp_path, case.fires)
    assert rows, "the edit changed nothing the review sees"
    assert {row.rule for row in rows} == {case.rule}, [(row.rule, row.name) for row in rows]


@pytest.mark.parametrize("case", CASES, ids=[case.rule for case in CASES])
def test_the_near_edit_is_not(tmp_path: Path, case: Case) -> None:
    rows = judged(tmp_path, case.quiet)
    assert [row.rule for row in rows] == list(case.instead), [(row.rule, row.name) for row in rows]


def test_the_unchanged_package_has_no_row(tmp_path: Path) -> None:
    assert clientdiff.compare(write(tmp_path / "old"), write(tmp_path / "new")) == []


def test_every_client_rule_has_a_case() -> None:
    client_rules = {rule.name for rule in specdiff.RULE_LIST if rule.part == "client"}
    missing = client_rules - REVIEW_RULES - {case.rule for case in CASES}
    assert not missing, f"client rules with no case: {sorted(missing)}"


def test_every_kind_griffe_reports_has_a_client_rule() -> None:
    kinds = {kind.name for kind in griffe.BreakageKind}
    assert kinds <= set(clientdiff.GRIFFE_RULES)
    assert all(specdiff.RULES[rule].part == "client" for rule in clientdiff.GRIFFE_RULES.values())


def test_every_client_rule_names_its_griffe_counterpart() -> None:
    client = [rule for rule in specdiff.RULE_LIST if rule.part == "client"]
    assert all(rule.griffe for rule in client)
    for kind, rule in clientdiff.GRIFFE_RULES.items():
        assert kind in specdiff.RULES[rule].griffe, (kind, rule)


def test_a_removed_enum_member_is_named(tmp_path: Path) -> None:
    [row] = judged(tmp_path, first("client-api-removed").fires)
    assert (row.rule, row.name, row.values) == (
        "client-api-removed",
        "models.job_status.JobStatus.SUCCESS",
        "SUCCESS = 'success' → (none)",
    )


def test_a_changed_constant_shows_both_values(tmp_path: Path) -> None:
    [row] = judged(tmp_path, Edit(FACTS, "RATE_LIMIT: Final = 100", "RATE_LIMIT: Final = 250"))
    assert (row.level, row.name, row.values) == (
        "warning",
        "contract_facts.RATE_LIMIT",
        "100 → 250",
    )


def test_a_parameter_row_names_the_function_and_the_parameter(tmp_path: Path) -> None:
    [row] = judged(tmp_path, Edit(SYNC, CURSOR, CURSOR + "    limit: int | Unset = 10,\n"))
    assert (row.name, row.values) == ("api.jobs.sync(limit)", "(none) → limit: int | Unset = 10")


def test_a_moved_parameter_shows_its_positions(tmp_path: Path) -> None:
    rows = judged(tmp_path, first("client-parameter-moved").fires)
    assert {(row.name, row.values) for row in rows} == {
        ("api.jobs.status(integration_id)", "position 0 → position 1"),
        ("api.jobs.status(job_id)", "position 1 → position 0"),
    }
