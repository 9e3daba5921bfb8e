from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Integration")


@_attrs_define
class Integration:
    """One integration. Braze documents every field as a string; the times are ISO 8601. The values
    of `integration_type`, `integration_status`, `warehouse_type` and `last_job_status` are not
    enumerated. Further fields may be added; readers must ignore them.

        Attributes:
            integration_id (str): The integration's ID, as the trigger and the job status take it.
            app_group_id (str | Unset): The workspace (app group) the integration belongs to.
            integration_name (str | Unset): The integration's name.
            integration_type (str | Unset): What the integration syncs (values not enumerated).
            integration_status (str | Unset): Whether the integration is active (values not enumerated).
            contact_emails (str | Unset): The contact email address(es), in one string.
            last_updated_at (str | Unset): The last timestamp that was synced (ISO 8601).
            warehouse_type (str | Unset): The kind of warehouse (values not enumerated).
            last_job_start_time (None | str | Unset): When the last job started (ISO 8601). Braze does not document what an
                integration that
                has never synced shows here, so `null` is allowed as well as leaving the field out.
            last_job_status (None | str | Unset): The status of the last job (values not enumerated). `null` is allowed for
                an
                integration that has never synced (not documented either way).
            next_scheduled_run (None | str | Unset): When the next scheduled sync runs (ISO 8601). `null` is allowed for an
                integration
                with no scheduled run (not documented either way).
    """

    integration_id: str
    app_group_id: str | Unset = UNSET
    integration_name: str | Unset = UNSET
    integration_type: str | Unset = UNSET
    integration_status: str | Unset = UNSET
    contact_emails: str | Unset = UNSET
    last_updated_at: str | Unset = UNSET
    warehouse_type: str | Unset = UNSET
    last_job_start_time: None | str | Unset = UNSET
    last_job_status: None | str | Unset = UNSET
    next_scheduled_run: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        integration_id = self.integration_id

        app_group_id = self.app_group_id

        integration_name = self.integration_name

        integration_type = self.integration_type

        integration_status = self.integration_status

        contact_emails = self.contact_emails

        last_updated_at = self.last_updated_at

        warehouse_type = self.warehouse_type

        last_job_start_time: None | str | Unset
        if isinstance(self.last_job_start_time, Unset):
            last_job_start_time = UNSET
        else:
            last_job_start_time = self.last_job_start_time

        last_job_status: None | str | Unset
        if isinstance(self.last_job_status, Unset):
            last_job_status = UNSET
        else:
            last_job_status = self.last_job_status

        next_scheduled_run: None | str | Unset
        if isinstance(self.next_scheduled_run, Unset):
            next_scheduled_run = UNSET
        else:
            next_scheduled_run = self.next_scheduled_run

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "integration_id": integration_id,
            }
        )
        if app_group_id is not UNSET:
            field_dict["app_group_id"] = app_group_id
        if integration_name is not UNSET:
            field_dict["integration_name"] = integration_name
        if integration_type is not UNSET:
            field_dict["integration_type"] = integration_type
        if integration_status is not UNSET:
            field_dict["integration_status"] = integration_status
        if contact_emails is not UNSET:
            field_dict["contact_emails"] = contact_emails
        if last_updated_at is not UNSET:
            field_dict["last_updated_at"] = last_updated_at
        if warehouse_type is not UNSET:
            field_dict["warehouse_type"] = warehouse_type
        if last_job_start_time is not UNSET:
            field_dict["last_job_start_time"] = last_job_start_time
        if last_job_status is not UNSET:
            field_dict["last_job_status"] = last_job_status
        if next_scheduled_run is not UNSET:
            field_dict["next_scheduled_run"] = next_scheduled_run

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        integration_id = d.pop("integration_id")

        app_group_id = d.pop("app_group_id", UNSET)

        integration_name = d.pop("integration_name", UNSET)

        integration_type = d.pop("integration_type", UNSET)

        integration_status = d.pop("integration_status", UNSET)

        contact_emails = d.pop("contact_emails", UNSET)

        last_updated_at = d.pop("last_updated_at", UNSET)

        warehouse_type = d.pop("warehouse_type", UNSET)

        def _parse_last_job_start_time(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_job_start_time = _parse_last_job_start_time(d.pop("last_job_start_time", UNSET))

        def _parse_last_job_status(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_job_status = _parse_last_job_status(d.pop("last_job_status", UNSET))

        def _parse_next_scheduled_run(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        next_scheduled_run = _parse_next_scheduled_run(d.pop("next_scheduled_run", UNSET))

        integration = cls(
            integration_id=integration_id,
            app_group_id=app_group_id,
            integration_name=integration_name,
            integration_type=integration_type,
            integration_status=integration_status,
            contact_emails=contact_emails,
            last_updated_at=last_updated_at,
            warehouse_type=warehouse_type,
            last_job_start_time=last_job_start_time,
            last_job_status=last_job_status,
            next_scheduled_run=next_scheduled_run,
        )

        integration.additional_properties = d
        return integration

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
