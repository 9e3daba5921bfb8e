"""The generated client at BASE and now, judged as its callers see it (`make review`, section 3).

griffe reads both versions statically (nothing is imported) and finds what Python's
compatibility rules call breaking, as `griffe check` does (`griffe.find_breaking_changes`): a
public name removed or pointing to another kind of object, a parameter removed, made required,
added as required, moved or of another kind, a default changed, a return annotation dropped, a
base class dropped. Each is a row judged by a rule of tools/review_rules.yaml (`part: client`,
its `griffe` key names the kind). griffe 2.4 compares no annotations and no values, and reports
nothing added; those are found here, over the same griffe models:

- a public name added, an optional parameter added (info);
- a parameter's annotation, as a union: accepting more is info, accepting less breaking; a return
  annotation that admits more is breaking, less is info; a field's or property's annotation
  changed either way is breaking (code both reads and sets fields);
- a constant's value (an UPPER_CASE name: `contract_facts`, enum members) or a field's default
  changed: a warning, with both values. A list with the same values in another order, or a dict
  with the same items, is no change: nothing in the project reads an order from the client (the
  one order it reads is the contract's first ended status, which tools/specdiff.py judges);
- a base class that is gone, even where another took its place (griffe: only when the count
  falls); a function made a coroutine function or the reverse.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import griffe

from tools import specdiff

PACKAGE = "braze_cdi_client"

# griffe's kinds of breakage (BreakageKind names) and the rule that judges each here.
# ATTRIBUTE_CHANGED_TYPE and ATTRIBUTE_CHANGED_VALUE are declared by griffe 2.4 but never reported.
GRIFFE_RULES = {
    "OBJECT_REMOVED": "client-api-removed",
    "OBJECT_CHANGED_KIND": "client-kind-changed",
    "PARAMETER_REMOVED": "client-parameter-removed",
    "PARAMETER_CHANGED_REQUIRED": "client-parameter-became-required",
    "PARAMETER_ADDED_REQUIRED": "client-parameter-added-required",
    "PARAMETER_MOVED": "client-parameter-moved",
    "PARAMETER_CHANGED_KIND": "client-parameter-kind-changed",
    "PARAMETER_CHANGED_DEFAULT": "client-default-changed",
    "RETURN_CHANGED_TYPE": "client-return-type-widened",
    "CLASS_REMOVED_BASE": "client-base-removed",
    "ATTRIBUTE_CHANGED_TYPE": "client-field-type-changed",
    "ATTRIBUTE_CHANGED_VALUE": "client-constant-changed",
}
VARIADIC = frozenset((griffe.ParameterKind.var_positional, griffe.ParameterKind.var_keyword))


@dataclass(frozen=True)
class ClientChange:
    """One change to the generated client's public API, with the contract rows that caused it.

    `name` is the dotted path inside the package, a parameter as `function(parameter)`.
    """

    rule: str
    name: str
    old: str | None
    new: str | None
    causes: tuple[str, ...] = ()

    @property
    def level(self) -> str:
        """breaking, warning or info, from the rule table (unclassified for a kind it lacks)."""
        rule = specdiff.RULES.get(self.rule)
        return rule.level if rule else specdiff.UNCLASSIFIED

    @property
    def values(self) -> str:
        """Before → after; where a value is long, the part that differs, in context."""
        before, after = self.old or "(none)", self.new or "(none)"
        return " → ".join(specdiff.differing_windows(before, after))


def load(folder: Path) -> griffe.Module:
    """The generated package below folder, read statically (its code is never imported)."""
    with griffe.logger.disable():
        package = griffe.load(
            PACKAGE,
            search_paths=[folder],
            try_relative_path=False,
            allow_inspection=False,
            store_source=False,
            resolve_aliases=True,
            resolve_external=False,
        )
    if not isinstance(package, griffe.Module):
        raise TypeError(f"{PACKAGE} below {folder} is not a package")
    return package


def compare(old_folder: Path, new_folder: Path) -> list[ClientChange]:
    """Every change to the public API between two generated packages, each judged by one rule."""
    old, new = load(old_folder), load(new_folder)
    with griffe.logger.disable():
        rows = [_from_griffe(breakage) for breakage in griffe.find_breaking_changes(old, new)]
        rows += _walk(old, new, set())
    return list({(row.rule, row.name): row for row in rows}.values())


# griffe's breakages as rows.


def _from_griffe(breakage: griffe.Breakage) -> ClientChange:
    rule = GRIFFE_RULES.get(breakage.kind.name, specdiff.UNCLASSIFIED)
    where, old, new = _name(breakage.obj.path), breakage.old_value, breakage.new_value
    kind = breakage.kind.name
    if kind == "OBJECT_REMOVED":
        return ClientChange(rule, where, _describe(old), None)
    if kind == "OBJECT_CHANGED_KIND":
        return ClientChange(rule, where, str(old.value), str(new.value))
    if kind == "CLASS_REMOVED_BASE":
        return ClientChange(rule, where, _listed(old), _listed(new))
    if kind == "RETURN_CHANGED_TYPE":
        return ClientChange(rule, where, _text(old), _text(new))
    if kind.startswith("PARAMETER_"):
        parameter: griffe.Parameter = old if old is not None else new
        where = f"{where}({parameter.name})"
        if kind == "PARAMETER_MOVED":
            found = re.search(r"from (\d+) to (\d+)", breakage.details)
            if found:
                return ClientChange(rule, where, f"position {found[1]}", f"position {found[2]}")
        if kind == "PARAMETER_CHANGED_KIND":
            return ClientChange(rule, where, _kind(old), _kind(new))
        if kind == "PARAMETER_CHANGED_DEFAULT":
            return ClientChange(rule, where, _text(old.default), _text(new.default))
        return ClientChange(
            rule,
            where,
            _parameter(old) if old is not None else None,
            _parameter(new) if new is not None else None,
        )
    return ClientChange(rule, where, _text(old), _text(new))


# What griffe leaves out, over the same models.


def _walk(old: griffe.Object, new: griffe.Object, seen: set[str]) -> Iterator[ClientChange]:
    """The members of a module or class in both versions, as griffe walks them."""
    for name, member in new.members.items():
        if not member.is_public:
            continue
        before = old.members.get(name)
        if before is None or not before.is_public:
            yield ClientChange("client-api-added", _name(member.path), None, _describe(member))
            continue
        a, b = _target(before), _target(member)
        if a is None or b is None or a.kind is not b.kind or a.path in seen:
            continue  # an unresolvable import, or griffe's own row (another kind of object)
        seen.add(a.path)
        if isinstance(a, griffe.Module) and isinstance(b, griffe.Module):
            yield from _walk(a, b, seen)
        elif isinstance(a, griffe.Class) and isinstance(b, griffe.Class):
            yield from _class(a, b, seen)
        elif isinstance(a, griffe.Function) and isinstance(b, griffe.Function):
            yield from _function(a, b)
        elif isinstance(a, griffe.Attribute) and isinstance(b, griffe.Attribute):
            yield from _attribute(a, b)


def _target(member: griffe.Object | griffe.Alias) -> griffe.Object | None:
    """The object a public name stands for; None for an import griffe cannot follow."""
    if not isinstance(member, griffe.Alias):
        return member
    try:
        target = member.final_target
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None
    return target if isinstance(target, griffe.Object) else None


def _class(old: griffe.Class, new: griffe.Class, seen: set[str]) -> Iterator[ClientChange]:
    before, after = [str(base) for base in old.bases], [str(base) for base in new.bases]
    if set(before) - set(after):
        yield ClientChange(
            "client-base-removed", _name(new.path), ", ".join(before), ", ".join(after) or None
        )
    yield from _walk(old, new, seen)


def _function(old: griffe.Function, new: griffe.Function) -> Iterator[ClientChange]:
    where = _name(new.path)
    if ("async" in old.labels) != ("async" in new.labels):
        yield ClientChange("client-kind-changed", where, _flavour(old), _flavour(new))
    before = {parameter.name: parameter for parameter in old.parameters}
    for parameter in new.parameters:
        if parameter.kind in VARIADIC:
            continue
        was = before.get(parameter.name)
        if was is None:
            if not parameter.required:  # a required one is griffe's
                name = f"{where}({parameter.name})"
                yield ClientChange("client-parameter-added", name, None, _parameter(parameter))
            continue
        if was.kind in VARIADIC:
            continue
        movement = _movement(_union(was.annotation), _union(parameter.annotation))
        if movement:
            yield ClientChange(
                f"client-parameter-type-{movement}",
                f"{where}({parameter.name})",
                _text(was.annotation),
                _text(parameter.annotation),
            )
    if old.returns is not None and new.returns is not None:  # else griffe judges
        movement = _movement(_union(new.returns), _union(old.returns))
        if movement:
            # What comes back: more types than before break the callers, fewer do not.
            rule = {
                "widened": "client-return-type-narrowed",
                "narrowed": "client-return-type-widened",
            }
            yield ClientChange(rule[movement], where, _text(old.returns), _text(new.returns))


def _attribute(old: griffe.Attribute, new: griffe.Attribute) -> Iterator[ClientChange]:
    where = _name(new.path)
    if _union(old.annotation) != _union(new.annotation):
        yield ClientChange(
            "client-field-type-changed", where, _text(old.annotation), _text(new.annotation)
        )
    if old.value is None or new.value is None:
        return  # a field became required or optional: its annotation says so (Unset)
    if _meaning(str(old.value)) != _meaning(str(new.value)):
        rule = "client-constant-changed" if old.name.isupper() else "client-default-changed"
        yield ClientChange(rule, where, str(old.value), str(new.value))


def _union(annotation: str | griffe.Expr | None) -> frozenset[str] | None:
    """The members of an annotation `A | B | None`, each as Python writes it; None for none."""
    if annotation is None:
        return None
    text = str(annotation)
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError:
        return frozenset({text})

    def members(node: ast.expr) -> Iterator[str]:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            yield from members(node.left)
            yield from members(node.right)
        else:
            yield ast.unparse(node)

    return frozenset(members(tree))


def _movement(old: frozenset[str] | None, new: frozenset[str] | None) -> str | None:
    """How the set of accepted types moved: None (no annotation) accepts anything."""
    if old == new:
        return None
    if new is None or (old is not None and new > old):
        return "widened"
    return "narrowed"


def _meaning(value: str) -> object:
    """A value as compared: a literal by what it holds (a list as the multiset of its values, a
    dict by its items), anything else by its source text.
    """
    try:
        literal = ast.literal_eval(value)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return value
    return _canonical(literal)


def _canonical(value: object) -> object:
    if isinstance(value, list | tuple | set | frozenset):
        return ("values", tuple(sorted(repr(_canonical(item)) for item in value)))
    if isinstance(value, dict):
        items = (repr((_canonical(key), _canonical(item))) for key, item in value.items())
        return ("items", tuple(sorted(items)))
    return value


# How a name, a parameter or an object reads in a row.


def _name(path: str) -> str:
    return path.removeprefix(f"{PACKAGE}.")


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _listed(bases: Iterable[object]) -> str | None:
    return ", ".join(str(base) for base in bases) or None


def _kind(parameter: griffe.Parameter) -> str:
    return parameter.kind.value if parameter.kind else "unknown"


def _flavour(function: griffe.Function) -> str:
    return "coroutine function" if "async" in function.labels else "function"


def _parameter(parameter: griffe.Parameter) -> str:
    stars = {griffe.ParameterKind.var_positional: "*", griffe.ParameterKind.var_keyword: "**"}
    text = stars.get(parameter.kind, "") if parameter.kind else ""
    text += parameter.name
    if parameter.annotation is not None:
        text += f": {parameter.annotation}"
    if parameter.default is not None and parameter.kind not in VARIADIC:
        text += f" = {parameter.default}"
    return text


def _signature(function: griffe.Function) -> str:
    parts: list[str] = []
    keyword_marked = False
    for parameter in function.parameters:
        if parameter.kind is griffe.ParameterKind.var_positional:
            keyword_marked = True
        elif parameter.kind is griffe.ParameterKind.keyword_only and not keyword_marked:
            parts.append("*")
            keyword_marked = True
        parts.append(_parameter(parameter))
    returns = f" -> {function.returns}" if function.returns is not None else ""
    prefix = "async def" if "async" in function.labels else "def"
    return f"{prefix} {function.name}({', '.join(parts)}){returns}"


def _describe(member: griffe.Object | griffe.Alias) -> str:
    """What a public name is, in one line."""
    target = _target(member)
    if target is None:
        return f"imported from {member.target_path}" if isinstance(member, griffe.Alias) else ""
    if isinstance(target, griffe.Module):
        return f"module {_name(target.path)}"
    if isinstance(target, griffe.Class):
        return f"class {target.name}({', '.join(str(base) for base in target.bases)})"
    if isinstance(target, griffe.Function):
        return _signature(target)
    if isinstance(target, griffe.Attribute):
        text = target.name
        if target.annotation is not None:
            text += f": {target.annotation}"
        if target.value is not None:
            text += f" = {target.value}"
        return text
    return str(target.kind.value)
