"""What the two lists hold: integrations and sync jobs, read from the generated models' dicts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from braze_cdi_client.contract_facts import JOB_STATUS_SUCCESS, RUNNING_JOB_STATUSES


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 time as Braze writes it, or None if absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    # A time without an offset is taken as UTC, so that every time compares with every other.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class Job:
    """One sync of an integration, as the job status lists it."""

    status: str
    integration_id: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    rows_synced: int | None = None
    rows_failed: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_item(cls, item: Mapping[str, Any], *, integration_id: str | None = None) -> Job:
        """Read one item of `results`; fields Braze may leave out stay None."""
        return cls(
            integration_id=integration_id,
            status=str(item.get("job_status", "")),
            started_at=parse_time(item.get("sync_start_time")),
            finished_at=parse_time(item.get("sync_finish_time")),
            rows_synced=_count(item.get("rows_synced")),
            rows_failed=_count(item.get("rows_failed_with_errors")),
            raw=dict(item),
        )

    @property
    def succeeded(self) -> bool:
        """Whether the job ended with every row synced (`success`)."""
        return self.status == JOB_STATUS_SUCCESS

    @property
    def running(self) -> bool:
        """Whether the job has not ended (its status is one of the contract's running ones)."""
        return self.status in RUNNING_JOB_STATUSES

    def as_dict(self) -> dict[str, Any]:
        """The job as JSON-ready values (times in ISO 8601)."""
        return {
            "integration_id": self.integration_id,
            "job_status": self.status,
            "sync_start_time": self.started_at.isoformat() if self.started_at else None,
            "sync_finish_time": self.finished_at.isoformat() if self.finished_at else None,
            "rows_synced": self.rows_synced,
            "rows_failed_with_errors": self.rows_failed,
        }


@dataclass(frozen=True)
class Integration:
    """One integration, as the list shows it; every documented field is in `raw`."""

    integration_id: str
    name: str | None = None
    status: str | None = None
    last_job_status: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> Integration:
        """Read one item of `results`."""

        def text(name: str) -> str | None:
            value = item.get(name)
            return value if isinstance(value, str) else None

        return cls(
            integration_id=str(item.get("integration_id", "")),
            name=text("integration_name"),
            status=text("integration_status"),
            last_job_status=text("last_job_status"),
            raw=dict(item),
        )


def newest(jobs: list[Job]) -> Job | None:
    """The job that started last (jobs without a start time count as oldest)."""
    dated = [job for job in jobs if job.started_at is not None]
    if dated:
        return max(dated, key=lambda job: job.started_at or datetime.min.replace(tzinfo=UTC))
    return jobs[0] if jobs else None
