"""`braze-cdi-conformance` (`python -m braze_cdi_conformance`): hold a server to the Braze CDI
contract.

Exit codes: 0 conformant; 1 at least one promise broken; 2 could not judge (bad arguments, an
unreachable server, a rejected key), with a one-line reason.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from braze_cdi_contract import DOCUMENT, Contract, ContractError
from braze_cdi_contract import load as load_contract
from braze_cdi_contract.commandline import (
    EXIT_INTERRUPTED,
    Parser,
    exit_with,
    positive,
    seconds,
    unwritable,
    versions,
)

from braze_cdi_conformance.bounded import add_bound_options
from braze_cdi_conformance.report import render, write_junit
from braze_cdi_conformance.run import CannotJudge, Options, mask_secrets
from braze_cdi_conformance.suite import default_budget, is_loopback, judge, side_effects

EXIT_CONFORMANT, EXIT_BROKEN, EXIT_CANNOT_JUDGE = 0, 1, 2
# What each exit status means (the docs' exit-status page and --help are written from this).
EXIT_STATUSES = {
    EXIT_CONFORMANT: "conformant: every check passed or was skipped for a stated reason",
    EXIT_BROKEN: "a promise of the contract broken: the report names each check and the answer",
    EXIT_CANNOT_JUDGE: "could not judge (one line on stderr says why): bad arguments; a server it "
    "cannot reach, or one that does not answer the documented success request as this API; a key "
    "rejected, or a limited key that is not refused; an unknown integration ID; or, with nothing "
    "seen broken, a run cut short by --run-deadline (verdict INCOMPLETE)",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C); no verdict",
}


def parser() -> argparse.ArgumentParser:
    """The command line."""
    command = Parser(
        prog="braze-cdi-conformance",
        description=(
            "Check a server against the Braze CDI contract (the one this package carries). "
            "Keys may also come from the environment variables TOKEN and LIMITED_TOKEN, "
            "which keeps them out of process listings; the server and the integration from "
            "BASE_URL and INTEGRATION_ID."
        ),
        epilog="Exit codes: 0 conformant, 1 a promise broken, 2 could not judge, 130 "
        "interrupted. `braze-cdi-conformance proxy --upstream URL` judges the traffic of your "
        "own pipelines instead (see its --help).",
    )
    command.add_argument(
        "--version",
        action="version",
        version=versions("braze-cdi-conformance", load_contract().version),
    )
    command.add_argument(
        "--base-url", help="the server to check, e.g. https://rest.iad-01.braze.com (env BASE_URL)"
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
        "--trust-limited-token",
        action="store_true",
        help="LIMITED_TOKEN is known to lack the trigger's permission (and what "
        "LIMITED_PERMISSIONS leaves out): a server that lets it through is judged for it, and "
        "no request is spent checking the key before the run",
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


def _options(arguments: argparse.Namespace, contract: Contract) -> Options:
    """The server to judge and what to judge it with, from the flags and the environment."""
    budget = arguments.budget
    if budget is None and not is_loopback(arguments.base_url):
        budget = default_budget(contract)
    return Options(
        budget=budget,
        base_url=arguments.base_url,
        token=arguments.token or os.environ.get("TOKEN") or "",
        limited_token=arguments.limited_token or os.environ.get("LIMITED_TOKEN") or None,
        integration_id=arguments.integration_id or os.environ.get("INTEGRATION_ID") or None,
        limited_permissions=_limited_permissions(arguments, contract),
        limited_token_lacks_permission=arguments.trust_limited_token,
        seed=arguments.seed,
        max_examples=arguments.max_examples,
        burst=arguments.burst,
        busy_wait_seconds=arguments.busy_wait,
        answer_seconds=arguments.answer_deadline,
        max_answer_bytes=arguments.max_answer_bytes,
        run_seconds=arguments.run_deadline,
        job_wait_seconds=arguments.job_wait,
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
        return "no server to judge: pass --base-url or set BASE_URL"
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
    print(f"braze-cdi-conformance: {line}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """The suite, or with `proxy` first, the proxy (`braze_cdi_conformance.proxy`)."""
    given = sys.argv[1:] if argv is None else argv
    if given[:1] == ["proxy"]:
        from braze_cdi_conformance import proxy  # noqa: PLC0415 - only the proxy needs its server

        return proxy.main(given[1:])
    return run_suite(given)


def run_suite(argv: list[str]) -> int:
    """Parse the command line, run the suite, print the verdict."""
    arguments = parser().parse_args(argv)
    arguments.base_url = arguments.base_url or os.environ.get("BASE_URL") or None
    try:
        contract = load_contract(arguments.contract)
    except ContractError as error:
        return _cannot_judge(str(error))
    problem = _problem(arguments) or _unknown_permission(arguments, contract)
    if problem is not None:
        return _cannot_judge(problem)
    options = _options(arguments, contract)
    token, limited = options.token, options.limited_token
    try:
        if not is_loopback(options.base_url):
            print(side_effects(options, contract), flush=True)
        result = judge(options, contract, progress=_progress)
    except (CannotJudge, ContractError) as error:
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
    if not result.conformant:
        return EXIT_BROKEN
    if result.requests_not_sent:
        return _cannot_judge(
            f"the run reached its bound of {arguments.run_deadline:g} s before every request was "
            "sent; raise --run-deadline"
        )
    return EXIT_CONFORMANT


def _cannot_judge(reason: str) -> int:
    print(f"braze-cdi-conformance: could not judge: {reason}", file=sys.stderr)
    return EXIT_CANNOT_JUDGE


def run() -> None:
    """The console script."""
    exit_with(main, prog="braze-cdi-conformance")


if __name__ == "__main__":
    run()
