"""Each rule of the contract differ, proven on a before/after pair built from the real contract."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from contract import DOCUMENT
from tools import specdiff

Document = dict[str, Any]
BEFORE: Document = yaml.safe_load(DOCUMENT.read_text())
PATH = "/cdi/integrations/{integration_id}/sync"


def operation(document: Document) -> Document:
    result: Document = document["paths"][PATH]["post"]
    return result


def schema(document: Document, name: str) -> Document:
    result: Document = document["components"]["schemas"][name]
    return result


def edit_description(d: Document) -> None:
    operation(d)["description"] += " More words."


def bump_version(d: Document) -> None:
    d["info"]["version"] = "1.1.0"


def remove_server(d: Document) -> None:
    d["servers"].pop()


def add_server(d: Document) -> None:
    d["servers"].append({"url": "https://rest.example.invalid", "description": "new"})


def remove_path(d: Document) -> None:
    del d["paths"][PATH]


def remove_operation(d: Document) -> None:
    d["paths"][PATH]["put"] = d["paths"][PATH].pop("post")


def add_operation(d: Document) -> None:
    d["paths"][PATH]["get"] = copy.deepcopy(operation(d))


def change_permission(d: Document) -> None:
    operation(d)["x-braze-permission"] = "cdi.integration_admin"


def change_security(d: Document) -> None:
    d["components"]["securitySchemes"]["restApiKey"]["scheme"] = "basic"


def change_success_status(d: Document) -> None:
    operation(d)["responses"]["200"] = operation(d)["responses"].pop("202")


def remove_404(d: Document) -> None:
    del operation(d)["responses"]["404"]


def add_409(d: Document) -> None:
    operation(d)["responses"]["409"] = {"description": "Conflict."}


def remove_parameter(d: Document) -> None:
    d["paths"][PATH]["parameters"] = []


def add_required_query(d: Document) -> None:
    operation(d)["parameters"] = [
        {"name": "mode", "in": "query", "required": True, "schema": {"type": "string"}}
    ]


def add_optional_query(d: Document) -> None:
    operation(d)["parameters"] = [{"name": "mode", "in": "query", "schema": {"type": "string"}}]


def make_query_required(d: Document) -> None:
    add_optional_query(d)


def add_required_body(d: Document) -> None:
    operation(d)["requestBody"] = {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object"}}},
    }


def add_required_request_field(d: Document) -> None:
    add_body_with(d, required=["full"])


def add_body_with(d: Document, **extra: Any) -> None:
    body_schema = {"type": "object", "properties": {"full": {"type": "boolean"}}, **extra}
    operation(d)["requestBody"] = {"content": {"application/json": {"schema": body_schema}}}


def lower_rate_limit(d: Document) -> None:
    operation(d)["x-braze-rate-limit"]["limit"] = 10


def raise_rate_limit(d: Document) -> None:
    operation(d)["x-braze-rate-limit"]["limit"] = 50


def lengthen_rate_window(d: Document) -> None:
    operation(d)["x-braze-rate-limit"]["window-seconds"] = 120


def id_type_narrowed(d: Document) -> None:
    d["components"]["parameters"]["IntegrationId"]["schema"]["type"] = "integer"


def id_enum_added(d: Document) -> None:
    d["components"]["parameters"]["IntegrationId"]["schema"]["enum"] = ["a", "b"]


def id_const_added(d: Document) -> None:
    d["components"]["parameters"]["IntegrationId"]["schema"]["const"] = "a"


def id_format_added(d: Document) -> None:
    d["components"]["parameters"]["IntegrationId"]["schema"]["format"] = "uuid"


def id_max_length_added(d: Document) -> None:
    d["components"]["parameters"]["IntegrationId"]["schema"]["maxLength"] = 36


def error_errors_removed(d: Document) -> None:
    del schema(d, "Error")["properties"]["errors"]


def error_message_not_required(d: Document) -> None:
    schema(d, "Error")["required"] = []


def success_headers_removed(d: Document) -> None:
    del operation(d)["responses"]["202"]["headers"]["X-RateLimit-Reset"]


def success_media_type_removed(d: Document) -> None:
    operation(d)["responses"]["202"]["content"]["text/plain"] = operation(d)["responses"]["202"][
        "content"
    ].pop("application/json")


def remaining_type_widened(d: Document) -> None:
    schema(d, "RateLimitCount")["type"] = ["integer", "string"]


def success_const_changed(d: Document) -> None:
    schema(d, "SyncAccepted")["properties"]["message"]["const"] = "ok"


def response_field_added(d: Document) -> None:
    schema(d, "SyncAccepted")["properties"]["job_id"] = {"type": "string"}


def message_enum_widened(d: Document) -> None:
    d["components"]["schemas"]["Error"]["properties"]["message"]["enum"] = ["a"]


CASES: list[tuple[str, Callable[[Document], None], bool]] = [
    ("documentation", edit_description, False),
    ("version", bump_version, False),
    ("server-removed", remove_server, True),
    ("server-added", add_server, False),
    ("path-removed", remove_path, True),
    ("operation-removed", remove_operation, True),
    ("operation-added", add_operation, False),
    ("permission-changed", change_permission, True),
    ("security-changed", change_security, True),
    ("success-status-changed", change_success_status, True),
    ("response-removed", remove_404, True),
    ("response-added", add_409, False),
    ("parameter-removed", remove_parameter, True),
    ("required-parameter-added", add_required_query, True),
    ("optional-parameter-added", add_optional_query, False),
    ("required-request-body-added", add_required_body, True),
    ("rate-limit-lowered", lower_rate_limit, True),
    ("rate-limit-raised", raise_rate_limit, False),
    ("request-type-narrowed", id_type_narrowed, True),
    ("request-enum-narrowed", id_enum_added, True),
    ("request-const-changed", id_const_added, True),
    ("request-format-changed", id_format_added, True),
    ("request-constraint-tightened", id_max_length_added, True),
    ("response-property-removed", error_errors_removed, True),
    ("response-field-no-longer-required", error_message_not_required, True),
    ("response-header-removed", success_headers_removed, True),
    ("response-media-type-removed", success_media_type_removed, True),
    ("response-type-widened", remaining_type_widened, True),
    ("response-const-changed", success_const_changed, True),
    ("response-extended", response_field_added, False),
]


@pytest.mark.parametrize(("rule", "mutate", "breaking"), CASES, ids=[case[0] for case in CASES])
def test_rule_classifies_its_change(
    rule: str, mutate: Callable[[Document], None], breaking: bool
) -> None:
    after = copy.deepcopy(BEFORE)
    mutate(after)
    results = specdiff.classify(BEFORE, after)
    assert rule in {item.rule for item in results}, [(i.rule, i.change.where) for i in results]
    assert all(item.breaking == breaking for item in results if item.rule == rule)


def test_lengthened_window_is_a_lower_rate() -> None:
    after = copy.deepcopy(BEFORE)
    lengthen_rate_window(after)
    assert [item.rule for item in specdiff.classify(BEFORE, after)] == ["rate-limit-lowered"]


def test_required_request_field_added_is_breaking() -> None:
    before = copy.deepcopy(BEFORE)
    add_body_with(before)
    after = copy.deepcopy(BEFORE)
    add_required_request_field(after)
    results = specdiff.classify(before, after)
    assert [(item.rule, item.breaking) for item in results] == [
        ("required-request-field-added", True)
    ]


def test_optional_parameter_made_required_is_breaking() -> None:
    before = copy.deepcopy(BEFORE)
    add_optional_query(before)
    after = copy.deepcopy(before)
    operation(after)["parameters"][0]["required"] = True
    assert [item.rule for item in specdiff.classify(before, after)] == ["parameter-became-required"]


def test_unchanged_document_has_no_change() -> None:
    assert specdiff.classify(BEFORE, copy.deepcopy(BEFORE)) == []


def test_moved_ref_with_the_same_meaning_is_no_change() -> None:
    after = copy.deepcopy(BEFORE)
    after["components"]["schemas"]["Acceptance"] = after["components"]["schemas"].pop(
        "SyncAccepted"
    )
    ok = operation(after)["responses"]["202"]["content"]["application/json"]
    ok["schema"] = {"$ref": "#/components/schemas/Acceptance"}
    assert specdiff.classify(BEFORE, after) == []


def test_inlined_ref_is_no_change() -> None:
    after = copy.deepcopy(BEFORE)
    inline = copy.deepcopy(after["components"]["responses"]["NotFound"])
    inline["content"]["application/json"]["schema"] = copy.deepcopy(schema(after, "Error"))
    operation(after)["responses"]["404"] = yaml.safe_load(yaml.safe_dump(inline))
    assert [item.rule for item in specdiff.classify(BEFORE, after)] in ([], ["documentation"])


def test_unknown_change_is_flagged_for_review_by_hand() -> None:
    after = copy.deepcopy(BEFORE)
    after["webhooks"] = {"x": {}}
    assert [item.rule for item in specdiff.classify(BEFORE, after)] == ["unclassified"]


@pytest.mark.parametrize(
    ("old", "new", "acknowledged"),
    [
        ("1.0.0", "2.0.0", True),
        ("1.0.0", "1.9.0", False),
        ("2.1.0", "1.0.0", False),
        ("x", "2", False),
    ],
)
def test_major_version_bump_acknowledges(old: str, new: str, acknowledged: bool) -> None:
    assert (
        specdiff.acknowledged({"info": {"version": old}}, {"info": {"version": new}})
        is acknowledged
    )


def test_type_as_string_or_as_one_item_list_is_no_change() -> None:
    after = copy.deepcopy(BEFORE)
    after["components"]["parameters"]["IntegrationId"]["schema"]["type"] = ["string"]
    assert specdiff.classify(BEFORE, after) == []
