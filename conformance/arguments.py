"""Command-line plumbing shared by every entry point: one-line errors, checked numbers, Ctrl-C."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
HIGHEST_PORT = 65_535


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see --help)\n")


def port(text: str) -> int:
    """A TCP port number, 0 meaning any free one."""
    value = int(text)
    if not 0 <= value <= HIGHEST_PORT:
        raise argparse.ArgumentTypeError(f"a port is 0 to {HIGHEST_PORT}, not {value}")
    return value


def positive(text: str) -> int:
    """A whole number of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def run(main: Callable[[], int], *, prog: str) -> None:
    """Run a main function and exit with its code; Ctrl-C ends it with one line, no traceback."""
    try:
        code = main()
    except KeyboardInterrupt:
        print(f"{prog}: interrupted.", file=sys.stderr)
        code = EXIT_INTERRUPTED
    sys.exit(code)
