"""`python -m conformance`: hold a server to the Trigger a sync contract.

Exit codes: 0 conformant; 1 at least one promise broken; 2 could not judge (bad arguments, an
unreachable server, a rejected key), with a one-line reason.
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from conformance.arguments import Parser, positive, run
from conformance.contract import DOCUMENT, ContractError, load_contract
from conformance.launch import LaunchError, launched
from conformance.reference.fixtures import DEMO_INTEGRATIONS, DEMO_KEY, DEMO_LIMITED_KEY
from conformance.report import render, write_junit
from conformance.run import CannotJudge, Options, mask_secrets
from conformance.servers import registry
from conformance.suite import is_loopback, run_suite, side_effects

EXIT_CONFORMANT, EXIT_BROKEN, EXIT_CANNOT_JUDGE = 0, 1, 2


def parser() -> argparse.ArgumentParser:
    """The command line."""
    command = Parser(
        prog="python -m conformance",
        description=(
            "Check a server against the Trigger a sync contract (openapi/openapi.yaml). "
            "Keys may also come from the environment variables TOKEN and LIMITED_TOKEN, "
            "which keeps them out of process listings."
        ),
        epilog="Exit codes: 0 conformant, 1 a promise broken, 2 could not judge.",
    )
    target = command.add_mutually_exclusive_group()
    target.add_argument(
        "--base-url", help="the server to check, e.g. https://rest.iad-01.braze.com"
    )
    target.add_argument(
        "--server",
        help="start a bundled server on loopback and check it (default: reference); "
        "its demo key, ID and limited key are used",
    )
    command.add_argument("--token", help="REST API key with cdi.integration_sync (env TOKEN)")
    command.add_argument(
        "--integration-id", help="an existing integration: enables the sync lifecycle checks"
    )
    command.add_argument(
        "--limited-token", help="a key lacking cdi.integration_sync (env LIMITED_TOKEN)"
    )
    command.add_argument("--junit-xml", type=Path, help="also write a JUnit XML report here")
    command.add_argument("--seed", type=int, help="seed for generated requests (default: random)")
    command.add_argument(
        "--max-examples", type=positive, default=100, help="generated requests (default 100)"
    )
    command.add_argument(
        "--burst", type=positive, default=8, help="simultaneous triggers (default 8)"
    )
    command.add_argument("--contract", type=Path, default=DOCUMENT, help=argparse.SUPPRESS)
    return command


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run the suite, print the verdict."""
    arguments = parser().parse_args(argv)
    servers = registry()
    server_name = arguments.server or (None if arguments.base_url else "reference")
    if server_name is not None and server_name not in servers:
        return _cannot_judge(f"no bundled server named {server_name!r}")
    token = arguments.token or os.environ.get("TOKEN") or None
    limited = arguments.limited_token or os.environ.get("LIMITED_TOKEN") or None
    integration_id = arguments.integration_id or None
    if server_name is not None:
        token = token or DEMO_KEY
        limited = limited or DEMO_LIMITED_KEY
        integration_id = integration_id or DEMO_INTEGRATIONS[0]
    elif not token:
        return _cannot_judge("no key given: pass --token or set TOKEN")
    elif not arguments.base_url.startswith(("http://", "https://")):
        return _cannot_judge(
            f"--base-url must start with http:// or https://, not {arguments.base_url!r}"
        )
    try:
        contract = load_contract(arguments.contract)
    except ContractError as error:
        return _cannot_judge(str(error))
    context: AbstractContextManager[str] = (
        launched(server_name) if server_name is not None else nullcontext(arguments.base_url)
    )
    try:
        with context as base_url:
            options = Options(
                base_url=base_url,
                token=token,
                integration_id=integration_id,
                limited_token=limited,
                seed=arguments.seed,
                max_examples=arguments.max_examples,
                burst=arguments.burst,
            )
            if not is_loopback(base_url):
                print(side_effects(options), flush=True)
            result = run_suite(options, contract)
    except (CannotJudge, LaunchError) as error:
        return _cannot_judge(str(error))
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
    return EXIT_CONFORMANT if result.conformant else EXIT_BROKEN


def _cannot_judge(reason: str) -> int:
    print(f"conformance: could not judge: {reason}", file=sys.stderr)
    return EXIT_CANNOT_JUDGE


if __name__ == "__main__":
    run(main, prog="conformance")
