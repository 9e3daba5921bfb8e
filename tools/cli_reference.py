"""Every command's reference, written from its own parser and exit statuses: the docs site's
command reference and its one page of exit statuses cannot disagree with what the commands do.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    """One command users run: its name, its parser, and what each exit status means."""

    name: str
    parser: Callable[[], argparse.ArgumentParser]
    exits: Callable[[], Mapping[int, str]]
    package: str


def commands() -> list[Command]:
    """The commands, each from its own package."""
    from braze_cdi_conformance import __main__ as suite  # noqa: PLC0415 - imported when asked
    from braze_cdi_conformance import proxy  # noqa: PLC0415
    from braze_cdi_reference import __main__ as reference  # noqa: PLC0415
    from braze_cdi_sync import cli  # noqa: PLC0415

    return [
        Command("braze-cdi", cli.parser, lambda: cli.EXIT_CODES, "braze-cdi-sync"),
        Command(
            "braze-cdi-conformance",
            suite.parser,
            lambda: suite.EXIT_STATUSES,
            "braze-cdi-conformance",
        ),
        Command(
            "braze-cdi-conformance proxy",
            proxy.parser,
            lambda: proxy.EXIT_STATUSES,
            "braze-cdi-conformance",
        ),
        Command(
            "braze-cdi-reference",
            reference._parser,
            lambda: reference.EXIT_STATUSES,
            "braze-cdi-reference",
        ),
    ]


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _default(action: argparse.Action) -> str:
    if action.default in (None, False, argparse.SUPPRESS) or action.nargs == 0:
        return ""
    return f"`{action.default}`"


def _options(parser: argparse.ArgumentParser) -> list[str]:
    """A table row per option or argument of a parser (what --help hides, left out)."""
    rows = []
    for action in parser._actions:
        if action.help == argparse.SUPPRESS or isinstance(action, argparse._SubParsersAction):
            continue
        names = ", ".join(f"`{name}`" for name in action.option_strings) or f"`{action.dest}`"
        if action.option_strings and action.nargs != 0:
            names += f" `{action.metavar or action.dest.upper()}`"
        if action.choices and not isinstance(action.choices, dict):
            names += " (" + ", ".join(f"`{choice}`" for choice in action.choices) + ")"
        help_text = (action.help or "") % {"default": action.default, "prog": parser.prog}
        rows.append(f"| {names} | {_default(action)} | {_cell(help_text)} |")
    return ["| option | default | what it does |", "| --- | --- | --- |", *rows]


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def reference_markdown() -> str:
    """The command reference: per command its synopsis, its options and its exit statuses."""
    parts: list[str] = []
    for command in commands():
        parser = command.parser()
        usage = " ".join(parser.format_usage().removeprefix("usage: ").split())
        parts += [f"## `{command.name}`", "", f"From the package `{command.package}`.", ""]
        parts += ["```text", usage, "```", "", *_options(parser), ""]
        for name, sub in _subcommands(parser).items():
            sub_usage = " ".join(sub.format_usage().removeprefix("usage: ").split())
            parts += [f"### `{command.name} {name}`", "", "```text", sub_usage, "```", ""]
            parts += [*_options(sub), ""]
        statuses = f"exit-statuses.md#{_anchor(command.name)}"
        parts += [f"Exit statuses: see [every command's]({statuses})."]
        parts.append("")
    return "\n".join(parts)


def _anchor(name: str) -> str:
    return name.replace(" ", "-")


def exit_statuses_markdown() -> str:
    """One table per command of what each exit status means."""
    parts: list[str] = []
    for command in commands():
        parts += [f"## `{command.name}`", "", "| exit | meaning |", "| --- | --- |"]
        parts += [f"| {code} | {_cell(meaning)} |" for code, meaning in command.exits().items()]
        parts.append("")
    return "\n".join(parts)
