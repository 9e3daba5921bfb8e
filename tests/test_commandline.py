"""Every entry point answers bad input and Ctrl-C with one line, never a traceback."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from braze_cdi_contract import commandline as arguments

from tests.support import run_module
from tools import ROOT


@pytest.mark.parametrize(
    "command",
    [
        ["braze_cdi_conformance", "--seed", "x"],
        ["braze_cdi_conformance", "--base-url", "ftp://x", "--token", "t"],
        ["braze_cdi_conformance", "proxy", "--upstream", "ftp://x"],
        ["braze_cdi_reference", "--port", "70000"],
        ["proving_ground.judge", "--server", "no-such-server"],
        ["proving_ground.judge", "--server", "reference", "--base-url", "http://x"],
        ["proving_ground", "reference", "--port", "-1"],
        ["proving_ground", "no-such-server"],
        ["proving_ground.matrix", "--jobs", "0"],
        ["tools.generate", "--check", "--force"],
        ["tools.review", "--bogus"],
        ["tools.bench", "--bogus"],
        ["tools.lint_spec", "--bogus"],
    ],
    ids=" ".join,
)
def test_bad_arguments_get_one_line_and_exit_2(command: list[str]) -> None:
    result = run_module(*command)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_port_range_is_checked() -> None:
    assert arguments.port("0") == 0
    with pytest.raises(Exception, match="a port is 0 to 65535"):
        arguments.port("65536")


def test_ctrl_c_during_a_run_is_one_line_and_exit_130() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "proving_ground.judge", "--server", "slow-answers"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # The run is under way once it has started the bundled server as its child process.
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    deadline = time.monotonic() + 30
    while not children.read_text().strip() and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130
    # The suite's own line where it was under way, else the command's before it started it.
    assert err.strip().splitlines()[-1].endswith("conformance: interrupted.")
    assert err.count("interrupted") == 1
    assert "Traceback" not in err


@pytest.mark.slow
@pytest.mark.parametrize(
    ("arguments", "status"),
    [(["--server", "reference"], 0), (["--server", "success-200"], 1), (["--seed", "x"], 2)],
)
def test_bin_conformance_passes_the_suites_exit_status_through(
    arguments: list[str], status: int, tmp_path: Path
) -> None:
    result = subprocess.run(
        [str(ROOT / "bin" / "conformance"), *arguments, "--max-examples", "5"],
        cwd=tmp_path,  # from anywhere, as a user's CI calls it
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == status, result.stdout + result.stderr
