from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.job_sync_status import JobSyncStatus


T = TypeVar("T", bound="JobSyncStatusList")


@_attrs_define
class JobSyncStatusList:
    """One page of an integration's jobs. Further fields may be added; readers must ignore them.

    Attributes:
        results (list[JobSyncStatus]):
        message (Literal['success']): Always `success`.
    """

    results: list[JobSyncStatus]
    message: Literal["success"]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        results = []
        for results_item_data in self.results:
            results_item = results_item_data.to_dict()
            results.append(results_item)

        message = self.message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "results": results,
                "message": message,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_sync_status import JobSyncStatus  # noqa: PLC0415

        d = dict(src_dict)
        results = []
        _results = d.pop("results")
        for results_item_data in _results:
            results_item = JobSyncStatus.from_dict(results_item_data)

            results.append(results_item)

        message = cast(Literal["success"], d.pop("message"))
        if message != "success":
            raise ValueError(f"message must match const 'success', got '{message}'")

        job_sync_status_list = cls(
            results=results,
            message=message,
        )

        job_sync_status_list.additional_properties = d
        return job_sync_status_list

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
