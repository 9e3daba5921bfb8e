"""Honest verdicts at the edges: keys checked before use, no vacuous pass, progress while waiting,
and the user's exported variables never leaking into runs against bundled servers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest
from braze_cdi_contract import load as load_contract
from braze_cdi_contract.commandline import server_process
from braze_cdi_contract.serving import bind_loopback, serve_in_thread
from braze_cdi_reference.app import ReferenceServer
from braze_cdi_reference.fixtures import (
    DEMO_INTEGRATIONS,
    DEMO_KEY,
    DEMO_LIMITED_KEY,
    DEMO_WORKSPACE,
    ApiKey,
    demo_fixtures,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from proving_ground.wire import WIRE_FAULTY
from tests.support import run_module

KEYS = {"TOKEN": DEMO_KEY, "LIMITED_TOKEN": DEMO_LIMITED_KEY}
WIRE = {server.name: server for server in WIRE_FAULTY}


def suite(url: str, *arguments: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = run_module(
        *("proving_ground.judge", "--base-url", url, "--max-examples", "5", "--seed", "2"),
        *arguments,
        env=KEYS if env is None else env,
        timeout=120,
    )
    return result.returncode, result.stdout, result.stderr


@pytest.fixture
def generous_limited_key() -> Iterator[tuple[str, ReferenceServer]]:
    """A reference server on which the "limited" key in fact has every permission."""
    base = demo_fixtures()
    everything = load_contract().permissions()
    keys = {**base.keys, DEMO_LIMITED_KEY: ApiKey(DEMO_WORKSPACE, everything)}
    server = ReferenceServer(replace(base, keys=keys))
    with serve_in_thread(server.app) as url:
        yield url, server


def test_limited_key_with_the_permission_is_exit_2_from_the_real_integration(
    generous_limited_key: tuple[str, ReferenceServer],
) -> None:
    url, server = generous_limited_key
    code, out, err = suite(url, "--integration-id", DEMO_INTEGRATIONS[0])
    assert code == 2, out + err
    assert "could not judge: the given LIMITED_TOKEN was not refused with 403" in err
    assert "(a sync of INTEGRATION_ID started)" in err
    assert err.count("\n") == 1
    # The made-up ID told nothing (a server may look it up first): the real one was asked.
    assert server.syncs_started == 1


def test_a_declared_limited_key_that_gets_through_is_a_finding(
    generous_limited_key: tuple[str, ReferenceServer],
) -> None:
    url, _ = generous_limited_key
    env = {**KEYS, "LIMITED_PERMISSIONS": "cdi.integration_job_status"}
    code, out, err = suite(url, "--integration-id", DEMO_INTEGRATIONS[0], env=env)
    assert code == 1, out + err
    assert "FAIL  permission" in out


@pytest.mark.parametrize(
    ("server", "code", "says"),
    [
        ("checks-id-before-permission", 0, "CONFORMANT"),
        ("looks-up-before-authenticating", 1, "FAIL  authentication"),
    ],
)
def test_the_order_of_id_and_permission_checks_is_not_read_as_a_misconfigured_key(
    server: str, code: int, says: str
) -> None:
    """Run as a user runs the suite (keys exported, --base-url), not as a bundled server."""
    with server_process("proving_ground", server) as started:
        served = json.loads(started.first_line)
        env = {"TOKEN": served["token"], "LIMITED_TOKEN": served["limited_token"]}
        result = run_module(
            *("proving_ground.judge", "--base-url", served["base_url"], "--max-examples", "5"),
            *("--integration-id", served["integration_id"], "--seed", "2"),
            env=env,
            timeout=120,
        )
    assert result.returncode == code, result.stdout + result.stderr
    assert says in result.stdout


def test_unknown_limited_key_is_exit_2(reference_url: str) -> None:
    env = {"TOKEN": DEMO_KEY, "LIMITED_TOKEN": "not-a-key-this-server-knows"}
    code, _, err = suite(reference_url, env=env)
    assert code == 2
    assert "does not know the given LIMITED_TOKEN (401)" in err


def test_unavailable_server_is_exit_2_at_once() -> None:
    seen: list[str] = []

    async def unavailable(request: Request) -> Response:
        seen.append(request.url.path)
        return HTMLResponse("<html><body>503 Service Temporarily Unavailable</body></html>", 503)

    app = Starlette(routes=[Route("/{path:path}", unavailable, methods=["GET", "POST"])])
    with serve_in_thread(app) as url:
        code, out, err = suite(url)
    assert code == 2, out + err
    assert err.startswith("braze-cdi-conformance: could not judge: the server is unavailable")
    assert "503 <html>" in err
    assert err.count("\n") == 1
    assert out == ""
    assert len(seen) == 1  # one request, not a whole run


def test_unwritable_report_path_is_exit_2_before_any_request() -> None:
    closed = bind_loopback()
    port = closed.getsockname()[1]
    closed.close()
    code, _, err = suite(f"http://127.0.0.1:{port}", "--junit-xml", "/nonexistent/dir/r.xml")
    assert code == 2
    assert (
        err
        == "braze-cdi-conformance: could not judge: cannot write /nonexistent/dir/r.xml: "
        + ("No such file or directory\n")
    )


def test_exported_variables_do_not_reach_runs_against_bundled_servers() -> None:
    exported = {
        "TOKEN": "my-production-key",
        "LIMITED_TOKEN": "my-limited-key",
        "INTEGRATION_ID": "my-real-integration",
        "BASE_URL": "",
    }
    result = run_module("proving_ground.judge", "--max-examples", "5", env=exported, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "my-" not in result.stdout + result.stderr


def test_exported_variables_do_not_reach_the_kill_matrix() -> None:
    exported = {"TOKEN": "my-production-key", "LIMITED_TOKEN": "x", "INTEGRATION_ID": "y"}
    result = run_module(
        *("proving_ground.matrix", "--only", "reference,success-200", "--no-baseline"),
        *("--max-examples", "5"),
        env=exported,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_base_url_and_integration_id_come_from_the_environment(reference_url: str) -> None:
    env = {**KEYS, "BASE_URL": reference_url, "INTEGRATION_ID": DEMO_INTEGRATIONS[1]}
    result = run_module("proving_ground.judge", "--max-examples", "5", env=env, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Conformance of {reference_url} " in result.stdout
    assert "SKIP" not in result.stdout


class AlwaysBusy(ReferenceServer):
    """Every trigger of a known integration meets a running sync."""

    async def start_sync(self, integration_id: str) -> bool:
        return False


def test_a_sync_never_seen_to_start_is_skipped_not_passed() -> None:
    with serve_in_thread(AlwaysBusy(demo_fixtures()).app) as url:
        code, out, err = suite(url, "--integration-id", DEMO_INTEGRATIONS[0], "--busy-wait", "6")
    assert code == 0, out + err
    for name in ("documented-request", "concurrency", "sync-lifecycle"):
        assert f"SKIP  {name}" in out
    assert "the integration was syncing throughout the 6 s the suite waited" in out
    assert "waiting 5 s for the running sync of" in err  # a progress line while it waits


def test_waiting_for_the_rate_limit_prints_progress() -> None:
    # 10 requests per 4 s: the run (about 48 requests) must wait however fast it goes.
    tight = replace(demo_fixtures(), rate_limit=10, rate_window_seconds=4)
    with serve_in_thread(ReferenceServer(tight).app) as url:
        code, out, err = suite(url, "--integration-id", DEMO_INTEGRATIONS[0])
    assert code == 0, out + err
    assert "for the rate-limit window to reset" in err
    assert all(line.startswith("braze-cdi-conformance: waiting ") for line in err.splitlines())


def test_a_429_to_a_request_with_no_key_is_a_finding_not_a_limit_to_wait_out() -> None:
    # Braze's limits are per workspace, and a request with no key names none: its 429 cannot be
    # the limit. Taken for it, every such request was waited out (a minute each) and then skipped.
    contract = load_contract()
    with WIRE["no-key-gets-429"].serve(contract) as url:
        code, out, err = suite(url, "--integration-id", DEMO_INTEGRATIONS[0])
    assert code == 1, out + err
    assert "FAIL  authentication" in out
    assert "A request with no key for the real ID was not rejected with 401" in out
    assert "for the rate-limit window to reset" not in err


def test_a_trigger_whose_answer_is_lost_is_not_taken_for_a_sync_already_running() -> None:
    # The lost answer started the sync the other triggers of the burst met: the integration was
    # not "syncing when the run started", nor for the whole --busy-wait.
    contract = load_contract()
    with WIRE["broken-chunks-on-202"].serve(contract) as url:
        code, out, err = suite(url, "--integration-id", DEMO_INTEGRATIONS[0])
    assert code == 1, out + err
    assert "FAIL  robustness" in out
    assert "(skipped: a trigger got no answer that could be read)" in out
    assert "syncing when the run started" not in out
    assert "--busy-wait" not in out + err
