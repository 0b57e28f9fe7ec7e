"""``ganzoo list [KIND] [PATTERN] [--json]``: registered components with provider and summary.

The first argument is a kind when it names one (plurals accepted), otherwise a pattern searched
in every kind, so ``ganzoo list 'dc*'`` finds the DCGAN generator and discriminator alike.
"""

from __future__ import annotations

import argparse

from ganzoo.cli.output import print_json, print_table
from ganzoo.registry.errors import ConfigError, did_you_mean
from ganzoo.registry.registry import KINDS

#: Characters that make a word an fnmatch pattern rather than a name.
GLOB_CHARS = frozenset("*?[")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "list",
        help="list registered components",
        description="List registered components. The first argument is a kind (plurals accepted) "
        "or, when it is not one, a pattern searched in every kind: ganzoo list 'dc*'.",
    )
    p.add_argument("kind", nargs="?", metavar="KIND|PATTERN",
                   help=f"only this kind ({', '.join(KINDS)}), or a pattern for every kind")
    p.add_argument("pattern", nargs="?", help="fnmatch pattern on names (default: *)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def singular_kind(text: str) -> str:
    """``datasets`` -> ``dataset``, ``losses`` -> ``loss``: people type the plural they read."""
    plural = {f"{kind}es" if kind.endswith("s") else f"{kind}s": kind for kind in KINDS}
    return plural.get(text, text)


def kinds_and_pattern(first: str | None, second: str | None) -> tuple[list[str], str]:
    """The kinds to list and the name pattern, from ``ganzoo list``'s two optional arguments."""
    if first is None:
        return list(KINDS), "*"
    kind = singular_kind(first)
    if kind in KINDS:
        return [kind], second or "*"
    if second is not None:
        raise ConfigError(f"list: unknown kind {first!r}{did_you_mean(first, KINDS)} (kinds: {', '.join(KINDS)})")
    return list(KINDS), first


def run(args: argparse.Namespace) -> int:
    from ganzoo.plugins.manager import get_registry

    registry = get_registry()
    kinds, pattern = kinds_and_pattern(args.kind, args.pattern)
    entries = [
        e
        for kind in kinds
        for e in registry.entries(kind)
        if e.name in registry.names(kind, pattern)
    ]
    if not entries and len(kinds) > 1 and not GLOB_CHARS & set(pattern):
        # a plain word that is neither a kind nor a name is most likely a misspelt kind
        names = [e.name for e in registry.entries()]
        raise ConfigError(
            f"list: {pattern!r} is neither a kind ({', '.join(KINDS)}) nor a component name"
            f"{did_you_mean(pattern, [*KINDS, *names])}"
        )
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
