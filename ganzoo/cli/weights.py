"""``ganzoo weights``: fetch published feature-extractor weights once, or list the cached ones.

```text
ganzoo weights fetch inception        # FID/KID/IS/PR: torch-fidelity's Inception-v3, ~96 MB
ganzoo weights list [--json]
```

The only ganzoo command that uses the network; see [`ganzoo.metrics.download`][ganzoo.metrics.download].
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from ganzoo.cli.output import print_json, print_table


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "weights",
        help="fetch published feature-extractor weights (FID's Inception) into the cache",
        description="Download published weights once, verify their SHA-256, store them as safetensors "
        "in the cache ($GANZOO_CACHE_DIR, else $XDG_CACHE_HOME/ganzoo or ~/.cache/ganzoo).",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    fetch = actions.add_parser("fetch", help="download, verify and cache weights")
    fetch.add_argument("name", help="weights to fetch (ganzoo weights list)")
    fetch.add_argument("--url", help="download from this URL instead (a mirror); --sha256 must match it")
    fetch.add_argument("--sha256", metavar="HEX", help="expected SHA-256 of the downloaded file")
    fetch.add_argument("--force", action="store_true", help="download again even if already cached")
    fetch.set_defaults(func=run_fetch)
    listing = actions.add_parser("list", help="known weights and whether they are cached")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(func=run_list)


def run_fetch(args: argparse.Namespace) -> int:
    from ganzoo.metrics.download import cached_weights, fetch, published

    weights = published(args.name)
    if cached_weights(weights.name) is not None and not args.force:
        print(f"{weights.name}: already cached at {cached_weights(weights.name)}")
        return 0
    print(f"fetching {weights.name} from {args.url or weights.url}", file=sys.stderr)
    path = fetch(weights.name, url=args.url, sha256=args.sha256, force=args.force, progress=_progress())
    print(f"{weights.name}: verified and cached at {path}")
    return 0


def _progress() -> Callable[[int, int | None], None]:
    """Prints a percentage on a terminal, every 10 % otherwise."""
    shown = [-1]

    def report(received: int, total: int | None) -> None:
        if not total:
            return
        percent = 100 * received // total
        if sys.stderr.isatty():
            print(f"\r{percent:3d}% of {total / 1e6:.1f} MB", end="", file=sys.stderr, flush=True)
        elif percent // 10 > shown[0]:
            shown[0] = percent // 10
            print(f"{percent}% of {total / 1e6:.1f} MB", file=sys.stderr, flush=True)

    return report


def run_list(args: argparse.Namespace) -> int:
    from ganzoo.metrics.download import PUBLISHED, cached_weights

    rows = [
        {"name": w.name, "cached": str(cached_weights(w.name) or ""), "sha256": w.sha256, "url": w.url,
         "description": w.description}
        for w in PUBLISHED.values()
    ]
    if args.json:
        print_json(rows)
    else:
        print_table(("name", "cached at", "description"),
                    [(r["name"], r["cached"] or "(not fetched)", r["description"]) for r in rows])
    return 0
