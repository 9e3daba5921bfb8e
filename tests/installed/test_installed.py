"""The kit as a user installs it: the wheels `make dist` builds, in a fresh virtual environment
outside the checkout, their dependencies from the package registry, run from an empty folder
with no PYTHONPATH and the keys exported.

A slow tier of its own (`make test-installed`, run by CI beside the fast tier): building the
environment installs schemathesis and its dependencies.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from braze_cdi_contract import load as load_contract
from braze_cdi_contract.commandline import server_process
from braze_cdi_reference.fixtures import DEMO_INTEGRATIONS, DEMO_KEY, DEMO_LIMITED_KEY

from tools import ROOT, dist

pytestmark = [pytest.mark.installed, pytest.mark.timeout(1200)]
INTEGRATION = DEMO_INTEGRATIONS[0]
PIP = (sys.executable, "-m", "pip")
DISTRIBUTIONS = (
    "braze-cdi-contract",
    "braze-cdi-client",
    "braze-cdi-sync",
    "braze-cdi-reference",
    "braze-cdi-conformance",
    "airflow-provider-braze-cdi",  # built here, installed and run by the Airflow tier
)


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Every wheel `make dist` builds (sdists beside them)."""
    built = dist.build(tmp_path_factory.mktemp("dist"))
    return [path for path in built if path.suffix == ".whl"]


# The page that says how to install, whose commands this environment is made with.
GETTING_STARTED = ROOT / "docs" / "getting-started.md"


def _printed_installs() -> list[str]:
    """The install commands the Getting started page prints, as printed."""
    lines = GETTING_STARTED.read_text().splitlines()
    found = [line.split("#")[0].strip() for line in lines if line.startswith("pip install ")]
    assert len(found) == 3, found
    return found


@pytest.fixture(scope="module")
def installed(wheels: list[Path]) -> Iterator[Path]:
    """A fresh environment outside the checkout, made with the page's install commands as
    printed, from a folder whose `dist/` holds only the wheels: its bin/.
    """
    with tempfile.TemporaryDirectory(prefix="braze-cdi-installed-") as folder:
        venv = Path(folder) / "venv"
        (Path(folder) / "dist").mkdir()
        for wheel in wheels:
            shutil.copy(wheel, Path(folder) / "dist" / wheel.name)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
        path = f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
        for command in _printed_installs():
            subprocess.run(
                ["bash", "-c", command],
                cwd=folder,
                env={**_environment(), "PATH": path},
                check=True,
                timeout=900,
            )
        yield venv / "bin"


def _environment(**exported: str) -> dict[str, str]:
    """A user's shell: PATH and HOME, the exported keys, and nothing of this checkout."""
    kept = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    return {**kept, **exported}


def _run(bin_: Path, *command: str, cwd: Path, **exported: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bin_ / command[0]), *command[1:]],
        cwd=cwd,
        env=_environment(**exported),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@contextmanager
def _serving(command: list[str], *, cwd: Path, **exported: str) -> Iterator[str]:
    """A command that serves on loopback and prints its URL in its first line; its URL."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=_environment(**exported),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 30)
        assert ready, "it printed nothing within 30 s"
        first = process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+", first)
        assert found, first
        yield found[0]
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def test_every_wheel_carries_its_licence_readme_and_requires_python(wheels: list[Path]) -> None:
    assert {path.name.split("-")[0].replace("_", "-") for path in wheels} == set(DISTRIBUTIONS)
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            names = archive.namelist()
            metadata = archive.read(next(n for n in names if n.endswith("METADATA"))).decode()
        assert any(name.endswith("licenses/LICENSE") for name in names), wheel.name
        assert "Requires-Python: >=3.11" in metadata
        assert "License-Expression: MIT" in metadata
        assert "pip install" in metadata  # its README, with an install line


def test_the_contract_wheel_carries_the_document_it_was_built_from(wheels: list[Path]) -> None:
    wheel = next(path for path in wheels if path.name.startswith("braze_cdi_contract-"))
    with zipfile.ZipFile(wheel) as archive:
        carried = archive.read("braze_cdi_contract/openapi.yaml")
    assert carried == (ROOT / "openapi" / "openapi.yaml").read_bytes()


def test_pip_refuses_every_wheel_for_python_3_10(wheels: list[Path], tmp_path: Path) -> None:
    for distribution in DISTRIBUTIONS:
        options = ["--only-binary=:all:", "--no-deps", "--no-index", "--dest", str(tmp_path)]
        found = ["--find-links", str(wheels[0].parent)]
        result = subprocess.run(
            [*PIP, "download", distribution, "--python-version", "3.10", *options, *found],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode != 0, distribution
        assert "requires a different Python: 3.10.0 not in '>=3.11'" in result.stderr


def test_the_test_double_alone_pulls_in_neither_schemathesis_nor_hypothesis(
    wheels: list[Path], tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    own = ["--find-links", str(wheels[0].parent)]
    own += [str(path) for path in wheels if path.name.startswith("braze_cdi_reference-")]
    result = subprocess.run(
        [
            *PIP,
            "install",
            "--dry-run",
            "--ignore-installed",
            "--quiet",
            "--report",
            str(report),
            *own,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    names = {item["metadata"]["name"].lower() for item in json.loads(report.read_text())["install"]}
    assert "braze-cdi-contract" in names
    assert not names & {"schemathesis", "hypothesis"}


def test_nothing_installed_comes_from_the_checkout(installed: Path, tmp_path: Path) -> None:
    script = (
        "import json, braze_cdi_contract, braze_cdi_reference, braze_cdi_conformance, "
        "braze_cdi_sync; print(json.dumps([m.__file__ for m in (braze_cdi_contract, "
        "braze_cdi_reference, braze_cdi_conformance, braze_cdi_sync)] "
        "+ [str(braze_cdi_contract.DOCUMENT)]))"
    )
    result = _run(installed, "python", "-c", script, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for path in json.loads(result.stdout):
        assert Path(path).resolve().is_relative_to(installed.parent), path
        assert not Path(path).resolve().is_relative_to(ROOT), path


def test_every_command_says_its_version_and_the_contracts(installed: Path, tmp_path: Path) -> None:
    contract = load_contract().version
    for command in ("braze-cdi-reference", "braze-cdi-conformance", "braze-cdi"):
        result = _run(installed, command, "--version", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert f"contract {contract}" in result.stdout
        assert re.match(rf"{command} \d+\.\d+\.\d+ ", result.stdout), result.stdout


def test_the_suite_passes_the_installed_test_double(installed: Path, tmp_path: Path) -> None:
    with _serving([str(installed / "braze-cdi-reference"), "--port", "0"], cwd=tmp_path) as url:
        result = _run(
            installed,
            *("braze-cdi-conformance", "--base-url", url, "--max-examples", "10"),
            cwd=tmp_path,
            TOKEN=DEMO_KEY,
            LIMITED_TOKEN=DEMO_LIMITED_KEY,
            INTEGRATION_ID=INTEGRATION,
        )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-1000:]
    assert "CONFORMANT" in result.stdout
    assert DEMO_KEY not in result.stdout + result.stderr


def test_the_suite_catches_a_faulty_server_naming_its_check(
    installed: Path, tmp_path: Path
) -> None:
    # The faulty server is the proving ground's (this checkout's own equipment, in its own
    # process); the suite that judges it is the installed one.
    with server_process("proving_ground", "success-200", cwd=ROOT) as started:
        served = json.loads(started.first_line)
        result = _run(
            installed,
            *("braze-cdi-conformance", "--base-url", served["base_url"], "--max-examples", "5"),
            cwd=tmp_path,
            TOKEN=served["token"],
            INTEGRATION_ID=served["integration_id"],
        )
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-1000:]
    assert re.search(r"FAIL\s+response-conformance", result.stdout), result.stdout[-2000:]


def test_the_proxy_passes_a_wait_through_and_finds_nothing(installed: Path, tmp_path: Path) -> None:
    with _serving([str(installed / "braze-cdi-reference"), "--port", "0"], cwd=tmp_path) as url:
        proxy = subprocess.Popen(
            [str(installed / "braze-cdi-conformance"), "proxy", "--upstream", url],
            cwd=tmp_path,
            env=_environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert proxy.stdout is not None
            ready, _, _ = select.select([proxy.stdout], [], [], 30)
            assert ready
            proxied = re.search(r"http://127\.0\.0\.1:\d+", proxy.stdout.readline())
            assert proxied
            waited = _run(
                installed,
                *("braze-cdi", "sync", INTEGRATION, "--wait", "--poll", "1.2"),
                cwd=tmp_path,
                BRAZE_REST_API_KEY=DEMO_KEY,
                BRAZE_REST_ENDPOINT=proxied[0],
            )
            time.sleep(0.5)  # the proxy judges the last exchange as it is answered
        finally:
            proxy.send_signal(signal.SIGTERM)
            report, errors = proxy.communicate(timeout=60)
    assert waited.returncode == 0, waited.stderr
    assert waited.stdout.startswith(f"sync of {INTEGRATION} ended: success")
    assert proxy.returncode == 0, report + errors
    assert DEMO_KEY not in report + errors + waited.stdout + waited.stderr


TUTORIAL = ROOT / "docs" / "test-your-pipeline.md"


@pytest.fixture(scope="module")
def double_only(wheels: list[Path]) -> Iterator[Path]:
    """A fresh environment with the test double and the client, installed as the tutorial
    prints it, and pytest: its bin/.
    """
    printed = next(
        line.split("#")[0].strip()
        for line in TUTORIAL.read_text().splitlines()
        if line.startswith("pip install ")
    )
    with tempfile.TemporaryDirectory(prefix="braze-cdi-double-") as folder:
        venv = Path(folder) / "venv"
        (Path(folder) / "dist").mkdir()
        for wheel in wheels:
            shutil.copy(wheel, Path(folder) / "dist" / wheel.name)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
        path = f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
        for command in (printed, "pip install --quiet pytest"):
            subprocess.run(
                ["bash", "-c", command],
                cwd=folder,
                env={**_environment(), "PATH": path},
                check=True,
                timeout=900,
            )
        yield venv / "bin"


def test_the_test_double_alone_installs_neither_schemathesis_nor_hypothesis(
    double_only: Path, tmp_path: Path
) -> None:
    result = _run(double_only, "python", "-m", "pip", "list", "--format=json", cwd=tmp_path)
    names = {item["name"].lower() for item in json.loads(result.stdout)}
    assert {"braze-cdi-reference", "braze-cdi-sync", "pytest"} <= names
    assert not names & {"schemathesis", "hypothesis", "braze-cdi-conformance"}


def test_the_tutorials_test_file_passes_with_the_installed_fixture(
    double_only: Path, tmp_path: Path
) -> None:
    text = TUTORIAL.read_text()
    body = text.split("```python\n# test_pipeline.py", 1)[1].split("```", 1)[0]
    (tmp_path / "test_pipeline.py").write_text("# test_pipeline.py" + body)
    began = time.monotonic()
    pytest_run = [str(double_only / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    result = subprocess.run(
        [*pytest_run, "test_pipeline.py"],
        cwd=tmp_path,
        env={**_environment(), "PATH": f"{double_only}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "5 passed" in result.stdout
    assert time.monotonic() - began < 120
