"""`python -m conformance`: hold a server to the Braze CDI contract.

Exit codes: 0 conformant; 1 at least one promise broken; 2 could not judge (bad arguments, an
unreachable server, a rejected key), with a one-line reason.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from commandline import (
    Parser,
    StartError,
    exit_with,
    positive,
    seconds,
    server_process,
    unwritable,
)
from conformance.bounded import add_bound_options
from conformance.report import render, write_junit
from conformance.run import CannotJudge, Options, mask_secrets
from conformance.suite import default_budget, is_loopback, judge, side_effects
from contract import DOCUMENT, Contract, ContractError
from contract import load as load_contract

EXIT_CONFORMANT, EXIT_BROKEN, EXIT_CANNOT_JUDGE = 0, 1, 2


def parser() -> argparse.ArgumentParser:
    """The command line."""
    command = Parser(
        prog="python -m conformance",
        description=(
            "Check a server against the Braze CDI contract (openapi/openapi.yaml). "
            "Keys may also come from the environment variables TOKEN and LIMITED_TOKEN, "
            "which keeps them out of process listings; the server and the integration from "
            "BASE_URL and INTEGRATION_ID. Runs against a bundled server (--server, or neither "
            "--base-url nor BASE_URL) read none of these four."
        ),
        epilog="Exit codes: 0 conformant, 1 a promise broken, 2 could not judge. "
        "`python -m conformance proxy --upstream URL` judges the traffic of your own pipelines "
        "instead (see its --help).",
    )
    target = command.add_mutually_exclusive_group()
    target.add_argument(
        "--base-url", help="the server to check, e.g. https://rest.iad-01.braze.com"
    )
    target.add_argument(
        "--server",
        help="start a bundled server of the proving ground on loopback, as its own process, and "
        "check it (default: reference); its demo key, ID and limited key are used",
    )
    command.add_argument("--token", help="REST API key with the trigger's permission (env TOKEN)")
    command.add_argument(
        "--integration-id", help="an existing integration: enables the sync lifecycle checks"
    )
    command.add_argument(
        "--limited-token", help="a key lacking the trigger's permission (env LIMITED_TOKEN)"
    )
    command.add_argument(
        "--limited-permissions",
        type=permission_list,
        help="the permissions LIMITED_TOKEN has, comma-separated (env LIMITED_PERMISSIONS; "
        "'' for none): the permission check then expects 403 from exactly the operations that "
        "ask for another",
    )
    command.add_argument(
        "--job-wait",
        type=seconds,
        default=120.0,
        help="how long to wait for the started sync to end, as the job status shows it "
        "(default 120 s)",
    )
    command.add_argument("--junit-xml", type=Path, help="also write a JUnit XML report here")
    command.add_argument("--seed", type=int, help="seed for generated requests (default: random)")
    command.add_argument(
        "--max-examples", type=positive, default=100, help="generated requests (default 100)"
    )
    command.add_argument(
        "--burst", type=positive, default=8, help="simultaneous triggers (default 8)"
    )
    add_bound_options(command)
    command.add_argument(
        "--run-deadline",
        type=seconds,
        default=1800.0,
        help="seconds the whole run may take; requests past it are not sent (default 1800)",
    )
    command.add_argument(
        "--budget",
        type=positive,
        help="the most requests the run sends; every probe fits, generated requests get the rest "
        "(default: no bound on loopback; elsewhere the documented limit less a tenth, 18)",
    )
    command.add_argument(
        "--busy-wait",
        type=seconds,
        default=60.0,
        help="if the integration is syncing when the run starts, wait this long for it to end "
        "(default 60 s)",
    )
    command.add_argument("--contract", type=Path, default=DOCUMENT, help=argparse.SUPPRESS)
    return command


@contextmanager
def _target(arguments: argparse.Namespace, contract: Contract) -> Iterator[Options]:
    """The server to judge and what to judge it with; a bundled server runs until the block ends.

    A bundled server announces its URL and demo keys; the environment's TOKEN, LIMITED_TOKEN and
    INTEGRATION_ID (meant for the user's own server) are not read for it.
    """
    common = {
        "seed": arguments.seed,
        "max_examples": arguments.max_examples,
        "burst": arguments.burst,
        "busy_wait_seconds": arguments.busy_wait,
        "answer_seconds": arguments.answer_deadline,
        "max_answer_bytes": arguments.max_answer_bytes,
        "run_seconds": arguments.run_deadline,
        "job_wait_seconds": arguments.job_wait,
    }
    if arguments.base_url:
        budget = arguments.budget
        if budget is None and not is_loopback(arguments.base_url):
            budget = default_budget(contract)
        yield Options(
            budget=budget,
            base_url=arguments.base_url,
            token=arguments.token or os.environ.get("TOKEN") or "",
            limited_token=arguments.limited_token or os.environ.get("LIMITED_TOKEN") or None,
            integration_id=arguments.integration_id or os.environ.get("INTEGRATION_ID") or None,
            limited_permissions=_limited_permissions(arguments, contract),
            **common,
        )
        return
    with server_process("proving_ground", arguments.server or "reference") as started:
        served = json.loads(started.first_line)
        yield Options(
            base_url=served["base_url"],
            token=arguments.token or served["token"],
            limited_token=arguments.limited_token or served["limited_token"],
            integration_id=arguments.integration_id or served["integration_id"],
            limited_token_lacks_permission=not arguments.limited_token
            and served["limited_token_lacks_permission"],
            limited_permissions=arguments.limited_permissions
            if arguments.limited_token
            else frozenset(served["limited_token_permissions"]),
            budget=arguments.budget,
            **common,
        )


def permission_list(text: str) -> frozenset[str]:
    """A comma-separated list of permissions ('' for none)."""
    return frozenset(part.strip() for part in text.split(",") if part.strip())


def _limited_permissions(
    arguments: argparse.Namespace, contract: Contract
) -> frozenset[str] | None:
    """What the user says LIMITED_TOKEN has, from the flag or LIMITED_PERMISSIONS, or None."""
    if arguments.limited_permissions is not None:
        return frozenset(arguments.limited_permissions)
    raw = os.environ.get("LIMITED_PERMISSIONS")
    return None if raw is None else permission_list(raw)


def _problem(arguments: argparse.Namespace) -> str | None:
    """What makes the arguments unusable, found before anything is sent, or None."""
    if arguments.junit_xml and (reason := unwritable(arguments.junit_xml)):
        return reason
    if not arguments.base_url:
        return None
    if not (arguments.token or os.environ.get("TOKEN")):
        return "no key given: pass --token or set TOKEN"
    if not arguments.base_url.startswith(("http://", "https://")):
        return f"--base-url must start with http:// or https://, not {arguments.base_url!r}"
    return None


def _unknown_permission(arguments: argparse.Namespace, contract: Contract) -> str | None:
    """A permission named for LIMITED_TOKEN that no operation asks for, or None."""
    named = _limited_permissions(arguments, contract) or frozenset()
    unknown = sorted(named - contract.permissions())
    if unknown:
        return (
            f"--limited-permissions names {unknown[0]!r}, which no operation asks for; "
            f"known: {', '.join(sorted(contract.permissions()))}"
        )
    return None


def _progress(line: str) -> None:
    print(f"conformance: {line}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """The suite, or with `proxy` first, the proxy (`conformance.proxy`)."""
    given = sys.argv[1:] if argv is None else argv
    if given[:1] == ["proxy"]:
        from conformance import proxy  # noqa: PLC0415 - only the proxy needs its server

        return proxy.main(given[1:])
    return run_suite(given)


def run_suite(argv: list[str]) -> int:
    """Parse the command line, run the suite, print the verdict."""
    arguments = parser().parse_args(argv)
    if not arguments.server and not arguments.base_url:
        arguments.base_url = os.environ.get("BASE_URL") or None
    try:
        contract = load_contract(arguments.contract)
    except ContractError as error:
        return _cannot_judge(str(error))
    problem = _problem(arguments) or _unknown_permission(arguments, contract)
    if problem is not None:
        return _cannot_judge(problem)
    token = limited = None
    try:
        with _target(arguments, contract) as options:
            token, limited = options.token, options.limited_token
            if not is_loopback(options.base_url):
                print(side_effects(options, contract), flush=True)
            result = judge(options, contract, progress=_progress)
    except (CannotJudge, ContractError) as error:
        return _cannot_judge(str(error))
    except StartError as error:
        reason = str(error)
        if "no server named" in reason:
            reason = f"no bundled server named {arguments.server!r}"
        return _cannot_judge(reason)
    except Exception as error:  # noqa: BLE001 - a bug of the suite: say so, and never print the key
        reason = f"the suite failed ({type(error).__name__}); run again with --seed to repeat it"
        return _cannot_judge(reason)
    # Findings and notes are masked already; this covers whatever else the report may quote.
    print(mask_secrets(render(result), (token, limited)))
    if arguments.junit_xml:
        try:
            write_junit(result, arguments.junit_xml)
        except OSError as error:
            return _cannot_judge(f"cannot write {arguments.junit_xml}: {error.strerror}")
    if not result.conformant:
        return EXIT_BROKEN
    if result.requests_not_sent:
        return _cannot_judge(
            f"the run reached its bound of {arguments.run_deadline:g} s before every request was "
            "sent; raise --run-deadline"
        )
    return EXIT_CONFORMANT


def _cannot_judge(reason: str) -> int:
    print(f"conformance: could not judge: {reason}", file=sys.stderr)
    return EXIT_CANNOT_JUDGE


if __name__ == "__main__":
    exit_with(main, prog="conformance")
