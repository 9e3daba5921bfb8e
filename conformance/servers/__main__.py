"""`python -m conformance.servers NAME [--port N]`: serve a bundled server on 127.0.0.1."""

from __future__ import annotations

import sys

from conformance.arguments import Parser, port, run
from conformance.servers import registry
from conformance.serving import base_url, bind_loopback, uvicorn_server


def main(argv: list[str] | None = None) -> int:
    """Serve the named server until interrupted; the first line printed is its base URL."""
    servers = registry()
    parser = Parser(prog="python -m conformance.servers")
    parser.add_argument("name", help="one of: " + ", ".join(servers))
    parser.add_argument("--port", type=port, default=0, help="port on 127.0.0.1 (0: any free)")
    arguments = parser.parse_args(argv)
    server = servers.get(arguments.name)
    if server is None:
        print(
            f"servers: no server named {arguments.name!r}; choose one of: {', '.join(servers)}.",
            file=sys.stderr,
        )
        return 2
    try:
        sock = bind_loopback(arguments.port)
    except OSError as error:
        print(
            f"servers: cannot listen on 127.0.0.1:{arguments.port}: {error.strerror}.",
            file=sys.stderr,
        )
        return 2
    print(base_url(sock), flush=True)
    try:
        uvicorn_server(server.build(server.fixtures()).app).run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn re-raises the signal after a graceful shutdown
    finally:
        sock.close()
    return 0


if __name__ == "__main__":
    run(main, prog="servers")
