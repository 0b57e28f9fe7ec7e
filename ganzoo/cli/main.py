"""``ganzoo`` entry point: parses arguments, dispatches, turns user errors into exit status 2.

Every subcommand module exposes ``add_parser(subparsers)`` (which sets ``func`` on its parser)
and keeps heavy imports inside its ``run`` so that ``ganzoo --help`` and ``ganzoo list`` stay fast.
Plugins add subcommands through the ``ganzoo_register_commands`` hook (``ganzoo demo`` comes
from ganzoo-medical this way); they are listed after the built-in ones.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
from collections.abc import Sequence

from ganzoo import __version__, invocation
from ganzoo.registry.errors import GanzooError, describe_error

#: Subcommand modules, in the order ``--help`` lists them.
COMMANDS = (
    "plugins",
    "list_cmd",
    "show",
    "config_cmd",
    "validate",
    "train",
    "generate",
    "evaluate",
    "report",
    "compare",
    "weights",
    "new_plugin",
)

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, like every other bad input
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser(*, discover: bool | None = None) -> argparse.ArgumentParser:
    """The CLI's parser: the built-in subcommands, then those of the loaded plugins.

    ``discover=False`` leaves plugins out (``--no-plugins``); ``None`` follows
    ``GANZOO_DISABLE_PLUGINS``.
    """
    parser = _Parser(prog="ganzoo", description="A modular, plugin-based GAN zoo.")
    parser.add_argument("--version", action="version", version=f"ganzoo {__version__}")
    parser.add_argument(
        "--no-plugins",
        action="store_true",
        help="load only the built-in components (also: GANZOO_DISABLE_PLUGINS=1)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"ganzoo.cli.{name}")
        except ModuleNotFoundError as err:
            if err.name == f"ganzoo.cli.{name}":
                continue  # subcommand not shipped in this build
            raise
        module.add_parser(sub)
    _add_plugin_commands(sub, discover)
    return parser


def _add_plugin_commands(sub: argparse._SubParsersAction, discover: bool | None) -> None:
    """Subparsers for the registry's ``command`` entries; one that cannot be added is skipped
    with a warning on stderr, so a broken plugin never takes the CLI down."""
    from ganzoo.plugins.manager import get_manager

    owners = dict.fromkeys(sub.choices, "ganzoo")
    for entry in get_manager(discover=discover).registry.entries("command"):
        if entry.name in owners:
            _skip(entry.provider, entry.name, f"the name is taken by {owners[entry.name]}")
            continue
        try:
            configure = entry.load()
            parser = sub.add_parser(entry.name, help=entry.summary, description=entry.summary)
            configure(parser)
        except Exception as err:  # noqa: BLE001 - a plugin's bug is reported, not fatal
            sub.choices.pop(entry.name, None)
            sub._choices_actions[:] = [a for a in sub._choices_actions if a.dest != entry.name]
            _skip(entry.provider, entry.name, describe_error(err))
            continue
        owners[entry.name] = entry.provider


def _skip(provider: str, name: str, why: str) -> None:
    print(f"ganzoo: warning: {provider} command {name!r} skipped: {why}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # plugins are loaded to build the parser (they may add subcommands), so --no-plugins is read first
    parser = build_parser(discover=False if "--no-plugins" in argv else None)
    args = parser.parse_args(argv)
    invocation.record(["ganzoo", *argv])
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args) or 0)
    except GanzooError as err:  # one line even when it quotes user data with line breaks in it
        message = str(err).strip().replace("\r", "\\r").replace("\n", "\\n")
        print(f"ganzoo: error: {message}", file=sys.stderr)
        return err.exit_code
    except BrokenPipeError:  # output piped into head & co.
        return 0
    except OSError as err:  # unreadable/unwritable paths the user named: one line, not a traceback
        where = f"{err.filename}: " if err.filename else ""
        print(f"ganzoo: error: {where}{err.strerror or err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as err:  # TrainingInterrupted says where training stopped and how to go on
        print(f"ganzoo: interrupted: {err}" if str(err) else "ganzoo: interrupted", file=sys.stderr)
        return 128 + getattr(err, "signum", signal.SIGINT)


if __name__ == "__main__":
    raise SystemExit(main())
