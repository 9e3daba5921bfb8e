"""A Sphinx extension: the parts of pages written from the repository's own sources.

A page holds a marker, `<!-- generated: NAME -->`, on a line of its own, followed by a quoted
line (`> ...`) that says, to a reader of the page's source on the forge, what the built site shows
there and where it comes from. The build puts in place of both what NAME's writer returns, taken
from the contract, the review's rules, the command line or the proving grounds, so the site can
never disagree with them. docs/ itself is not changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

MARKER = re.compile(r"^<!-- generated: ([a-z-]+) -->$(?:\n> .*$)*", re.M)


def contract_reference() -> str:
    import yaml  # noqa: PLC0415 - imported when a page asks
    from braze_cdi_contract import DOCUMENT  # noqa: PLC0415

    from tools.render import reference_markdown  # noqa: PLC0415

    text = reference_markdown(yaml.safe_load(DOCUMENT.read_text()))
    return text.split("\n", 1)[1]  # the page has its own title


def review_rules() -> str:
    from tools.specdiff import rule_table  # noqa: PLC0415

    return "\n".join(rule_table())


def commands() -> str:
    from tools.cli_reference import reference_markdown  # noqa: PLC0415

    return reference_markdown()


def exit_statuses() -> str:
    from tools.cli_reference import exit_statuses_markdown  # noqa: PLC0415

    return exit_statuses_markdown()


def client_ground() -> str:
    from proving_ground.client_ground import CASES  # noqa: PLC0415

    rows = [
        f"| `{case.name}` | {case.fault} | `braze-cdi {' '.join(case.command)}` | "
        f"{case.exit_status} | `{case.api_outcome}` |"
        for case in CASES.values()
    ]
    head = "| server | its fault | command | exit | the API's outcome |"
    return "\n".join([head, "| --- | --- | --- | --- | --- |", *rows])


def kill_matrix() -> str:
    from proving_ground.servers import registry  # noqa: PLC0415

    servers = list(registry().values())
    reference = [server for server in servers if server.name == "reference"]
    parts = []
    for title, group in (
        ("The reference and the faulty servers", reference + [s for s in servers if s.faulty]),
        ("The valid servers", [s for s in servers if not s.faulty and s not in reference]),
    ):
        rows = []
        for server in group:
            caught = f"`{server.caught_by}`" if server.caught_by else "valid"
            rows.append(f"| `{server.name}` | {caught} | {' '.join(server.description.split())} |")
        head = "| server | caught by | what it does |"
        parts += [f"## {title}", "", head, "| --- | --- | --- |", *rows, ""]
    return "\n".join(parts)


def _schema_rows(schema: dict[str, Any], components: dict[str, Any]) -> list[str]:
    """A table row per property of an object schema (its `$ref` followed)."""
    if "$ref" in schema:
        schema = components["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    required = set(schema.get("required", []))
    rows = []
    for name, given in schema.get("properties", {}).items():
        kind = given.get("type", "object" if "$ref" in given else "")
        kind = " or ".join(kind) if isinstance(kind, list) else kind
        if "enum" in given:
            kind += ": " + ", ".join(f"`{value}`" for value in given["enum"] if value is not None)
        mark = "yes" if name in required else ""
        rows.append(f"| `{name}` | {kind} | {mark} | {given.get('description', '')} |")
    return rows


def control_api() -> str:
    import yaml  # noqa: PLC0415 - imported when a page asks
    from braze_cdi_reference.control import DOCUMENT  # noqa: PLC0415

    document = yaml.safe_load(DOCUMENT.read_text())
    components = document["components"]
    parts: list[str] = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            parts += [f"### {method.upper()} `{path}`", "", operation["summary"] + ".", ""]
            for paragraph in operation["description"].split("\n\n"):
                parts += [" ".join(paragraph.split()), ""]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                parts += ["| field | type | required | meaning |", "| --- | --- | --- | --- |"]
                parts += [*_schema_rows(body["schema"], components), ""]
            answers = ", ".join(
                f"`{status}`" for status in operation["responses"] if status != "404"
            )
            parts += [f"Answers: {answers}; `404` where the control API is off.", ""]
    return "\n".join(parts)


WRITERS: dict[str, Callable[[], str]] = {
    "contract-reference": contract_reference,
    "review-rules": review_rules,
    "commands": commands,
    "exit-statuses": exit_statuses,
    "client-ground": client_ground,
    "kill-matrix": kill_matrix,
    "control-api": control_api,
}


def fill(text: str) -> str:
    """The page with every marker replaced; KeyError for an unknown one."""
    return MARKER.sub(lambda match: WRITERS[match[1]]().rstrip(), text)


def _source_read(app: Any, docname: str, source: list[str]) -> None:  # noqa: ANN401
    source[0] = fill(source[0])


# A heading, or the text of a code span: where a long path may break.
_BREAKABLE = re.compile(
    r"(<h[1-6][^>]*>)(.*?)(</h[1-6]>)|(<span class=\"pre\">)([^<]{24,})(</span>)", re.S
)


def _break_at_slashes(match: re.Match[str]) -> str:
    opening, inner, closing = (match[1], match[2], match[3]) if match[1] else match.group(4, 5, 6)
    # after each "/" of a text (never inside a tag): a line may break there, and nowhere in a word
    parts = re.split(r"(<[^>]+>)", inner)
    parts = [part if part.startswith("<") else part.replace("/", "/<wbr>") for part in parts]
    return opening + "".join(parts) + closing


def break_long_paths(html: str) -> str:
    """The page with a break opportunity (`<wbr>`) after every "/" of its headings and of its long
    code spans: `.../{integration_id}/job_sync_status` wraps at a slash, not inside a word. What a
    reader copies is unchanged (`<wbr>` is no character)."""
    return _BREAKABLE.sub(_break_at_slashes, html)


def _build_finished(app: Any, exception: Exception | None) -> None:  # noqa: ANN401
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        page.write_text(break_long_paths(text), encoding="utf-8")


def setup(app: Any) -> dict[str, object]:  # noqa: ANN401 - Sphinx's application
    app.connect("source-read", _source_read)
    app.connect("build-finished", _build_finished)
    return {"parallel_read_safe": True, "version": "1"}
