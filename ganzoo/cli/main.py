"""``ganzoo`` entry point: parses arguments, dispatches, turns user errors into exit status 2.

Every subcommand module exposes ``add_parser(subparsers)`` (which sets ``func`` on its parser)
and keeps heavy imports inside its ``run`` so that ``ganzoo --help`` and ``ganzoo list`` stay fast.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
from collections.abc import Sequence

from ganzoo import __version__
from ganzoo.registry.errors import GanzooError

#: Subcommand modules, in the order ``--help`` lists them.
COMMANDS = (
    "plugins",
    "list_cmd",
    "config_cmd",
    "train",
    "generate",
    "evaluate",
    "report",
    "compare",
    "demo",
    "new_plugin",
)

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, like every other bad input
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        if args.no_plugins:
            from ganzoo.plugins.manager import get_manager

            get_manager(discover=False)  # the process-wide manager, loaded without discovery
        return int(args.func(args) or 0)
    except GanzooError as err:
        print(f"ganzoo: error: {err}", file=sys.stderr)
        return EXIT_USAGE
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
