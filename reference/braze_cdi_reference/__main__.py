"""`braze-cdi-reference` (`python -m braze_cdi_reference`, `make serve`): run the reference server
on loopback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import replace
from pathlib import Path

from braze_cdi_contract import DOCUMENT, Contract, ContractError
from braze_cdi_contract import load as load_contract
from braze_cdi_contract.commandline import Parser, exit_with, port, versions
from braze_cdi_contract.serving import base_url, bind_loopback, run_until_stopped, uvicorn_server

from braze_cdi_reference.app import CONTROL_PREFIX, ReferenceServer
from braze_cdi_reference.fixtures import (
    JOB_ORDERS,
    FixtureError,
    Fixtures,
    demo_fixtures,
    load_fixtures,
)

# What each exit status means (the docs' exit-status page is written from this).
EXIT_STATUSES = {
    0: "stopped by Ctrl-C or SIGTERM, after serving",
    2: "bad arguments, a fixture file it cannot use, or a port it cannot listen on (one line)",
    130: "interrupted before it served",
}


def _parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="braze-cdi-reference",
        description="Serve the reference implementation of the CDI operations on 127.0.0.1.",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=versions("braze-cdi-reference", load_contract().version),
    )
    parser.add_argument("--port", type=port, default=8080, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument(
        "--config", type=Path, help="TOML fixture file (keys, integrations, limits)"
    )
    parser.add_argument("--sync-seconds", type=float, help="how long a started sync runs")
    parser.add_argument(
        "--history", type=int, help="ended jobs each integration has at the start (default 12)"
    )
    parser.add_argument(
        "--job-order",
        choices=JOB_ORDERS,
        help="how the job status lists the jobs (default newest-first)",
    )
    parser.add_argument("--rate-limit", type=int, help="requests per window and workspace")
    parser.add_argument("--rate-window", type=int, help="rate-limit window in seconds")
    parser.add_argument("--quiet", action="store_true", help="log warnings only, not every request")
    parser.add_argument(
        "--control",
        action="store_true",
        help="serve the control API too, under /_control (scripts, injected answers and faults, "
        "the clock, the request journal; see control.yaml)",
    )
    parser.add_argument(
        "--braze-limits",
        action="store_true",
        help="each operation's documented limit from the contract (trigger 20, list 50, "
        "job status 100 per 60 s; overrides --rate-limit, --rate-window)",
    )
    parser.add_argument("--contract", type=Path, default=DOCUMENT, help=argparse.SUPPRESS)
    return parser


def fixtures_from(arguments: argparse.Namespace, contract: Contract) -> Fixtures:
    """The fixtures the command line asks for."""
    fixtures = (
        load_fixtures(arguments.config, contract) if arguments.config else demo_fixtures(contract)
    )
    overrides = {
        "sync_seconds": arguments.sync_seconds,
        "history": arguments.history,
        "job_order": arguments.job_order,
        "rate_limit": arguments.rate_limit,
        "rate_window_seconds": arguments.rate_window,
    }
    fixtures = replace(
        fixtures, **{name: value for name, value in overrides.items() if value is not None}
    )
    return fixtures.with_braze_limits(contract) if arguments.braze_limits else fixtures


def describe(fixtures: Fixtures, url: str, contract: Contract, *, control: bool = False) -> str:
    """What `make serve` prints: where it listens and what it knows."""
    lines = [
        f"Reference server for the CDI operations at {url}",
        "Keys (demo values, not secrets):",
    ]
    for name, key in fixtures.keys.items():
        permissions = ", ".join(sorted(key.permissions)) or "no permission"
        lines.append(f"  {name}  (workspace {key.workspace}: {permissions})")
    lines.append("Integrations (syncs end as shown):")
    lines.extend(
        f"  {identifier}  (workspace {ws}, {fixtures.outcome_for(identifier).status})"
        for identifier, ws in fixtures.integrations.items()
    )
    limits = "; ".join(
        f"{operation.operation_id} {limit} per {window} s"
        for operation in contract.operations.values()
        for limit, window in [fixtures.limit_for(operation.operation_id)]
    )
    lines.append(
        f"Syncs run {fixtures.sync_seconds:g} s. Rate limits per workspace: {limits}. Ctrl-C stops."
    )
    if control:
        lines.append(f"Control API (scripts, faults, clock, journal) at {url}{CONTROL_PREFIX}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse flags, print the fixtures, serve until interrupted."""
    arguments = _parser().parse_args(argv)
    try:
        contract = load_contract(arguments.contract)
        fixtures = fixtures_from(arguments, contract)
        sock = bind_loopback(arguments.port)
    except (ContractError, FixtureError) as error:
        print(f"braze-cdi-reference: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(
            f"braze-cdi-reference: cannot listen on 127.0.0.1:{arguments.port}: {error.strerror}.",
            file=sys.stderr,
        )
        return 2
    level = logging.WARNING if arguments.quiet else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(message)s")
    url = base_url(sock)
    double = ReferenceServer(fixtures, contract=contract, control=arguments.control)
    server = uvicorn_server(double.app)
    run_until_stopped(
        server,
        sock,
        announce=lambda: print(
            describe(fixtures, url, contract, control=arguments.control), flush=True
        ),
    )
    print("Reference server stopped.", flush=True)
    return 0


def run() -> None:
    """The console script."""
    exit_with(main, prog="braze-cdi-reference")


if __name__ == "__main__":
    run()
