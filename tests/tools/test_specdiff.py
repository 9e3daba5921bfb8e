"""Every rule of the contract differ, proven on a before/after pair built from the real contract.

`CASES` holds one pair per rule: the test applies `setup` to both versions and `change` to the
new one, and expects exactly one row, judged by that rule. A test fails while any rule in
tools/review_rules.yaml has no case, so a rule cannot exist without being exercised.
"""

from __future__ import annotations

import copy
import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from braze_cdi_contract import DOCUMENT

from tools import ROOT, specdiff

Document = dict[str, Any]
Edit = Callable[[Document], None]
BEFORE: Document = yaml.safe_load(DOCUMENT.read_text())
PATH = "/cdi/integrations/{integration_id}/sync"
SYNC = f"POST {PATH}"
LIST = "GET /cdi/integrations"
STATUS = "GET /cdi/integrations/{integration_id}/job_sync_status"
ERRORS = "400, 401, 403, 404, 429, 5XX"


def nothing(_: Document) -> None:
    """No setup."""


def operation(d: Document) -> Document:
    result: Document = d["paths"][PATH]["post"]
    return result


def component(d: Document, kind: str, name: str) -> Document:
    result: Document = d["components"][kind][name]
    return result


def responses(d: Document) -> Document:
    result: Document = operation(d)["responses"]
    return result


@dataclass(frozen=True)
class Case:
    """A before/after pair and the one rule that must judge it."""

    rule: str
    change: Edit
    setup: Edit = nothing


def pair(case: Case) -> tuple[Document, Document]:
    old = copy.deepcopy(BEFORE)
    case.setup(old)
    new = copy.deepcopy(old)
    case.change(new)
    return old, new


# Where a schema sits decides its direction: the path parameter's schema is read by servers
# (request side); SyncAccepted is what a server sends with 202 (response side).


def at_request(schema: Any) -> Edit:
    def edit(d: Document) -> None:
        component(d, "parameters", "IntegrationId")["schema"] = copy.deepcopy(schema)

    return edit


def at_response(schema: Any) -> Edit:
    def edit(d: Document) -> None:
        d["components"]["schemas"]["SyncAccepted"] = copy.deepcopy(schema)

    return edit


STRING = {"type": "string"}
OBJECT_A = {"type": "object", "properties": {"a": {}}}
OBJECT_AB = {"type": "object", "properties": {"a": {}, "b": {}}}
SCHEMA_MOVES: list[tuple[str, Any, Any]] = [
    ("bound-narrowed", STRING, {**STRING, "maxLength": 10}),
    ("bound-widened", {**STRING, "minLength": 2}, {**STRING, "minLength": 1}),
    ("format-narrowed", STRING, {**STRING, "pattern": "^a"}),
    ("format-widened", {**STRING, "format": "email"}, STRING),
    ("format-changed", {**STRING, "pattern": "^a"}, {**STRING, "pattern": "^b"}),
    ("values-narrowed", {"enum": ["a", "b"]}, {"enum": ["a"]}),
    ("values-widened", {"enum": ["a"]}, {"enum": ["a", "b"]}),
    ("values-changed", {"enum": ["a"]}, {"enum": ["b"]}),
    ("type-narrowed", {"type": ["string", "null"]}, STRING),
    ("type-widened", STRING, {"type": ["string", "integer"]}),
    ("type-changed", STRING, {"type": "integer"}),
    ("required-narrowed", OBJECT_A, {**OBJECT_A, "required": ["a"]}),
    ("required-widened", {**OBJECT_A, "required": ["a"]}, OBJECT_A),
    ("required-changed", {**OBJECT_AB, "required": ["a"]}, {**OBJECT_AB, "required": ["b"]}),
    ("additional-properties-narrowed", OBJECT_A, {**OBJECT_A, "additionalProperties": False}),
    ("additional-properties-widened", {**OBJECT_A, "additionalProperties": False}, OBJECT_A),
    ("property-added", OBJECT_A, OBJECT_AB),
    ("property-removed", OBJECT_AB, OBJECT_A),
    ("default-changed", {**STRING, "default": "a"}, {**STRING, "default": "b"}),
]
SCHEMA_CASES = [
    Case(f"{side}-{move}", place(after), place(before))
    for side, place in (("request", at_request), ("response", at_response))
    for move, before, after in SCHEMA_MOVES
]

QUERY = {"name": "cursor", "in": "query", "schema": {"type": "string"}}
BODY = {"content": {"application/json": {"schema": {"type": "object"}}}}
LINK = {"again": {"operationId": "triggerIntegrationSync", "description": "Again."}}


def with_query(*, required: bool) -> Edit:
    return lambda d: (
        operation(d).setdefault("parameters", []).append({**QUERY, "required": required})
    )


def with_body(**extra: Any) -> Edit:
    return lambda d: operation(d).__setitem__("requestBody", copy.deepcopy({**BODY, **extra}))


def unused(d: Document) -> None:
    d["components"]["schemas"]["Unused"] = {"type": "string"}


def also(*edits: Edit) -> Edit:
    def edit(d: Document) -> None:
        for each in edits:
            each(d)

    return edit


OTHER_CASES = [
    Case("documentation", lambda d: operation(d).__setitem__("summary", "Trigger a sync now")),
    Case("version-changed", lambda d: d["info"].__setitem__("version", "1.0.1")),
    Case(
        "server-added",
        lambda d: d["servers"].append({"url": "https://rest.new.invalid", "description": "new"}),
    ),
    Case("server-removed", lambda d: d["servers"].pop()),
    Case(
        "endpoint-added",
        lambda d: d["paths"][PATH].__setitem__(
            "get", {**copy.deepcopy(operation(d)), "operationId": "readSync"}
        ),
    ),
    Case("endpoint-removed", lambda d: d["paths"][PATH].pop("post")),
    Case("operation-id-changed", lambda d: operation(d).__setitem__("operationId", "startSync")),
    Case(
        "permission-changed",
        lambda d: operation(d).__setitem__("x-braze-permission", "cdi.integration_admin"),
    ),
    Case(
        "rate-limit-lowered", lambda d: operation(d)["x-braze-rate-limit"].__setitem__("limit", 10)
    ),
    Case(
        "rate-limit-raised", lambda d: operation(d)["x-braze-rate-limit"].__setitem__("limit", 30)
    ),
    Case(
        "rate-limit-redefined",
        lambda d: operation(d)["x-braze-rate-limit"].__setitem__("scope", "key"),
    ),
    Case(
        "security-changed",
        lambda d: component(d, "securitySchemes", "restApiKey").__setitem__("scheme", "basic"),
    ),
    Case("component-added", unused),
    Case("component-removed", lambda d: d["components"]["schemas"].pop("Unused"), setup=unused),
    Case(
        "unused-component-changed",
        lambda d: component(d, "schemas", "Unused").__setitem__("minLength", 1),
        setup=unused,
    ),
    Case("request-parameter-added", with_query(required=False)),
    Case("request-parameter-added-required", with_query(required=True)),
    Case(
        "request-parameter-removed",
        lambda d: operation(d).pop("parameters"),
        setup=with_query(required=False),
    ),
    Case(
        "request-parameter-became-required",
        lambda d: operation(d)["parameters"][0].__setitem__("required", True),
        setup=with_query(required=False),
    ),
    Case(
        "request-parameter-became-optional",
        lambda d: operation(d)["parameters"][0].__setitem__("required", False),
        setup=with_query(required=True),
    ),
    Case("request-body-added", with_body()),
    Case("request-body-added-required", with_body(required=True)),
    Case("request-body-removed", lambda d: operation(d).pop("requestBody"), setup=with_body()),
    Case(
        "request-body-became-required",
        lambda d: operation(d)["requestBody"].__setitem__("required", True),
        setup=with_body(),
    ),
    Case(
        "request-body-became-optional",
        lambda d: operation(d)["requestBody"].__setitem__("required", False),
        setup=with_body(required=True),
    ),
    Case(
        "request-media-type-added",
        lambda d: operation(d)["requestBody"]["content"].__setitem__("text/csv", {}),
        setup=with_body(),
    ),
    Case(
        "request-media-type-removed",
        lambda d: operation(d)["requestBody"]["content"].pop("application/json"),
        setup=with_body(),
    ),
    Case(
        "response-success-status-added",
        lambda d: responses(d).__setitem__("200", {"description": "Done at once."}),
    ),
    Case("response-success-status-removed", lambda d: responses(d).pop("202")),
    Case(
        "response-error-status-added",
        lambda d: responses(d).__setitem__("409", {"description": "Conflict."}),
    ),
    Case("response-error-status-removed", lambda d: responses(d).pop("404")),
    Case(
        "response-header-added",
        lambda d: responses(d)["202"]["headers"].__setitem__(
            "X-Request-Id", {"schema": {"type": "string"}}
        ),
    ),
    Case(
        "response-required-header-removed",
        lambda d: responses(d)["202"]["headers"].pop("X-RateLimit-Limit"),
    ),
    Case(
        "response-optional-header-removed",
        lambda d: component(d, "responses", "BadRequest")["headers"].pop("X-RateLimit-Limit"),
    ),
    Case(
        "response-header-became-optional",
        lambda d: component(d, "headers", "X-RateLimit-Limit-Required").__setitem__(
            "required", False
        ),
    ),
    Case(
        "response-header-became-required",
        lambda d: component(d, "headers", "X-RateLimit-Limit").__setitem__("required", True),
    ),
    Case(
        "response-media-type-added",
        lambda d: responses(d)["202"]["content"].__setitem__("text/plain", {}),
    ),
    Case(
        "response-media-type-removed",
        lambda d: component(d, "responses", "NotFound")["content"].pop("application/json"),
    ),
    Case("response-links-changed", lambda d: responses(d)["202"].__setitem__("links", LINK)),
    Case(
        "server-instance-changed",
        lambda d: d["servers"][0].__setitem__("x-braze-instance", "USA-01"),
    ),
    Case(
        "messages-changed",
        lambda d: component(d, "responses", "TooManyRequests")["x-braze-messages"].__setitem__(
            "another_job_in_progress", "A sync is already running"
        ),
    ),
    Case("extension-changed", lambda d: operation(d).__setitem__("x-internal-owner", "team-a")),
    Case(
        "format-changes-generated-type",
        lambda d: component(d, "schemas", "JobSyncStatus")["properties"][
            "sync_start_time"
        ].__setitem__("format", "date-time"),
    ),
    Case(
        "pattern-rewritten",
        at_request({**STRING, "pattern": "^\\d{3}$"}),
        setup=at_request({**STRING, "pattern": "^[0-9]{3}$"}),
    ),
    Case(
        "pattern-changed-unproven",
        at_request({**STRING, "pattern": "^(?=b)"}),
        setup=at_request({**STRING, "pattern": "^(?=a)"}),
    ),
    Case(
        "running-statuses-changed",
        lambda d: component(d, "schemas", "JobStatus")["x-braze-running"].append("partial"),
    ),
    Case(
        "first-ended-status-changed",
        lambda d: component(d, "schemas", "JobStatus").__setitem__(
            "enum", ["running", "partial", "success", "error", "config_error"]
        ),
    ),
]
CASES = SCHEMA_CASES + OTHER_CASES


@pytest.mark.parametrize("case", CASES, ids=[case.rule for case in CASES])
def test_rule_judges_its_change(case: Case) -> None:
    changes = specdiff.classify(*pair(case))
    assert [change.rule for change in changes] == [case.rule], [
        (change.rule, change.where) for change in changes
    ]


def test_every_rule_has_a_case() -> None:
    contract_rules = {rule.name for rule in specdiff.RULE_LIST if rule.part == "contract"}
    missing = contract_rules - {case.rule for case in CASES}
    assert not missing, f"rules with no before/after test: {sorted(missing)}"


def test_every_case_names_a_rule() -> None:
    unknown = {case.rule for case in CASES} - set(specdiff.RULES)
    assert not unknown


def test_rules_have_unique_names_and_known_levels() -> None:
    names = [rule.name for rule in specdiff.RULE_LIST]
    assert len(names) == len(set(names))
    assert {rule.level for rule in specdiff.RULE_LIST} <= set(specdiff.LEVELS)
    assert all(rule.why and rule.counterpart for rule in specdiff.RULE_LIST)


# The levels of each schema move, on the request side and on the response side: narrowing breaks
# requests, widening breaks responses, a change both ways breaks both; the rest is said here.
DIRECTION = {
    "narrowed": ("breaking", "info"),
    "widened": ("info", "breaking"),
    "changed": ("breaking", "breaking"),
}
OTHER_LEVELS = {
    "property-added": ("info", "info"),
    "property-removed": ("warning", "breaking"),
    "default-changed": ("warning", "info"),
}


@pytest.mark.parametrize("move", sorted({move for move, _, _ in SCHEMA_MOVES}))
def test_direction_decides_the_level_of_a_schema_change(move: str) -> None:
    request = specdiff.RULES[f"request-{move}"].level
    response = specdiff.RULES[f"response-{move}"].level
    expected = OTHER_LEVELS.get(move) or DIRECTION[move.rsplit("-", 1)[1]]
    assert (request, response) == expected


# The changes the issue named.


def rows(change: Edit) -> list[specdiff.Change]:
    return specdiff.classify(*pair(Case("", change)))


def test_dropping_a_minimum_from_a_response_count_is_breaking() -> None:
    [change] = rows(lambda d: component(d, "schemas", "RateLimitCount").pop("minimum"))
    assert (change.rule, change.level) == ("response-bound-widened", "breaking")
    assert change.values == "0 → (none)"


def test_dropping_min_length_from_the_error_message_is_one_breaking_row_at_its_source() -> None:
    [change] = rows(
        lambda d: component(d, "schemas", "Error")["properties"]["message"].pop("minLength")
    )
    assert change.level == "breaking"
    assert change.where == "components > schemas > Error > properties > message > minLength"
    assert specdiff.reaches(change) == f"{LIST}: {ERRORS}; {STATUS}: {ERRORS}; {SYNC}: {ERRORS}"


def test_a_pattern_row_shows_both_patterns() -> None:
    [change] = rows(at_request({"type": "string", "pattern": "^[a-z]+$"}))
    assert change.values == '(none) → "^[a-z]+$"'
    assert specdiff.reaches(change) == f"{STATUS}: request; {SYNC}: request"


def test_a_type_beside_a_const_of_another_type_is_a_type_change() -> None:
    def integer_message(d: Document) -> None:
        component(d, "schemas", "SyncAccepted")["properties"]["message"]["type"] = "integer"

    [change] = rows(integer_message)
    assert (change.rule, change.level) == ("response-type-changed", "breaking")


def test_a_type_that_only_states_what_a_const_implies_is_not_breaking() -> None:
    def string_message(d: Document) -> None:
        component(d, "schemas", "SyncAccepted")["properties"]["message"]["type"] = "string"

    [change] = rows(string_message)
    assert change.level == "info"


def test_loosening_the_202_body_is_breaking() -> None:
    [change] = rows(lambda d: component(d, "schemas", "SyncAccepted").pop("required"))
    assert (change.rule, change.level) == ("response-required-widened", "breaking")


def test_a_component_used_on_both_sides_gets_the_stricter_verdict() -> None:
    def shared(d: Document) -> None:
        d["components"]["schemas"]["Name"] = {"type": "string"}
        component(d, "parameters", "IntegrationId")["schema"] = {
            "$ref": "#/components/schemas/Name"
        }
        component(d, "schemas", "SyncAccepted")["properties"]["name"] = {
            "$ref": "#/components/schemas/Name"
        }

    case = Case("", lambda d: component(d, "schemas", "Name").__setitem__("maxLength", 9), shared)
    [change] = specdiff.classify(*pair(case))
    assert (change.rule, change.level) == ("request-bound-narrowed", "breaking")
    assert specdiff.reaches(change) == f"{STATUS}: request; {SYNC}: 202, request"


def test_an_unknown_keyword_is_unclassified() -> None:
    [change] = rows(lambda d: component(d, "schemas", "Error").__setitem__("oneOf", [{}]))
    assert (change.rule, change.level) == (specdiff.UNCLASSIFIED, specdiff.UNCLASSIFIED)


def test_an_unknown_braze_extension_on_an_operation_is_unclassified() -> None:
    [change] = rows(lambda d: operation(d).__setitem__("x-braze-new-promise", True))
    assert change.level == specdiff.UNCLASSIFIED


def test_another_tools_extension_anywhere_is_info() -> None:
    def edit(d: Document) -> None:
        operation(d)["x-internal-owner"] = "team-a"
        component(d, "schemas", "Error")["x-go-type"] = "ErrorBody"
        d["x-tagGroups"] = [{"name": "CDI", "tags": ["Cloud Data Ingestion"]}]

    found = rows(edit)
    assert [(change.rule, change.level) for change in found] == [("extension-changed", "info")] * 3


# OpenAPI 3.1 as written.


def _id_schema_beside_a_ref(**beside: Any) -> Edit:
    def edit(d: Document) -> None:
        d["components"]["schemas"]["IntegrationIdValue"] = {
            "type": "string",
            "description": "An integration ID.",
        }
        component(d, "parameters", "IntegrationId")["schema"] = {
            "$ref": "#/components/schemas/IntegrationIdValue",
            **beside,
        }

    return edit


def test_a_pattern_beside_a_ref_applies_and_narrows_the_request() -> None:
    uuid = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
    case = Case("", _id_schema_beside_a_ref(pattern=uuid), setup=_id_schema_beside_a_ref())
    [change] = specdiff.classify(*pair(case))
    assert (change.rule, change.level) == ("request-format-narrowed", "breaking")
    assert change.path[-1] == "pattern"


def test_an_inline_schema_moved_behind_a_ref_with_a_pattern_beside_it_is_breaking() -> None:
    found = rows(_id_schema_beside_a_ref(pattern="^[0-9a-f-]+$"))
    assert ("request-format-narrowed", "breaking") in [(c.rule, c.level) for c in found]


def test_a_format_that_changes_the_generated_type_is_breaking_on_the_response_side() -> None:
    def edit(d: Document) -> None:
        field = component(d, "schemas", "JobSyncStatus")["properties"]["sync_start_time"]
        field["format"] = "date-time"

    [change] = rows(edit)
    assert (change.rule, change.level) == ("format-changes-generated-type", "breaking")
    assert change.values == '(none) → "date-time"'


def test_a_format_that_keeps_the_generated_type_is_only_a_narrowed_response() -> None:
    def edit(d: Document) -> None:
        field = component(d, "schemas", "JobSyncStatus")["properties"]["sync_start_time"]
        field["format"] = "email"

    [change] = rows(edit)
    assert (change.rule, change.level) == ("response-format-narrowed", "info")


# Long values: what differs is shown.


def test_a_long_value_row_shows_the_part_that_differs() -> None:
    long = "A sync of this integration is running; try again once it has finished: " * 2

    def setup(d: Document) -> None:
        operation(d)["x-braze-rate-limit"]["note"] = long

    def edit(d: Document) -> None:
        operation(d)["x-braze-rate-limit"]["note"] = long.replace("finished: A", "finished! A")

    [change] = specdiff.classify(*pair(Case("", edit, setup=setup)))
    before, after = change.values.split(" → ")
    assert before != after
    assert "finished: A" in before
    assert "finished! A" in after
    assert len(before) < 70


# Harmless stays harmless.


def test_the_same_security_at_the_root_instead_of_on_the_operations_is_no_change() -> None:
    def edit(d: Document) -> None:
        d["security"] = [{"restApiKey": []}]
        for _, _, each in specdiff.operations(d):
            each.pop("security")

    assert rows(edit) == []


def test_a_root_security_an_operation_overrides_is_no_change_for_it() -> None:
    def edit(d: Document) -> None:
        d["security"] = [{}]

    assert rows(edit) == []


def test_operations_without_their_own_security_change_with_the_root() -> None:
    def setup(d: Document) -> None:
        d["security"] = [{"restApiKey": []}]
        operation(d).pop("security")

    found = specdiff.classify(*pair(Case("", lambda d: d.__setitem__("security", []), setup)))
    assert [(change.rule, change.where) for change in found] == [
        ("security-changed", f"{SYNC} > security")
    ]


def test_a_strictly_looser_pattern_on_the_request_is_info() -> None:
    case = Case(
        "",
        at_request({**STRING, "pattern": "^[0-9a-fA-F-]+$"}),
        setup=at_request({**STRING, "pattern": "^[0-9a-f-]+$"}),
    )
    [change] = specdiff.classify(*pair(case))
    assert (change.rule, change.level) == ("request-format-widened", "info")


def test_a_strictly_stricter_pattern_on_the_request_is_breaking() -> None:
    case = Case(
        "",
        at_request({**STRING, "pattern": "^[0-9a-f]+$"}),
        setup=at_request({**STRING, "pattern": "^[0-9a-f-]+$"}),
    )
    [change] = specdiff.classify(*pair(case))
    assert (change.rule, change.level) == ("request-format-narrowed", "breaking")


# What is no change.


def test_unchanged_document_has_no_change() -> None:
    assert specdiff.classify(BEFORE, copy.deepcopy(BEFORE)) == []


def test_moved_ref_with_the_same_meaning_changes_no_operation() -> None:
    def move(d: Document) -> None:
        schemas = d["components"]["schemas"]
        schemas["Count"] = schemas.pop("RateLimitCount")
        for header in d["components"]["headers"].values():
            if header["schema"] == {"$ref": "#/components/schemas/RateLimitCount"}:
                header["schema"] = {"$ref": "#/components/schemas/Count"}

    changes = rows(move)
    # Only the components themselves: one appears, one goes; nothing an operation sees.
    assert [(change.rule, change.where) for change in changes] == [
        ("component-added", "components > schemas > Count"),
        ("component-removed", "components > schemas > RateLimitCount"),
    ]
    assert all(change.level == "info" for change in changes)


def test_inlined_ref_is_no_change() -> None:
    def inline(d: Document) -> None:
        responses(d)["404"] = copy.deepcopy(component(d, "responses", "NotFound"))

    assert rows(inline) == []


def test_type_as_string_or_as_one_item_list_is_no_change() -> None:
    def as_list(d: Document) -> None:
        component(d, "schemas", "RateLimitCount")["type"] = ["integer"]

    assert rows(as_list) == []


def test_reordered_enum_is_no_change() -> None:
    case = Case("", at_request({"enum": ["b", "a"]}), setup=at_request({"enum": ["a", "b"]}))
    assert specdiff.classify(*pair(case)) == []


def test_path_level_parameter_moved_to_the_operation_is_no_change() -> None:
    def move(d: Document) -> None:
        operation(d)["parameters"] = d["paths"][PATH].pop("parameters")

    assert rows(move) == []


def test_lengthened_window_is_a_lower_rate() -> None:
    [change] = rows(lambda d: operation(d)["x-braze-rate-limit"].__setitem__("window-seconds", 120))
    assert change.rule == "rate-limit-lowered"


@pytest.mark.parametrize(
    ("old", "new", "acknowledged"),
    [("1.0.0", "2.0.0", True), ("1.0.0", "1.9.0", False), ("v1", "v2", True), ("x", "2.0", False)],
)
def test_major_version_bump_acknowledges(old: str, new: str, acknowledged: bool) -> None:
    assert specdiff.acknowledged({"info": {"version": old}}, {"info": {"version": new}}) is (
        acknowledged
    )


def test_a_reordered_enum_keeping_the_first_ended_status_is_no_change() -> None:
    new = copy.deepcopy(BEFORE)
    statuses = ["success", "partial", "error", "config_error", "running"]
    component(new, "schemas", "JobStatus")["enum"] = statuses
    assert specdiff.classify(BEFORE, new) == []


def test_a_new_first_ended_status_shows_both_and_the_answers_it_reaches() -> None:
    new = copy.deepcopy(BEFORE)
    statuses = ["running", "partial", "success", "error", "config_error"]
    component(new, "schemas", "JobStatus")["enum"] = statuses
    [change] = specdiff.classify(BEFORE, new)
    assert (change.level, change.where, change.values) == (
        "warning",
        "components > schemas > JobStatus > enum",
        '"success" → "partial"',
    )
    assert specdiff.reaches(change) == f"{STATUS}: 200"


def test_the_review_page_shows_the_rule_file() -> None:
    page = (ROOT / "docs" / "review-rules.md").read_text()
    assert "<!-- generated: review-rules -->" in page  # the site writes the table from the file
    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    try:
        site_parts = importlib.import_module("site_parts")  # the site's own extension
    finally:
        sys.path.remove(str(ROOT / "docs" / "_ext"))
    assert "\n".join(specdiff.rule_table()) in site_parts.fill(page)


def test_a_ref_to_nothing_is_refused_with_its_name() -> None:
    broken = copy.deepcopy(BEFORE)
    del broken["components"]["schemas"]["Error"]
    with pytest.raises(specdiff.BrokenDocument, match="#/components/schemas/Error"):
        specdiff.classify(BEFORE, broken)
