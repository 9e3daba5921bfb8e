"""`make serve`: starts, answers the seed request, stops on Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest
from braze_cdi_contract import load as load_contract
from braze_cdi_contract.serving import bind_loopback
from braze_cdi_reference import __main__ as cli
from braze_cdi_reference.fixtures import (
    DEMO_INTEGRATIONS,
    DEMO_KEY,
    DEMO_LIMITED_KEY,
    FixtureError,
    load_fixtures,
)

from tests.support import start_module


def test_serve_answers_the_seed_request_then_stops_on_ctrl_c() -> None:
    process = start_module("braze_cdi_reference", "--port", "0")
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline() for _ in range(7)]
        url = banner[0].rsplit(" ", 1)[-1].strip()
        assert url.startswith("http://127.0.0.1:")
        assert any(DEMO_KEY in line for line in banner)
        assert any(DEMO_LIMITED_KEY in line for line in banner)
        assert any(DEMO_INTEGRATIONS[0] in line for line in banner)
        # The seed's documented curl request, with a demo key and ID.
        curl = [
            "curl",
            "--silent",
            "--write-out",
            "\n%{http_code}",
            "--location",
            "--request",
            "POST",
            f"{url}/cdi/integrations/{DEMO_INTEGRATIONS[0]}/sync",
            "--header",
            "Content-Type: application/json",
            "--header",
            f"Authorization: Bearer {DEMO_KEY}",
        ]
        first = subprocess.run(curl, capture_output=True, text=True, check=True).stdout
        second = subprocess.run(curl, capture_output=True, text=True, check=True).stdout
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
    assert first.splitlines() == ['{"message":"success"}', "202"]
    assert second.splitlines() == ['{"message":"Another job is in progress"}', "429"]
    assert "Traceback" not in err
    assert "Reference server stopped." in out
    assert DEMO_KEY not in err


def test_busy_port_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    taken = bind_loopback()
    try:
        assert cli.main(["--port", str(taken.getsockname()[1])]) == 2
    finally:
        taken.close()
    assert capsys.readouterr().err.startswith("braze-cdi-reference: cannot listen on 127.0.0.1:")


def test_braze_limits_switch_gives_20_per_minute() -> None:
    arguments = cli._parser().parse_args(["--braze-limits", "--rate-limit", "5"])
    fixtures = cli.fixtures_from(arguments, load_contract())
    assert (fixtures.rate_limit, fixtures.rate_window_seconds) == (20, 60)


def test_flags_override_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "fixtures.toml"
    config.write_text("sync_seconds = 9\nrate_limit = 7\n")
    arguments = cli._parser().parse_args(["--config", str(config), "--sync-seconds", "0.5"])
    fixtures = cli.fixtures_from(arguments, load_contract())
    assert (fixtures.sync_seconds, fixtures.rate_limit) == (0.5, 7)


def test_config_file_replaces_keys_and_integrations(tmp_path: Path) -> None:
    config = tmp_path / "fixtures.toml"
    config.write_text(
        '[keys.mine]\nworkspace = "w"\npermissions = ["cdi.integration_sync"]\n'
        '[integrations]\n"abc" = "w"\n'
    )
    fixtures = load_fixtures(config)
    assert set(fixtures.keys) == {"mine"}
    assert fixtures.keys["mine"].permissions == frozenset({"cdi.integration_sync"})
    assert fixtures.integrations == {"abc": "w"}


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("rate_limit = 0\n", "rate_limit must be at least 1"),
        ("rate_limit = 'many'\n", "rate_limit must be a int"),
        ("sync_seconds = -1\n", "sync_seconds must be 0 or more"),
        ("colour = 'blue'\n", "unknown setting 'colour'"),
        ("[keys]\nk = 3\n", "keys.k must be a dict"),
        ("not toml at all [\n", "is not valid TOML"),
    ],
)
def test_bad_config_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, complaint: str
) -> None:
    config = tmp_path / "fixtures.toml"
    config.write_text(content)
    with pytest.raises(FixtureError, match=complaint):
        load_fixtures(config)
    assert cli.main(["--config", str(config), "--port", "0"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert complaint in error


def test_missing_config_file_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--config", "/nonexistent/fixtures.toml"]) == 2
    assert "cannot read /nonexistent/fixtures.toml" in capsys.readouterr().err
