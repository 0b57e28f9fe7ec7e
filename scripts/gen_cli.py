"""Generate the CLI reference from the argparse parser itself (run by mkdocs-gen-files).

Each subcommand's ``--help`` text, nested subcommands included, rendered at a fixed width so
the page does not depend on the terminal that built it.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator

from ganzoo.cli.main import build_parser

PAGE = "guide/cli.md"
WIDTH = "100"


def subcommands(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """Every subparser below ``parser``, depth first, each once (aliases skipped)."""
    seen: set[int] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                if id(sub) in seen:
                    continue
                seen.add(id(sub))
                yield sub
                yield from subcommands(sub)


def cli_markdown(parser: argparse.ArgumentParser) -> str:
    """The reference page: the top-level help, then one section per subcommand."""
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = WIDTH  # argparse reads the width when it formats
    try:
        parts = [
            "# CLI reference",
            "",
            "Generated from `ganzoo`'s own argument parser. Every command exits with status 2 and",
            "a one-line error naming the culprit when the input is wrong.",
            "",
            f"## `{parser.prog}`",
            "",
            "```text",
            parser.format_help().rstrip(),
            "```",
            "",
        ]
        for sub in subcommands(parser):
            parts += [f"## `{sub.prog}`", "", "```text", sub.format_help().rstrip(), "```", ""]
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous
    return "\n".join(parts) + "\n"


def main() -> None:
    import mkdocs_gen_files

    with mkdocs_gen_files.open(PAGE, "w") as fh:
        fh.write(cli_markdown(build_parser()))


if __name__ in {"__main__", "<run_path>"}:
    main()
