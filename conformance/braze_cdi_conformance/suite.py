"""One conformance run: preflight, every probe, generated exploration, then the verdict."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import ip_address
from urllib.parse import urlsplit

import hypothesis
import hypothesis.errors
from braze_cdi_contract import Contract, Operation
from hypothesis import HealthCheck, Phase, Verbosity, given, settings, strategies
from hypothesis.stateful import run_state_machine_as_test
from schemathesis import Response

from braze_cdi_conformance.bounded import Bounds
from braze_cdi_conformance.checks import (
    CHECKS,
    OBSERVERS,
    PROBES,
    Check,
    id_of,
    judge_unknown_id,
)
from braze_cdi_conformance.evidence import MAX_PAGES, gather_evidence, read_all_pages, results
from braze_cdi_conformance.inputs import ODD_HEADERS, ODD_IDS
from braze_cdi_conformance.run import CannotJudge, CheckState, Options, Run, Status
from braze_cdi_conformance.schema import Schema, schemathesis_operations, schemathesis_schema
from braze_cdi_conformance.transport import Case, Exchange, Sender


@dataclass(frozen=True)
class Result:
    """The verdict of one run."""

    base_url: str
    contract_version: str
    checks: list[tuple[Check, CheckState]]
    notes: list[str]
    requests_sent: int
    generated_cases: int
    seconds: float
    seconds_waited: float
    seed: int
    requests_not_sent: int = 0
    # True for the proxy's verdict on traffic it passed on (it generates and sends nothing).
    passive: bool = False

    @property
    def failed(self) -> list[Check]:
        """The checks that found a broken promise."""
        return [check for check, state in self.checks if state.status is Status.FAILED]

    @property
    def conformant(self) -> bool:
        """True when no check failed."""
        return not self.failed


def is_loopback(base_url: str) -> bool:
    """Whether the URL names this machine."""
    host = urlsplit(base_url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def default_budget(contract: Contract) -> int:
    """The budget for a host that is not loopback: one window of the documented limit, less a
    tenth (at least 2) left for the workspace's own pipelines.
    """
    limit = contract.trigger.rate_limit.limit
    return max(1, limit - max(2, limit // 10))


def side_effects(options: Options, contract: Contract) -> str:
    """What a run will do to the server, said up front for non-loopback hosts."""
    syncs = (
        f"may start up to 2 real syncs of integration {options.integration_id}"
        if options.integration_id
        else "starts no sync (no INTEGRATION_ID given)"
    )
    rule = contract.trigger.rate_limit
    amount = (
        f"at most {options.budget} requests (--budget; the documented limit is {rule.limit} per "
        f"{rule.window_seconds} s)"
        if options.budget is not None
        else f"about {options.max_examples + 45} requests"
    )
    return (
        f"This run sends {amount} to {options.base_url} "
        f"and {syncs}; it waits out the rate limit instead of exceeding it, and stops sending "
        f"after {options.run_seconds:g} s (--run-deadline)."
    )


def preflight(run: Run) -> None:
    """Before any real sync: is the server there and this API, and are the keys what they claim?

    Each of these ends the run with a one-line reason (could not judge); any other broken promise
    is a finding of the check it belongs to, and the run goes on:

    1. the documented success request: the list of integrations with TOKEN (or, where TOKEN may
       not list them, the job status of INTEGRATION_ID) must be answered 200 with a page, which
       shows the server is there, speaks this API and takes TOKEN;
    2. a trigger with TOKEN for a made-up ID must not be refused for TOKEN's permission (403):
       the probes need a key that may trigger; how it is answered otherwise is judged by the
       checks (`unknown-integration` and the observers);
    3. LIMITED_TOKEN is judged only from a request where the contract leaves the server no
       choice: one of an operation it lacks, for no ID or for INTEGRATION_ID (never a made-up
       one, as the order of the ID and permission checks is not promised).
    """
    established = _establish(run)
    exchange = run.sender.send(run.case(run.made_up_id(), key=run.options.token), label="preflight")
    if not established:
        _establish_by_trigger(run, exchange)
    if exchange.status == 403:
        permission = run.contract.trigger.permission
        raise CannotJudge(f"the given TOKEN lacks {permission} (403); pass a key that has it.")
    judge_unknown_id(run, exchange, strict=True)
    _judge_limited_token(run)


def _establish(run: Run) -> bool:
    """Step 1. True when a documented success request showed this API; False when TOKEN may read
    neither list (the trigger then has to show it). Raises CannotJudge otherwise.
    """
    contract, integration_id = run.contract, run.options.integration_id
    reads: list[tuple[Operation, str | None]] = [(contract.list_integrations, None)]
    if integration_id is not None:
        reads.append((contract.job_sync_status, integration_id))
    for operation, read_id in reads:
        exchange = run.sender.send(
            run.read_case(operation.operation_id, key=run.options.token, integration_id=read_id),
            label=f"preflight: {operation.operation_id}",
        )
        if _a_page_for_token(run, exchange):
            return True
        if exchange.status == 403:
            continue
        if read_id is not None and exchange.status in {400, 404} and exchange.is_json:
            raise _unknown_integration(read_id, exchange)
        request = f"{operation.method} {operation.path} with TOKEN"
        raise CannotJudge(_not_this_api(request, exchange))
    run.note("preflight: TOKEN may read neither list (403); a trigger showed this API")
    return False


def _a_page_for_token(run: Run, exchange: Exchange) -> bool:
    """Whether TOKEN's read was answered with a page; CannotJudge for no answer or a 401."""
    _token_taken(run, exchange)
    return results(exchange) is not None


def _establish_by_trigger(run: Run, exchange: Exchange) -> None:
    """Step 1 for a TOKEN that may read neither list: the made-up trigger's answer must be a JSON
    answer of this API (as the suite knew nothing else to ask).
    """
    _token_taken(run, exchange)
    status = exchange.status
    if (status is not None and (status >= 500 or 300 <= status < 400)) or not exchange.is_json:
        raise CannotJudge(_not_this_api("a trigger with TOKEN", exchange))


def _token_taken(run: Run, exchange: Exchange) -> None:
    """CannotJudge when the server did not answer, or refused TOKEN (401)."""
    _reachable(run, exchange)
    if exchange.status == 401:
        raise CannotJudge("the server rejected the given TOKEN (401); pass a valid REST API key.")


def _reachable(run: Run, exchange: Exchange) -> None:
    if exchange.response is None and exchange.sent:
        raise CannotJudge(f"no answer from {run.options.base_url}: {exchange.error}.")


def _not_this_api(request: str, exchange: Exchange) -> str:
    return (
        f"the server is unavailable or is not this API: {request} was answered "
        f"{_snippet(exchange.received())}, not 200 with a page of results."
    )


def _unknown_integration(integration_id: str, exchange: Exchange) -> CannotJudge:
    return CannotJudge(
        f"the server does not know INTEGRATION_ID {integration_id} ({exchange.status}); "
        "pass the ID of an existing integration."
    )


def _judge_limited_token(run: Run) -> None:
    """Step 3: LIMITED_TOKEN where the server has no choice.

    A 401 is never a choice (the key comes first, `authentication` holds servers to it), so an
    unknown LIMITED_TOKEN ends the run wherever it shows. A 403 for an operation the key lacks is
    the only right answer for a request with no ID or with INTEGRATION_ID; for a made-up ID a
    server may look the ID up first (404), which tells nothing. So: a list the key lacks (its
    permissions as LIMITED_PERMISSIONS declares them; undeclared, it is taken to lack only the
    trigger's); else a trigger for a made-up ID, and where that says nothing, a trigger for
    INTEGRATION_ID (which starts a sync if the key has the permission after all). A 2xx there,
    declared, is the server's fault, which the `permission` check reports; undeclared, it cannot
    tell a key that has the permission from a server that checks none, and the run ends.
    """
    limited = run.options.limited_token
    if limited is None or run.options.limited_token_lacks_permission:
        return
    declared = run.options.limited_permissions
    trigger = run.contract.trigger
    has = declared if declared is not None else run.contract.permissions() - {trigger.permission}
    integration_id = run.options.integration_id
    for operation in run.contract.operations.values():
        needs_id = "{integration_id}" in operation.path
        if operation.method != "GET" or operation.permission in has:
            continue
        if needs_id and integration_id is None:
            continue
        exchange = run.sender.send(
            run.read_case(
                operation.operation_id,
                key=limited,
                integration_id=integration_id if needs_id else None,
            ),
            label=f"preflight: LIMITED_TOKEN, {operation.operation_id}",
        )
        _known_limited_token(exchange)
        return
    if trigger.permission in has:
        return
    exchange = run.sender.send(run.case(run.made_up_id(), key=limited), label="preflight")
    _known_limited_token(exchange)
    if exchange.status == 403 or integration_id is None:
        return
    if exchange.succeeded:
        judge_unknown_id(run, exchange, strict=False)
        return
    exchange = run.sender.send(
        run.case(integration_id, key=limited), label="preflight: LIMITED_TOKEN, the trigger"
    )
    _known_limited_token(exchange)
    if exchange.succeeded and declared is None:
        raise CannotJudge(
            f"the given LIMITED_TOKEN was not refused with 403 but answered "
            f"{_snippet(exchange.received())} (a sync of INTEGRATION_ID started): either it has "
            f"{trigger.permission} or the server does not check it; pass a key that lacks it, or "
            "say what it has in LIMITED_PERMISSIONS (then such an answer is a finding)."
        )


def _known_limited_token(exchange: Exchange) -> None:
    if exchange.status == 401:
        raise CannotJudge(
            "the server does not know the given LIMITED_TOKEN (401); pass a valid key of the same "
            "workspace."
        )


def _snippet(text: str, length: int = 80) -> str:
    return text if len(text) <= length else text[: length - 3] + "..."


def explore(run: Run, *, seed: int) -> None:
    """Property-based exploration: requests generated from the document for every operation,
    judged by the observers.
    """
    headers = {"Authorization": f"Bearer {run.options.token}"}
    strategy = strategies.one_of(
        [operation.as_strategy(headers=headers) for operation in run.operations.values()]
    )
    left = run.sender.budget_left
    examples = run.options.max_examples if left is None else min(run.options.max_examples, left)
    if examples < 1:
        return

    @given(strategy)
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        verbosity=Verbosity.quiet,  # never print a generated case: it carries the key
    )
    def one(case: Case) -> None:
        run.generated_cases += 1
        exchange = run.sender.send(case, label="generated request")
        if case.operation.path == run.operation.path:
            judge_unknown_id(run, exchange, strict=False)

    hypothesis.seed(seed)(one)()


# Scenarios that follow the document's links (list -> status, trigger -> status, ...).
STATEFUL_SCENARIOS = 10
STATEFUL_STEPS = 3


def follow_links(run: Run, schema: Schema, *, seed: int) -> None:
    """Schemathesis' stateful phase: sequences of requests along the document's OpenAPI links,
    sent and judged like every other request. A link that would trigger a sync of an integration
    other than the user's is not followed: the suite starts syncs only where it was told to.
    """
    left = run.sender.budget_left
    scenarios = (
        STATEFUL_SCENARIOS if left is None else min(STATEFUL_SCENARIOS, left // STATEFUL_STEPS)
    )
    if scenarios < 1:
        return
    trigger = run.operation
    token = run.options.token

    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def call(self, case: Case, **kwargs: object) -> Response:
            if case.operation.path == trigger.path and (
                id_of(case) != (run.options.integration_id or "")
            ):
                hypothesis.reject()
            case.headers["Authorization"] = f"Bearer {token}"
            exchange = run.sender.send(case, label="a step along the document's links")
            run.linked_steps += 1
            if exchange.response is None:
                hypothesis.reject()
            return exchange.response

        def validate_response(
            self, response: Response, case: Case, *args: object, **kwargs: object
        ) -> None:
            """The observers judged the answer when it came."""

    machine_settings = settings(
        max_examples=scenarios,
        stateful_step_count=STATEFUL_STEPS,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        verbosity=Verbosity.quiet,
    )
    seeded = hypothesis.seed(seed)(Machine)
    try:
        run_state_machine_as_test(seeded, settings=machine_settings)
    except hypothesis.errors.Unsatisfiable:
        run.note("links: no sequence along the document's links could be built")
        return
    run.note(f"links: {run.linked_steps} requests in sequences along the document's links")


def last_read(run: Run) -> None:
    """One more read of INTEGRATION_ID's job status (every page), the run's last request: what
    it shows now is held to what earlier answers showed (`job-consistency`: a job seen ended
    never runs again), and it shows the integration reached after the list was read
    (`integration-listed`). The observers judge it; it needs no check of its own.
    """
    integration_id = run.options.integration_id
    if integration_id is None:
        return
    read_all_pages(
        run,
        run.contract.job_sync_status.operation_id,
        integration_id=integration_id,
        label="the job status, at the end of the run",
        max_pages=2 if run.compact else MAX_PAGES,
    )


def odd_inputs(run: Run) -> int:
    """Odd IDs and headers, for the robustness and conformance observers (within the budget)."""
    left = run.sender.budget_left
    odd_ids = ODD_IDS if left is None else ODD_IDS[:left]
    for integration_id in odd_ids:
        exchange = run.sender.send(
            run.case(integration_id, key=run.options.token), label="odd integration ID"
        )
        judge_unknown_id(run, exchange, strict=False)
    left = run.sender.budget_left
    odd_headers = ODD_HEADERS if left is None else ODD_HEADERS[:left]
    for headers in odd_headers:
        run.sender.send(
            run.case(run.made_up_id(), key=run.options.token, extra_headers=headers),
            label=f"odd header {next(iter(headers))}",
        )
    return len(odd_ids) + len(odd_headers)


def judge(
    options: Options, contract: Contract, *, progress: Callable[[str], None] = lambda line: None
) -> Result:
    """Hold the server at options.base_url to the contract; raises CannotJudge when it can't.

    `progress` gets a line at least every 10 s while the run waits (rate limit, busy integration).
    """
    started = time.perf_counter()
    seed = options.seed if options.seed is not None else random.SystemRandom().randrange(2**32)
    run: Run

    def observe(exchange: Exchange) -> None:
        for check in OBSERVERS:
            check.function(run.recorder(check.name), run, exchange)

    sender = Sender(
        contract=contract,
        base_url=options.base_url,
        observe=observe,
        progress=progress,
        bounds=Bounds(
            answer_seconds=options.answer_seconds, max_answer_bytes=options.max_answer_bytes
        ),
        run_seconds=options.run_seconds,
        budget=options.budget,
        keys=[key for key in (options.token, options.limited_token) if key is not None],
    )
    schema = schemathesis_schema(contract)
    run = Run(
        options=options,
        contract=contract,
        operations=schemathesis_operations(schema),
        sender=sender,
        check_names=tuple(check.name for check in CHECKS),
    )
    try:
        preflight(run)
        evidence = gather_evidence(run)
        for check in PROBES:
            check.function(run.recorder(check.name), run, evidence)
        odd_sent = odd_inputs(run)
        explore(run, seed=seed)
        follow_links(run, schema, seed=seed)
        last_read(run)
    finally:
        sender.close()
    if options.budget is not None:
        unexplored = options.max_examples - run.generated_cases
        spent = ", ".join(
            f"{sender.sent_per_window.get(window, 0)} of {allowed} to {window}"
            for window, allowed in sender.budgets.items()
        )
        run.note(
            f"the budget (--budget {options.budget}): {spent}; "
            f"not explored because of it: {max(0, unexplored)} of {options.max_examples} "
            f"generated requests, {len(ODD_IDS) + len(ODD_HEADERS) - odd_sent} of "
            f"{len(ODD_IDS) + len(ODD_HEADERS)} odd inputs"
            + (
                f", {sender.requests_over_budget} planned requests"
                if sender.requests_over_budget
                else ""
            )
        )
    for shape, count in sender.requests_given_up.items():
        run.note(
            f"{count} requests of the kind {shape} were not sent: two of them broke the answer "
            "deadline (robustness reports it), so the run did not wait out more"
        )
    if sender.requests_not_sent:
        run.note(
            f"the run reached its bound of {options.run_seconds:g} s (--run-deadline); "
            f"{sender.requests_not_sent} requests were not sent, and what they would have "
            "judged was not judged"
        )
    for check in CHECKS:
        state = run.recorder(check.name).state
        if state.status is Status.SKIPPED and state.skip_reason is None:
            state.skip_reason = "nothing it applies to was observed"
    return Result(
        base_url=options.base_url,
        contract_version=contract.version,
        checks=[(check, run.recorder(check.name).state) for check in CHECKS],
        notes=run.notes,
        requests_sent=sender.requests_sent,
        generated_cases=run.generated_cases,
        seconds=time.perf_counter() - started,
        seconds_waited=sender.seconds_waited,
        seed=seed,
        requests_not_sent=sender.requests_not_sent,
    )
