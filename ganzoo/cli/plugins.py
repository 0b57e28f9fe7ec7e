"""``ganzoo plugins [--json]``: installed plugins, their status and what they provide."""

from __future__ import annotations

import argparse

from ganzoo.cli.output import print_json, print_table


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plugins", help="list installed plugins and their status")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ganzoo.plugins.manager import get_manager

    manager = get_manager()
    if args.json:
        print_json(
            {
                "plugins": [p.to_dict() for p in manager.plugins],
                "conflicts": [
                    {"kind": k, "name": n, "providers": providers}
                    for k, n, providers in manager.registry.conflicts()
                ],
            }
        )
        return 0
    rows = []
    for p in manager.plugins:
        provided = "; ".join(f"{k}: {', '.join(v)}" for k, v in p.components.items())
        rows.append((p.name, p.distribution, p.version, p.status, p.error or provided))
    print_table(("plugin", "distribution", "version", "status", "components / error"), rows)
    for kind, name, providers in manager.registry.conflicts():
        print(f"conflict: {kind} {name!r} is registered by {' and '.join(providers)}")
    return 0
