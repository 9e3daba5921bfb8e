"""The bundled servers: the reference, faulty servers that the suite must catch, and
valid-but-different servers that it must not flag. Each is the reference server with one change.

`python -m conformance.servers NAME` serves one on loopback and prints its base URL first.
"""

from __future__ import annotations

from conformance.servers.base import BundledServer
from conformance.servers.faulty import FAULTY
from conformance.servers.variants import VARIANTS

REFERENCE = BundledServer("reference", "The reference server, as the contract describes it.")


def registry() -> dict[str, BundledServer]:
    """Every bundled server by name: the reference first, then faulty, then valid variants."""
    return {server.name: server for server in [REFERENCE, *FAULTY, *VARIANTS]}
