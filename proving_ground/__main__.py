"""`python -m proving_ground NAME [--port N]`: serve a bundled server on 127.0.0.1.

The first line printed announces it as JSON: `base_url`, and the demo `token`, `limited_token`
and `integration_id` a run against it uses, and that the limited key lacks the trigger's
permission (`python -m conformance --server NAME` reads it).
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager

from braze_cdi_contract import Contract
from braze_cdi_contract import load as load_contract
from braze_cdi_contract.commandline import Parser, exit_with, port
from braze_cdi_contract.serving import base_url, bind_loopback, run_until_stopped, uvicorn_server
from braze_cdi_reference.fixtures import DEMO_INTEGRATIONS, DEMO_KEY, DEMO_LIMITED_KEY, Fixtures

from proving_ground.servers import BundledServer, registry


def main(argv: list[str] | None = None) -> int:
    """Serve the named server until interrupted; the first line printed announces it."""
    servers = registry()
    parser = Parser(prog="python -m proving_ground")
    parser.add_argument("name", help="one of: " + ", ".join(servers))
    parser.add_argument("--port", type=port, default=0, help="port on 127.0.0.1 (0: any free)")
    arguments = parser.parse_args(argv)
    server = servers.get(arguments.name)
    if server is None:
        print(
            f"proving_ground: no server named {arguments.name!r}; "
            f"choose one of: {', '.join(servers)}.",
            file=sys.stderr,
        )
        return 2
    if server.serve is not None:
        return _serve_on_the_wire(server, server.serve, arguments.port)
    try:
        sock = bind_loopback(arguments.port)
    except OSError as error:
        print(
            f"proving_ground: cannot listen on 127.0.0.1:{arguments.port}: {error.strerror}.",
            file=sys.stderr,
        )
        return 2
    contract = load_contract()
    fixtures = server.fixtures(contract)
    application = server.build(fixtures, contract=contract).app
    run_until_stopped(
        uvicorn_server(application),
        sock,
        announce=lambda: _announce(base_url(sock), fixtures),
    )
    return 0


def _announce(url: str, fixtures: Fixtures) -> None:
    announcement = {
        "base_url": url,
        "token": DEMO_KEY,
        "limited_token": DEMO_LIMITED_KEY,
        "integration_id": DEMO_INTEGRATIONS[0],
        "limited_token_lacks_permission": True,
        "limited_token_permissions": sorted(fixtures.keys[DEMO_LIMITED_KEY].permissions),
    }
    print(json.dumps(announcement), flush=True)


def _serve_on_the_wire(
    server: BundledServer, serve: Callable[[Contract], AbstractContextManager[str]], port: int
) -> int:
    """Serve a server that differs on the wire (its own front or keep-alive) until SIGINT or
    SIGTERM; it takes a free port of its own.
    """
    if port:
        print(
            f"proving_ground: {server.name} listens on a free port of its own; leave out --port.",
            file=sys.stderr,
        )
        return 2
    contract = load_contract()
    stopped = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda number, frame: stopped.set())
    try:
        with serve(contract) as url:
            _announce(url, server.fixtures(contract))
            stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


if __name__ == "__main__":
    exit_with(main, prog="proving_ground")
