"""``ganzoo list [KIND] [PATTERN] [--json]``: registered components with provider and summary."""

from __future__ import annotations

import argparse

from ganzoo.cli.output import print_json, print_table
from ganzoo.registry.registry import KINDS


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("list", help="list registered components")
    p.add_argument("kind", nargs="?", type=singular_kind, choices=KINDS, help="only this kind (plurals accepted)")
    p.add_argument("pattern", nargs="?", default="*", help="fnmatch pattern on names (default: *)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def singular_kind(text: str) -> str:
    """``datasets`` -> ``dataset``, ``losses`` -> ``loss``: people type the plural they read."""
    plural = {f"{kind}es" if kind.endswith("s") else f"{kind}s": kind for kind in KINDS}
    return plural.get(text, text)


def run(args: argparse.Namespace) -> int:
    from ganzoo.plugins.manager import get_registry

    registry = get_registry()
    kinds = [args.kind] if args.kind else list(KINDS)
    entries = [
        e
        for kind in kinds
        for e in registry.entries(kind)
        if e.name in registry.names(kind, args.pattern)
    ]
    if args.json:
        print_json(
            [
                {
                    "kind": e.kind,
                    "name": e.name,
                    "provider": e.provider,
                    "version": e.version,
                    "summary": e.summary,
                }
                for e in entries
            ]
        )
        return 0
    print_table(("kind", "name", "provider", "summary"), [(e.kind, e.name, e.provider, e.summary) for e in entries])
    return 0
