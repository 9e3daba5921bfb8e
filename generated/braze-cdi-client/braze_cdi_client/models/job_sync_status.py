from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_status import JobStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="JobSyncStatus")


@_attrs_define
class JobSyncStatus:
    """One sync (job) of the integration. Whether a running job has a `sync_finish_time` is not
    documented: it may be left out or `null`, and so may the counts and the last timestamp,
    which a running job cannot have yet (contract 2.0.0 relaxed these from strings and
    integers, which forbade what Braze's prose leaves open). Further fields may be added;
    readers must ignore them.

    What the meaning of the fields ties together across answers: a job whose `job_status` is
    an ended one has finished, so a later answer never shows the same job (the one with the
    same `sync_start_time`) `running` again; whether an ended job's outcome can still change
    is not documented. And as one sync of an integration runs at a time (the trigger's `429
    Another job is in progress`), no answer shows two of its jobs running.

        Attributes:
            job_status (JobStatus): `running` while the job runs; then `success` (every row synced), `partial` (some rows
                failed), `error` (no row synced) or `config_error` (the integration's configuration is wrong).
                `x-braze-running` lists the values of a job that has not ended.
            sync_start_time (str | Unset): When the job started (ISO 8601).
            sync_finish_time (None | str | Unset): When the job finished (ISO 8601), so never earlier than its
                `sync_start_time` (the same moment is possible); absent or `null` while it runs.
            last_timestamp_synced (None | str | Unset): The last `UPDATED_AT` value the job processed (ISO 8601); may be
                absent or `null` while the job runs.
            rows_synced (int | None | Unset): Rows synced; may be absent or `null` while the job runs.
            rows_failed_with_errors (int | None | Unset): Rows that failed with errors; may be absent or `null` while the
                job runs.
    """

    job_status: JobStatus
    sync_start_time: str | Unset = UNSET
    sync_finish_time: None | str | Unset = UNSET
    last_timestamp_synced: None | str | Unset = UNSET
    rows_synced: int | None | Unset = UNSET
    rows_failed_with_errors: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        job_status = self.job_status.value

        sync_start_time = self.sync_start_time

        sync_finish_time: None | str | Unset
        if isinstance(self.sync_finish_time, Unset):
            sync_finish_time = UNSET
        else:
            sync_finish_time = self.sync_finish_time

        last_timestamp_synced: None | str | Unset
        if isinstance(self.last_timestamp_synced, Unset):
            last_timestamp_synced = UNSET
        else:
            last_timestamp_synced = self.last_timestamp_synced

        rows_synced: int | None | Unset
        if isinstance(self.rows_synced, Unset):
            rows_synced = UNSET
        else:
            rows_synced = self.rows_synced

        rows_failed_with_errors: int | None | Unset
        if isinstance(self.rows_failed_with_errors, Unset):
            rows_failed_with_errors = UNSET
        else:
            rows_failed_with_errors = self.rows_failed_with_errors

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "job_status": job_status,
            }
        )
        if sync_start_time is not UNSET:
            field_dict["sync_start_time"] = sync_start_time
        if sync_finish_time is not UNSET:
            field_dict["sync_finish_time"] = sync_finish_time
        if last_timestamp_synced is not UNSET:
            field_dict["last_timestamp_synced"] = last_timestamp_synced
        if rows_synced is not UNSET:
            field_dict["rows_synced"] = rows_synced
        if rows_failed_with_errors is not UNSET:
            field_dict["rows_failed_with_errors"] = rows_failed_with_errors

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        job_status = JobStatus(d.pop("job_status"))

        sync_start_time = d.pop("sync_start_time", UNSET)

        def _parse_sync_finish_time(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        sync_finish_time = _parse_sync_finish_time(d.pop("sync_finish_time", UNSET))

        def _parse_last_timestamp_synced(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_timestamp_synced = _parse_last_timestamp_synced(d.pop("last_timestamp_synced", UNSET))

        def _parse_rows_synced(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        rows_synced = _parse_rows_synced(d.pop("rows_synced", UNSET))

        def _parse_rows_failed_with_errors(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        rows_failed_with_errors = _parse_rows_failed_with_errors(d.pop("rows_failed_with_errors", UNSET))

        job_sync_status = cls(
            job_status=job_status,
            sync_start_time=sync_start_time,
            sync_finish_time=sync_finish_time,
            last_timestamp_synced=last_timestamp_synced,
            rows_synced=rows_synced,
            rows_failed_with_errors=rows_failed_with_errors,
        )

        job_sync_status.additional_properties = d
        return job_sync_status

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
