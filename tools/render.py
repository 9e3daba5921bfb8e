"""`python -m tools.render [--output FILE]`: the contract reference, as people expect API docs.

One text in Markdown, written from the document (`reference_markdown`), read two ways: as a page
of the documentation site (`make docs`), and as one standalone HTML page (`build/reference.html`,
which `make review` writes too). Per operation: its permission and rate limit once, its
parameters and each response's body as property tables (name, type, required, description),
Braze's named examples and the curl sample; the rate-limit and `Link` headers are described once
and linked. The standalone page has no scripts, no fonts and nothing fetched from a network: it
reads the same with scripts disabled, on any machine.
"""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml
from braze_cdi_contract.commandline import Parser, exit_with
from markdown_it import MarkdownIt

from tools import DOCUMENT, ROOT
from tools.specdiff import operations, parameters, resolve

OUTPUT = ROOT / "build" / "reference.html"
STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 64rem; margin: 2rem auto; padding: 0 1rem;
       color: #1b1b1b; }
code, pre { font: 13px/1.4 ui-monospace, monospace; background: #f4f4f4; }
pre { padding: .6rem; overflow-x: auto; white-space: pre-wrap; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
h2 { border-top: 3px solid #333; padding-top: .5rem; margin-top: 2.5rem; }
"""
SCHEMA_PREFIX = "#/components/schemas/"
HEADER_PREFIX = "#/components/headers/"


def _cell(text: object) -> str:
    """Text for a table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _code(text: object) -> str:
    value = str(text)
    fence = "``" if "`" in value else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _anchor(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# Paragraphs of a description that restate what the facts table above it says.
RESTATED = ("**Permission:**", "**Rate limit:**")


def _without_facts(text: str) -> str:
    """A description without the paragraphs that restate the permission and the rate limit."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(part for part in paragraphs if not part.startswith(RESTATED))


def _json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


class Reference:
    """Writes the reference from the document."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.out: list[str] = []

    def add(self, *lines: str) -> None:
        self.out.extend(lines)

    # Types and property tables.

    def type_of(self, schema: dict[str, Any]) -> str:
        """A schema's type in a few words, with a link to a named schema."""
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(SCHEMA_PREFIX):
            name = ref.removeprefix(SCHEMA_PREFIX)
            target = resolve(self.document, schema)
            kind = self.type_of(target) if "properties" not in target else "object"
            return f"[{name}](#schema-{_anchor(name)}) ({kind})"
        if "const" in schema:
            return f"{_code(json.dumps(schema['const']))} (constant)"
        if "enum" in schema:
            return "one of " + ", ".join(_code(value) for value in schema["enum"])
        kinds = schema.get("type", "any")
        kind = " or ".join(kinds) if isinstance(kinds, list) else str(kinds)
        if kind == "array" and isinstance(schema.get("items"), dict):
            kind = f"array of {self.type_of(schema['items'])}"
        for word, key in (("at least", "minimum"), ("at most", "maximum")):
            if key in schema:
                kind += f", {word} {schema[key]}"
        if "minLength" in schema:
            kind += f", at least {schema['minLength']} character" + (
                "s" if schema["minLength"] != 1 else ""
            )
        if "maxItems" in schema:
            kind += f", at most {schema['maxItems']} items"
        if schema.get("format"):
            kind += f" ({schema['format']})"
        for combinator in ("anyOf", "oneOf"):
            if combinator in schema:
                kind = " or ".join(self.type_of(part) for part in schema[combinator])
        return kind

    def properties(self, schema: dict[str, Any], prefix: str = "") -> list[str]:
        """Rows of a property table for an object schema, nested objects flattened (`a.b`)."""
        target = resolve(self.document, schema)
        required = set(target.get("required", []))
        rows: list[str] = []
        for name, raw in target.get("properties", {}).items():
            item = resolve(self.document, raw) if "$ref" in raw else raw
            description = item.get("description") or raw.get("description") or ""
            rows.append(
                f"| {_code(prefix + name)} | {_cell(self.type_of(raw))} | "
                f"{'yes' if name in required else 'no'} | {_cell(description)} |"
            )
            if "$ref" not in raw and item.get("type") == "object" and item.get("properties"):
                rows += self.properties(item, prefix=f"{prefix}{name}.")
        return rows

    def property_table(self, schema: dict[str, Any]) -> None:
        rows = self.properties(schema)
        if rows:
            self.add(
                "",
                "| property | type | required | description |",
                "| --- | --- | --- | --- |",
                *rows,
            )

    # The page.

    def build(self) -> str:
        info = self.document.get("info", {})
        title = f"{info.get('title', 'API')} {info.get('version', '')}".strip()
        self.add(f"# {title}", "")
        if info.get("summary"):
            self.add(f"*{info['summary']}*", "")
        self.add(str(info.get("description", "")).strip(), "")
        self.contents()
        self.servers()
        self.security()
        for path, method, operation in operations(self.document):
            self.operation(path, method, operation)
        self.headers()
        self.schemas()
        return "\n".join(self.out).rstrip() + "\n"

    def contents(self) -> None:
        self.add("**Operations:**", "")
        for path, method, operation in operations(self.document):
            anchor = _anchor(operation.get("operationId", f"{method}-{path}"))
            self.add(
                f"- [{method.upper()} {_code(path)}](#{anchor}): {operation.get('summary', '')}"
            )
        self.add(
            "",
            "Also: [servers](#servers), [authentication](#authentication), "
            "[shared headers](#shared-headers), [schemas](#schemas).",
            "",
        )

    def servers(self) -> None:
        self.add(
            "(servers)=",
            "## Servers",
            "",
            "| instance | URL | description |",
            "| --- | --- | --- |",
        )
        for server in self.document.get("servers", []):
            self.add(
                f"| {server.get('x-braze-instance', '')} | {server.get('url')} | "
                f"{_cell(server.get('description', ''))} |"
            )
        self.add("")

    def security(self) -> None:
        schemes = self.document.get("components", {}).get("securitySchemes", {})
        self.add("(authentication)=", "## Authentication", "")
        for name, scheme in schemes.items():
            kind = " ".join(str(scheme.get(key, "")) for key in ("type", "scheme", "in", "name"))
            self.add(f"{_code(name)}: {kind.strip()}", "", str(scheme.get("description", "")), "")

    def operation(self, path: str, method: str, operation: dict[str, Any]) -> None:
        anchor = _anchor(operation.get("operationId", f"{method}-{path}"))
        self.add(
            f"({anchor})=",
            f"## {method.upper()} {_code(path)}",
            "",
            f"**{operation.get('summary', '')}**",
            "",
            "| fact | value |",
            "| --- | --- |",
            f"| operationId | {_code(operation.get('operationId', ''))} |",
        )
        permission = operation.get("x-braze-permission")
        if permission:
            self.add(f"| permission (`x-braze-permission`) | {_code(permission)} |")
        limit = operation.get("x-braze-rate-limit")
        if isinstance(limit, dict):
            self.add(
                f"| rate limit (`x-braze-rate-limit`) | {limit.get('limit')} requests per "
                f"{limit.get('window-seconds')} seconds, counted per {limit.get('scope')} |"
            )
        security = operation.get("security", self.document.get("security"))
        if security:
            names = ", ".join(name for requirement in security for name in requirement)
            self.add(f"| authentication | [{names}](#authentication) |")
        self.add("", _without_facts(str(operation.get("description", ""))), "")
        self.parameters(path, method)
        if operation.get("requestBody"):
            body = resolve(self.document, operation["requestBody"])
            required = "required" if body.get("required") else "optional"
            self.add(f"### Request body ({required})", "", str(body.get("description", "")), "")
            self.content(body.get("content", {}))
        self.add("### Responses", "")
        for status, response in operation.get("responses", {}).items():
            self.response(str(status), response)
        for sample in operation.get("x-codeSamples", []):
            language = str(sample.get("lang", "")).lower()
            self.add(
                f"### Sample: {sample.get('label', sample.get('lang', ''))}",
                "",
                f"```{'shell' if language in {'shell', 'curl'} else language}",
                str(sample.get("source", "")).rstrip(),
                "```",
                "",
            )

    def parameters(self, path: str, method: str) -> None:
        found = parameters(self.document, path, method)
        if not found:
            return
        self.add(
            "### Parameters",
            "",
            "| name | in | type | required | description |",
            "| --- | --- | --- | --- | --- |",
        )
        examples: list[tuple[str, dict[str, Any]]] = []
        for parameter in found.values():
            item = resolve(self.document, parameter)
            self.add(
                f"| {_code(item.get('name'))} | {item.get('in')} | "
                f"{_cell(self.type_of(item.get('schema', {})))} | "
                f"{'yes' if item.get('required') else 'no'} | "
                f"{_cell(item.get('description', ''))} |"
            )
            if item.get("examples"):
                examples.append((str(item.get("name")), item))
        self.add("")
        for name, item in examples:
            self.examples(item, of=f"`{name}`")

    def response(self, status: str, raw: dict[str, Any]) -> None:
        response = resolve(self.document, raw)
        self.add(f"#### {status}", "", str(response.get("description", "")).strip(), "")
        shared: list[str] = []
        own: list[str] = []
        for name, header in response.get("headers", {}).items():
            item = resolve(self.document, header)
            required = "required" if item.get("required") else "optional"
            ref = header.get("$ref", "")
            if isinstance(ref, str) and ref.startswith(HEADER_PREFIX):
                shared.append(f"[{_code(name)}](#header-{_anchor(name)}) ({required})")
            else:
                own.append(
                    f"| {_code(name)} | {required} | "
                    f"{_cell(self.type_of(item.get('schema', {})))} | "
                    f"{_cell(item.get('description', ''))} |"
                )
        if shared:
            self.add("Headers: " + ", ".join(shared) + ".", "")
        if own:
            self.add(
                "| header | required | type | description |",
                "| --- | --- | --- | --- |",
                *own,
                "",
            )
        self.content(response.get("content", {}))
        for name, link in response.get("links", {}).items():
            item = resolve(self.document, link)
            target = item.get("operationId", item.get("operationRef", ""))
            self.add(
                f"Link {_code(name)} → [{target}](#{_anchor(str(target))}) with "
                f"{_code(json.dumps(item.get('parameters', {})))}",
                "",
                str(item.get("description", "")),
                "",
            )

    def content(self, content: dict[str, Any]) -> None:
        for media, item in content.items():
            schema = item.get("schema", {})
            self.add(f"Body {_code(media)}: {self.type_of(schema)}")
            self.property_table(schema)
            self.add("")
            self.examples(item, of="the body")

    def examples(self, item: dict[str, Any], *, of: str) -> None:
        for name, example in item.get("examples", {}).items():
            value = resolve(self.document, example)
            summary = value.get("summary", "")
            self.add(
                f"Example {_code(name)} of {of}{': ' + summary if summary else ''}",
                "",
                "```json",
                _json(value.get("value")),
                "```",
                "",
            )

    def headers(self) -> None:
        headers = self.document.get("components", {}).get("headers", {})
        self.add(
            "(shared-headers)=",
            "## Shared headers",
            "",
            "Described once here; each response above names the ones it carries, and whether "
            "they are required there.",
            "",
        )
        seen: set[str] = set()
        for key, header in headers.items():
            name = key.removesuffix("-Required")
            if name in seen:
                continue
            seen.add(name)
            self.add(
                f"(header-{_anchor(name)})=",
                f"### {_code(name)}",
                "",
                f"Type: {self.type_of(header.get('schema', {}))}.",
                "",
                str(header.get("description", "")).strip(),
                "",
            )
            if "example" in header:
                self.add(f"Example: {_code(header['example'])}", "")

    def schemas(self) -> None:
        schemas = self.document.get("components", {}).get("schemas", {})
        self.add("(schemas)=", "## Schemas", "")
        for name, schema in schemas.items():
            self.add(
                f"(schema-{_anchor(name)})=",
                f"### {_code(name)}",
                "",
                f"Type: {self.type_of(schema)}.",
                "",
                str(schema.get("description", "")).strip(),
            )
            self.property_table(schema)
            self.add("")


def reference_markdown(document: dict[str, Any]) -> str:
    """The contract reference, as a MyST Markdown page of the site (labels are `(name)=`)."""
    return Reference(document).build()


def render(document: dict[str, Any]) -> str:
    """The reference as one standalone HTML page: no scripts, raw HTML in text escaped."""
    text = reference_markdown(document)
    # MyST labels become the `id` of the heading after them.
    labelled = re.sub(r"^\(([^)\s]+)\)=\n(#+) (.*)$", r"\2 \3 {#\1}", text, flags=re.M)
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    body = parser.render(re.sub(r" \{#([^}]+)\}$", "", labelled, flags=re.M))
    body = _anchor_headings(body, labelled)
    info = document.get("info", {})
    title = html.escape(f"{info.get('title', 'API')} {info.get('version', '')}".strip())
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{STYLE}</style></head><body>\n{body}</body></html>\n"
    )


def _anchor_headings(body: str, labelled: str) -> str:
    """Give each heading that had a label its anchor (`id`), in order."""
    wanted: dict[str, list[str]] = {}
    for marks, text, anchor in re.findall(r"^(#+) (.*) \{#([^}]+)\}$", labelled, flags=re.M):
        rendered = MarkdownIt("commonmark", {"html": False}).renderInline(text)
        wanted.setdefault(f"h{len(marks)}>{rendered}<", []).append(anchor)

    def name(match: re.Match[str]) -> str:
        key = f"{match[1]}>{match[2]}<"
        anchors = wanted.get(key)
        if not anchors:
            return match[0]
        return f'<{match[1]} id="{html.escape(anchors.pop(0))}">{match[2]}</{match[1]}>'

    return re.sub(r"<(h[1-6])>(.*?)</\1>", name, body)


def write(output: Path = OUTPUT, *, source: Path = DOCUMENT) -> Path:
    """Render the contract at source into output and return output."""
    document = yaml.safe_load(source.read_text())
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render(document), encoding="utf-8")
    return output


def main(argv: list[str] | None = None) -> int:
    """Write the page."""
    parser = Parser(prog="python -m tools.render", description=__doc__)
    parser.add_argument("--output", type=Path, default=OUTPUT, help="where to write the HTML")
    arguments = parser.parse_args(argv)
    try:
        where = write(arguments.output)
    except OSError as error:
        print(f"render: cannot write {arguments.output}: {error.strerror}", file=sys.stderr)
        return 2
    print(f"render: wrote {where}")
    return 0


if __name__ == "__main__":
    exit_with(main, prog="render")
