"""`braze-cdi` as users run it: the console script bootstrap installs, keys in the environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
import yaml
from braze_cdi_contract import load as load_contract
from braze_cdi_contract.serving import serve_in_thread
from braze_cdi_reference.app import ReferenceServer
from braze_cdi_reference.fixtures import (
    DEMO_INTEGRATIONS,
    DEMO_KEY,
    DEMO_LIMITED_KEY,
    Outcome,
    demo_fixtures,
)
from braze_cdi_sync import cli
from braze_cdi_sync.clients import ENDPOINT_VARIABLE, KEY_VARIABLE

from tools import ROOT

INTEGRATION, PARTIAL = DEMO_INTEGRATIONS
SCRIPT = Path(sys.executable).parent / "braze-cdi"
ERRORED, MISCONFIGURED = (
    "11111111-2222-4333-8444-000000000001",
    "11111111-2222-4333-8444-000000000002",
)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    base = demo_fixtures()
    fixtures = replace(
        base,
        sync_seconds=1.0,
        integrations={**base.integrations, ERRORED: "demo", MISCONFIGURED: "demo"},
        outcomes={
            **base.outcomes,
            ERRORED: Outcome("error", 0, 500),
            MISCONFIGURED: Outcome("config_error", 0, 0),
        },
    )
    with serve_in_thread(ReferenceServer(fixtures).app) as url:
        yield url


def braze_cdi(
    *arguments: str, endpoint: str | None, key: str | None = DEMO_KEY
) -> subprocess.CompletedProcess[str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {KEY_VARIABLE, ENDPOINT_VARIABLE}
    }
    if key is not None:
        environment[KEY_VARIABLE] = key
    if endpoint is not None:
        environment[ENDPOINT_VARIABLE] = endpoint
    return subprocess.run(
        [str(SCRIPT), *arguments],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def test_the_console_script_is_installed() -> None:
    result = braze_cdi("--help", endpoint=None)
    assert result.returncode == 0
    assert "exit status:" in result.stdout


@pytest.mark.parametrize(
    ("integration_id", "status", "code"),
    [
        (INTEGRATION, "success", 0),
        (PARTIAL, "partial", 3),
        (ERRORED, "error", 4),
        (MISCONFIGURED, "config_error", 5),
    ],
)
def test_sync_wait_ends_with_the_jobs_status_and_rows(
    server: str, integration_id: str, status: str, code: int
) -> None:
    result = braze_cdi("sync", integration_id, "--wait", "--poll", "0.6", endpoint=server)
    assert result.returncode == code, result.stderr
    assert result.stdout.startswith(f"sync of {integration_id} ended: {status}")
    assert "rows synced" in result.stdout


def test_json_output_carries_the_row_counts(server: str) -> None:
    result = braze_cdi("sync", PARTIAL, "--wait", "--poll", "0.6", "--json", endpoint=server)
    assert result.returncode == 3, result.stderr
    job = json.loads(result.stdout)
    assert job["integration_id"] == PARTIAL
    assert (job["job_status"], job["rows_synced"], job["rows_failed_with_errors"]) == (
        "partial",
        900,
        100,
    )


def test_list_reads_every_page_and_status_the_most_recent_jobs(server: str) -> None:
    listed = json.loads(braze_cdi("list", "--json", endpoint=server).stdout)
    assert len(listed) == len(demo_fixtures().integrations) + 2
    recent = braze_cdi("status", INTEGRATION, "--limit", "3", endpoint=server)
    assert recent.returncode == 0
    # stdout carries data only, one job a line; the count is a note on stderr.
    assert recent.stderr.startswith("3 job(s) (the 3 most recent at most")
    starts = [line.split("started ")[1].split()[0] for line in recent.stdout.splitlines()]
    assert len(starts) == 3
    assert starts == sorted(starts, reverse=True)
    every = braze_cdi("status", INTEGRATION, "--all", endpoint=server)
    assert every.returncode == 0
    assert int(every.stderr.split()[0]) == len(every.stdout.splitlines())
    assert len(every.stdout.splitlines()) >= demo_fixtures().history
    assert every.stdout.splitlines()[:3] == recent.stdout.splitlines()


def test_status_limit_and_all_are_refused_together_and_a_limit_below_one(server: str) -> None:
    both = braze_cdi("status", INTEGRATION, "--limit", "3", "--all", endpoint=server)
    none = braze_cdi("status", INTEGRATION, "--limit", "0", endpoint=server)
    for result in (both, none):
        assert result.returncode == cli.USAGE
        assert result.stderr.count("\n") == 1


def test_a_running_sync_is_exit_8() -> None:
    # A sync of a minute, so it still runs when the second command starts.
    long_syncs = ReferenceServer(replace(demo_fixtures(), sync_seconds=60))
    with serve_in_thread(long_syncs.app) as server:
        braze_cdi("sync", PARTIAL, endpoint=server)
        result = braze_cdi("sync", PARTIAL, "--wait", "--if-running", "fail", endpoint=server)
    assert result.returncode == cli.ALREADY_RUNNING
    assert long_syncs.syncs_started == 1
    assert result.stderr == f"braze-cdi: a sync of {PARTIAL} is running; no trigger was sent\n"


def test_timeout_is_exit_6(server: str) -> None:
    result = braze_cdi("sync", INTEGRATION, "--wait", "--timeout", "0.5", endpoint=server)
    assert result.returncode == cli.TIMEOUT
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("arguments", "key", "code", "says"),
    [
        (("list",), "not-a-key", cli.KEY_REFUSED, "401 Invalid API key"),
        (("list",), DEMO_LIMITED_KEY, cli.KEY_REFUSED, "403 Access Denied"),
        (("sync", "00000000-0000-4000-8000-000000000000"), DEMO_KEY, cli.NOT_FOUND, "404"),
        (("status", "not-an-id"), DEMO_KEY, cli.NOT_FOUND, "400 Invalid integration ID"),
        (("list",), None, cli.USAGE, "no key: set BRAZE_REST_API_KEY"),
        (("sync", INTEGRATION, "--poll", "0"), DEMO_KEY, cli.USAGE, "must be more than 0"),
    ],
)
def test_errors_are_one_line_with_their_exit_status(
    server: str, arguments: tuple[str, ...], key: str | None, code: int, says: str
) -> None:
    result = braze_cdi(*arguments, endpoint=server, key=key)
    assert result.returncode == code
    assert says in result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_an_instance_name_picks_the_contracts_host() -> None:
    hosts = {instance: url for url, instance in load_contract().servers}
    assert cli.endpoint("eu-01") == hosts["EU-01"]


def test_unknown_instance_is_exit_2() -> None:
    result = braze_cdi("--instance", "XX-99", "list", endpoint=None)
    assert result.returncode == cli.USAGE
    assert "unknown instance 'XX-99'" in result.stderr


def test_unreachable_host_is_exit_11_on_one_line_and_retries_show_with_verbose() -> None:
    result = braze_cdi("list", endpoint="http://127.0.0.1:9")
    assert result.returncode == cli.UNAVAILABLE
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("braze-cdi: Braze is unavailable: no answer after 5 attempts")
    verbose = braze_cdi("-v", "list", endpoint="http://127.0.0.1:9")
    retries = [line for line in verbose.stderr.splitlines() if "retrying in" in line]
    assert len(retries) == 4  # one warning per retry, with its backoff


def test_verbose_logs_each_attempt_and_never_the_key(server: str) -> None:
    result = braze_cdi("-v", "sync", INTEGRATION, "--wait", "--poll", "0.6", endpoint=server)
    assert result.returncode == 0, result.stderr
    assert f"braze-cdi: POST /cdi/integrations/{INTEGRATION}/sync -> 202" in result.stderr
    assert DEMO_KEY not in result.stderr + result.stdout


def test_every_ended_job_status_has_an_exit_status() -> None:
    assert set(cli.JOB_EXIT) == set(load_contract().jobs.ended)
    assert len(set(cli.JOB_EXIT.values())) == len(cli.JOB_EXIT)


def test_version_names_the_command_and_the_contract() -> None:
    import braze_cdi_sync  # noqa: PLC0415 - the installed package, as the console script sees it

    result = subprocess.run(
        [str(Path(sys.executable).parent / "braze-cdi"), "--version"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    contract = load_contract().version
    assert result.returncode == 0
    assert result.stdout == (
        f"braze-cdi {braze_cdi_sync.__version__} (contract {contract}, through "
        f"braze-cdi-client {contract})\n"
    )
    assert braze_cdi_sync.__version__ != "0+unknown"


def test_the_generated_client_has_the_contracts_version() -> None:
    config = yaml.safe_load((ROOT / "openapi" / "generator.yaml").read_text())
    assert config["package_version_override"] == load_contract().version


@pytest.mark.parametrize(
    ("integration_id", "says"),
    [("", "the integration ID is empty"), ("x" * 70_000, "70,000 characters, more than 1,000")],
    ids=["empty", "over-long"],
)
def test_a_bad_integration_id_is_exit_2_before_any_request(integration_id: str, says: str) -> None:
    result = braze_cdi("sync", integration_id, endpoint="http://127.0.0.1:9")
    assert result.returncode == cli.USAGE
    assert says in result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_a_timeout_says_the_sync_still_runs_and_prints_json_with_the_last_job() -> None:
    long_syncs = ReferenceServer(replace(demo_fixtures(), sync_seconds=60))
    with serve_in_thread(long_syncs.app) as server:
        result = braze_cdi(
            "--json",
            "sync",
            INTEGRATION,
            "--wait",
            "--timeout",
            "2",
            "--poll",
            "0.6",
            endpoint=server,
        )
    assert result.returncode == cli.TIMEOUT
    assert f"still runs on Braze: follow it with `braze-cdi status {INTEGRATION}`" in (
        result.stderr
    )
    assert result.stderr.count("\n") == 1
    printed = json.loads(result.stdout)
    assert (printed["outcome"], printed["integration_id"]) == ("timeout", INTEGRATION)
    assert printed["last_seen"]["job_status"] == "running"


# Long enough for `braze-cdi wait` to start, on a loaded machine, while the sync still runs.
ELSEWHERE_SYNC_SECONDS = 6.0


def test_wait_follows_a_sync_started_elsewhere_to_its_end() -> None:
    fixtures = replace(demo_fixtures(), sync_seconds=ELSEWHERE_SYNC_SECONDS)
    with serve_in_thread(ReferenceServer(fixtures).app) as server:
        started = httpx.post(  # a bare trigger, as a schedule would start it
            f"{server}/cdi/integrations/{PARTIAL}/sync",
            headers={"Authorization": f"Bearer {DEMO_KEY}"},
            timeout=10,
        )
        assert started.status_code == 202
        result = braze_cdi("wait", PARTIAL, "--poll", "0.6", endpoint=server)
        assert result.returncode == 3  # it ended `partial`
        assert result.stdout.startswith(f"sync of {PARTIAL} ended: partial")
        none = braze_cdi("--json", "wait", PARTIAL, endpoint=server)
    assert none.returncode == 0
    assert json.loads(none.stdout)["outcome"] == "none-running"


def test_json_prints_a_result_for_a_failure_too() -> None:
    result = braze_cdi("--json", "list", "--timeout", "2", endpoint="http://127.0.0.1:9")
    assert result.returncode == cli.UNAVAILABLE
    printed = json.loads(result.stdout)
    assert printed["outcome"] == "unavailable"
    assert printed["exit_status"] == cli.UNAVAILABLE
    assert len(result.stderr.splitlines()) == 1
