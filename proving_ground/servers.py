"""What a bundled server is, and the registry of all of them by name."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from braze_cdi_contract import Contract
from braze_cdi_reference.app import ReferenceServer
from braze_cdi_reference.fixtures import Fixtures, demo_fixtures


@dataclass(frozen=True)
class BundledServer:
    """A server the suite can be run against, and the verdict it must get.

    `caught_by` names the check that must catch a faulty server; None marks a valid server, which
    must be judged conformant.
    """

    name: str
    description: str
    build: type[ReferenceServer] = ReferenceServer
    caught_by: str | None = None
    fixtures: Callable[[Contract], Fixtures] = field(default=demo_fixtures)
    # False for a fault only a sequence of answers shows (the suite's memory finds it; a check
    # that sees one answer at a time, as schemathesis' do, cannot).
    seen_in_one_answer: bool = True
    # True for a fault that is crossing one of the suite's own bounds (the answer deadline, the
    # size bound), which schemathesis does not have: its runs are not required to name it.
    crosses_a_bound: bool = False
    # False for a server whose answers never end: schemathesis reads an answer whole, so a run
    # of it against this server would not end either (the matrix does not run one).
    ends_its_answers: bool = True
    # False for a fault the suite finds only in its full run (a budget leaves out the wait
    # it takes to show it).
    caught_within_budget: bool = True
    # How a server that differs on the wire is served (yielding its base URL), where a subclass of
    # the reference served by uvicorn as it is cannot show the difference; None: `build` it.
    serve: Callable[[Contract], AbstractContextManager[str]] | None = None

    @property
    def faulty(self) -> bool:
        """Whether the suite must find this server non-conformant."""
        return self.caught_by is not None


def described(
    name: str,
    server: type[ReferenceServer],
    *,
    caught_by: str | None = None,
    seen_in_one_answer: bool = True,
    crosses_a_bound: bool = False,
    ends_its_answers: bool = True,
    caught_within_budget: bool = True,
) -> BundledServer:
    """A bundled server whose description is its class's docstring."""
    return BundledServer(
        name=name,
        description=(server.__doc__ or "").strip(),
        build=server,
        caught_by=caught_by,
        seen_in_one_answer=seen_in_one_answer,
        crosses_a_bound=crosses_a_bound,
        ends_its_answers=ends_its_answers,
        caught_within_budget=caught_within_budget,
    )


REFERENCE = BundledServer("reference", "The reference server, as the contract describes it.")


def registry() -> dict[str, BundledServer]:
    """Every bundled server by name: the reference first, then faulty, then valid servers (each
    group ending with the servers that differ on the wire).
    """
    from proving_ground.faulty import FAULTY  # noqa: PLC0415 - they import this module
    from proving_ground.valid import VALID  # noqa: PLC0415
    from proving_ground.wire import WIRE_FAULTY, WIRE_VALID, bundled  # noqa: PLC0415

    # The wire lists hold two of the valid servers too (for the proxy's traffic): listed once.
    listed = {server.name for server in VALID}
    wire_valid = [bundled(server) for server in WIRE_VALID if server.name not in listed]
    servers = [REFERENCE, *FAULTY, *map(bundled, WIRE_FAULTY), *VALID, *wire_valid]
    return {server.name: server for server in servers}
