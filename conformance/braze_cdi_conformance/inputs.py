"""Odd inputs every door sends: the suite after its probes, schemathesis runs mixed into what they
generate (`conformance.schemathesis_hooks`). Each has broken a server somewhere: emoji, NUL, dot
segments, slashes, a lone percent sign, non-characters, a space, 4,000 characters, SQL.
"""

from __future__ import annotations

ODD_IDS = (
    "\U0001f600" * 40,
    "\x00",
    "..",
    "a/b",
    "%",
    "\ufffe\u202e",
    " ",
    "x" * 4_000,
    "' OR '1'='1",
)
ODD_HEADERS: tuple[dict[str, str], ...] = (
    {"Content-Type": "text/plain"},
    {"Content-Type": "application/json; charset=latin-1"},
    {"Accept": "text/html"},
    {"X-Forwarded-For": "not an address"},
)
