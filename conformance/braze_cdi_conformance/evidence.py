"""What the suite gathers for several probes at once, before any of them runs.

Braze's documented request (the contract's curl sample) is sent `--burst` times at the same moment
to the user's integration: one answer should start a sync, the others meet it running. If the
integration is already syncing when the run starts (its schedule fired), the suite waits for that
sync to end, bounded by `--busy-wait`, trying one documented request every few seconds. Then the
same request without its `Content-Type` follows while the sync runs. Each probe is handed this
evidence and judges its own part; none passes on evidence that shows no sync start.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from braze_cdi_contract import Contract

from braze_cdi_conformance import invariants
from braze_cdi_conformance.judgements import Problem
from braze_cdi_conformance.run import CannotJudge, Run
from braze_cdi_conformance.transport import RATE_LIMIT_RETRIES, Exchange, window_of

BUSY_POLL_SECONDS = 5.0
# Simultaneous triggers when a budget is set: enough for a race, few enough for one window.
COMPACT_BURST = 3
# The most pages the suite reads of one list.
MAX_PAGES = 20
LINK_PART = re.compile(r'<(?P<url>[^<>]*)>\s*;\s*rel="?(?P<rel>[a-z]+)"?')


@dataclass(frozen=True)
class Evidence:
    """The documented requests sent to the user's integration, and what they showed."""

    burst: tuple[Exchange, ...] = ()
    started: Exchange | None = None
    simultaneous: bool = False
    follow_up: Exchange | None = None
    follow_up_waited: bool = False
    # The integration's job status, read (every page) right after the follow-up.
    status_while_running: tuple[Exchange, ...] = ()
    missing: str | None = None


def _is_in_progress(run: Run, exchange: Exchange) -> bool:
    return exchange.status == 429 and exchange.message == (
        run.contract.messages.another_job_in_progress
    )


def _unknown_integration(run: Run, exchanges: list[Exchange]) -> bool:
    invalid = run.contract.messages.invalid_integration_id
    return all(
        exchange.status == 404 or (exchange.status == 400 and exchange.message == invalid)
        for exchange in exchanges
    )


def _burst(run: Run, integration_id: str) -> list[Exchange]:
    sender = run.sender
    size = min(run.options.burst, COMPACT_BURST) if run.compact else run.options.burst
    cases = [run.documented_case(integration_id) for _ in range(size)]
    exchanges = sender.send_together(cases, label="Braze's documented request, simultaneously")
    for _ in range(RATE_LIMIT_RETRIES):
        if not all(sender.is_rate_limited(exchange) for exchange in exchanges):
            break
        sender.wait_for_reset(window_of(cases[0]))
        exchanges = sender.send_together(cases, label="Braze's documented request, simultaneously")
    return exchanges


def _wait_for_idle(run: Run, integration_id: str) -> Exchange | None:
    """Try one documented request every few seconds until one is answered other than in
    progress, or time is up; the last answer (None: none was sent).
    """
    sender = run.sender
    deadline = time.monotonic() + run.options.busy_wait_seconds
    exchange = None
    while time.monotonic() < deadline:
        left = deadline - time.monotonic()
        sender.wait(
            min(BUSY_POLL_SECONDS, left),
            reason=f"for the running sync of {integration_id} to end "
            f"(at most {left:.0f} s more; --busy-wait)",
        )
        exchange = sender.send(
            run.documented_case(integration_id), label="Braze's documented request, after a wait"
        )
        if not _is_in_progress(run, exchange):
            return exchange
    return exchange


def _answered(exchange: Exchange) -> str:
    """How a trigger was answered, as the reason a check was skipped."""
    if exchange.status is None:
        return "a trigger got no answer that could be read"
    return f"a trigger was answered {exchange.status}, neither 202 nor the in-progress 429"


def gather_evidence(run: Run) -> Evidence:
    """Start one sync of the user's integration with Braze's documented request, and follow up."""
    integration_id = run.options.integration_id
    if integration_id is None:
        return Evidence(missing="no INTEGRATION_ID given")
    sender = run.sender
    burst = _burst(run, integration_id)
    if all(sender.is_rate_limited(exchange) for exchange in burst):
        return Evidence(tuple(burst), missing="rate limited on every attempt")
    if _unknown_integration(run, burst):
        raise CannotJudge(
            f"the server does not know INTEGRATION_ID {integration_id} ({burst[0].status}); "
            "pass the ID of an existing integration."
        )
    started = next((exchange for exchange in burst if exchange.succeeded), None)
    simultaneous = started is not None
    unread = next((exchange for exchange in burst if exchange.status is None), None)
    if started is None and unread is not None:
        # A trigger whose answer was lost may have started the sync the others met: there is no
        # sync the suite knows it started to follow (robustness names the lost answer).
        return Evidence(tuple(burst), missing=_answered(unread))
    if started is None and any(_is_in_progress(run, exchange) for exchange in burst):
        run.note(f"integration {integration_id} was syncing when the run started; waited for it")
        after = _wait_for_idle(run, integration_id)
        if after is None or _is_in_progress(run, after):
            return Evidence(
                tuple(burst),
                missing=f"the integration was syncing throughout the "
                f"{run.options.busy_wait_seconds:g} s the suite waited (--busy-wait)",
            )
        if not after.succeeded:
            return Evidence((*burst, after), missing=_answered(after))
        started = after
    if started is None:
        return Evidence(tuple(burst), simultaneous=True)
    waited_before = sender.seconds_waited
    follow_up = sender.send(
        run.documented_case(integration_id, content_type=False),
        label="the documented request without Content-Type, while the sync runs",
    )
    waited = sender.seconds_waited != waited_before
    pages = read_all_pages(
        run,
        run.contract.job_sync_status.operation_id,
        integration_id=integration_id,
        label="the job status, right after the sync started",
        max_pages=2 if run.compact else MAX_PAGES,
    )
    return Evidence(
        burst=tuple(burst),
        started=started,
        simultaneous=simultaneous,
        follow_up=follow_up,
        follow_up_waited=waited,
        status_while_running=tuple(pages),
    )


def read_all_pages(
    run: Run, operation_id: str, *, integration_id: str | None, label: str, max_pages: int
) -> list[Exchange]:
    """The pages of a list, following `rel="next"` links, until one is not a 200 page with a
    next link (at most `max_pages`).
    """
    pages: list[Exchange] = []
    cursor: str | None = None
    while len(pages) < max_pages:
        exchange = run.sender.send(
            run.read_case(
                operation_id, key=run.options.token, integration_id=integration_id, cursor=cursor
            ),
            label=label if not pages else f"{label} (page {len(pages) + 1})",
        )
        pages.append(exchange)
        if exchange.status != 200:
            break
        links = parse_link(exchange)
        cursor = cursor_of(links.get("next")) if links is not None else None
        if cursor is None:
            break
    return pages


def parse_link(exchange: Exchange) -> dict[str, str] | None:
    """The `Link` header as rel -> URL ({} when absent); None when it cannot be read."""
    if exchange.response is None:
        return {}
    values = exchange.response.headers.get("link") or exchange.response.headers.get("Link")
    if not values:
        return {}
    links: dict[str, str] = {}
    for part in ",".join(values).split(","):
        match = LINK_PART.fullmatch(part.strip())
        if match is None:
            return None
        links[match["rel"]] = match["url"]
    return links


def origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an absolute http(s) URL, the port filled in; None for a relative
    URL or one that cannot be read.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    scheme = parts.scheme.lower()
    return scheme, parts.hostname.lower(), port or {"https": 443, "http": 80}.get(scheme, 0)


def foreign(url: str, base_url: str) -> bool:
    """Whether a link's URL leads to another origin than the server's (a relative URL never
    does; an absolute one on the server's own scheme, host and port does not either).
    """
    if url.startswith("//"):  # a host without a scheme: the server's scheme applies
        url = f"{urlsplit(base_url).scheme}:{url}"
    there = origin(url)
    return there is not None and there != origin(base_url)


def cursor_of(url: str | None) -> str | None:
    """The `cursor` query parameter of a link's URL, or None."""
    if url is None:
        return None
    values = parse_qs(urlsplit(url).query).get("cursor")
    return values[0] if values else None


def results(exchange: Exchange) -> list[dict[str, object]] | None:
    """The `results` list of a 200 list answer, or None when it is not one."""
    if exchange.response is None or exchange.status != 200:
        return None
    try:
        body = exchange.response.json()
    except ValueError:
        return None
    items = body.get("results") if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        return None
    return items


def page_link_problems(
    links: dict[str, str], *, count: int, page_size: int, base_url: str, where: str
) -> list[Problem]:
    """What a page's own `Link` header breaks, for the suite's `paging` and the proxy alike:
    every URL on the server's origin, `rel="next"` only on a full page, and with a cursor.
    `where` names the page in each problem ("page 2 of the list of integrations").
    """
    problems = [
        Problem(
            what=f"The {relation} link of {where} leads to another origin",
            expected=f"a relative URL, or one on {base_url} (a client that follows the header "
            "sends its key there)",
            received=url[:200],
        )
        for relation, url in links.items()
        if foreign(url, base_url)
    ]
    if "next" in links and count != page_size:
        problems.append(
            Problem(
                what=f"{where[0].upper()}{where[1:]} names a next page but holds {count} items",
                expected=f"{page_size} items on every page but the last, and no next on the last",
            )
        )
    if "next" in links and cursor_of(links["next"]) is None:
        problems.append(
            Problem(
                what=f"The next link of {where} carries no cursor",
                expected="a URL with a cursor query parameter",
                received=links["next"][:200],
            )
        )
    return problems


def key_label(key: str | None) -> str:
    """An opaque label of a key: the same key, the same label; never the key itself."""
    if key is None:
        return "no key"
    return "key " + hashlib.sha256(key.encode()).hexdigest()[:16]


def trigger_outcome(contract: Contract, exchange: Exchange) -> invariants.TriggerOutcome:
    """What a trigger's answer says of the sync, as the invariants take it."""
    if exchange.response is None:
        return "unknown"  # no complete answer: it may have started a sync
    if exchange.succeeded:
        return "accepted"
    if exchange.status == 429 and exchange.message == contract.messages.another_job_in_progress:
        return "in-progress"
    return "refused"


def feed_invariants(
    ledger: invariants.Invariants[Exchange],
    contract: Contract,
    exchange: Exchange,
    *,
    operation_id: str,
    integration_id: str,
    sent: float,
    received: float,
) -> invariants.Judged[Exchange]:
    """Hand one exchange of a contract operation to the invariants (the suite's and the
    proxy's): a trigger with its outcome, a page of jobs or of integrations with its items.
    """
    principal = key_label(exchange.key_sent)
    if operation_id == contract.trigger.operation_id:
        return ledger.trigger(
            principal=principal,
            integration_id=integration_id,
            outcome=trigger_outcome(contract, exchange),
            sent=sent,
            received=received,
            ref=exchange,
        )
    items = results(exchange)
    if items is None:
        return invariants.Judged()
    if operation_id == contract.job_sync_status.operation_id:
        return ledger.job_page(
            principal=principal,
            integration_id=integration_id,
            items=items,
            sent=sent,
            received=received,
            ref=exchange,
        )
    links = parse_link(exchange) or {}
    cursor = (exchange.case.query or {}).get("cursor")
    return ledger.integration_page(
        principal=principal,
        cursor=None if cursor is None else str(cursor),
        next_cursor=cursor_of(links.get("next")),
        integration_ids=[str(item.get("integration_id", "")) for item in items],
        sent=sent,
        received=received,
        ref=exchange,
    )
