"""`python -m conformance`: exit codes, one-line errors, JUnit XML, and keys never printed."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from braze_cdi_conformance import __main__ as cli
from braze_cdi_conformance.checks import CHECKS
from braze_cdi_conformance.run import CannotJudge
from braze_cdi_contract.serving import bind_loopback, serve_in_thread
from braze_cdi_reference.app import ReferenceServer
from braze_cdi_reference.fixtures import (
    DEMO_INTEGRATIONS,
    ApiKey,
    Fixtures,
    demo_fixtures,
)

from tests.support import run_module
from tools import ROOT

SECRET = "sk-conformance-secret-7f3a9c"


def conformance(
    *arguments: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_module(
        "proving_ground.judge",
        "--max-examples",
        "20",
        "--seed",
        "5",
        *arguments,
        env=env,
        timeout=120,
    )


@pytest.fixture(scope="module")
def secret_server() -> Iterator[str]:
    """The reference server, knowing a key that looks like a real one."""
    base = demo_fixtures()
    keys = {**base.keys, SECRET: ApiKey("demo", frozenset({"cdi.integration_sync"}))}
    with serve_in_thread(
        ReferenceServer(Fixtures(keys=keys, integrations=base.integrations)).app
    ) as url:
        yield url


def test_bundled_reference_run_exits_0() -> None:
    result = conformance()
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"CONFORMANT: {len(CHECKS)} passed, 0 failed, 0 skipped" in result.stdout


def test_help_names_every_option() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "braze_cdi_conformance", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    for option in (
        "--base-url",
        "--token",
        "--integration-id",
        "--limited-token",
        "--junit-xml",
        "--seed",
        "--max-examples",
    ):
        assert option in result.stdout


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        (["--base-url", "http://127.0.0.1:9", "--token", "k"], "no answer from http://127.0.0.1:9"),
        (["--base-url", "ftp://x", "--token", "k"], "must start with http:// or https://"),
        (["--base-url", "http://127.0.0.1:9"], "no key given"),
        (["--max-examples", "0"], "must be 1 or more"),
        (["--server", "nonexistent"], "no bundled server named 'nonexistent'"),
        (["--seed", "many"], "invalid int value"),
    ],
)
def test_bad_input_is_a_one_line_error_with_exit_2(arguments: list[str], reason: str) -> None:
    result = conformance(*arguments)
    assert result.returncode == 2
    assert reason in result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_unreachable_port_is_exit_2() -> None:
    closed = bind_loopback()
    port = closed.getsockname()[1]
    closed.close()
    result = conformance("--base-url", f"http://127.0.0.1:{port}", "--token", "k")
    assert result.returncode == 2


def test_rejected_key_is_exit_2_and_is_not_printed(secret_server: str) -> None:
    result = conformance("--base-url", secret_server, "--token", SECRET + "-wrong")
    assert result.returncode == 2
    assert "rejected the given TOKEN (401)" in result.stderr
    assert SECRET not in result.stdout + result.stderr


def test_key_from_the_environment_is_used_and_never_printed(
    secret_server: str, tmp_path: Path
) -> None:
    junit = tmp_path / "report.xml"
    result = conformance(
        "--base-url",
        secret_server,
        "--integration-id",
        DEMO_INTEGRATIONS[0],
        "--junit-xml",
        str(junit),
        env={"TOKEN": SECRET},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert SECRET not in result.stdout + result.stderr + junit.read_text()


def test_junit_report_has_one_case_per_check(tmp_path: Path) -> None:
    junit = tmp_path / "report.xml"
    result = conformance("--junit-xml", str(junit))
    assert result.returncode == 0
    suite = ET.parse(junit).getroot()
    names = [case.get("name") for case in suite.iter("testcase")]
    assert len(names) == len(CHECKS)
    assert "sync-lifecycle" in names
    assert suite.get("failures") == "0"


def test_unwritable_junit_path_is_exit_2() -> None:
    result = conformance("--junit-xml", "/nonexistent/dir/report.xml")
    assert result.returncode == 2
    assert "cannot write /nonexistent/dir/report.xml" in result.stderr


def test_internal_error_is_one_line_without_the_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError(f"boom with {SECRET}")

    monkeypatch.setattr(cli, "judge", broken)
    monkeypatch.setenv("TOKEN", SECRET)
    monkeypatch.setenv("BASE_URL", "http://127.0.0.1:9")
    assert cli.main(["--max-examples", "1"]) == 2
    captured = capsys.readouterr()
    assert captured.err == (
        "braze-cdi-conformance: could not judge: the suite failed (RuntimeError); "
        "run again with --seed to repeat it\n"
    )
    assert SECRET not in captured.out + captured.err


def test_non_loopback_host_is_told_what_will_happen_before_any_request(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], secret_server: str
) -> None:
    sent_before_notice: list[int] = []

    def run_and_record(options: object, contract: object, **_: object) -> object:
        sent_before_notice.append(capsys.readouterr().out.count("This run sends at most 18"))
        raise CannotJudge("stopped by the test before any request")

    monkeypatch.setattr(cli, "is_loopback", lambda url: False)
    monkeypatch.setattr(cli, "judge", run_and_record)
    code = cli.main(
        ["--base-url", secret_server, "--token", SECRET, "--integration-id", DEMO_INTEGRATIONS[0]]
    )
    assert code == 2
    assert sent_before_notice == [1]
