"""What the proxy judges that the suite's observers do not: rules one answer shows once its
request is known (no key, which 429 an operation may give, a page's links), and paging over the
runs of pages clients read, as the traffic shows them.

Every rule here is one the suite's checks apply to their own requests, recorded under the same
check's name; none needs to know the key or anything the traffic does not show.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass, field

from braze_cdi_contract import Contract

from braze_cdi_conformance import invariants
from braze_cdi_conformance.evidence import (
    cursor_of,
    feed_invariants,
    page_link_problems,
    parse_link,
    results,
)
from braze_cdi_conformance.run import Recorder
from braze_cdi_conformance.transport import Exchange

# The runs of pages whose next page a client may still ask for (the least recent forgotten).
MAX_OPEN_RUNS = 1_000


def judge_no_key(check: Recorder, contract: Contract, exchange: Exchange) -> None:
    """A request without an `Authorization` header is answered 401 (no workspace is known, so
    it cannot be rate limited, in progress or found either).
    """
    if exchange.response is None or _has_header(exchange, "authorization"):
        return
    if exchange.case.method.upper() not in contract.methods_at(exchange.case.operation.path):
        return
    check.applied()
    if exchange.status != 401:
        check.fail(
            exchange,
            what=f"A request with no key was not rejected with 401 ({exchange.label})",
            expected=f"401 {contract.messages.invalid_api_key}",
        )


def _has_header(exchange: Exchange, name: str) -> bool:
    return any(str(key).lower() == name for key in (exchange.case.headers or {}))


@dataclass
class PageRun:
    """One client's run through a list: the pages it read, by the cursors it followed."""

    pages: list[tuple[str, ...]] = field(default_factory=list)  # each page's items
    cursors: set[str] = field(default_factory=set)  # the cursors followed
    reported: set[str] = field(default_factory=set)  # what was found already (once a run)


class PageRuns:
    """Paging as the traffic shows it: each first page begins a run, each page read with a
    cursor a run's last page named continues it; the suite's paging rules, run by run.
    """

    def __init__(self, contract: Contract, upstream: str) -> None:
        self.contract = contract
        self.upstream = upstream
        # (scope, cursor) -> the run whose last page named that cursor as its next.
        self.open: OrderedDict[tuple[str, str], PageRun] = OrderedDict()

    def judge(self, check: Recorder, exchange: Exchange, *, scope: str, by_id: bool) -> None:
        """Judge one answer of a list operation (`scope`: the operation and integration)."""
        items = results(exchange)
        if items is None:
            return  # not a page (response-conformance judges what it is)
        check.applied()
        links = parse_link(exchange)
        if links is None:
            check.fail(
                exchange,
                what=f"The Link header of a page cannot be read ({exchange.label})",
                expected='<URL>; rel="prev", <URL>; rel="next"',
            )
            return
        self._judge_links(check, exchange, links, len(items))
        following = cursor_of(links.get("next"))
        cursor = (exchange.case.query or {}).get("cursor")
        run: PageRun | None
        if cursor is None:
            run = PageRun()
            if "prev" in links:
                check.fail(
                    exchange,
                    what=f"The first page names a previous page ({exchange.label})",
                    expected='no rel="prev" on a request without cursor',
                    received=str(links),
                )
        else:
            run = self.open.pop((scope, str(cursor)), None)
            if run is not None and "prev" not in links:
                check.fail(
                    exchange,
                    what=f"Page {len(run.pages) + 1}, reached by a next link, names no previous "
                    f"page ({exchange.label})",
                    expected='rel="prev" after the first page',
                    received=str(links) or "no Link header",
                )
        if run is None:
            return  # a page of a run the proxy did not see begin: its own rules only
        self._judge_run(check, exchange, run, items=items, by_id=by_id, cursor=cursor)
        if following is not None:
            self.open[(scope, following)] = run
            self.open.move_to_end((scope, following))
            while len(self.open) > MAX_OPEN_RUNS:
                self.open.popitem(last=False)

    def _judge_links(
        self, check: Recorder, exchange: Exchange, links: dict[str, str], count: int
    ) -> None:
        """The rules a page's own links show (the suite's, `page_link_problems`)."""
        for problem in page_link_problems(
            links,
            count=count,
            page_size=self.contract.jobs.page_size,
            base_url=self.upstream,
            where="a page",
        ):
            check.fail(
                exchange,
                what=f"{problem.what} ({exchange.label})",
                expected=problem.expected,
                received=problem.received,
            )

    def _judge_run(
        self,
        check: Recorder,
        exchange: Exchange,
        run: PageRun,
        *,
        items: list[dict[str, object]],
        by_id: bool,
        cursor: object,
    ) -> None:
        keys = tuple(
            str(item.get("integration_id")) if by_id else json.dumps(item, sort_keys=True)
            for item in items
        )
        number = len(run.pages) + 1

        def once(kind: str, *, what: str, expected: str, received: str) -> None:
            if kind not in run.reported:
                run.reported.add(kind)
                check.fail(
                    exchange,
                    what=f"{what} ({exchange.label})",
                    expected=expected,
                    received=received,
                )

        if keys and keys in run.pages:
            once(
                "repeat",
                what=f"Page {number} of a list is page {run.pages.index(keys) + 1} again "
                "(its cursor was ignored, or leads back)",
                expected='each next page new, until a page without rel="next"',
                received=f"the same {len(keys)} items",
            )
        else:
            earlier = {key for page in run.pages for key in page}
            again = [key for key in keys if key in earlier]
            if again:
                once(
                    "overlap",
                    what=f"An item of page {number} of a list came on an earlier page too",
                    expected="every item once",
                    received=again[0][:120],
                )
        links = parse_link(exchange) or {}
        following = cursor_of(links.get("next"))
        if cursor is not None:
            run.cursors.add(str(cursor))
        if following is not None and following in run.cursors:
            once(
                "back",
                what=f"The next link of page {number} of a list leads back to a page read already",
                expected="a cursor that leads on",
                received=links["next"][:200],
            )
        run.pages.append(keys)


# The promises that tie answers together (invariants.py), over the answers the proxy passes on.

INVARIANT_PROMISES = {
    invariants.JOB_CONSISTENCY: "A job never finishes before it starts nor runs again once "
    "ended, no two run at once, and one accepted trigger makes at most one new job.",
    invariants.INTEGRATION_LISTED: "The list of integrations holds every integration the same "
    "key triggers or reads the job status of.",
}


class CrossAnswers:
    """Feeds the invariants every answer of the contract's operations, in the order they were
    judged, each request's key by an opaque label (a digest, never the key).

    The proxy sees only what its clients send, often a single read of the list of integrations
    at a pipeline's start: evidence on either side of that read is enough (`either_side`), which
    would report an integration created or deleted just then.
    """

    def __init__(self, contract: Contract) -> None:
        self.contract = contract
        self.invariants: invariants.Invariants[Exchange] = invariants.Invariants(
            running=contract.jobs.running, ended=contract.jobs.ended, either_side=True
        )

    def feed(
        self, exchange: Exchange, *, operation_id: str, integration_id: str, received: float
    ) -> invariants.Judged[Exchange]:
        """What one exchange shows together with the answers before it."""
        contract = self.contract
        if exchange.response is None and exchange.error is None:
            return invariants.Judged()
        if (
            operation_id == contract.trigger.operation_id
            and exchange.case.method.upper() != contract.trigger.method
        ):
            return invariants.Judged()
        return feed_invariants(
            self.invariants,
            contract,
            exchange,
            operation_id=operation_id,
            integration_id=integration_id,
            sent=exchange.sent_at,
            received=received,
        )
