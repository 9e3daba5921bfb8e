"""`python -m proving_ground.matrix` (`make mutants`): the kill matrix.

Runs the suite the way a user does (the installed `braze-cdi-conformance`, through
`bin/conformance --server NAME`, real HTTP on loopback)
against every bundled server, and beside it two schemathesis runs against the same servers:
`schemathesis run` from the repository root with its `schemathesis.toml` (the project's checks,
TOKEN and INTEGRATION_ID exported as a user has them), and plain `schemathesis run` with default
settings as a baseline. Prints one Markdown table; exits 0 only if every faulty server is caught by
its named check, every valid server passes both the suite and the configured schemathesis run, and
the configured run names the project's check for every fault that one answer shows.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from braze_cdi_conformance import SUITE_VARIABLES
from braze_cdi_contract.commandline import Parser, exit_with, positive, server_process

from proving_ground.servers import BundledServer, registry
from tools import DOCUMENT, ROOT

SUITE_TIMEOUT_SECONDS = 300
FAILURE_CODE = re.compile(r"\b(ST\d{3}) [^:\n]+: \d+")
CUSTOM_CHECK = re.compile(r"ST901 Custom check failed: `(\w+)`")
# schemathesis reports an answer it could not read (a dropped connection, broken framing) as an
# error of the run, under this heading, not as a failed check.
NETWORK_ERROR = re.compile(r"^Network Error$", re.M)
# What the configured schemathesis run reports for a fault of each single-answer check: the
# project's check of the same name, or the schemathesis checks the project's check runs.
CONFIGURED_NAMES = {
    "response-conformance": {"ST103", "ST104", "ST105", "ST106", "ST107", "ST108", "ST110"},
    "robustness": {"robustness", "ST101", "ST102", "network error"},
    "rate-limit-headers": {"rate_limit_headers"},
    "too-many-requests": {"too_many_requests"},
    "no-reflected-key": {"no_reflected_key"},
}
# What the configured run must name beside those: the schemathesis door's `authentication` check
# sends each operation once with no key and with an unknown one, which shows these faults too.
DOOR_NAMES = {
    **CONFIGURED_NAMES,
    "no-reflected-key": {"no_reflected_key", "authentication"},
    "authentication": {"authentication"},
}
USER_VARIABLES = SUITE_VARIABLES
# Every run of the matrix: generated requests per operation (as the suite's default) and the seed.
MAX_EXAMPLES = 25
SEED = 20261127
# The budget column: one window of Braze's documented limit.
BUDGET = 20
# The sample `make test` runs (the whole matrix is `make mutants`): the reference and valid
# servers that differ from it (one on the wire), for every check the quickest faulty server it
# must catch, and the 429 a read must not give.
SAMPLE = (
    "reference",
    "jobs-oldest-first",
    "errors-array",
    "http-1.0",
    "job-status-says-in-progress",
    "job-status-capitalised",
    "crashes-on-text-content-type",
    "reset-in-milliseconds",
    "in-progress-with-other-message",
    "reflects-key",
    "rejects-json-content-type",
    "check-then-act-race",
    "no-in-progress-guard",
    "any-bearer-accepted",
    "reads-need-no-permission",
    "put-also-triggers",
    "unknown-id-starts-sync",
    "in-progress-after-job-ended",
    "short-pages",
    "finishes-before-it-starts",
    "ended-job-runs-again",
    "leaves-out-demo-integration",
)


@dataclass(frozen=True)
class Row:
    """The verdicts on one server."""

    server: BundledServer
    exit_code: int
    fired: tuple[str, ...]
    seconds: float
    baseline: tuple[str, ...] | None = None
    configured: tuple[str, ...] | None = None
    # The suite with `--budget 20` (one window of Braze's limit): its exit status and checks.
    budgeted: tuple[int, tuple[str, ...]] | None = None

    @property
    def verdict(self) -> str:
        """What the suite said."""
        return {0: "conformant", 1: "caught"}.get(self.exit_code, f"error {self.exit_code}")

    @property
    def correct(self) -> bool:
        """A faulty server caught by its named check, or a valid server passed."""
        if self.server.faulty:
            return self.exit_code == 1 and self.server.caught_by in self.fired
        return self.exit_code == 0

    @property
    def configured_must_name(self) -> set[str]:
        """What the configured schemathesis run must report here (empty: nothing required)."""
        server = self.server
        if server.faulty and server.seen_in_one_answer and not server.crosses_a_bound:
            return DOOR_NAMES.get(server.caught_by or "", set())
        return set()

    @property
    def configured_correct(self) -> bool:
        """The configured run passed a valid server and named a single-answer fault's check."""
        if self.configured is None:
            return True
        if not self.server.faulty:
            return not self.configured
        required = self.configured_must_name
        return not required or bool(required & set(self.configured))

    @property
    def budgeted_correct(self) -> bool:
        """Within the budget: a valid server passed, and a probe-level fault was still caught by
        its named check (a fault of a single answer may need more requests than the budget has).
        """
        if self.budgeted is None:
            return True
        exit_code, fired = self.budgeted
        if not self.server.faulty:
            return exit_code == 0
        if (
            self.server.caught_by or ""
        ) in CONFIGURED_NAMES or not self.server.caught_within_budget:
            return True
        return exit_code == 1 and self.server.caught_by in fired

    @property
    def ok(self) -> bool:
        """Every verdict on the row is as expected."""
        return self.correct and self.configured_correct and self.budgeted_correct


def _budgeted(row: Row) -> str:
    """What the suite said within the budget: the checks that fired, or `conformant`."""
    if row.budgeted is None:
        return "-"
    exit_code, fired = row.budgeted
    if exit_code == 0:
        return "conformant"
    return ", ".join(fired) if exit_code == 1 else f"error {exit_code}"


def _found(found: tuple[str, ...] | None) -> str:
    """What a schemathesis run reported: failure codes and check names, or `passed`."""
    if found is None:
        return "-"
    return ", ".join(found) or "passed"


def judge_with_suite(
    server: BundledServer, *, max_examples: int, seed: int, budget: int | None = None
) -> tuple[int, tuple[str, ...], float]:
    """Run the installed suite against the bundled server (`bin/conformance --server NAME`) and
    read which checks failed from its JUnit XML.
    """
    with tempfile.TemporaryDirectory() as folder:
        junit = Path(folder) / "report.xml"
        started = time.perf_counter()
        result = subprocess.run(  # noqa: S603 - our own module, run with our own interpreter
            [
                sys.executable,
                "-m",
                "proving_ground.judge",
                "--server",
                server.name,
                "--max-examples",
                str(max_examples),
                "--seed",
                str(seed),
                "--junit-xml",
                str(junit),
                *(["--budget", str(budget)] if budget is not None else []),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=SUITE_TIMEOUT_SECONDS,
            check=False,
        )
        seconds = time.perf_counter() - started
        fired: tuple[str, ...] = ()
        if junit.exists():
            fired = tuple(
                str(case.get("name"))
                for case in ET.parse(junit).getroot().iter("testcase")  # noqa: S314 - our own file
                if case.find("failure") is not None
            )
    return result.returncode, fired, seconds


def judge_with_schemathesis(
    server: BundledServer, *, configured: bool, max_examples: int
) -> tuple[str, ...]:
    """`schemathesis run` against a server: the failure codes and custom checks it reports.

    Configured: from the repository root, so `schemathesis.toml` applies, with the demo key and
    integration exported as TOKEN and INTEGRATION_ID. Plain: from elsewhere, default settings,
    the demo key as a header. Both generate `max_examples` per operation, as the suite does.
    """
    executable = str(Path(sys.executable).parent / "schemathesis")
    environment = {key: value for key, value in os.environ.items() if key not in USER_VARIABLES}
    with server_process("proving_ground", server.name) as started:
        served = json.loads(started.first_line)
        command = [executable, "run", str(DOCUMENT), "--url", served["base_url"], "--no-color"]
        command += ["--max-examples", str(max_examples)]
        if configured:
            environment |= {"TOKEN": served["token"], "INTEGRATION_ID": served["integration_id"]}
        else:
            command += ["--header", f"Authorization: Bearer {served['token']}"]
        try:
            result = subprocess.run(  # noqa: S603 - the schemathesis this project pins
                command,
                cwd=ROOT if configured else tempfile.gettempdir(),
                env=environment,
                capture_output=True,
                text=True,
                timeout=SUITE_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return (f"no verdict in {SUITE_TIMEOUT_SECONDS} s",)
    found = sorted(set(FAILURE_CODE.findall(result.stdout))) + sorted(
        set(CUSTOM_CHECK.findall(result.stdout))
    )
    if NETWORK_ERROR.search(result.stdout):
        found.append("network error")
    if result.returncode != 0 and not found:
        found = [f"exit {result.returncode}"]
    return tuple(found)


def judge(server: BundledServer, *, max_examples: int, seed: int, baseline: bool) -> Row:
    """The suite's verdict on one server, and the two schemathesis runs' (unless no baseline)."""
    exit_code, fired, seconds = judge_with_suite(server, max_examples=max_examples, seed=seed)
    budgeted_exit, budgeted_fired, _ = judge_with_suite(
        server, max_examples=max_examples, seed=seed, budget=BUDGET
    )
    budgeted = (budgeted_exit, budgeted_fired)
    if not baseline or not server.ends_its_answers:
        return Row(server, exit_code, fired, seconds, budgeted=budgeted)
    return Row(
        server,
        exit_code,
        fired,
        seconds,
        baseline=judge_with_schemathesis(server, configured=False, max_examples=max_examples),
        configured=judge_with_schemathesis(server, configured=True, max_examples=max_examples),
        budgeted=budgeted,
    )


def render(rows: list[Row], *, seconds: float) -> str:
    """The matrix as a Markdown table, with totals for the suite and the baseline."""
    lines = [
        f"| server | expected | suite | checks that fired | time | suite --budget {BUDGET} "
        "| schemathesis + config | plain schemathesis | ok |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        expected = f"caught by {row.server.caught_by}" if row.server.faulty else "conformant"
        lines.append(
            f"| {row.server.name} | {expected} | {row.verdict} | {', '.join(row.fired) or '-'} "
            f"| {row.seconds:.1f} s | {_budgeted(row)} | {_found(row.configured)} "
            f"| {_found(row.baseline)} | {'yes' if row.ok else 'NO'} |"
        )
    faulty = [row for row in rows if row.server.faulty]
    valid = [row for row in rows if not row.server.faulty]
    caught = sum(row.correct for row in faulty)
    false_alarms = sum(not row.correct for row in valid)
    lines += [
        "",
        f"Suite: {caught}/{len(faulty)} faulty servers caught by their named check, "
        f"{false_alarms}/{len(valid)} false alarms on valid servers.",
    ]
    if any(row.budgeted is not None for row in rows):
        probe_level = [
            row for row in faulty if (row.server.caught_by or "") not in CONFIGURED_NAMES
        ]
        lines.append(
            f"Suite with --budget {BUDGET}: {sum(row.budgeted_correct for row in probe_level)}/"
            f"{len(probe_level)} probe-level faults caught by their named check, "
            f"{sum(not row.budgeted_correct for row in valid)}/{len(valid)} false alarms on "
            "valid servers."
        )
    if any(row.configured is not None for row in rows):
        required = [row for row in faulty if row.configured_must_name]
        named = sum(row.configured_correct for row in required)
        lines.append(
            "schemathesis run with this repository's schemathesis.toml: "
            f"{sum(bool(row.configured) for row in valid)}/{len(valid)} false alarms on valid "
            f"servers; names the project's check for {named}"
            f"/{len(required)} faulty servers whose fault one answer shows; reports something for "
            f"{sum(bool(row.configured) for row in faulty)}/{len(faulty)} faulty servers in all."
        )
    noise = next((set(row.baseline or ()) for row in rows if row.server.name == "reference"), set())
    if any(row.baseline is not None for row in rows):
        flagged_valid = sum(bool(row.baseline) for row in valid)
        distinct = sum(bool(set(row.baseline or ()) - noise) for row in faulty)
        lines.append(
            f"Plain schemathesis (default settings, demo key): flags {flagged_valid}/{len(valid)} "
            "valid servers (false alarms); reports something it does not also report on the "
            f"reference server ({', '.join(sorted(noise)) or 'nothing'}) for "
            f"{distinct}/{len(faulty)} faulty servers."
        )
    lines.append(f"Matrix time: {seconds:.1f} s.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the matrix and print it; exit 0 only if every row is as expected."""
    parser = Parser(prog="python -m proving_ground.matrix", description=__doc__)
    parser.add_argument(
        "--sample", action="store_true", help="only the sample `make test` runs (see SAMPLE)"
    )
    parser.add_argument("--only", help="comma-separated server names")
    parser.add_argument("--no-baseline", action="store_true", help="skip plain schemathesis")
    parser.add_argument(
        "--max-examples", type=positive, default=MAX_EXAMPLES, help="generated requests per run"
    )
    parser.add_argument("--seed", type=int, default=SEED, help="seed for every run")
    parser.add_argument("--jobs", type=positive, default=2, help="servers judged at once")
    arguments = parser.parse_args(argv)
    servers = registry()
    names = list(servers)
    if arguments.sample:
        names = list(SAMPLE)
    if arguments.only:
        names = [name.strip() for name in arguments.only.split(",") if name.strip()]
    unknown = [name for name in names if name not in servers]
    if unknown:
        print(
            f"matrix: no server named {unknown[0]!r}; see python -m proving_ground --help.",
            file=sys.stderr,
        )
        return 2
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, arguments.jobs)) as pool:
        rows = list(
            pool.map(
                lambda name: judge(
                    servers[name],
                    max_examples=arguments.max_examples,
                    seed=arguments.seed,
                    baseline=not arguments.no_baseline,
                ),
                names,
            )
        )
    print(render(rows, seconds=time.perf_counter() - started))
    return 0 if all(row.ok for row in rows) else 1


if __name__ == "__main__":
    exit_with(main, prog="matrix")
