"""What a reader sees of each page of the built site, measured in headless Chromium at 1280 px:
its height, whether an in-page table of contents shows in the first screen, and which tables and
copyable code blocks run past the text column.

`python -m tools.page_heights [SITE]` prints a row per page (SITE: build/site). The browser tier
(`make test-browser`) holds the site to its bounds with it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tools import ROOT

WIDTH = 1280
# Run in the page once it has loaded: what it finds goes into the DOM, which --dump-dom prints.
PROBE = """<script>
window.addEventListener("load", () => {
  const article = document.querySelector("article");
  const overflowing = (element) => element.scrollWidth > element.clientWidth + 1;
  const contents = document.querySelector("article nav.contents, article .contents");
  const metrics = {
    height: document.documentElement.scrollHeight,
    contents_top: contents ? Math.round(contents.getBoundingClientRect().top + scrollY) : null,
    wide_tables: [...document.querySelectorAll("article .table-wrapper")]
      .filter(overflowing).length,
    wide_code: [...document.querySelectorAll(
      "article div.highlight-shell pre, article div.highlight-python pre")]
      .filter(overflowing).map((pre) => pre.textContent.split("\\n")[0].slice(0, 40)),
  };
  const out = document.createElement("script");
  out.type = "application/json";
  out.id = "page-metrics";
  out.textContent = JSON.stringify(metrics);
  document.body.appendChild(out);
});
</script>"""
METRICS = re.compile(r'<script type="application/json" id="page-metrics">(.*?)</script>', re.S)


@dataclass(frozen=True)
class Metrics:
    """One page as the browser laid it out."""

    page: str
    height: int
    contents_top: int | None
    wide_tables: int
    wide_code: list[str]


def browser() -> str | None:
    """The Chromium to measure with, or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def measure(page: Path, chromium: str) -> Metrics:
    """Lay the page out at WIDTH px in a copy beside it (so its relative links still resolve)."""
    with tempfile.NamedTemporaryFile("w", suffix=".html", dir=page.parent, delete=False) as copy:
        copy.write(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"))
    try:
        dumped = subprocess.run(  # noqa: S603 - the browser found on PATH
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                f"--window-size={WIDTH},900",
                "--virtual-time-budget=3000",
                "--dump-dom",
                Path(copy.name).resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        ).stdout
    finally:
        Path(copy.name).unlink()
    found = METRICS.search(dumped)
    if found is None:
        raise RuntimeError(f"{page.name}: the browser laid out no page")
    return Metrics(page.stem, **json.loads(found[1]))


def pages(site: Path) -> list[Path]:
    """The site's pages (Sphinx's own index and search pages left out)."""
    return [page for page in sorted(site.glob("*.html")) if page.stem not in {"genindex", "search"}]


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    site = Path(arguments[0]) if arguments else ROOT / "build" / "site"
    chromium = browser()
    if chromium is None:
        print("page_heights: no chromium on PATH (apt-get install chromium)", file=sys.stderr)
        return 2
    if not (site / "index.html").exists():
        print(f"page_heights: no site at {site} (make docs builds it)", file=sys.stderr)
        return 2
    print(f"| page | height at {WIDTH} px | contents at | wide tables | wide code |")
    print("| --- | --- | --- | --- | --- |")
    for page in pages(site):
        metrics = measure(page, chromium)
        print(
            f"| {metrics.page} | {metrics.height} | {metrics.contents_top or ''} | "
            f"{metrics.wide_tables} | {len(metrics.wide_code)} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
