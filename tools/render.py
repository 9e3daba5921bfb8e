"""`python -m tools.render [--output FILE]`: the contract as one static HTML page.

Everything is in the HTML itself: every operation with its permission and rate limit, every
parameter, every response with its headers, schema and named examples (Braze's exact messages),
the code samples, the links between operations, and every named schema. The page has no scripts,
no fonts and nothing fetched from a network, so a reviewer can open the copy downloaded from CI's
artifacts on any machine, or read it with scripts disabled.
"""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from commandline import ROOT, Parser, exit_with
from contract import DOCUMENT
from tools.specdiff import operations, parameters, resolve

OUTPUT = ROOT / "build" / "reference.html"
STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #1b1b1b; }
code, pre { font: 13px/1.4 ui-monospace, monospace; background: #f4f4f4; }
pre { padding: .6rem; overflow-x: auto; white-space: pre-wrap; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
section.operation { border-top: 3px solid #333; margin-top: 2rem; }
.method { font-weight: bold; text-transform: uppercase; }
dl.facts dt { font-weight: bold; } dl.facts dd { margin: 0 0 .4rem 1rem; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _inline(text: str) -> str:
    """Escape, then show `code` and **bold** as such."""
    escaped = _e(text)
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", escaped)


def prose(text: str | None) -> str:
    """A description: paragraphs and `* ` lists, with inline code and bold."""
    if not text:
        return ""
    parts: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.splitlines()
        items: list[str] = []
        paragraph: list[str] = []
        for line in lines:
            stripped = line.strip()
            if stripped.startswith(("* ", "- ")):
                items.append(stripped[2:])
            elif items and line.startswith("  "):
                items[-1] += " " + stripped
            else:
                paragraph.append(stripped)
        if paragraph:
            parts.append(f"<p>{_inline(' '.join(paragraph))}</p>")
        if items:
            parts.append("<ul>" + "".join(f"<li>{_inline(item)}</li>" for item in items) + "</ul>")
    return "\n".join(parts)


def _json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


def _schema(schema: object) -> str:
    """A schema as JSON, with each `$ref` a link to the named schema."""
    text = _e(_json(schema))

    def link(match: re.Match[str]) -> str:
        name = match[1]
        return f'"$ref": "<a href="#schema-{name}">#/components/schemas/{name}</a>"'

    return re.sub(r"&quot;\$ref&quot;: &quot;#/components/schemas/([^&]+)&quot;", link, text)


class Page:
    """Builds the page from the document."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.out: list[str] = []

    def add(self, *lines: str) -> None:
        self.out.extend(lines)

    def build(self) -> str:
        info = self.document.get("info", {})
        title = f"{info.get('title', 'API')} {info.get('version', '')}".strip()
        self.add(
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{_e(title)}</title>",
            f"<style>{STYLE}</style></head><body>",
            f"<h1>{_e(title)}</h1>",
        )
        if info.get("summary"):
            self.add(f"<p><em>{_inline(info['summary'])}</em></p>")
        self.add(prose(info.get("description")))
        self.contents()
        self.servers()
        self.security()
        for path, method, operation in operations(self.document):
            self.operation(path, method, operation)
        self.schemas()
        self.add("</body></html>")
        return "\n".join(line for line in self.out if line) + "\n"

    def contents(self) -> None:
        self.add("<h2>Operations</h2>", "<ul>")
        for path, method, operation in operations(self.document):
            anchor = operation.get("operationId", f"{method}-{path}")
            self.add(
                f'<li><a href="#{_e(anchor)}"><span class="method">{_e(method)}</span> '
                f"<code>{_e(path)}</code></a> — {_e(operation.get('summary', ''))}</li>"
            )
        self.add("</ul>")

    def servers(self) -> None:
        self.add(
            "<h2>Servers</h2>",
            "<table><tr><th>instance</th><th>URL</th><th>description</th></tr>",
        )
        for server in self.document.get("servers", []):
            self.add(
                f"<tr><td>{_e(server.get('x-braze-instance', ''))}</td>"
                f"<td><code>{_e(server.get('url'))}</code></td>"
                f"<td>{_e(server.get('description', ''))}</td></tr>"
            )
        self.add("</table>")

    def security(self) -> None:
        schemes = self.document.get("components", {}).get("securitySchemes", {})
        if not schemes:
            return
        self.add("<h2>Authentication</h2>")
        for name, scheme in schemes.items():
            kind = " ".join(str(scheme.get(key, "")) for key in ("type", "scheme", "in", "name"))
            self.add(f"<h3><code>{_e(name)}</code>: {_e(kind.strip())}</h3>")
            self.add(prose(scheme.get("description")))

    def operation(self, path: str, method: str, operation: dict[str, Any]) -> None:
        anchor = operation.get("operationId", f"{method}-{path}")
        self.add(
            f'<section class="operation" id="{_e(anchor)}">',
            f'<h2><span class="method">{_e(method)}</span> <code>{_e(path)}</code></h2>',
            f"<p><strong>{_e(operation.get('summary', ''))}</strong></p>",
            '<dl class="facts">',
            f"<dt>operationId</dt><dd><code>{_e(operation.get('operationId', ''))}</code></dd>",
        )
        permission = operation.get("x-braze-permission")
        if permission:
            self.add(
                "<dt>Permission (<code>x-braze-permission</code>)</dt>",
                f"<dd><code>{_e(permission)}</code></dd>",
            )
        limit = operation.get("x-braze-rate-limit")
        if isinstance(limit, dict):
            self.add(
                "<dt>Rate limit (<code>x-braze-rate-limit</code>)</dt>",
                f"<dd>{_e(limit.get('limit'))} requests per {_e(limit.get('window-seconds'))} "
                f"seconds, counted per {_e(limit.get('scope'))}</dd>",
            )
        security = operation.get("security", self.document.get("security"))
        if security:
            names = ", ".join(name for requirement in security for name in requirement)
            self.add(f"<dt>Authentication</dt><dd><code>{_e(names)}</code></dd>")
        self.add("</dl>", prose(operation.get("description")))
        self.parameters(path, method)
        if operation.get("requestBody"):
            self.request_body(resolve(self.document, operation["requestBody"]))
        self.add("<h3>Responses</h3>")
        for status, response in operation.get("responses", {}).items():
            self.response(str(status), resolve(self.document, response))
        for sample in operation.get("x-codeSamples", []):
            self.add(
                f"<h3>Code sample: {_e(sample.get('label', sample.get('lang', '')))}</h3>",
                f"<pre>{_e(sample.get('source', ''))}</pre>",
            )
        self.add("</section>")

    def parameters(self, path: str, method: str) -> None:
        found = parameters(self.document, path, method)
        if not found:
            return
        self.add(
            "<h3>Parameters</h3>",
            "<table><tr><th>name</th><th>in</th><th>required</th><th>schema</th>"
            "<th>description</th></tr>",
        )
        for parameter in found.values():
            item = resolve(self.document, parameter)
            self.add(
                f"<tr><td><code>{_e(item.get('name'))}</code></td><td>{_e(item.get('in'))}</td>"
                f"<td>{'yes' if item.get('required') else 'no'}</td>"
                f"<td><pre>{_schema(item.get('schema', {}))}</pre></td>"
                f"<td>{prose(item.get('description'))}{self.examples(item)}</td></tr>"
            )
        self.add("</table>")

    def request_body(self, body: dict[str, Any]) -> None:
        required = "required" if body.get("required") else "optional"
        self.add(f"<h3>Request body ({required})</h3>", prose(body.get("description")))
        self.content(body.get("content", {}))

    def response(self, status: str, response: dict[str, Any]) -> None:
        self.add(f"<h4>{_e(status)}</h4>", prose(response.get("description")))
        headers = response.get("headers", {})
        if headers:
            self.add(
                "<table><tr><th>header</th><th>required</th><th>schema</th>"
                "<th>description</th></tr>"
            )
            for name, header in headers.items():
                item = resolve(self.document, header)
                schema = resolve(self.document, item.get("schema", {}))
                self.add(
                    f"<tr><td><code>{_e(name)}</code></td>"
                    f"<td>{'yes' if item.get('required') else 'no'}</td>"
                    f"<td><pre>{_schema(schema)}</pre></td>"
                    f"<td>{prose(item.get('description'))}</td></tr>"
                )
            self.add("</table>")
        self.content(response.get("content", {}))
        for name, link in response.get("links", {}).items():
            item = resolve(self.document, link)
            target = item.get("operationId", item.get("operationRef", ""))
            self.add(
                f'<p>Link <code>{_e(name)}</code> → <a href="#{_e(target)}">{_e(target)}</a> '
                f"with <code>{_e(_json(item.get('parameters', {})))}</code></p>",
                prose(item.get("description")),
            )

    def content(self, content: dict[str, Any]) -> None:
        for media, item in content.items():
            self.add(
                f"<p>Media type <code>{_e(media)}</code>, schema:</p>",
                f"<pre>{_schema(item.get('schema', {}))}</pre>",
                self.examples(item),
            )

    def examples(self, item: dict[str, Any]) -> str:
        examples = item.get("examples", {})
        if not examples:
            return ""
        rows = []
        for name, example in examples.items():
            value = resolve(self.document, example)
            rows.append(
                f"<tr><td><code>{_e(name)}</code></td><td>{_e(value.get('summary', ''))}</td>"
                f"<td><pre>{_e(_json(value.get('value')))}</pre></td></tr>"
            )
        return (
            "<table><tr><th>example</th><th>summary</th><th>value</th></tr>"
            + "".join(rows)
            + "</table>"
        )

    def schemas(self) -> None:
        schemas = self.document.get("components", {}).get("schemas", {})
        if not schemas:
            return
        self.add("<h2>Schemas</h2>")
        for name, schema in schemas.items():
            self.add(
                f'<h3 id="schema-{_e(name)}"><code>{_e(name)}</code></h3>',
                f"<pre>{_schema(schema)}</pre>",
            )


def render(document: dict[str, Any]) -> str:
    """The HTML page for a contract document."""
    return Page(document).build()


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
