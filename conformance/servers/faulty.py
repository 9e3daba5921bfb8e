"""Faulty servers: the reference with one documented fault, and the check that catches it."""

from __future__ import annotations

from conformance.servers.base import BundledServer

FAULTY: list[BundledServer] = []
