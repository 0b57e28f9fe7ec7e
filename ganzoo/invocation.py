"""How this process was invoked, for run manifests.

The CLI records the command it parsed (``ganzoo train exp.toml --set ...``), which is what a
user typed even when [`ganzoo.cli.main.main`][ganzoo.cli.main.main] is called in-process; Python API users get the
interpreter's ``sys.argv``. Import-cheap: the CLI imports it before any subcommand.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

_recorded: list[str] | None = None


def record(argv: Sequence[str]) -> None:
    """Remember ``argv`` (program name first) as this process's command line."""
    global _recorded
    _recorded = list(argv)


def command_line() -> list[str]:
    """The recorded command, else ``sys.argv`` with the program's path shortened to its name."""
    if _recorded is not None:
        return list(_recorded)
    program = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    return [program, *sys.argv[1:]]
