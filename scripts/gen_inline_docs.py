"""Keep the code and tables that live *inside* the Markdown sources in step with the code.

The docs are read in two ways: as the built site, and as plain Markdown on GitHub or in an
editor. Snippet includes and generated pages exist only in the first, so what a reader of the
plain file must see is written into the file itself, and this script rewrites it:

- a listing marked ``<!-- listing: PATH -->`` (the line just before a fenced code block) holds
  the text of ``PATH`` (relative to the repository root), e.g. a file of the example plugin;
- a region between ``<!-- generated: KEY -->`` and ``<!-- /generated: KEY -->`` holds the output
  of :data:`REGIONS` ``[KEY]``, e.g. the table of ``[train]`` keys built from ``TrainConfig``.

Run ``python scripts/gen_inline_docs.py`` after changing the example plugin or the config
models; ``--check`` only reports stale pages (tests/docs runs the same comparison).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[1]
#: Markdown sources that contain listings or generated regions.
PAGES = ("docs/plugins/tutorial.md", "docs/plugins/testing.md", "docs/guide/experiment.md")

LISTING = re.compile(
    r"^<!-- listing: (?P<path>\S+) -->\n(?P<open>(?P<fence>```+)[^\n]*\n)(?P<body>.*?)^(?P=fence)$",
    flags=re.S | re.M,
)
REGION = re.compile(
    r"^(?P<open><!-- generated: (?P<key>[\w-]+) -->\n)(?P<body>.*?)^(?P<close><!-- /generated: (?P=key) -->)$",
    flags=re.S | re.M,
)


def normalise(text: str) -> str:
    """Text compared line by line: trailing spaces and surrounding blank lines do not count."""
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def listings(text: str) -> list[tuple[str, str]]:
    """``(source path, listing body)`` of every marked listing of a page, in page order."""
    return [(m["path"], m["body"]) for m in LISTING.finditer(text)]


def regions(text: str) -> list[tuple[str, str]]:
    """``(key, body)`` of every generated region of a page, in page order."""
    return [(m["key"], m["body"]) for m in REGION.finditer(text)]


def keys_table(model: type[BaseModel]) -> str:
    """The Markdown table of a config table's keys: key, type, default, one-line meaning."""
    from gen_catalogue import fields_table

    return "\n".join(fields_table(dict(model.model_fields))).replace("| parameter |", "| key |", 1)


def _train_keys() -> str:
    from ganzoo.registry.config import TrainConfig

    return keys_table(TrainConfig)


def _eval_keys() -> str:
    from ganzoo.metrics.configs import EvalConfig

    return keys_table(EvalConfig)


#: Generated regions: key -> function returning the region's Markdown.
REGIONS: dict[str, Callable[[], str]] = {"train-keys": _train_keys, "eval-keys": _eval_keys}


def render(text: str, root: Path = ROOT) -> str:
    """``text`` with every listing and generated region brought up to date."""

    def listing(m: re.Match[str]) -> str:
        source = (root / m["path"]).read_text(encoding="utf-8")
        return f"<!-- listing: {m['path']} -->\n{m['open']}{normalise(source)}\n{m['fence']}"

    def region(m: re.Match[str]) -> str:
        if m["key"] not in REGIONS:
            raise KeyError(f"unknown generated region {m['key']!r} (known: {', '.join(REGIONS)})")
        return f"{m['open']}{normalise(REGIONS[m['key']]())}\n{m['close']}"

    return REGION.sub(region, LISTING.sub(listing, text))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale pages, change nothing")
    args = parser.parse_args(argv)
    stale = []
    for page in PAGES:
        path = ROOT / page
        text = path.read_text(encoding="utf-8")
        fresh = render(text)
        if fresh != text:
            stale.append(page)
            if not args.check:
                path.write_text(fresh, encoding="utf-8")
    verb = "stale" if args.check else "updated"
    for page in stale:
        print(f"{verb}: {page}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
