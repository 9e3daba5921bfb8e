"""`python -m tools.bench` (`make bench`): what users wait for, side by side with the alternatives.

Prints one Markdown table. The machine is shared and noisy: compare the ratios measured in one run;
absolute times are context only. `--smoke` runs every measurement tiny, to prove they work.
"""

from __future__ import annotations

import asyncio
import datetime
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "client"), str(ROOT / "generated" / "braze-cdi-client")]

from braze_cdi_client.contract_facts import LIST_JOB_SYNC_STATUS_RATE_LIMIT  # noqa: E402
from braze_cdi_contract import load as load_contract  # noqa: E402
from braze_cdi_contract.commandline import Parser, Started, StartError, exit_with, server_process  # noqa: E402
from braze_cdi_contract.serving import REQUEST_SECONDS, raise_file_limit  # noqa: E402
from braze_cdi_reference.fixtures import DEMO_INTEGRATIONS, DEMO_KEY, DEMO_LIMITED_KEY  # noqa: E402
from braze_cdi_sync import AsyncCdiClient, CdiClient  # noqa: E402
from braze_cdi_sync.flows import STATUS, STATUS_INTERVAL_SECONDS, Budget  # noqa: E402

from tools import generate  # noqa: E402

HEADERS = {"Authorization": f"Bearer {DEMO_KEY}"}


@dataclass(frozen=True)
class Sizes:
    """How much work each measurement does."""

    examples: int
    client_calls: int
    blocks: int
    load_requests: int
    load_integrations: int
    idle_connections: int
    distinct_requests: int
    mutants: bool


FULL = Sizes(
    examples=100,
    client_calls=1000,
    blocks=5,
    load_requests=20_000,
    load_integrations=200,
    idle_connections=2_000,
    distinct_requests=100_000,
    mutants=True,
)
SMOKE = Sizes(
    examples=5,
    client_calls=20,
    blocks=2,
    load_requests=500,
    load_integrations=20,
    idle_connections=50,
    distinct_requests=1_000,
    mutants=False,
)


@dataclass(frozen=True)
class Line:
    """One row of the table."""

    what: str
    figure: str
    compared: str = ""


def _python(
    *arguments: str, check: bool = True, cwd: Path = ROOT
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run our interpreter (or, with "schemathesis" first, the pinned CLI) and time it."""
    command = [sys.executable, *arguments]
    if arguments[0] == "schemathesis":
        command = [str(Path(sys.executable).parent / "schemathesis"), *arguments[1:]]
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603 - our own modules and pinned tools
        command, cwd=cwd, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if check and result.returncode != 0:
        words = (result.stdout + result.stderr).strip().splitlines()
        raise RuntimeError(
            f"{' '.join(arguments)} failed: {words[-1] if words else result.returncode}"
        )
    return seconds, result


@contextmanager
def reference_server(*, config: Path | None = None, quiet: bool = True) -> Iterator[str]:
    """The reference server in its own process (so it has its own core); yields its URL."""
    with reference_process(config=config, quiet=quiet) as started:
        yield started.first_line.split()[-1]


def reference_process(
    *,
    config: Path | None = None,
    quiet: bool = True,
    braze_limits: bool = False,
    sync_seconds: float | None = None,
    history: int | None = None,
) -> AbstractContextManager[Started]:
    """The reference server in its own process: its first line and its process ID."""
    options = [
        "--port",
        "0",
        *(["--config", str(config)] if config else []),
        *(["--quiet"] if quiet else []),
        *(["--braze-limits"] if braze_limits else []),
        *(["--sync-seconds", str(sync_seconds)] if sync_seconds is not None else []),
        *(["--history", str(history)] if history is not None else []),
    ]
    return server_process("braze_cdi_reference", *options)


# 1. make generate.


def bench_generate() -> list[Line]:
    """A full generation into a temporary folder, and `make generate` with nothing changed."""
    if generate.STAMP.read_text().strip() != generate.inputs_digest():
        raise RuntimeError("generated/ is stale; run make generate before benchmarking")
    full, _ = _python(
        "-c",
        "import tempfile, pathlib\nfrom tools import generate\n"
        "with tempfile.TemporaryDirectory() as folder:\n"
        "    generate.generate_into(pathlib.Path(folder))",
    )
    noop, result = _python("-m", "tools.generate")  # inputs unchanged, so it writes nothing
    if "nothing to do" not in result.stdout:
        raise RuntimeError("make generate was not a no-op")
    return [
        Line("make generate: full generation", f"{full:.2f} s"),
        Line(
            "make generate: nothing changed (no-op)", f"{noop:.2f} s", f"{noop / full:.2f}x of full"
        ),
    ]


# 2. The conformance suite against plain schemathesis.


def bench_suite(sizes: Sizes) -> list[Line]:
    """The full suite against the bundled reference; plain schemathesis with as many examples."""
    suite_time, suite = _python(
        "-m", "proving_ground.judge", "--max-examples", str(sizes.examples), "--seed", "1"
    )
    match = re.search(r"; (\d+) requests, (\d+) generated cases", suite.stdout)
    if match is None:
        raise RuntimeError("the suite printed no totals")
    requests, cases = int(match[1]), int(match[2])
    with reference_server() as url:
        plain_time, plain = _python(
            "schemathesis",
            "run",
            str(ROOT / "openapi" / "openapi.yaml"),
            "--url",
            url,
            "--header",
            f"Authorization: Bearer {DEMO_KEY}",
            "--max-examples",
            str(sizes.examples),
            "--continue-on-failure",
            "--no-color",
            check=False,
            cwd=Path(tempfile.gettempdir()),  # plain: away from this repository's config
        )
    plain_cases = re.search(r"(\d+) generated", plain.stdout)
    plain_count = int(plain_cases[1]) if plain_cases else 0
    if plain_count == 0:
        words = (plain.stdout + plain.stderr).strip().splitlines()
        raise RuntimeError(f"plain schemathesis generated nothing: {words[-1] if words else ''}")
    return [
        Line(
            f"conformance suite vs reference ({sizes.examples} examples)",
            f"{suite_time:.1f} s, {requests} requests, {cases} generated cases, "
            f"{cases / suite_time:.0f} cases/s",
            "target: under 30 s",
        ),
        Line(
            f"plain schemathesis run (`--max-examples {sizes.examples} --continue-on-failure`)",
            f"{plain_time:.1f} s, {plain_count} generated cases",
            f"suite takes {suite_time / plain_time:.2f}x its time",
        ),
    ]


# 3. The generated client's overhead and throughput.


def _per_call(call: Callable[[], object], calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - started) / calls


def bench_client(sizes: Sizes) -> list[Line]:
    """Per-call time of the client layer against raw httpx, and sync vs async throughput."""
    integration = DEMO_INTEGRATIONS[0]
    with reference_server() as url:
        path = f"{url}/cdi/integrations/{integration}/sync"
        # The layer's own cost, without the budget's pauses (a client spends half of Braze's
        # limits at most: 10 triggers a minute).
        with httpx.Client() as raw, CdiClient(url, DEMO_KEY, budget_share=None) as layered:
            layered.trigger_sync(integration)  # start the sync: every later call is a 429

            def raw_call() -> object:
                return raw.post(path, headers=HEADERS).json()

            def layer_call() -> object:
                return layered.trigger_sync(integration)

            raw_times, layer_times = [], []
            for _ in range(sizes.blocks):  # interleaved blocks, so drift hits both alike
                raw_times.append(_per_call(raw_call, sizes.client_calls))
                layer_times.append(_per_call(layer_call, sizes.client_calls))
        raw_each, layer_each = statistics.median(raw_times), statistics.median(layer_times)

        rounds = sizes.client_calls // 20

        async def async_throughput() -> float:
            async with AsyncCdiClient(url, DEMO_KEY, budget_share=None) as client:
                started = time.perf_counter()
                for _ in range(rounds):
                    await asyncio.gather(*(client.trigger_sync(integration) for _ in range(20)))
                return rounds * 20 / (time.perf_counter() - started)

        async def raw_async_throughput() -> float:
            async with httpx.AsyncClient() as client:
                started = time.perf_counter()
                for _ in range(rounds):
                    answers = await asyncio.gather(
                        *(client.post(path, headers=HEADERS) for _ in range(20))
                    )
                    [answer.json() for answer in answers]
                return rounds * 20 / (time.perf_counter() - started)

        raw_async_rate = asyncio.run(raw_async_throughput())
        async_rate = asyncio.run(async_throughput())
    return [
        Line("client: one call, raw httpx + json", f"{raw_each * 1000:.2f} ms"),
        Line(
            "client: one call, braze_cdi_sync.CdiClient",
            f"{layer_each * 1000:.2f} ms",
            f"{layer_each / raw_each:.2f}x raw httpx (target: within 1.3x)",
        ),
        Line("client: sync throughput, one pooled connection", f"{1 / layer_each:.0f} calls/s"),
        Line(
            "client: async throughput, 20 in flight, shared pool",
            f"{async_rate:.0f} calls/s",
            f"{async_rate / raw_async_rate:.2f}x raw httpx.AsyncClient ({raw_async_rate:.0f}/s); "
            f"{async_rate * layer_each:.2f}x sync",
        ),
    ]


# 4. The reference server under load.


async def _load(
    url: str, paths: list[str], *, connections: int, keys: list[str] | None = None
) -> tuple[float, Counter[tuple[str, int]]]:
    host, port = url.removeprefix("http://").split(":")
    queue = iter(zip(paths, keys or [DEMO_KEY] * len(paths), strict=True))
    counts: Counter[tuple[str, int]] = Counter()

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            for path, key in queue:
                head = f"Host: {host}\r\nAuthorization: Bearer {key}\r\nContent-Length: 0\r\n\r\n"
                writer.write(f"POST {path} HTTP/1.1\r\n{head}".encode())
                status = int((await reader.readline()).split()[1])
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                await reader.readexactly(length)
                counts[(path, status)] += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return time.perf_counter() - started, counts


def bench_server(sizes: Sizes) -> list[Line]:
    """Requests per second at 50 concurrent clients; exactly one 202 per idle integration."""
    integrations = [
        f"00000000-0000-4000-8000-{index:012d}" for index in range(sizes.load_integrations)
    ]
    lines = []
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "load.toml"
        entries = "\n".join(f'"{identifier}" = "demo"' for identifier in integrations)
        config.write_text(
            f"sync_seconds = 3600\nrate_limit = 1000000000\n[integrations]\n{entries}\n"
        )
        paths = [
            f"/cdi/integrations/{integrations[i % len(integrations)]}/sync"
            for i in range(sizes.load_requests)
        ]
        for quiet in (True, False):
            with reference_server(config=config, quiet=quiet) as url:
                seconds, counts = asyncio.run(_load(url, paths, connections=50))
            accepted = Counter(
                path for (path, status), n in counts.items() if status == 202 for _ in range(n)
            )
            exact = len(accepted) == len(integrations) and set(accepted.values()) == {1}
            label = "no request log (`--quiet`)" if quiet else "with its request log"
            lines.append(
                Line(
                    f"reference server, 50 concurrent clients, {label}",
                    f"{sizes.load_requests / seconds:.0f} requests/s",
                    f"one 202 per integration: {'exactly' if exact else 'NO'} "
                    f"({sum(accepted.values())} of {len(integrations)}); target: 1,000 requests/s",
                )
            )
    return lines


def _rss_kib(pid: int) -> int:
    """A process's resident memory, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


async def _held_idle(url: str, count: int) -> tuple[float, float, float]:
    """Latency of a new client's trigger with no idle connection held, and with `count` held;
    and how long the held ones lasted before the server closed them.
    """
    host, port = url.removeprefix("http://").split(":")
    path = f"/cdi/integrations/{DEMO_INTEGRATIONS[0]}/sync"
    await _load(url, [path], connections=1)  # warm up: the first answer pays for imports
    alone, _ = await _load(url, [path], connections=1)
    idle = [await asyncio.open_connection(host, int(port)) for _ in range(count)]
    crowded, _ = await _load(url, [path], connections=1)
    started = time.perf_counter()
    await asyncio.gather(*(reader.read() for reader, _ in idle))  # EOF: the server closed it
    held = time.perf_counter() - started
    for _, writer in idle:
        writer.close()
    return alone, crowded, held


def bench_hostile(sizes: Sizes) -> list[Line]:
    """Idle connections held against the server; its memory over distinct IDs and keys."""
    raise_file_limit()
    with reference_process() as started:
        url = started.first_line.split()[-1]
        alone, crowded, held = asyncio.run(_held_idle(url, sizes.idle_connections))
        before = _rss_kib(started.pid)
        count = sizes.distinct_requests
        paths = [f"/cdi/integrations/{uuid.uuid4()}/sync" for _ in range(count)]
        keys = [DEMO_KEY if i % 2 else f"unknown-{uuid.uuid4()}" for i in range(count)]
        seconds, _ = asyncio.run(_load(url, paths, connections=20, keys=keys))
        after = _rss_kib(started.pid)
    return [
        Line(
            f"reference server, a new client while {sizes.idle_connections:,} idle connections "
            "are held",
            f"{crowded * 1000:.1f} ms",
            f"{alone * 1000:.1f} ms with none held; the idle ones closed after {held:.1f} s "
            f"(guard: {REQUEST_SECONDS:g} s)",
        ),
        Line(
            f"reference server memory over {count:,} requests, each a new ID, half new keys",
            f"{before / 1024:.1f} MiB before, {after / 1024:.1f} MiB after",
            f"{(after - before) / 1024:+.1f} MiB; {count / seconds:.0f} requests/s",
        ),
    ]


def bench_suite_bounds(sizes: Sizes) -> list[Line]:
    """Seconds and peak memory of the suite against servers that bomb, never end, or drip."""
    names = ["gzip-bomb-success"]
    if sizes.mutants:
        names += [
            "endless-success-body",
            "dripping-success-body",
            "stalls-on-odd-ids",
            "redirects-elsewhere",
        ]
    lines = []
    for name in names:
        command = [
            sys.executable,
            "-m",
            "proving_ground.judge",
            "--server",
            name,
            "--max-examples",
            "5",
        ]
        started = time.perf_counter()
        process = subprocess.Popen(  # noqa: S603 - our own module
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        out = process.stdout.read() if process.stdout else ""
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        verdict = out.strip().splitlines()[-1].split(":")[0] if out.strip() else "no verdict"
        lines.append(
            Line(
                f"conformance suite vs {name} (a proving-ground server)",
                f"{seconds:.1f} s, {usage.ru_maxrss / 1024:.0f} MiB peak (suite or its server)",
                f"{verdict}, exit {os.waitstatus_to_exitcode(status)}; "
                "target: a verdict in under 90 s and 1 GiB",
            )
        )
    return lines


def bench_budget(sizes: Sizes) -> list[Line]:
    """Requests and seconds to a verdict against Braze's own limit: the full run and --budget 20."""
    window = load_contract().trigger.rate_limit
    runs = [("`--budget 20`", ["--budget", "20"])]
    if sizes.mutants:
        runs.insert(0, ("the full run (100 generated)", []))
    lines = []
    for label, flags in runs:
        with reference_process(quiet=True, braze_limits=True) as started:
            url = started.first_line.split()[-1]
            environment = {**os.environ, "TOKEN": DEMO_KEY, "LIMITED_TOKEN": DEMO_LIMITED_KEY}
            command = [
                sys.executable,
                "-m",
                "braze_cdi_conformance",
                "--base-url",
                url,
                "--seed",
                "1",
            ]
            command += ["--integration-id", DEMO_INTEGRATIONS[0], *flags]
            began = time.perf_counter()
            result = subprocess.run(  # noqa: S603 - our own module
                command, cwd=ROOT, env=environment, capture_output=True, text=True, check=False
            )
            seconds = time.perf_counter() - began
        verdict = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "none"
        found = re.search(r"; (\d+) requests", verdict)
        requests = int(found.group(1)) if found else 0
        lines.append(
            Line(
                f"suite vs reference with Braze's limit ({window.limit} per "
                f"{window.window_seconds} s), {label}",
                f"{requests} requests, {seconds:.1f} s to {verdict.split(':')[0]}",
                f"{requests / window.limit:.1f}x one window of the trigger ({window.limit}); "
                "the reads count in windows of their own",
            )
        )
    return lines


# 5. Trigger, then wait for the end.

WAIT_SYNC_SECONDS = 2.0


def bench_wait(sizes: Sizes) -> list[Line]:
    """Trigger to ended job, as the client sees it, against the reference with Braze's limits."""
    integration = DEMO_INTEGRATIONS[0]
    poll = STATUS_INTERVAL_SECONDS  # the client's share of the status endpoint's 100 a minute
    times: list[float] = []
    requests = 0
    with reference_process(braze_limits=True, sync_seconds=WAIT_SYNC_SECONDS) as started:
        url = started.first_line.split()[-1]
        counted = _Counting()
        with CdiClient(url, DEMO_KEY) as client:
            client.generated.get_httpx_client().event_hooks["request"] = [counted]
            for _ in range(sizes.blocks):
                began = time.perf_counter()
                job = client.sync_and_wait(integration, poll=poll, timeout=60)
                times.append(time.perf_counter() - began)
                if job.running:
                    raise RuntimeError(f"the waited-for job did not end: {job.status}")
            requests = counted.requests
    median = statistics.median(times)
    return [
        Line(
            f"client: sync_and_wait, trigger to ended job ({WAIT_SYNC_SECONDS:g} s sync, "
            f"poll {poll} s)",
            f"{median:.2f} s median of {len(times)}",
            f"{median - WAIT_SYNC_SECONDS:.2f} s after the job ended (one poll is {poll} s); "
            f"{requests / len(times):.1f} requests per wait",
        )
    ]


# Histories a wait meets: a new integration, four days of 5-minute syncs, a year of 15-minute ones.
HISTORIES = (10, 1_000, 35_000)


def _braze_cdi_wait(url: str) -> tuple[float, int, float]:
    """`braze-cdi -v sync ID --wait`, as a user runs it: its seconds, its job-status reads (from
    its own log) and its peak resident memory in MiB.
    """
    from proving_ground.client_ground import PEAK_REPORTER  # noqa: PLC0415 - test equipment

    with tempfile.NamedTemporaryFile(prefix="bench-peak-") as peak:
        environment = {
            **os.environ,
            "BRAZE_REST_API_KEY": DEMO_KEY,
            "BRAZE_REST_ENDPOINT": url,
            "PROVING_GROUND_PEAK_FILE": peak.name,
            "PYTHONPATH": os.pathsep.join([str(PEAK_REPORTER), os.environ.get("PYTHONPATH", "")]),
        }
        command = [str(Path(sys.executable).parent / "braze-cdi"), "-v", "sync"]
        command += [DEMO_INTEGRATIONS[0], "--wait", "--poll", f"{STATUS_INTERVAL_SECONDS:g}"]
        started = time.perf_counter()
        result = subprocess.run(  # noqa: S603 - our own command
            command, capture_output=True, text=True, env=environment, check=False
        )
        seconds = time.perf_counter() - started
        if result.returncode != 0:
            raise RuntimeError(f"braze-cdi sync --wait ended {result.returncode}: {result.stderr}")
        peak_kib = int(Path(peak.name).read_text(encoding="ascii") or 0)
    reads = sum("/job_sync_status -> 200" in line for line in result.stderr.splitlines())
    return seconds, reads, peak_kib / 1024


def bench_double(sizes: Sizes) -> list[Line]:
    """The test double's scripting: its reset, and what its control API costs a request."""
    from braze_cdi_contract.serving import serve_in_thread  # noqa: PLC0415
    from braze_cdi_reference.app import CONTROL_PREFIX, ReferenceServer  # noqa: PLC0415
    from braze_cdi_reference.fixtures import demo_fixtures  # noqa: PLC0415
    from braze_cdi_reference.script import Injection, NextSync  # noqa: PLC0415

    server = ReferenceServer(demo_fixtures(), control=True)
    resets = []
    for _ in range(sizes.blocks * 20):
        server.set_history(DEMO_INTEGRATIONS[0], length=35_000)
        server.next_sync(DEMO_INTEGRATIONS[0], NextSync("error", seconds=7200))
        server.inject(Injection("listIntegrations", status=503, times=None))
        began = time.perf_counter()
        server.reset()
        resets.append(time.perf_counter() - began)
    calls = max(20, sizes.client_calls // 5)
    with serve_in_thread(server.app) as url, httpx.Client(base_url=url, headers=HEADERS) as http:
        http.get("/cdi/integrations")
        plain = _per_call(lambda: http.get("/cdi/integrations"), calls)
        clock = _per_call(lambda: http.get(f"{CONTROL_PREFIX}/clock"), calls)
        scripted = _per_call(
            lambda: http.post(
                f"{CONTROL_PREFIX}/injections",
                json={"operation_id": "listIntegrations", "delay": 0.0, "status": 503},
            ),
            calls,
        )
    return [
        Line(
            "test double: reset() with a 35,000-job history, a queued sync and an injection",
            f"{statistics.median(resets) * 1000:.3f} ms median of {len(resets)}",
            "target: under 10 ms",
        ),
        Line(
            "test double: control API, one request (GET clock; POST an injection)",
            f"{clock * 1000:.2f} ms; {scripted * 1000:.2f} ms",
            f"a page of integrations: {plain * 1000:.2f} ms",
        ),
    ]


def bench_history(sizes: Sizes) -> list[Line]:
    """What a wait and a page cost against 10, 1,000 and 35,000 past jobs (newest first)."""
    histories = HISTORIES[:2] if sizes == SMOKE else HISTORIES
    waits: dict[int, tuple[float, int, float]] = {}
    pages: dict[int, float] = {}
    path = f"/cdi/integrations/{DEMO_INTEGRATIONS[0]}/job_sync_status"
    for history in histories:
        with reference_process(
            braze_limits=True, sync_seconds=WAIT_SYNC_SECONDS, history=history
        ) as started:
            url = started.first_line.split()[-1]
            waits[history] = _braze_cdi_wait(url)
            with httpx.Client(base_url=url, headers=HEADERS) as http:
                http.get(path).raise_for_status()  # a connection, kept alive
                pages[history] = _per_call(lambda: http.get(path), sizes.examples)
    limit = LIST_JOB_SYNC_STATUS_RATE_LIMIT
    allowance = Budget().allowance(STATUS)
    lines = []
    for history, (seconds, reads, peak) in waits.items():
        lines.append(
            Line(
                f"`braze-cdi sync --wait` against {history:,} past jobs (newest first; "
                f"{WAIT_SYNC_SECONDS:g} s sync, poll {STATUS_INTERVAL_SECONDS:g} s)",
                f"{reads} job-status reads, {seconds:.2f} s, {peak:.0f} MiB peak",
                f"{reads / limit:.0%} of the job status's {limit} a minute (a client spends "
                f"{allowance} at most); the reference's first page {pages[history] * 1000:.2f} ms",
            )
        )
    return lines


class _Counting:
    """An httpx event hook that counts requests."""

    def __init__(self) -> None:
        self.requests = 0

    def __call__(self, request: httpx.Request) -> None:
        self.requests += 1


def bench_client_ground(sizes: Sizes) -> list[Line]:
    """`braze-cdi` against each server of the client's proving ground: time to its outcome and
    the peak memory of its process (the smoke run: three cases).
    """
    from proving_ground import client_ground  # noqa: PLC0415 - imports starlette servers

    cases = list(client_ground.CASES.values())
    if sizes == SMOKE:
        cases = cases[:3]
    lines = []
    for case in cases:
        with client_ground.serving(case) as (url, _):
            run = client_ground.run_door("braze-cdi", case, url)
        met = "as required" if run.exit_status == case.exit_status else "NOT as required"
        lines.append(
            Line(
                f"client proving ground: {case.name} ({case.fault}), `braze-cdi "
                f"{' '.join(case.arguments())}`",
                f"{run.seconds:.2f} s, {run.peak_mib:.0f} MiB peak",
                f"exit {run.exit_status} {met}; bound {case.seconds:g} s + "
                f"{client_ground.ALLOWANCE_SECONDS:g} s, {client_ground.MEMORY_BOUND_MIB} MiB",
            )
        )
    return lines


async def _gets(url: str, path: str, count: int, *, connections: int) -> list[float]:
    """`count` GETs of a path over `connections` kept-alive connections; each one's seconds."""
    host, port = url.removeprefix("http://").split(":")
    left = iter(range(count))
    times: list[float] = []

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            for _ in left:
                began = time.perf_counter()
                head = f"Host: {host}\r\nAuthorization: Bearer {DEMO_KEY}\r\n\r\n"
                writer.write(f"GET {path} HTTP/1.1\r\n{head}".encode())
                await reader.readline()
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                await reader.readexactly(length)
                times.append(time.perf_counter() - began)
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return times


def bench_proxy(sizes: Sizes) -> list[Line]:
    """The passive proxy: the latency it adds to one request, and its memory over many."""
    path = f"/cdi/integrations/{DEMO_INTEGRATIONS[0]}/job_sync_status"
    samples = min(2_000, sizes.distinct_requests // 5)
    total = sizes.distinct_requests
    with (
        reference_server() as upstream,
        server_process("braze_cdi_conformance", "proxy", "--upstream", upstream) as proxy,
    ):
        url = proxy.first_line
        asyncio.run(_gets(url, path, 50, connections=1))  # warm up both
        direct = asyncio.run(_gets(upstream, path, samples, connections=1))
        through = asyncio.run(_gets(url, path, samples, connections=1))
        tenth = asyncio.run(_gets(url, path, total // 10, connections=8))
        early = _rss_kib(proxy.pid)
        began = time.perf_counter()
        rest = asyncio.run(_gets(url, path, total - total // 10, connections=8))
        seconds = time.perf_counter() - began
        late = _rss_kib(proxy.pid)
    if len(tenth) + len(rest) != total:
        raise RuntimeError("the proxy did not answer every request")

    def quantile(values: list[float], share: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    added_median = (statistics.median(through) - statistics.median(direct)) * 1000
    added_p99 = (quantile(through, 0.99) - quantile(direct, 0.99)) * 1000
    return [
        Line(
            f"proxy: latency added to a job status read (sequential, {samples} each way)",
            f"+{added_median:.2f} ms median, +{added_p99:.2f} ms p99",
            f"direct {statistics.median(direct) * 1000:.2f} ms median, "
            f"{quantile(direct, 0.99) * 1000:.2f} ms p99",
        ),
        Line(
            f"proxy: resident memory over {total:,} judged exchanges (8 connections)",
            f"{early / 1024:.0f} MiB after {total // 10:,}, {late / 1024:.0f} MiB after {total:,}",
            f"{(total - total // 10) / seconds:.0f} exchanges/s forwarded and judged",
        ),
    ]


# 6. The kill matrix.


def bench_mutants() -> list[Line]:
    """The whole `make mutants` run."""
    seconds, result = _python("-m", "proving_ground.matrix", check=False)
    verdict = "all as expected" if result.returncode == 0 else "NOT all as expected"
    return [Line("make mutants: whole matrix with baseline", f"{seconds:.1f} s", verdict)]


def render(lines: list[Line], *, sizes: Sizes) -> str:
    """The table, headed by the machine and the date."""
    today = datetime.date.today().isoformat()
    head = (
        f"Benchmarks ({'smoke' if sizes == SMOKE else 'full'}), {today}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    table = ["| measurement | figure | compared |", "| --- | --- | --- |"]
    table += [f"| {line.what} | {line.figure} | {line.compared} |" for line in lines]
    return "\n".join([head, "", *table])


def main(argv: list[str] | None = None) -> int:
    """Run every measurement and print the table."""
    parser = Parser(prog="python -m tools.bench", description=__doc__)
    parser.add_argument(
        "--smoke", action="store_true", help="tiny sizes, no mutants: proves it works"
    )
    parser.add_argument(
        "--no-mutants", action="store_true", help="leave out the kill matrix (`make mutants`)"
    )
    arguments = parser.parse_args(argv)
    sizes = SMOKE if arguments.smoke else FULL
    if arguments.no_mutants:
        sizes = replace(sizes, mutants=False)
    try:
        lines = [
            *bench_generate(),
            *bench_suite(sizes),
            *bench_client(sizes),
            *bench_server(sizes),
            *bench_hostile(sizes),
            *bench_suite_bounds(sizes),
            *bench_budget(sizes),
            *bench_wait(sizes),
            *bench_history(sizes),
            *bench_double(sizes),
            *bench_client_ground(sizes),
            *bench_proxy(sizes),
        ]
        if sizes.mutants:
            lines += bench_mutants()
    except (RuntimeError, StartError) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    print(render(lines, sizes=sizes))
    return 0


if __name__ == "__main__":
    exit_with(main, prog="bench")
