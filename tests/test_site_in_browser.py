"""The site as a reader sees it: each page laid out in headless Chromium at 1280 px.

A page written by hand stays under PAGE_HEIGHT; a page written from sources may be longer, and
then shows its own table of contents in the first screen. No table and no block a reader copies
runs past the text column.
"""

from __future__ import annotations

import os

import pytest

from tools import docs, page_heights

pytestmark = pytest.mark.browser

# The tallest a hand-written page may be at 1280 px: about seven screens.
PAGE_HEIGHT = 6000
# Where a long page's table of contents must begin: within the first screen.
FIRST_SCREEN = 900
# Pages written from sources: the contract, the rules, the API, the commands, the registries.
GENERATED = {
    "contract-reference",
    "review-rules",
    "api",
    "cli",
    "changelog",
    "client-ground",
    "proving-ground-servers",
    "proving-ground-results",
}


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> dict[str, page_heights.Metrics]:
    chromium = page_heights.browser()
    assert chromium is not None, "the browser tier needs chromium (apt-get install chromium)"
    site = tmp_path_factory.mktemp("site")
    result = docs.build(site, dict(os.environ))
    assert result.returncode == 0, result.stderr[-3000:]
    return {page.stem: page_heights.measure(page, chromium) for page in page_heights.pages(site)}


def test_every_page_was_measured(measured: dict[str, page_heights.Metrics]) -> None:
    written = {page.stem for page in docs.SOURCE.glob("*.md")}
    assert written <= set(measured)
    assert all(metrics.height > 500 for metrics in measured.values())  # laid out, not blank


def test_no_hand_written_page_is_too_tall(measured: dict[str, page_heights.Metrics]) -> None:
    tall = {
        name: metrics.height
        for name, metrics in measured.items()
        if name not in GENERATED and metrics.height > PAGE_HEIGHT
    }
    assert tall == {}


def test_a_long_page_shows_its_contents_first(measured: dict[str, page_heights.Metrics]) -> None:
    lost = {
        name: metrics.contents_top
        for name, metrics in measured.items()
        if metrics.height > PAGE_HEIGHT
        and (metrics.contents_top is None or metrics.contents_top > FIRST_SCREEN)
    }
    assert lost == {}


def test_nothing_runs_past_the_text_column(measured: dict[str, page_heights.Metrics]) -> None:
    wide = {
        name: (metrics.wide_tables, metrics.wide_code)
        for name, metrics in measured.items()
        if metrics.wide_tables or (metrics.wide_code and name not in GENERATED)
    }
    assert wide == {}
