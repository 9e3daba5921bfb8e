"""What a bundled server is: a reference server with one change, and the verdict it must get."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from conformance.reference.app import ReferenceServer
from conformance.reference.fixtures import Fixtures, demo_fixtures


@dataclass(frozen=True)
class BundledServer:
    """A server the suite can run against, and the verdict it must get.

    `caught_by` names the check that must catch a faulty server; None marks a server that must
    be judged conformant.
    """

    name: str
    description: str
    build: type[ReferenceServer] = ReferenceServer
    caught_by: str | None = None
    fixtures: Callable[[], Fixtures] = field(default=demo_fixtures)

    @property
    def faulty(self) -> bool:
        """Whether the suite must find this server non-conformant."""
        return self.caught_by is not None
