"""`python -m proving_ground.judge [--server NAME] [SUITE OPTIONS]` (`bin/conformance`, `make
conformance`): the installed suite, `braze-cdi-conformance`, against a bundled server.

Without `--base-url` or BASE_URL it starts the bundled server NAME (the reference unless given)
as its own process, and runs the suite against it with the server's demo key, integration and
limited key in the suite's environment (never on a command line); the variables a user exported
for a server of their own are not passed on. With `--base-url` or BASE_URL it runs the suite as
given. The suite's exit status is this command's: 0 conformant, 1 a promise broken, 2 could not
judge.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from braze_cdi_conformance import SUITE_VARIABLES
from braze_cdi_contract.commandline import EXIT_USAGE, StartError, exit_with, server_process

from proving_ground.servers import registry
from tools import ROOT

SUITE = Path(sys.executable).parent / "braze-cdi-conformance"


def _server_name(argv: list[str]) -> tuple[str | None, list[str]]:
    """The `--server NAME` of the arguments (None if not given), and the other arguments."""
    rest, name = [], None
    words = iter(argv)
    for word in words:
        if word == "--server":
            name = next(words, "")
        elif word.startswith("--server="):
            name = word.removeprefix("--server=")
        else:
            rest.append(word)
    return name, rest


def _suite(arguments: list[str], environment: dict[str, str] | None = None) -> int:
    """Run the installed suite; a Ctrl-C while it runs is the suite's to answer (it prints its
    report or its one line, and exits 130), so it is passed on to it.
    """
    process = subprocess.Popen([str(SUITE), *arguments], env=environment)  # noqa: S603
    previous = signal.signal(signal.SIGINT, lambda number, frame: process.send_signal(number))
    try:
        return process.wait()
    finally:
        signal.signal(signal.SIGINT, previous)


def _given(arguments: list[str], option: str) -> bool:
    return any(word == option or word.startswith(f"{option}=") for word in arguments)


def main(argv: list[str] | None = None) -> int:
    """Run the suite against a bundled server, or as given; its exit status."""
    given = sys.argv[1:] if argv is None else argv
    name, rest = _server_name(given)
    own = _given(rest, "--base-url")
    asks = {"-h", "--help", "--version"} & set(rest) or rest[:1] == ["proxy"]
    if asks or (name is None and (own or os.environ.get("BASE_URL"))):
        return _suite(rest)
    if own:
        print("conformance: give --server or --base-url, not both (see --help)", file=sys.stderr)
        return EXIT_USAGE
    name = name or "reference"
    if name not in registry():
        known = ", ".join(registry())
        print(
            f"conformance: no bundled server named {name!r}; choose one of: {known}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    environment = {key: value for key, value in os.environ.items() if key not in SUITE_VARIABLES}
    try:
        with server_process("proving_ground", name, cwd=ROOT) as started:
            served = json.loads(started.first_line)
            environment |= {"TOKEN": served["token"], "INTEGRATION_ID": served["integration_id"]}
            command = ["--base-url", served["base_url"]]
            if not _given(rest, "--limited-token"):  # the demo's limited key, known to lack it
                environment["LIMITED_TOKEN"] = served["limited_token"]
                environment["LIMITED_PERMISSIONS"] = ",".join(served["limited_token_permissions"])
                command.append("--trust-limited-token")
            return _suite([*command, *rest], environment)
    except StartError as error:
        print(f"conformance: could not judge: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    exit_with(main, prog="conformance")
