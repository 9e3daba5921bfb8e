"""The bundled servers: every check has a faulty server, and each server changes one thing."""

from __future__ import annotations

import inspect

import pytest
from braze_cdi_conformance.checks import CHECKS
from braze_cdi_reference.app import ReferenceServer

from proving_ground.faulty import FAULTY
from proving_ground.servers import REFERENCE, BundledServer, registry
from proving_ground.valid import VALID as VARIANTS
from proving_ground.wire import WIRE_FAULTY, WIRE_VALID
from tools import ROOT

SERVERS = registry()


def _own_methods(server: BundledServer) -> set[str]:
    """Methods the server's class defines itself, below the reference."""
    names: set[str] = set()
    for klass in inspect.getmro(server.build):
        if klass is ReferenceServer:
            break
        names |= {
            name for name, value in vars(klass).items() if callable(value) and name != "__init__"
        }
    return names


def test_every_check_has_a_faulty_server_that_it_must_catch() -> None:
    caught = {server.caught_by for server in FAULTY}
    assert {check.name for check in CHECKS} <= caught


def test_every_faulty_server_names_an_existing_check() -> None:
    names = {check.name for check in CHECKS}
    assert all(server.caught_by in names for server in FAULTY)


def test_there_are_enough_faulty_and_valid_servers() -> None:
    assert len(FAULTY) >= 20
    assert len(VARIANTS) >= 5
    assert not any(server.faulty for server in VARIANTS)


def test_server_names_are_unique() -> None:
    variants = {server.name: server for server in VARIANTS}
    wire_only = [s.name for s in [*WIRE_FAULTY, *WIRE_VALID] if s.name not in variants]
    names = [server.name for server in [REFERENCE, *FAULTY, *VARIANTS]] + wire_only
    assert len(set(names)) == len(names) == len(SERVERS)
    # A wire server that bears a valid server's name is that server, for the proxy's traffic.
    shared = [s for s in WIRE_VALID if s.name in variants]
    assert all(s.description == variants[s.name].description for s in shared)


def test_a_server_that_differs_on_the_wire_is_served_as_it_is() -> None:
    wire = [server for server in SERVERS.values() if server.serve is not None]
    listed = {server.name for server in VARIANTS}  # a valid server the proxy's traffic uses too
    expected = {s.name for s in [*WIRE_FAULTY, *WIRE_VALID] if s.name not in listed}
    assert {server.name for server in wire} == expected
    assert all(server.build is ReferenceServer for server in wire)  # what serve() wraps


def test_reference_is_served_unchanged() -> None:
    assert REFERENCE.build is ReferenceServer
    assert not REFERENCE.faulty


@pytest.mark.parametrize("server", FAULTY, ids=lambda server: server.name)
def test_faulty_server_changes_exactly_one_method(server: BundledServer) -> None:
    assert len(_own_methods(server)) == 1, _own_methods(server)


@pytest.mark.parametrize("server", FAULTY + VARIANTS, ids=lambda server: server.name)
def test_every_server_documents_itself(server: BundledServer) -> None:
    assert server.description.endswith(".")


def test_the_proving_grounds_page_counts_the_servers_there_are() -> None:
    page = (ROOT / "docs" / "proving-ground.md").read_text(encoding="utf-8")
    variants = {server.name for server in VARIANTS}
    wire_valid = [server for server in WIRE_VALID if server.name not in variants]
    wire = len(WIRE_FAULTY) + len(wire_valid)
    assert f"**{len(FAULTY)} faulty servers** (`proving_ground/faulty.py`)" in page
    assert f"**{len(VARIANTS)} valid servers** (`proving_ground/valid.py`)" in page
    assert f"**{wire} servers that differ on the wire** (`proving_ground/wire.py`)" in page
    assert f"{len(WIRE_FAULTY)} faulty and {len(wire_valid)} valid" in page


def test_the_latest_matrix_on_the_site_has_a_row_for_every_server() -> None:
    # The page is pasted from a run of `make mutants`: a server added since is missing from it.
    for page in ("proving-ground-results.md", "proving-ground-others.md"):
        text = (ROOT / "docs" / page).read_text(encoding="utf-8")
        rows = {line.split("|")[1].strip() for line in text.splitlines() if line.startswith("| ")}
        assert set(SERVERS) <= rows, (page, sorted(set(SERVERS) - rows))
