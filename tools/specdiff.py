"""Classify every difference between two versions of the contract as breaking or not.

Both documents are dereferenced first (so a moved `$ref` with identical meaning is no change), and
lists with an identity (servers by URL, parameters by location and name, `required` and `enum` as
sets) become mappings. The structural diff then yields changes at the highest level where a key
appears or disappears; each change is classified by the first rule in `RULES` that matches it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
DOC_KEYS = {
    "description",
    "summary",
    "example",
    "examples",
    "externalDocs",
    "x-codeSamples",
    "tags",
    "title",
    "contact",
    "license",
    "deprecated",
}
Path = tuple[str, ...]


@dataclass(frozen=True)
class Change:
    """One difference: `added`, `removed` or `changed` at a path of the normalised document."""

    kind: str
    path: Path
    old: Any = None
    new: Any = None

    @property
    def where(self) -> str:
        """The path, readable."""
        return " > ".join(self.path)


@dataclass(frozen=True)
class Classified:
    """A change with the rule that judged it."""

    change: Change
    rule: str
    breaking: bool


# Normalisation.


def dereference(document: dict[str, Any]) -> dict[str, Any]:
    """The document with every local `$ref` replaced by what it points to."""

    def resolve(pointer: str) -> Any:
        node: Any = document
        for part in pointer.removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def walk(node: Any, seen: tuple[str, ...]) -> Any:
        if isinstance(node, dict):
            reference = node.get("$ref")
            if isinstance(reference, str) and reference.startswith("#/") and reference not in seen:
                return walk(resolve(reference), (*seen, reference))
            return {key: walk(value, seen) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(item, seen) for item in node]
        return node

    result: dict[str, Any] = walk(document, ())
    return result


def _as_set(values: list[Any]) -> dict[str, bool]:
    return {json.dumps(value, sort_keys=True): True for value in values}


def normalise(node: Any, parent: str = "") -> Any:
    """Turn lists with an identity into mappings, recursively.

    `type: string` and `type: [string]` mean the same, so both become the set {string}.
    """
    if isinstance(node, dict):
        return {key: normalise(value, key) for key, value in node.items()}
    if parent == "type" and isinstance(node, str):
        return _as_set([node])
    if not isinstance(node, list):
        return node
    if parent == "servers":
        return {str(item.get("url")): normalise(item) for item in node}
    if parent == "parameters":
        return {f"{item.get('in')}:{item.get('name')}": normalise(item) for item in node}
    if parent in {"required", "enum", "type", "tags", "security"}:
        return _as_set(node)
    return [normalise(item) for item in node]


def _parameters_on_operations(document: dict[str, Any]) -> None:
    """Path-level parameters apply to every operation of the path: put them there."""
    for item in document.get("paths", {}).values():
        shared = item.pop("parameters", []) if isinstance(item, dict) else []
        for method, operation in item.items():
            if method in METHODS and isinstance(operation, dict):
                own = {(p.get("in"), p.get("name")) for p in operation.get("parameters", [])}
                inherited = [p for p in shared if (p.get("in"), p.get("name")) not in own]
                operation["parameters"] = [*inherited, *operation.get("parameters", [])]


def prepare(document: dict[str, Any]) -> dict[str, Any]:
    """Dereference and normalise; components are dropped (they show where they are used)."""
    resolved = dereference(document)
    _parameters_on_operations(resolved)
    schemes = resolved.get("components", {}).get("securitySchemes", {})
    resolved.pop("components", None)
    resolved["securitySchemes"] = schemes
    prepared: dict[str, Any] = normalise(resolved)
    return prepared


# The structural diff.


def diff(old: Any, new: Any, path: Path = ()) -> list[Change]:
    """Changes from old to new, at the highest level where keys appear or disappear."""
    if isinstance(old, dict) and isinstance(new, dict):
        changes: list[Change] = []
        for key in old.keys() | new.keys():
            if key not in new:
                changes.append(Change("removed", (*path, key), old=old[key]))
            elif key not in old:
                changes.append(Change("added", (*path, key), new=new[key]))
            else:
                changes += diff(old[key], new[key], (*path, key))
        return sorted(changes, key=lambda change: change.path)
    if old != new:
        return [Change("changed", path, old=old, new=new)]
    return []


# The rules.


def _operation(path: Path) -> bool:
    return len(path) >= 3 and path[0] == "paths" and path[2] in METHODS


def _at(path: Path, pattern: str) -> bool:
    """Whether the path matches a pattern of its parts, `*` matching any one part."""
    parts = pattern.split("/")
    return len(path) == len(parts) and all(p in {"*", q} for p, q in zip(parts, path, strict=True))


def _response_side(path: Path) -> bool:
    return _operation(path) and "responses" in path


def _request_side(path: Path) -> bool:
    return _operation(path) and ("parameters" in path or "requestBody" in path)


def _is_success(status: str) -> bool:
    return status.startswith("2")


def _tighter(change: Change) -> bool:
    """Whether a numeric constraint became stricter (or appeared)."""
    key = change.path[-1] if change.path else ""
    if change.kind == "added":
        return True
    if change.kind != "changed" or not isinstance(change.old, int | float):
        return False
    if key in {"minLength", "minimum", "minItems", "exclusiveMinimum"}:
        return bool(change.new > change.old)
    return bool(change.new < change.old)


Matcher = Callable[[Change], bool]


@dataclass(frozen=True)
class Rule:
    """A named rule: which changes it matches, and whether they break clients or servers."""

    name: str
    breaking: bool
    matches: Matcher
    why: str


CONSTRAINTS = {
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "exclusiveMinimum",
    "exclusiveMaximum",
}

RULES: list[Rule] = [
    Rule(
        "documentation",
        False,
        lambda c: (
            any(part in DOC_KEYS for part in c.path[1:])
            or c.path[:1] == ("tags",)
            or c.path[:1] == ("externalDocs",)
        ),
        "prose, examples and tags change no behaviour",
    ),
    Rule("version", False, lambda c: c.path == ("info", "version"), "the contract's own version"),
    Rule("info", False, lambda c: c.path[:1] == ("info",), "metadata"),
    Rule(
        "server-removed",
        True,
        lambda c: _at(c.path, "servers/*") and c.kind == "removed",
        "clients configured for that host lose it",
    ),
    Rule(
        "server-added",
        False,
        lambda c: _at(c.path, "servers/*") and c.kind == "added",
        "a new host changes nothing for existing clients",
    ),
    Rule(
        "path-removed",
        True,
        lambda c: _at(c.path, "paths/*") and c.kind == "removed",
        "every operation of the path disappears",
    ),
    Rule(
        "path-added",
        False,
        lambda c: _at(c.path, "paths/*") and c.kind == "added",
        "new operations break no client",
    ),
    Rule(
        "operation-removed",
        True,
        lambda c: _operation(c.path) and len(c.path) == 3 and c.kind == "removed",
        "clients calling it fail",
    ),
    Rule(
        "operation-added",
        False,
        lambda c: _operation(c.path) and len(c.path) == 3 and c.kind == "added",
        "new operations break no client",
    ),
    Rule(
        "permission-changed",
        True,
        lambda c: _operation(c.path) and c.path[3:4] == ("x-braze-permission",),
        "existing keys may lack the new permission",
    ),
    Rule(
        "security-changed",
        True,
        lambda c: (
            (_operation(c.path) and c.path[3:4] == ("security",))
            or c.path[:1] in {("security",), ("securitySchemes",)}
        ),
        "clients authenticate differently",
    ),
    Rule(
        "success-status-changed",
        True,
        lambda c: (
            _operation(c.path)
            and len(c.path) == 5
            and c.path[3] == "responses"
            and _is_success(c.path[4])
            and c.kind in {"added", "removed"}
        ),
        "clients expect the documented success status",
    ),
    Rule(
        "response-removed",
        True,
        lambda c: (
            _operation(c.path)
            and len(c.path) == 5
            and c.path[3] == "responses"
            and c.kind == "removed"
        ),
        "clients and test doubles rely on the documented answer",
    ),
    Rule(
        "response-added",
        False,
        lambda c: (
            _operation(c.path)
            and len(c.path) == 5
            and c.path[3] == "responses"
            and c.kind == "added"
        ),
        "a newly documented error answer; clients already handle undocumented ones",
    ),
    Rule(
        "parameter-removed",
        True,
        lambda c: (
            _operation(c.path)
            and len(c.path) == 5
            and c.path[3] == "parameters"
            and c.kind == "removed"
        ),
        "clients send a parameter the server no longer takes",
    ),
    Rule(
        "required-parameter-added",
        True,
        lambda c: (
            _operation(c.path)
            and len(c.path) == 5
            and c.path[3] == "parameters"
            and c.kind == "added"
            and bool((c.new or {}).get("required"))
        ),
        "existing clients do not send it",
    ),
    Rule(
        "optional-parameter-added",
        False,
        lambda c: (
            _operation(c.path)
            and len(c.path) == 5
            and c.path[3] == "parameters"
            and c.kind == "added"
        ),
        "existing clients may leave it out",
    ),
    Rule(
        "parameter-became-required",
        True,
        lambda c: (
            _request_side(c.path)
            and c.path[-1] == "required"
            and c.path[3] == "parameters"
            and len(c.path) == 6
            and bool(c.new)
        ),
        "existing clients may not send it",
    ),
    Rule(
        "required-request-body-added",
        True,
        lambda c: (
            _operation(c.path)
            and c.path[3:] == ("requestBody",)
            and c.kind == "added"
            and bool((c.new or {}).get("required"))
        ),
        "existing clients send no body",
    ),
    Rule(
        "required-request-field-added",
        True,
        lambda c: (
            _request_side(c.path)
            and c.kind == "added"
            and (
                (len(c.path) >= 2 and c.path[-2] == "required")
                or (c.path[-1] == "required" and isinstance(c.new, dict))
            )
        ),
        "existing clients do not send the field",
    ),
    Rule(
        "rate-limit-lowered",
        True,
        lambda c: (
            _operation(c.path)
            and c.path[3:4] == ("x-braze-rate-limit",)
            and c.kind == "changed"
            and c.path[-1] != "scope"
            and _lowered(c)
        ),
        "clients paced for the old limit get 429s",
    ),
    Rule(
        "rate-limit-raised",
        False,
        lambda c: (
            _operation(c.path)
            and c.path[3:4] == ("x-braze-rate-limit",)
            and c.kind == "changed"
            and c.path[-1] != "scope"
        ),
        "a higher limit or a shorter window breaks no client",
    ),
    Rule(
        "rate-limit-redefined",
        True,
        lambda c: _operation(c.path) and c.path[3:4] == ("x-braze-rate-limit",),
        "the limit's scope changed, or it appeared or vanished",
    ),
    # Request side: narrowing what is accepted breaks clients that send the old values.
    Rule(
        "request-type-narrowed",
        True,
        lambda c: (
            _request_side(c.path)
            and len(c.path) >= 2
            and c.path[-2] == "type"
            and c.kind == "removed"
        ),
        "values of the removed type are refused",
    ),
    Rule(
        "request-enum-narrowed",
        True,
        lambda c: (
            _request_side(c.path)
            and (
                (len(c.path) >= 2 and c.path[-2] == "enum" and c.kind == "removed")
                or (c.path[-1] == "enum" and c.kind == "added")
            )
        ),
        "values no longer listed are refused",
    ),
    Rule(
        "request-const-changed",
        True,
        lambda c: (
            _request_side(c.path) and c.path[-1] == "const" and c.kind in {"added", "changed"}
        ),
        "other values are refused",
    ),
    Rule(
        "request-format-changed",
        True,
        lambda c: (
            _request_side(c.path)
            and c.path[-1] in {"format", "pattern"}
            and c.kind in {"added", "changed"}
        ),
        "values outside the new format are refused",
    ),
    Rule(
        "request-constraint-tightened",
        True,
        lambda c: _request_side(c.path) and c.path[-1] in CONSTRAINTS and _tighter(c),
        "values that were valid are refused",
    ),
    # Response side: widening what may come back breaks clients that parse the old shape.
    Rule(
        "response-property-removed",
        True,
        lambda c: (
            _response_side(c.path)
            and len(c.path) >= 2
            and c.path[-2] == "properties"
            and c.kind == "removed"
        ),
        "clients read the field",
    ),
    Rule(
        "response-field-no-longer-required",
        True,
        lambda c: (
            _response_side(c.path)
            and len(c.path) >= 2
            and c.path[-2] == "required"
            and c.kind == "removed"
        ),
        "clients rely on the field being present",
    ),
    Rule(
        "response-header-removed",
        True,
        lambda c: (
            _response_side(c.path)
            and len(c.path) >= 2
            and c.path[-2] == "headers"
            and c.kind == "removed"
        ),
        "clients read the header",
    ),
    Rule(
        "response-media-type-removed",
        True,
        lambda c: (
            _response_side(c.path)
            and len(c.path) >= 2
            and c.path[-2] == "content"
            and c.kind == "removed"
        ),
        "clients parse that media type",
    ),
    Rule(
        "response-type-widened",
        True,
        lambda c: (
            _response_side(c.path)
            and len(c.path) >= 2
            and c.path[-2] == "type"
            and c.kind == "added"
        ),
        "clients do not expect the new type",
    ),
    Rule(
        "response-enum-widened",
        True,
        lambda c: (
            _response_side(c.path)
            and len(c.path) >= 2
            and c.path[-2] == "enum"
            and c.kind == "added"
        ),
        "clients do not expect the new value",
    ),
    Rule(
        "response-const-changed",
        True,
        lambda c: (
            _response_side(c.path) and c.path[-1] == "const" and c.kind in {"changed", "removed"}
        ),
        "clients compare with the old value",
    ),
    Rule(
        "response-format-changed",
        True,
        lambda c: (
            _response_side(c.path)
            and c.path[-1] in {"format", "pattern"}
            and c.kind in {"changed", "removed"}
        ),
        "clients parse the old format",
    ),
    Rule(
        "response-extended",
        False,
        lambda c: _response_side(c.path) and c.kind == "added",
        "new optional fields, headers, or required fields clients may ignore",
    ),
    Rule(
        "response-narrowed",
        False,
        lambda c: _response_side(c.path),
        "the server promises more than before; clients are unaffected",
    ),
    Rule(
        "request-widened",
        False,
        lambda c: _request_side(c.path),
        "the server accepts more than before; clients are unaffected",
    ),
    Rule("unclassified", False, lambda _: True, "no rule knows this change: review it by hand"),
]


def _lowered(change: Change) -> bool:
    key = change.path[-1]
    if not isinstance(change.old, int | float) or not isinstance(change.new, int | float):
        return True
    return bool(change.new < change.old) if key == "limit" else bool(change.new > change.old)


def classify(old_document: dict[str, Any], new_document: dict[str, Any]) -> list[Classified]:
    """Every change between the documents, each with the first rule that matches it."""
    old, new = prepare(old_document), prepare(new_document)
    result = []
    for change in diff(old, new):
        rule = next(rule for rule in RULES if rule.matches(change))
        result.append(Classified(change, rule.name, rule.breaking))
    return result


def major(version: object) -> int | None:
    """The major part of a semantic version, or None."""
    match = re.match(r"\s*v?(\d+)", str(version))
    return int(match[1]) if match else None


def acknowledged(old_document: dict[str, Any], new_document: dict[str, Any]) -> bool:
    """Breaking changes are acknowledged by raising the major part of info.version."""
    old = major(old_document.get("info", {}).get("version"))
    new = major(new_document.get("info", {}).get("version"))
    return old is not None and new is not None and new > old
