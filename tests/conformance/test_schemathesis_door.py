"""The schemathesis doors: `schemathesis run` from the repository root and the pytest example give
the project's verdict, with the project's checks, and never print the key.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from braze_cdi_conformance import checks, judgements, schemathesis_hooks
from braze_cdi_contract.serving import serve_in_thread
from braze_cdi_reference.app import ReferenceServer
from braze_cdi_reference.fixtures import DEMO_INTEGRATIONS, DEMO_KEY, demo_fixtures
from schemathesis.config import ConfigError, SchemathesisConfig

from proving_ground.faulty import (
    EchoesUnknownKeyOn401,
    MissingKeyAccepted,
    ReflectsKey,
    Success200,
)
from tests.support import USER_VARIABLES
from tools import ROOT

SECRET = "sk-schemathesis-door-secret-42"
CONFIG = ROOT / "schemathesis.toml"
SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
# The console script, as the README prints it: `python -m pytest` would put the root on sys.path
# itself, and hide a project that only works that way.
PYTEST_EXAMPLE = [
    str(Path(sys.executable).parent / "pytest"),
    "examples/test_braze_contract.py",
    "-q",
]


def _environment(**variables: str) -> dict[str, str]:
    kept = {key: value for key, value in os.environ.items() if key not in USER_VARIABLES}
    return {**kept, **variables}


def schemathesis_run(url: str, *, key: str = DEMO_KEY) -> subprocess.CompletedProcess[str]:
    """`schemathesis run openapi/openapi.yaml --url URL` from the root, as a user types it."""
    return subprocess.run(
        [SCHEMATHESIS, "run", "openapi/openapi.yaml", "--url", url, "--no-color"],
        cwd=ROOT,
        env=_environment(TOKEN=key, INTEGRATION_ID=DEMO_INTEGRATIONS[0]),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def pytest_example(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`pytest examples/test_braze_contract.py` from the root, as the README prints it."""
    return subprocess.run(
        [*PYTEST_EXAMPLE, "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def served(request: pytest.FixtureRequest) -> Iterator[str]:
    """A server of the class the test names (`@pytest.mark.parametrize("served", [...])`), which
    also knows SECRET as a key with every permission.
    """
    base = demo_fixtures()
    keys = {**base.keys, SECRET: base.keys[DEMO_KEY]}
    server: type[ReferenceServer] = request.param
    with serve_in_thread(server(replace(base, keys=keys)).app) as url:
        yield url


def test_the_config_loads_with_the_pinned_schemathesis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOKEN", DEMO_KEY)
    config = SchemathesisConfig.from_path(CONFIG)
    project = config.projects.default
    assert project.hooks == "braze_cdi_conformance.schemathesis_hooks"
    assert project.checks.positive_data_acceptance.expected_statuses == ["2xx", "400", "404", "429"]
    assert not project.checks.unsupported_method.enabled
    assert project.output.sanitization.enabled


def test_a_renamed_option_stops_the_config_loading(tmp_path: Path) -> None:
    broken = tmp_path / "schemathesis.toml"
    broken.write_text(CONFIG.read_text().replace("[output.sanitization]", "[output.sanitizing]"))
    with pytest.raises(ConfigError):
        SchemathesisConfig.from_path(broken)


def test_a_missing_token_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOKEN", raising=False)
    with pytest.raises(ConfigError, match="TOKEN"):
        SchemathesisConfig.from_path(CONFIG)


def test_the_hooks_register_the_single_answer_checks_by_the_suites_names() -> None:
    registered = {
        name
        for name, value in vars(schemathesis_hooks).items()
        if inspect.isfunction(value) and value.__module__ == schemathesis_hooks.__name__
    }
    suite = {check.name.replace("-", "_") for check in checks.CHECKS}
    assert {
        "robustness",
        "rate_limit_headers",
        "too_many_requests",
        "no_reflected_key",
        "authentication",
    } <= (registered & suite)


def test_both_doors_judge_with_the_same_functions() -> None:
    hooks_source = inspect.getsource(schemathesis_hooks)
    suite_source = inspect.getsource(checks)
    for name in (
        "server_error",
        "rate_limit_problems",
        "too_many_requests_problem",
        "reflected_key_problem",
    ):
        assert callable(getattr(judgements, name))
        assert f"judgements.{name}(" in hooks_source
        assert f"judgements.{name}(" in suite_source


@pytest.mark.slow
@pytest.mark.parametrize("served", [ReferenceServer], indirect=True)
def test_plain_schemathesis_run_passes_the_reference(served: str) -> None:
    result = schemathesis_run(served)
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("served", "check", "says"),
    [
        (ReflectsKey, "no_reflected_key", "The answer carries the key that was sent"),
        (EchoesUnknownKeyOn401, "authentication", "carries that key back"),
        (MissingKeyAccepted, "authentication", "A request with no key to POST"),
    ],
    indirect=["served"],
)
def test_plain_schemathesis_run_names_the_projects_check(
    served: str, check: str, says: str
) -> None:
    result = schemathesis_run(served)
    assert result.returncode == 1
    assert f"Custom check failed: `{check}`" in result.stdout
    assert says in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("served", [Success200], indirect=True)
def test_schemathesis_never_prints_the_key(served: str) -> None:
    result = schemathesis_run(served, key=SECRET)
    assert result.returncode == 1  # a failure, with its reproduction, was printed
    assert "Reproduce with" in result.stdout
    assert SECRET not in result.stdout + result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("served", "passes"), [(ReferenceServer, True), (ReflectsKey, False)], indirect=["served"]
)
def test_the_pytest_example_gives_the_same_verdict(served: str, passes: bool) -> None:
    result = pytest_example(
        _environment(BASE_URL=served, TOKEN=DEMO_KEY, INTEGRATION_ID=DEMO_INTEGRATIONS[0])
    )
    assert (result.returncode == 0) is passes, result.stdout[-3000:]
    if not passes:  # the key comes back: the first check to see it names it
        assert "no_reflected_key" in result.stdout or "authentication" in result.stdout


def test_the_pytest_example_says_when_base_url_is_missing() -> None:
    result = pytest_example(_environment(TOKEN=DEMO_KEY))
    assert result.returncode == 1
    assert "Failed: set BASE_URL to the server to test" in result.stdout


def test_the_suites_page_shows_the_pytest_module_as_it_is() -> None:
    module = (ROOT / "examples" / "test_braze_contract.py").read_text()
    body = module.split('"""', 2)[2].strip()
    assert f"```python\n{body}\n```" in (ROOT / "docs" / "in-ci.md").read_text()
