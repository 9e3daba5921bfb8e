"""The bundled servers: every check has a faulty server, and each server changes one thing."""

from __future__ import annotations

import inspect

import pytest
from braze_cdi_conformance.checks import CHECKS
from braze_cdi_reference.app import ReferenceServer

from proving_ground.faulty import FAULTY
from proving_ground.servers import REFERENCE, BundledServer, registry
from proving_ground.valid import VALID as VARIANTS

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
    assert len(SERVERS) == 1 + len(FAULTY) + len(VARIANTS)


def test_reference_is_served_unchanged() -> None:
    assert REFERENCE.build is ReferenceServer
    assert not REFERENCE.faulty


@pytest.mark.parametrize("server", FAULTY, ids=lambda server: server.name)
def test_faulty_server_changes_exactly_one_method(server: BundledServer) -> None:
    assert len(_own_methods(server)) == 1, _own_methods(server)


@pytest.mark.parametrize("server", FAULTY + VARIANTS, ids=lambda server: server.name)
def test_every_server_documents_itself(server: BundledServer) -> None:
    assert server.description.endswith(".")
