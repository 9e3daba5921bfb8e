"""Valid-but-different servers: choices the contract allows and the reference does not make."""

from __future__ import annotations

from conformance.servers.base import BundledServer

VARIANTS: list[BundledServer] = []
