"""Classify every difference between two versions of the contract: breaking, warning or info.

The diff reads both documents as OpenAPI, not as plain trees: it walks the paths, operations,
parameters, request bodies, responses, headers, media types and schemas of each, so every change
is judged where it is and in its direction:

- on the request side (parameters, request bodies), narrowing what a server accepts is breaking
  and widening it is not;
- on the response side (statuses, headers, bodies), widening what a server may send is breaking
  for clients and narrowing it is not.

A change inside a component (a shared schema, response, header or parameter) is reported once, at
the component, with the operations and responses it reaches. Its direction comes from those uses;
a component used on both sides gets the stricter verdict. A `$ref` that points elsewhere but means
the same is no change. Every change is judged by exactly one named rule in `RULES`; a change no
rule knows is `unclassified`, and the review fails until a rule exists for it.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import greenery
import yaml
from braze_cdi_contract import JobFacts
from greenery import Fsm

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
LEVELS = ("breaking", "warning", "info")
UNCLASSIFIED = "unclassified"
SIDES = ("request", "response")

DOCUMENTATION = {
    "description",
    "summary",
    "title",
    "example",
    "examples",
    "externalDocs",
    "x-codeSamples",
    "tags",
    "deprecated",
    "$comment",
    "contact",
    "license",
    "termsOfService",
}
LOWER_BOUNDS = {"minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties"}
UPPER_BOUNDS = {"maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties"}
MISSING: Any = object()
# What a walker does with one differing key or member: (before, after, where).
Handler = Callable[[Any, Any, tuple[str, ...]], None]


@dataclass(frozen=True)
class Rule:
    """A named verdict on one kind of change, with its reason and its counterpart in oasdiff (a
    contract rule) or griffe (a client rule).
    """

    name: str
    level: str
    why: str
    oasdiff: str = ""
    differs: str = ""
    # contract: judged by the differ on the two documents; client: by the review on the
    # generated client (tools/clientdiff.py).
    part: str = "contract"
    griffe: str = ""

    @property
    def counterpart(self) -> str:
        """What the other tool calls it: oasdiff for the contract, griffe for the client."""
        return self.griffe if self.part == "client" else self.oasdiff


@dataclass(frozen=True)
class Use:
    """Where a component is used: the side and the operation (with its status, for answers)."""

    side: str
    operation: str
    part: str


@dataclass(frozen=True)
class Change:
    """One difference, at its source, with the rule that judged it and what it reaches."""

    rule: str
    path: tuple[str, ...]
    old: Any = MISSING
    new: Any = MISSING
    reaches: tuple[Use, ...] = ()

    @property
    def level(self) -> str:
        """breaking, warning, info, or unclassified."""
        rule = RULES.get(self.rule)
        return rule.level if rule else UNCLASSIFIED

    @property
    def where(self) -> str:
        """The source of the change, readable."""
        return " > ".join(self.path)

    @property
    def values(self) -> str:
        """Before → after, compact; where a value is long, the part that differs, in context."""
        return " → ".join(_shown_pair(self.old, self.new))


def _text(value: Any) -> str:
    if value is MISSING:
        return "(none)"
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _shown_pair(old: Any, new: Any) -> tuple[str, str]:
    """Both values as JSON, a long one cut around where the two differ."""
    return differing_windows(_text(old), _text(new))


def differing_windows(
    before: str, after: str, limit: int = 60, context: int = 16
) -> tuple[str, str]:
    """Both texts, each at most about `limit` characters: a long one is cut around the first
    character where the two differ (with `context` characters before it), so two different values
    never read the same.
    """
    if len(before) <= limit and len(after) <= limit:
        return before, after
    common = 0
    for a, b in zip(before, after, strict=False):
        if a != b:
            break
        common += 1
    start = max(0, common - context)
    return _window(before, start, limit), _window(after, start, limit)


def _window(text: str, start: int, limit: int) -> str:
    piece = text[start : start + limit]
    return ("…" if start else "") + piece + ("…" if start + limit < len(text) else "")


RULES_FILE = Path(__file__).with_name("review_rules.yaml")


def load_rules(path: Path = RULES_FILE) -> list[Rule]:
    """The rule table, in the order the README shows it."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Rule(
            name=str(entry["name"]),
            level=str(entry["level"]),
            why=str(entry["why"]),
            oasdiff=str(entry.get("oasdiff", "")),
            differs=str(entry.get("differs", "")),
            part=str(entry.get("part", "contract")),
            griffe=str(entry.get("griffe", "")),
        )
        for entry in entries
    ]


RULE_LIST = load_rules()
RULES: dict[str, Rule] = {rule.name: rule for rule in RULE_LIST}
SEVERITY = {UNCLASSIFIED: 3, "breaking": 2, "warning": 1, "info": 0}


# Reading the document.


def _pointer(reference: str) -> tuple[str, ...]:
    return tuple(
        part.replace("~1", "/").replace("~0", "~")
        for part in reference.removeprefix("#/").split("/")
    )


def _lookup(document: Any, reference: str) -> Any:
    node = document
    for part in _pointer(reference):
        if not isinstance(node, dict) or part not in node:
            return MISSING
        node = node[part]
    return node


def resolve(document: dict[str, Any], node: Any) -> Any:
    """The node with its local `$ref` chain followed.

    OpenAPI 3.1 applies the keywords beside a `$ref` together with what it points to, so they are
    kept: laid over the target (a `description` beside it replaces the target's; a `pattern`
    beside it constrains the value as if it were written in the target).
    """
    siblings: dict[str, Any] = {}
    for _ in range(32):
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
            break
        if not node["$ref"].startswith("#/"):
            return node
        # A Reference Object outside schemas keeps only `summary` and `description` beside it.
        kept = {key for key in node if key != "$ref"}
        if not node["$ref"].startswith("#/components/schemas/"):
            kept &= {"summary", "description"}
        siblings = {key: node[key] for key in kept} | siblings
        node = _lookup(document, node["$ref"])
    if siblings and isinstance(node, dict):
        return node | siblings
    return node


def _component(reference: str) -> str | None:
    """`components/<kind>/<name>` for a local reference to a component, else None."""
    parts = _pointer(reference)
    if len(parts) >= 3 and parts[0] == "components":
        return "/".join(parts[:3])
    return None


def dangling(document: dict[str, Any]) -> list[str]:
    """Every local `$ref` of the document that points to nothing."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            reference = node.get("$ref")
            if (
                isinstance(reference, str)
                and reference.startswith("#/")
                and _lookup(document, reference) is MISSING
            ):
                found.append(reference)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    return sorted(set(found))


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) for every operation."""
    for path, item in sorted((document.get("paths") or {}).items()):
        if isinstance(item, dict):
            for method in METHODS:
                if isinstance(item.get(method), dict):
                    yield path, method, item[method]


def label(path: str, method: str) -> str:
    """How an operation is named in the report."""
    return f"{method.upper()} {path}"


def parameters(document: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    """The operation's parameters with the path's, keyed `in:name` (the operation's win)."""
    item = document["paths"][path]
    result: dict[str, Any] = {}
    for parameter in [*item.get("parameters", []), *item[method].get("parameters", [])]:
        resolved = resolve(document, parameter)
        if isinstance(resolved, dict):
            result[f"{resolved.get('in')}:{resolved.get('name')}"] = parameter
    return result


def uses(document: dict[str, Any]) -> dict[str, set[Use]]:
    """For every component: the operations, sides and parts that use it, directly or not."""
    found: dict[str, set[Use]] = defaultdict(set)

    def walk(node: Any, use: Use, seen: frozenset[str]) -> None:
        if isinstance(node, dict):
            reference = node.get("$ref")
            if isinstance(reference, str) and reference.startswith("#/"):
                component = _component(reference)
                if component:
                    found[component].add(use)
                if reference not in seen:
                    walk(_lookup(document, reference), use, seen | {reference})
            for key, value in node.items():
                if key != "$ref":
                    walk(value, use, seen)
        elif isinstance(node, list):
            for item in node:
                walk(item, use, seen)

    for path, method, operation in operations(document):
        name = label(path, method)
        for parameter in parameters(document, path, method).values():
            walk(parameter, Use("request", name, "request"), frozenset())
        walk(operation.get("requestBody"), Use("request", name, "request"), frozenset())
        for status, response in sorted((operation.get("responses") or {}).items()):
            walk(response, Use("response", name, str(status)), frozenset())
    return found


# The diff.


@dataclass(frozen=True)
class Scope:
    """Where changes are found: on which sides, reaching which operations and answers."""

    sides: frozenset[str]
    reaches: tuple[Use, ...]
    unused: bool = False


# A walker of one kind of node: (before, after, where, scope).
Walker = Callable[[Any, Any, tuple[str, ...], Scope], None]


def _allowed(value: Any) -> set[str] | None:
    """A set of values as comparable strings; None for no constraint."""
    if value is MISSING:
        return None
    items = value if isinstance(value, list) else [value]
    return {json.dumps(item, sort_keys=True) for item in items}


def _movement(old: set[str] | None, new: set[str] | None) -> str:
    """How a set of allowed things moved: None means anything is allowed."""
    if old is None:
        return "narrowed"
    if new is None:
        return "widened"
    if new < old:
        return "narrowed"
    if new > old:
        return "widened"
    return "changed"


def _json_types(value: Any) -> set[str]:
    if isinstance(value, bool):
        return {"boolean"}
    if isinstance(value, int):
        return {"integer", "number"}
    names = {float: "number", str: "string", list: "array", dict: "object", type(None): "null"}
    return {names.get(type(value), "object")}


def _types(schema: dict[str, Any]) -> set[str] | None:
    """The types a schema allows: its `type`, or what its `const` or `enum` values imply."""
    if "type" in schema:
        declared = schema["type"]
        return set(declared) if isinstance(declared, list) else {str(declared)}
    if "const" in schema:
        return _json_types(schema["const"])
    if isinstance(schema.get("enum"), list):
        return set().union(*(_json_types(value) for value in schema["enum"]))
    return None


def _type_movement(old: dict[str, Any], new: dict[str, Any]) -> str:
    """How `type` moved, counting the type its values imply where no `type` was written.

    Adding `type: integer` beside `const: success` is a change of type, not a narrowing.
    """
    before, after = _types(old), _types(new)
    if before is not None and before == after:
        return _movement(_allowed(old.get("type", MISSING)), _allowed(new.get("type", MISSING)))
    return _movement(before, after)


def _bound_movement(key: str, old: Any, new: Any) -> str | None:
    if old is MISSING:
        return "narrowed"
    if new is MISSING:
        return "widened"
    if not isinstance(old, int | float) or not isinstance(new, int | float):
        return None
    if key in LOWER_BOUNDS:
        return "narrowed" if new > old else "widened"
    return "narrowed" if new < old else "widened"


def _openness(value: Any) -> str:
    if value is MISSING or value is True or value == {}:
        return "any"
    if value is False:
        return "none"
    return "schema"


OPENNESS_MOVES = {
    ("any", "none"): "narrowed",
    ("any", "schema"): "narrowed",
    ("schema", "none"): "narrowed",
    ("none", "any"): "widened",
    ("none", "schema"): "widened",
    ("schema", "any"): "widened",
}


@dataclass
class Differ:
    """Walks two versions of the contract side by side and collects the changes."""

    old_document: dict[str, Any]
    new_document: dict[str, Any]
    changes: list[Change] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.uses: dict[str, set[Use]] = defaultdict(set)
        for document in (self.old_document, self.new_document):
            for component, found in uses(document).items():
                self.uses[component] |= found

    # Recording.

    def emit(
        self, rule: str, path: tuple[str, ...], scope: Scope, old: Any = MISSING, new: Any = MISSING
    ) -> None:
        """Record a change; `{side}` in the rule is filled in for each side, the worst kept."""
        if scope.unused and rule not in {"documentation", "component-added", "component-removed"}:
            rule = "unused-component-changed"
        if "{side}" in rule:
            candidates = [rule.format(side=side) for side in sorted(scope.sides)]
            rule = max(candidates, key=_severity) if candidates else UNCLASSIFIED
        self.changes.append(Change(rule, path, old, new, scope.reaches))

    def unknown(self, path: tuple[str, ...], scope: Scope, old: Any, new: Any) -> None:
        """A change no rule knows."""
        self.changes.append(Change(UNCLASSIFIED, path, old, new, scope.reaches))

    def pair(
        self, old: Any, new: Any, path: tuple[str, ...], scope: Scope
    ) -> tuple[Any, Any] | None:
        """Both sides with references followed; None when both use the same component.

        A change to that component is reported at the component itself. Keys beside the same
        `$ref` (3.1 allows a description there) are compared as documentation.
        """
        if _same_reference(old, new):
            self.fields(old, new, path, scope, {}, skip={"$ref"})
            return None
        return resolve(self.old_document, old), resolve(self.new_document, new)

    def fact(self, rule: str, before: Any, after: Any, scope: Scope) -> Handler:
        """A handler for an `x-braze-*` fact that a document may also state the older way (an
        instance name as the first word of a server's description, messages as a response's
        examples): the rule fires only when the fact itself differs, whichever way it is stated.
        """

        def handle(a: Any, b: Any, where: tuple[str, ...]) -> None:
            if before != after:
                self.emit(rule, where, scope, a, b)

        return handle

    # The two shapes every walker below is made of.

    def fields(
        self,
        old: dict[str, Any],
        new: dict[str, Any],
        path: tuple[str, ...],
        scope: Scope,
        handlers: Mapping[str, str | Handler],
        *,
        skip: AbstractSet[str] = frozenset(),
    ) -> None:
        """An object, key by key: a key with a handler goes to it (a string handler is the rule
        the change is recorded under), prose as documentation, any other key as unclassified.
        """
        for key in sorted((old.keys() | new.keys()) - skip):
            a, b = old.get(key, MISSING), new.get(key, MISSING)
            if a == b:
                continue
            where = (*path, key)
            handler = handlers.get(key)
            if isinstance(handler, str):
                self.emit(handler, where, scope, a, b)
            elif handler is not None:
                handler(a, b, where)
            elif key in DOCUMENTATION:
                self.emit("documentation", where, scope, a, b)
            elif _foreign_extension(key):
                self.emit("extension-changed", where, scope, a, b)
            else:
                self.unknown(where, scope, a, b)

    def members(
        self,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        path: tuple[str, ...],
        *,
        removed: Callable[[Any, tuple[str, ...]], None],
        added: Callable[[Any, tuple[str, ...]], None],
        changed: Handler,
    ) -> None:
        """A collection keyed by name (servers, parameters, statuses, headers, media types,
        properties): each member removed, added, or changed in place.
        """
        for name in sorted(old.keys() | new.keys(), key=str):
            where = (*path, str(name))
            if name not in new:
                removed(old[name], where)
            elif name not in old:
                added(new[name], where)
            elif old[name] != new[name]:
                changed(old[name], new[name], where)

    def record(self, rule: str, scope: Scope) -> Callable[[Any, tuple[str, ...]], None]:
        """A `removed` or `added` callback that records one rule (the value as before or after)."""

        def removed_or_added(value: Any, where: tuple[str, ...]) -> None:
            if rule.endswith("removed"):
                self.emit(rule, where, scope, value)
            else:
                self.emit(rule, where, scope, new=value)

        return removed_or_added

    # The document.

    def run(self) -> list[Change]:
        """Every change between the two documents."""
        old, new = self.old_document, self.new_document
        everywhere = Scope(frozenset(), ())

        def servers(a: Any, b: Any, where: tuple[str, ...]) -> None:
            self.servers(a or [], b or [])

        self.fields(
            old,
            new,
            (),
            everywhere,
            {
                "components": lambda a, b, _: self.components(a or {}, b or {}),
                "servers": servers,
                "info": lambda a, b, where: self.info(_object(a), _object(b), where, everywhere),
            },
            # The document's `security` applies to every operation that has none of its own, so
            # each operation's effective security is compared at the operation; the paths are
            # walked even when they are equal, for that.
            skip={"paths", "security"},
        )
        self.paths(_object(old.get("paths")), _object(new.get("paths")))
        self.first_ended_status()
        return self.changes

    def first_ended_status(self) -> None:
        """The one order the project reads from the contract: the first status of `JobStatus`
        that is not running, with which the reference server ends a sync its fixtures say nothing
        of (`contract.jobs.ended[0]`, reference/fixtures.py). An enum's order means nothing else.
        """
        before, after = _first_ended(self.old_document), _first_ended(self.new_document)
        if before is None or after is None or before == after:
            return
        found = self.uses.get("components/schemas/JobStatus", set())
        scope = Scope(
            frozenset(use.side for use in found),
            tuple(sorted(found, key=lambda use: (use.operation, use.part))),
        )
        where = ("components", "schemas", "JobStatus", "enum")
        self.emit("first-ended-status-changed", where, scope, before, after)

    def info(
        self, old: dict[str, Any], new: dict[str, Any], path: tuple[str, ...], scope: Scope
    ) -> None:
        """Metadata: the version is the contract's own; anything else in `info` is prose."""
        prose = dict.fromkeys(old.keys() | new.keys(), "documentation")
        self.fields(old, new, path, scope, {**prose, "version": "version-changed"})

    def servers(self, old: list[Any], new: list[Any]) -> None:
        everywhere = Scope(frozenset(), ())
        self.members(
            {str(server.get("url")): server for server in old if isinstance(server, dict)},
            {str(server.get("url")): server for server in new if isinstance(server, dict)},
            ("servers",),
            removed=self.record("server-removed", everywhere),
            added=self.record("server-added", everywhere),
            changed=lambda a, b, where: self.fields(
                a,
                b,
                where,
                everywhere,
                {
                    "x-braze-instance": self.fact(
                        "server-instance-changed", _instance(a), _instance(b), everywhere
                    )
                },
                skip={"url"},
            ),
        )

    def paths(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        for path in sorted(old.keys() | new.keys()):
            before, after = old.get(path) or {}, new.get(path) or {}
            self.fields(
                before,
                after,
                ("paths", path),
                Scope(frozenset(), ()),
                {},
                skip={*METHODS, "parameters"},
            )
            for method in METHODS:
                a, b = before.get(method), after.get(method)
                name = label(path, method)
                scope = Scope(frozenset(SIDES), (Use("", name, ""),))
                if isinstance(a, dict) and not isinstance(b, dict):
                    self.emit("endpoint-removed", (name,), scope, a.get("operationId", name))
                elif isinstance(b, dict) and not isinstance(a, dict):
                    self.emit("endpoint-added", (name,), scope, new=b.get("operationId", name))
                elif isinstance(a, dict) and isinstance(b, dict):
                    self.operation(path, method)

    def operation(self, path: str, method: str) -> None:
        old = self.old_document["paths"][path][method]
        new = self.new_document["paths"][path][method]
        name = label(path, method)
        scope = Scope(frozenset(SIDES), (Use("", name, ""),))
        request = Scope(frozenset({"request"}), (Use("request", name, "request"),))
        before_parameters = parameters(self.old_document, path, method)
        after_parameters = parameters(self.new_document, path, method)
        if before_parameters != after_parameters:
            self.parameters(before_parameters, after_parameters, (name, "parameters"), request)
        self.fields(
            old,
            new,
            (name,),
            scope,
            {
                "operationId": "operation-id-changed",
                "x-braze-permission": "permission-changed",
                "x-braze-rate-limit": lambda a, b, where: self.emit(
                    _rate_limit_rule(a, b), where, scope, a, b
                ),
                "requestBody": lambda a, b, where: self.request_body(a, b, where, request),
                "responses": lambda a, b, where: self.responses(
                    _object(a), _object(b), where, name
                ),
            },
            skip={"parameters", "security"},
        )
        before = old.get("security", self.old_document.get("security", MISSING))
        after = new.get("security", self.new_document.get("security", MISSING))
        if before != after:
            self.emit("security-changed", (name, "security"), scope, before, after)

    # The request side.

    def parameters(
        self, old: dict[str, Any], new: dict[str, Any], path: tuple[str, ...], scope: Scope
    ) -> None:
        def added(value: Any, where: tuple[str, ...]) -> None:
            required = bool(resolve(self.new_document, value).get("required"))
            rule = "request-parameter-added-required" if required else "request-parameter-added"
            self.emit(rule, where, scope, new=value)

        self.members(
            old,
            new,
            path,
            removed=self.record("request-parameter-removed", scope),
            added=added,
            changed=lambda a, b, where: self.parameter(a, b, where, scope),
        )

    def parameter(self, old: Any, new: Any, path: tuple[str, ...], scope: Scope) -> None:
        self.described(
            "request-parameter", old, new, path, scope=scope, parts={"schema": self.schema}
        )

    def described(
        self,
        kind: str,
        old: Any,
        new: Any,
        path: tuple[str, ...],
        *,
        scope: Scope,
        parts: Mapping[str, Walker],
    ) -> None:
        """A parameter, header or request body: whether it is required, and what it carries."""
        resolved = self.pair(old, new, path, scope)
        if resolved is None:
            return
        handlers: dict[str, str | Handler] = {
            key: _within(walk, scope) for key, walk in parts.items()
        }
        handlers["required"] = lambda a, b, where: self.emit(
            f"{kind}-became-{_became(b)}", where, scope, a, b
        )
        self.fields(*resolved, path, scope, handlers)

    def request_body(self, old: Any, new: Any, path: tuple[str, ...], scope: Scope) -> None:
        if old is MISSING:
            required = bool(resolve(self.new_document, new).get("required"))
            rule = "request-body-added-required" if required else "request-body-added"
            self.emit(rule, path, scope, new=new)
        elif new is MISSING:
            self.emit("request-body-removed", path, scope, old)
        else:
            self.described(
                "request-body", old, new, path, scope=scope, parts={"content": self.request_content}
            )

    def request_content(self, old: Any, new: Any, path: tuple[str, ...], scope: Scope) -> None:
        self.content(_object(old), _object(new), path, scope, "request")

    # The response side.

    def responses(
        self, old: dict[str, Any], new: dict[str, Any], path: tuple[str, ...], name: str
    ) -> None:
        def scope(where: tuple[str, ...]) -> Scope:
            return Scope(frozenset({"response"}), (Use("response", name, where[-1]),))

        def kind(where: tuple[str, ...]) -> str:
            return "response-success" if where[-1].startswith("2") else "response-error"

        self.members(
            old,
            new,
            path,
            removed=lambda value, where: self.emit(
                f"{kind(where)}-status-removed", where, scope(where), value
            ),
            added=lambda value, where: self.emit(
                f"{kind(where)}-status-added", where, scope(where), new=value
            ),
            changed=lambda a, b, where: self.response(a, b, where, scope(where)),
        )

    def response(self, old: Any, new: Any, path: tuple[str, ...], scope: Scope) -> None:
        resolved = self.pair(old, new, path, scope)
        if resolved is not None:
            before, after = resolved
            self.fields(
                before,
                after,
                path,
                scope,
                {
                    "headers": lambda a, b, where: self.headers(
                        _object(a), _object(b), where, scope
                    ),
                    "content": lambda a, b, where: self.content(
                        _object(a), _object(b), where, scope, "response"
                    ),
                    "links": "response-links-changed",
                    "x-braze-messages": self.fact(
                        "messages-changed",
                        _messages(self.old_document, before),
                        _messages(self.new_document, after),
                        scope,
                    ),
                },
            )

    def headers(
        self, old: dict[str, Any], new: dict[str, Any], path: tuple[str, ...], scope: Scope
    ) -> None:
        def removed(value: Any, where: tuple[str, ...]) -> None:
            required = bool(resolve(self.old_document, value).get("required"))
            kind = "required" if required else "optional"
            self.emit(f"response-{kind}-header-removed", where, scope, value)

        self.members(
            {name.lower(): value for name, value in old.items()},
            {name.lower(): value for name, value in new.items()},
            path,
            removed=removed,
            added=self.record("response-header-added", scope),
            changed=lambda a, b, where: self.header(a, b, where, scope),
        )

    def header(self, old: Any, new: Any, path: tuple[str, ...], scope: Scope) -> None:
        self.described(
            "response-header", old, new, path, scope=scope, parts={"schema": self.schema}
        )

    # Both sides.

    def content(
        self,
        old: dict[str, Any],
        new: dict[str, Any],
        path: tuple[str, ...],
        scope: Scope,
        side: str,
    ) -> None:
        self.members(
            old,
            new,
            path,
            removed=self.record(f"{side}-media-type-removed", scope),
            added=self.record(f"{side}-media-type-added", scope),
            changed=lambda a, b, where: self.fields(
                a, b, where, scope, {"schema": lambda x, y, at: self.schema(x, y, at, scope)}
            ),
        )

    def schema(self, old: Any, new: Any, path: tuple[str, ...], scope: Scope) -> None:
        """Keyword by keyword; `{side}` rules are judged by the scope's direction.

        Where both sides use the same `$ref`, a change of its target is reported at the target,
        and the keywords beside the `$ref` (which 3.1 applies) are judged here as keywords.
        """
        if old is MISSING or new is MISSING:
            self.unknown(path, scope, old, new)
            return
        if _same_reference(old, new):
            self.keywords(_beside(old), _beside(new), path, scope)
            return
        old, new = resolve(self.old_document, old), resolve(self.new_document, new)
        if not isinstance(old, dict) or not isinstance(new, dict):
            if old != new:
                self.unknown(path, scope, old, new)
            return
        self.keywords(old, new, path, scope)

    def keywords(
        self, old: dict[str, Any], new: dict[str, Any], path: tuple[str, ...], scope: Scope
    ) -> None:
        """Every keyword of two schemas that differs."""
        for key in sorted(old.keys() | new.keys()):
            a, b = old.get(key, MISSING), new.get(key, MISSING)
            if a == b:
                continue
            if key in {"type", "enum", "required"} and _allowed(a) == _allowed(b):
                continue  # sets: order, and `type: string` against `type: [string]`, mean nothing
            if key == "type":
                movement = _type_movement(old, new)
                self.emit(f"{{side}}-type-{movement}", (*path, key), scope, a, b)
            elif key == "format" and _generated_type(a) != _generated_type(b):
                self.emit("format-changes-generated-type", (*path, key), scope, a, b)
            else:
                self.keyword(key, a, b, (*path, key), scope)

    def keyword(self, key: str, a: Any, b: Any, where: tuple[str, ...], scope: Scope) -> None:
        """One schema keyword that differs (`type` is judged with the whole schema)."""
        rule = _keyword_rule(key, a, b)
        if rule:
            self.emit(rule, where, scope, a, b)
        elif key == "properties" and all(isinstance(v, dict) or v is MISSING for v in (a, b)):
            self.properties(
                a if a is not MISSING else {}, b if b is not MISSING else {}, where, scope
            )
        elif (
            key in {"items", "additionalProperties"} and isinstance(a, dict) and isinstance(b, dict)
        ):
            self.schema(a, b, where, scope)
        else:
            self.unknown(where, scope, a, b)

    def properties(
        self, old: dict[str, Any], new: dict[str, Any], path: tuple[str, ...], scope: Scope
    ) -> None:
        self.members(
            old,
            new,
            path,
            removed=self.record("{side}-property-removed", scope),
            added=self.record("{side}-property-added", scope),
            changed=lambda a, b, where: self.schema(a, b, where, scope),
        )

    # Components: each change once, at its source.

    def components(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        walkers = {
            "schemas": self.schema,
            "parameters": self.parameter,
            "headers": self.header,
            "responses": self.response,
            "requestBodies": self.request_body,
            "securitySchemes": self.security_scheme,
        }
        whole = {"examples": "documentation", "links": "response-links-changed"}
        for kind in sorted(old.keys() | new.keys()):
            before, after = old.get(kind) or {}, new.get(kind) or {}
            for name in sorted(before.keys() | after.keys()):
                a, b = before.get(name, MISSING), after.get(name, MISSING)
                if a == b:
                    continue
                where = ("components", kind, name)
                found = self.uses.get("/".join(where), set())
                scope = Scope(
                    frozenset(use.side for use in found),
                    tuple(sorted(found, key=lambda use: (use.operation, use.part))),
                    # Security schemes are named by `security`, never by `$ref`.
                    unused=not found and kind != "securitySchemes",
                )
                if a is MISSING:
                    self.emit("component-added", where, scope, new=b)
                elif b is MISSING:
                    self.emit("component-removed", where, scope, a)
                elif kind in whole:
                    self.emit(whole[kind], where, scope, a, b)
                elif kind in walkers:
                    walkers[kind](a, b, where, scope)
                else:
                    self.unknown(where, scope, a, b)

    def security_scheme(self, old: Any, new: Any, path: tuple[str, ...], scope: Scope) -> None:
        if not isinstance(old, dict) or not isinstance(new, dict):
            self.emit("security-changed", path, scope, old, new)
            return
        changed = dict.fromkeys((old.keys() | new.keys()) - DOCUMENTATION, "security-changed")
        self.fields(old, new, path, scope, changed)


def _instance(server: Any) -> Any:
    """A server's instance name: its `x-braze-instance`, or (contract 1.1.0 and before) the
    first word of its description.
    """
    if not isinstance(server, dict):
        return MISSING
    if "x-braze-instance" in server:
        return server["x-braze-instance"]
    return str(server.get("description", "")).split(" ")[0]


def _messages(document: dict[str, Any], response: Any) -> Any:
    """The messages a response documents: its `x-braze-messages` values, or (contract 1.1.0 and
    before) the messages of its examples.
    """
    if not isinstance(response, dict):
        return MISSING
    if "x-braze-messages" in response:
        listed = response["x-braze-messages"]
        return sorted(map(str, listed.values())) if isinstance(listed, dict) else listed
    shown: set[str] = set()
    for media in _object(response.get("content")).values():
        for example in _object(_object(media).get("examples")).values():
            value = _object(resolve(document, example)).get("value")
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                shown.add(value["message"])
    return sorted(shown)


def _same_reference(old: Any, new: Any) -> bool:
    return (
        isinstance(old, dict)
        and isinstance(new, dict)
        and isinstance(old.get("$ref"), str)
        and old.get("$ref") == new.get("$ref")
    )


def _beside(node: dict[str, Any]) -> dict[str, Any]:
    """The keywords beside a `$ref`."""
    return {key: value for key, value in node.items() if key != "$ref"}


# The Python type openapi-python-client 0.29 generates for a string of each `format`; any other
# format (or none) stays `str`. A change between two of these changes the generated client's API.
GENERATED_TYPES = {
    "date-time": "datetime.datetime",
    "date": "datetime.date",
    "uuid": "UUID",
    "binary": "File",
}


def _generated_type(value: Any) -> str:
    return GENERATED_TYPES.get(value, "str") if isinstance(value, str) else "str"


def _within(walk: Walker, scope: Scope) -> Handler:
    """A walker bound to a scope, as `fields` calls its handlers."""
    return lambda old, new, where: walk(old, new, where, scope)


def _object(value: Any) -> dict[str, Any]:
    """A mapping node, or {} where the key is absent."""
    return value if isinstance(value, dict) else {}


def _became(value: Any) -> str:
    return "required" if value is True else "optional"


def _keyword_rule(key: str, a: Any, b: Any) -> str | None:
    """The rule for a schema keyword judged on its own values, or None."""
    if key in DOCUMENTATION:
        return "documentation"
    if key in LOWER_BOUNDS | UPPER_BOUNDS:
        movement = _bound_movement(key, a, b)
        return f"{{side}}-bound-{movement}" if movement else None
    if key == "pattern" and isinstance(a, str) and isinstance(b, str):
        return _pattern_rule(a, b)
    if key in {"pattern", "format"}:
        movement = "narrowed" if a is MISSING else "widened" if b is MISSING else "changed"
        return f"{{side}}-format-{movement}"
    if key in {"enum", "const"}:
        return f"{{side}}-values-{_movement(_allowed(a), _allowed(b))}"
    if key == "required" and all(isinstance(v, list) or v is MISSING for v in (a, b)):
        before, after = _allowed(a) or set(), _allowed(b) or set()
        movement = "narrowed" if after > before else "widened" if after < before else "changed"
        return f"{{side}}-required-{movement}"
    if key == "additionalProperties":
        move = OPENNESS_MOVES.get((_openness(a), _openness(b)))
        return f"{{side}}-additional-properties-{move}" if move else None
    if key == "default":
        return "{side}-default-changed"
    if key == "x-braze-running":
        return "running-statuses-changed"
    if _foreign_extension(key):
        return "extension-changed"
    return None


def _pattern_rule(old: str, new: str) -> str:
    """How a changed `pattern` moved, proven on the two regular languages where greenery can read
    both (JSON Schema's `pattern` matches anywhere in the value unless anchored); a pattern it
    cannot read is a judgement call (warning).
    """
    before, after = _language(old), _language(new)
    if before is None or after is None:
        return "pattern-changed-unproven"
    if before.equivalent(after):
        return "pattern-rewritten"
    if before.issubset(after):
        return "{side}-format-widened"
    if after.issubset(before):
        return "{side}-format-narrowed"
    return "{side}-format-changed"


def _language(pattern: str) -> Fsm | None:
    """The strings a JSON Schema `pattern` accepts, as a finite state machine, or None."""
    start = pattern.startswith("^")
    end = pattern.endswith("$") and not pattern.endswith("\\$")
    inner = pattern[1 if start else 0 : len(pattern) - 1 if end else len(pattern)]
    if (start or end) and "|" in inner:
        return None  # an anchor beside alternatives binds to one of them: not read here
    if "^" in inner.replace("[^", "") or "$" in inner.replace("\\$", ""):
        return None  # an anchor inside: not read here
    body = ("" if start else ".*") + f"({inner})" + ("" if end else ".*")
    try:
        return greenery.parse(_plain_dashes(body)).to_fsm()
    except Exception:  # noqa: BLE001 - greenery raises its own errors for syntax it lacks
        return None


def _plain_dashes(pattern: str) -> str:
    """A `-` at either end of a character class escaped (`[0-9a-f-]`), as greenery needs it."""
    out: list[str] = []
    inside = escaped = False
    for index, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[" and not inside:
            inside = True
        elif char == "]" and inside and out[-1] != "[":
            inside = False
        elif char == "-" and inside:
            first = out[-1] == "[" or out[-2:] == ["[", "^"]
            if first or pattern[index + 1 : index + 2] == "]":
                out.append("\\-")
                continue
        out.append(char)
    return "".join(out)


def _foreign_extension(key: str) -> bool:
    """An `x-` key of another tool (`x-braze-*` are this project's facts: each needs a rule)."""
    return key.startswith("x-") and not key.startswith("x-braze-")


def _severity(rule: str) -> int:
    known = RULES.get(rule)
    return SEVERITY[known.level if known else UNCLASSIFIED]


def _rate_limit_rule(old: Any, new: Any) -> str:
    if not isinstance(old, dict) or not isinstance(new, dict):
        return "rate-limit-redefined"
    if old.keys() != new.keys() or old.get("scope") != new.get("scope"):
        return "rate-limit-redefined"
    limit_old, limit_new = old.get("limit"), new.get("limit")
    window_old, window_new = old.get("window-seconds"), new.get("window-seconds")
    numbers = (limit_old, limit_new, window_old, window_new)
    if not all(isinstance(number, int | float) for number in numbers):
        return "rate-limit-redefined"
    if limit_new < limit_old or window_new > window_old:  # type: ignore[operator]
        return "rate-limit-lowered"
    return "rate-limit-raised"


def _first_ended(document: dict[str, Any]) -> str | None:
    """The first ended job status, as the contract model orders them; None without one."""
    status = _object(_object(_object(document.get("components")).get("schemas")).get("JobStatus"))
    statuses, running = status.get("enum"), status.get("x-braze-running")
    if not isinstance(statuses, list) or not isinstance(running, list):
        return None
    jobs = JobFacts(tuple(map(str, statuses)), frozenset(map(str, running)), page_size=1)
    return jobs.ended[0] if jobs.ended else None


class BrokenDocument(ValueError):
    """A version of the contract cannot be compared; the message says why, in one line."""


def classify(old_document: dict[str, Any], new_document: dict[str, Any]) -> list[Change]:
    """Every change between the documents, each at its source and judged by one rule.

    Raises BrokenDocument when a `$ref` of either points to nothing.
    """
    check_references(old_document, "the base")
    check_references(new_document, "the working tree")
    return Differ(old_document, new_document).run()


def check_references(document: dict[str, Any], where: str) -> None:
    """Raise BrokenDocument, naming the first, when a local `$ref` points to nothing."""
    broken = dangling(document)
    if broken:
        raise BrokenDocument(
            f"the contract in {where} has a $ref to nothing: {broken[0]}"
            + (f" (and {len(broken) - 1} more)" if len(broken) > 1 else "")
        )


def count(changes: Iterable[Change]) -> dict[str, int]:
    """How many changes there are of each level (breaking, warning, info, unclassified)."""
    result = dict.fromkeys((*LEVELS, UNCLASSIFIED), 0)
    for change in changes:
        result[change.level] += 1
    return result


def reaches(change: Change) -> str:
    """The operations and answers a change reaches, grouped by operation."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for use in change.reaches:
        if use.part and use.part not in grouped[use.operation]:
            grouped[use.operation].append(use.part)
        else:
            grouped.setdefault(use.operation, [])
    if not grouped:
        return "(no operation)" if change.rule == "unused-component-changed" else "the document"
    return "; ".join(
        f"{operation}: {', '.join(parts)}" if parts else operation
        for operation, parts in grouped.items()
    )


def major(version: object) -> int | None:
    """The major part of a semantic version, or None."""
    match = re.match(r"\s*v?(\d+)", str(version))
    return int(match[1]) if match else None


def acknowledged(old_document: dict[str, Any], new_document: dict[str, Any]) -> bool:
    """Breaking changes are acknowledged by raising the major part of info.version."""
    old = major(old_document.get("info", {}).get("version"))
    new = major(new_document.get("info", {}).get("version"))
    return old is not None and new is not None and new > old


def rule_table() -> list[str]:
    """The rules as the site's review-rules page shows them: the contract's rules, then the
    generated client's, each part in sections by level, a row per rule. The other tool's
    counterpart and where this project judges differently sit under the rule's reason, only where
    there is something to say.
    """
    lines: list[str] = []
    for part, tool, title in (
        ("contract", "oasdiff", "The contract's rules"),
        ("client", "griffe", "The generated client's rules"),
    ):
        lines += [f"## {title}", ""]
        for level in ("breaking", "warning", "info"):
            rules = [rule for rule in RULE_LIST if rule.part == part and rule.level == level]
            if not rules:
                continue
            lines += [f"### {level.capitalize()} ({part})", "", f"| rule | why | {tool} |"]
            lines.append("| --- | --- | --- |")
            for rule in rules:
                why = rule.why + (f" *Here:* {rule.differs}" if rule.differs else "")
                lines.append(f"| `{rule.name}` | {why} | {rule.counterpart} |")
            lines.append("")
    return lines[:-1]
