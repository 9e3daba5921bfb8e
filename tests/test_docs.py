"""The documentation is tested as users read it: every code block of README.md and docs/ runs, or
says why not; the site builds offline with every page in its navigation and no broken link; the
README stays a front door; both wheels carry the license and a real README.

Code blocks: ```shell blocks run in bash as printed, from the repository root, against a reference
server this test starts (its port in place of `127.0.0.1:8080`, a free one in place of `8081`,
and `make serve` lines left to it); ```python blocks run with BRAZE_REST_ENDPOINT,
BRAZE_REST_API_KEY and BRAZE_INTEGRATION_ID set for it. A block whose first line is
`# needs real Braze...` is not run; ```text blocks are output and diagrams.
"""

from __future__ import annotations

import html
import os
import re
import socket
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from braze_cdi_contract.serving import serve_in_thread
from braze_cdi_reference.app import ReferenceServer
from braze_cdi_reference.fixtures import DEMO_INTEGRATIONS, DEMO_KEY, demo_fixtures

from tests.support import assert_every_fact_of_the_contract
from tools import ROOT, docs

# The front door, the site's pages, and the packages' own READMEs.
PAGES = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    ROOT / "client" / "README.md",
    ROOT / "generated" / "braze-cdi-client" / "README.md",
    ROOT / "contract" / "README.md",
    ROOT / "reference" / "README.md",
    ROOT / "conformance" / "README.md",
]
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```$", re.M | re.S)
REAL_BRAZE = "# needs real Braze"
# A python block that is a test file: `# test_NAME.py: ...` on its first line.
TEST_FILE = "# test_"
INSTALLED_TEST_FILE = (
    "tests/installed/test_installed.py runs it with pytest, where only the installed test "
    "double, the client and pytest are"
)
VENV_BIN = Path(sys.executable).parent
# Commands a block may show that this test does not run, and who does.
INSTALLED = "tests/installed/test_installed.py installs the wheels so, in a fresh environment"
RUN_ELSEWHERE = {
    "make test": "CI runs it on a fresh clone (.ci/run; tests/tools/test_workflows.py holds it)",
    "make review BASE=main": "tests/tools/test_review.py runs the review it makes "
    "(python -m tools.review --base) against a clone",
    "make dist": "tests/installed/test_installed.py builds the same wheels (tools.dist)",
    "pip install --find-links dist braze-cdi-conformance": INSTALLED,
    "pip install --find-links dist braze-cdi-reference": INSTALLED,
    "pip install --find-links dist braze-cdi-sync": INSTALLED,
    "pip install --find-links dist braze-cdi-reference braze-cdi-sync": "tests/installed/"
    "test_installed.py installs them so, in a fresh environment, and runs the page's test file",
    # The packages' own READMEs, for when they are on the package registry.
    "pip install braze-cdi-contract": INSTALLED,
    "pip install braze-cdi-reference": INSTALLED,
    "pip install braze-cdi-conformance braze-cdi-reference": INSTALLED,
    "pip install -c constraints.txt ./generated/braze-cdi-client ./client ./airflow-provider": (
        "tests/airflow/environments.py installs them so beside Airflow's pins (make test-airflow)"
    ),
    "airflow providers list": "tests/airflow/test_provider_airflow3.py runs it in .venv-airflow3",
}
# Lines that start the server this test runs itself.
SERVES = ("make serve", "braze-cdi-reference --port 8080")
EXAMPLE_MODULE = ROOT / "examples" / "test_braze_contract.py"


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def blocks() -> list[tuple[str, int, str, str]]:
    """Every fenced block: (page, line, language, body)."""
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            line = text[: match.start()].count("\n") + 1
            found.append((page.relative_to(ROOT).as_posix(), line, match[1].strip(), match[2]))
    return found


BLOCKS = blocks()
RUNNABLE = [block for block in BLOCKS if block[2] in {"shell", "python"}]


def test_every_block_says_what_it_is() -> None:
    unnamed = [f"{page}:{line}" for page, line, language, _ in BLOCKS if not language]
    assert unnamed == [], "name each block's language: shell, python or text"
    assert len(RUNNABLE) >= 10


def _identifier(block: tuple[str, int, str, str]) -> str:
    return f"{block[0]}:{block[1]}"


@pytest.fixture(scope="module")
def reference() -> Iterator[str]:
    server = ReferenceServer(demo_fixtures(), control=True)
    with serve_in_thread(server.app) as url:
        yield url


def _environment(url: str) -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("BRAZE_") and name not in {"TOKEN", "BASE_URL"}
    }
    environment["PATH"] = f"{VENV_BIN}{os.pathsep}{environment.get('PATH', '')}"
    environment.update(
        BRAZE_REST_ENDPOINT=url,
        BRAZE_REST_API_KEY=DEMO_KEY,
        BRAZE_INTEGRATION_ID=DEMO_INTEGRATIONS[0],
    )
    environment.pop("PYTHONPATH", None)  # the installed commands, as users have them
    return environment


def _commands(body: str) -> list[str]:
    joined = body.replace("\\\n", " ")
    words = [line.split("#", 1)[0].strip() for line in joined.splitlines()]
    return [line for line in words if line]


@pytest.mark.parametrize("block", RUNNABLE, ids=_identifier)
def test_the_block_runs_as_printed(block: tuple[str, int, str, str], reference: str) -> None:
    page, line, language, body = block
    if body.startswith(REAL_BRAZE):
        pytest.skip(f"{page}:{line} needs real Braze")
    environment = _environment(reference)
    if language == "python":
        if body.strip() == EXAMPLE_MODULE.read_text().split('"""', 2)[2].strip():
            pytest.skip("examples/test_braze_contract.py, which test_schemathesis_door.py runs")
        if body.startswith(TEST_FILE):  # a test file, run as its page says: with pytest, in a
            pytest.skip(f"{page}:{line}: {INSTALLED_TEST_FILE}")  # fresh environment, elsewhere
        command = [sys.executable, "-c", body]
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env=environment,
            cwd=ROOT,
            timeout=180,
            check=False,
        )
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        return
    port = reference.rsplit(":", 1)[1]
    script = body.replace("127.0.0.1:8080", f"127.0.0.1:{port}")
    script = re.sub(r"\b8081\b", str(free_port()), script)
    kept = []
    for printed in script.splitlines():
        words = printed.split("#", 1)[0].strip()
        if words in RUN_ELSEWHERE or words.startswith(SERVES):
            continue  # run elsewhere (RUN_ELSEWHERE says where), or the server this test runs
        kept.append(printed)
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", "\n".join(kept)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, (result.stdout[-1500:], result.stderr[-1500:])


def test_a_make_serve_block_serves_what_it_says() -> None:
    result = subprocess.Popen(
        ["make", "--no-print-directory", "-s", "serve", "PORT=0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert result.stdout is not None
        first = result.stdout.readline()
        assert "Reference server for the CDI operations at http://127.0.0.1:" in first
    finally:
        result.terminate()
        result.communicate(timeout=30)


def test_what_is_not_run_here_is_run_elsewhere() -> None:
    shown = {command for *_, body in BLOCKS for command in _commands(body)}
    for command, where in RUN_ELSEWHERE.items():
        assert command in shown, f"{command!r} is no longer in the docs; drop it from the list"
        test_file = ROOT / where.split(" ")[0] if where.startswith("tests/") else None
        assert test_file is None or test_file.exists(), where


def test_the_readme_is_a_front_door() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 150
    for heading in (
        "## Run the suite against your server",
        "## Judge your own traffic",
        "## Trigger a sync and wait for it",
        "## Review a contract change",
        "## The reference server as a test double",
    ):
        assert heading in readme
    linked = set(re.findall(r"\]\((docs/[^)#]+)", readme))
    assert linked, "the README links its pages"
    assert all((ROOT / link).exists() for link in linked), linked


# The repository the test's build links (a name of this project, on a host that cannot exist).
REPOSITORY = "https://forge.invalid/braze-cdi-contract-kit"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("site")
    result = docs.build(where, {**os.environ, "REPOSITORY_URL": REPOSITORY})
    assert result.returncode == 0, result.stderr[-3000:]
    return where


def test_every_page_is_in_the_navigation(site: Path) -> None:
    index = (site / "index.html").read_text()
    for page in sorted((ROOT / "docs").glob("*.md")):
        if page.stem != "index":
            assert f'href="{page.stem}.html"' in index, page.name


def test_no_internal_link_is_broken(site: Path) -> None:
    ids = {
        page: set(re.findall(r'\bid="([^"]+)"', page.read_text())) for page in site.rglob("*.html")
    }
    broken = []
    for page in ids:
        if "_static" in page.parts:
            continue
        for href in re.findall(r'\bhref="([^"]+)"', page.read_text()):
            parts = urlsplit(html.unescape(href))
            if parts.scheme or href.startswith(("//", "mailto:")):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target /= "index.html"
            if not target.exists():
                broken.append(f"{page.name}: {href}")
            elif parts.fragment and target in ids and parts.fragment not in ids[target]:
                broken.append(f"{page.name}: {href} (no such anchor)")
    assert broken == []


def test_the_generated_parts_are_filled_in(site: Path) -> None:
    review = (site / "review-rules.html").read_text()
    assert "<!-- generated" not in review
    assert "running-statuses-changed" in review
    reference = (site / "contract-reference.html").read_text()
    assert "cdi.integration_sync" in reference
    client = (site / "client-ground.html").read_text()
    assert "gzip-bomb" in client  # the client's proving ground, from its registry
    api = (site / "api.html").read_text()
    assert "sync_and_wait" in api
    assert "WaitTimedOut" in api


@pytest.mark.parametrize("package", ["client", "generated/braze-cdi-client"])
def test_each_wheel_carries_the_license_and_a_real_readme(package: str, tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            str(ROOT / package),
            "-w",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(name for name in names if name.endswith("/METADATA")))
    text = metadata.decode()
    assert any(name.endswith("licenses/LICENSE") for name in names)
    assert "License-Expression: MIT" in text
    assert "Project-URL: " in text
    assert "Classifier: Programming Language :: Python :: 3.11" in text
    assert "from_env" in text or "AuthenticatedClient" in text  # the README's example
    assert "api.example.com" not in text
    assert "MyDataModel" not in text


def test_the_suites_page_names_every_check() -> None:
    from braze_cdi_conformance.checks import CHECKS  # noqa: PLC0415 - the suite's registry

    page = (ROOT / "docs" / "checks.md").read_text()
    missing = [check.name for check in CHECKS if f"| `{check.name}` |" not in page]
    assert missing == []


def test_the_sites_contract_reference_holds_every_fact_without_scripts(site: Path) -> None:
    page = (site / "contract-reference.html").read_text()
    assert_every_fact_of_the_contract(page.replace("<wbr>", ""))  # a break opportunity, no text


# Pages written from sources (the generated reference, the changelog); every other page is
# written by hand and held to the bounds of a readable page.
GENERATED_PAGES = {"contract-reference", "review-rules", "api", "cli", "changelog"}
# The most words a paragraph (or a table cell) of the site may hold.
PARAGRAPH_WORDS = 80
# The widest line of a shell or python block: at 1280 px, longer lines are cut in the first screen
# (92 characters show there).
CODE_LINE = 90


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def _built_pages(site: Path) -> dict[str, str]:
    return {page.stem: page.read_text() for page in site.glob("*.html")}


def _article(page: str) -> str:
    return page.split('<article role="main"', 1)[1].split("</article>", 1)[0]


def test_no_option_is_printed_with_a_dash(site: Path) -> None:
    # Smart quotes would print "--timeout" as "\u2013timeout": what a reader copies must run.
    dashed = {
        name: sorted(set(re.findall(r"[\u2013\u2014][a-z][a-z-]+", _text(_article(page)))))
        for name, page in _built_pages(site).items()
        if '<article role="main"' in page
    }
    assert {name: found for name, found in dashed.items() if found} == {}


def test_every_public_name_of_the_client_is_on_the_api_page(site: Path) -> None:
    import inspect  # noqa: PLC0415

    import braze_cdi_sync  # noqa: PLC0415

    page = (site / "api.html").read_text()
    text = " ".join(_text(page).split())
    missing, undescribed = [], []
    for name in braze_cdi_sync.__all__:
        if f'id="braze_cdi_sync.{name}"' not in page:
            missing.append(name)
            continue
        value = getattr(braze_cdi_sync, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            first = " ".join((inspect.getdoc(value) or "").split("\n\n")[0].split())
            first = first.replace("`", "")  # a code span, printed without its backticks
            if not first or first[:60] not in text:
                undescribed.append(name)
    for method in ("from_env", "start_sync", "wait_for_sync", "recent_jobs"):
        if f'id="braze_cdi_sync.CdiClient.{method}"' not in page:
            missing.append(f"CdiClient.{method}")
    assert (missing, undescribed) == ([], [])
    assert "&lt;built-in function" not in page
    assert "<built-in function" not in page
    assert "Bases: _" not in text  # a private base says nothing to a reader


def test_every_paragraph_is_short(site: Path) -> None:
    long = []
    for name, page in _built_pages(site).items():
        if name in {"changelog", "genindex", "search"} or '<article role="main"' not in page:
            continue
        for paragraph in re.findall(r"<p>(.*?)</p>", _article(page), re.S):
            words = len(_text(paragraph).split())
            if words > PARAGRAPH_WORDS:
                long.append(f"{name}: {words} words: {_text(paragraph)[:60]}")
    assert long == []


def test_every_block_a_reader_copies_fits_the_page() -> None:
    wide = [
        f"{page}:{line}: {len(text)} characters"
        for page, line, language, body in BLOCKS
        if page.startswith(("docs/", "README")) and language in {"shell", "python"}
        for text in body.splitlines()
        if len(text) > CODE_LINE
    ]
    assert wide == []


def test_every_file_a_page_includes_fits_the_page() -> None:
    # A literalinclude prints a file of the repository as it is: its lines are held to the width
    # of a block a reader copies.
    wide = []
    for page in sorted((ROOT / "docs").glob("*.md")):
        text = page.read_text(encoding="utf-8")
        for included in re.findall(r"```\{literalinclude\} (\S+)", text):
            source = (page.parent / included).resolve()
            for number, text in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
                if len(text) > CODE_LINE:
                    wide.append(f"{page.name} includes {included}:{number}: {len(text)} characters")
    assert wide == []


def test_a_generated_part_says_on_the_forge_what_the_site_shows() -> None:
    # On the forge, where the README links the pages, a marker alone would be a blank.
    bare = []
    for page in sorted((ROOT / "docs").glob("*.md")):
        lines = [*page.read_text().splitlines(), ""]
        bare += [
            f"{page.name}:{number + 1}"
            for number, line in enumerate(lines[:-1])
            if line.startswith("<!-- generated:") and not lines[number + 1].startswith("> ")
        ]
    assert bare == []


def test_the_benchmarks_prose_states_no_figure() -> None:
    # Figures live in the tables, pasted from one run; prose that quotes them drifts.
    prose = [
        line
        for line in _outside_blocks((ROOT / "docs" / "benchmarks.md").read_text())
        if not line.startswith("|")
    ]
    figures = [
        line
        for line in prose
        if re.search(r"\b\d+(\.\d+)?\s?(ms|s|MiB|MB|x|%|requests|reads)\b", line)
    ]
    assert figures == []


def _outside_blocks(text: str) -> list[str]:
    return FENCE.sub("", text).splitlines()


def test_the_site_names_its_release_and_links_its_repository(site: Path) -> None:
    from braze_cdi_contract import load as load_contract  # noqa: PLC0415

    newest = re.search(r"^## (\d{4}-\d{2}-\d{2}: .+)$", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert newest is not None
    index = (site / "index.html").read_text()
    assert f"Release {html.escape(newest[1], quote=False)}" in index
    assert f"contract {load_contract().version}" in newest[1]
    assert f'href="{REPOSITORY}"' in index


def test_long_paths_break_at_slashes(site: Path) -> None:
    reference = (site / "contract-reference.html").read_text()
    heading = re.search(r"<h2[^>]*>.*?job_sync_status.*?</h2>", reference, re.S)
    assert heading is not None
    assert "/<wbr>job_sync_status" in heading[0]
