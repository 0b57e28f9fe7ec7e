"""``ganzoo compare RUN_A RUN_B ... [-o FILE]``: side-by-side HTML and a table on the terminal."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="compare runs: HTML page and a terminal table")
    p.add_argument("runs", nargs="+", metavar="RUN", help="run directories")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="output file (default: compare.html in the runs' common parent, e.g. runs/compare.html)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ganzoo.report.compare import compare_runs

    comparison = compare_runs(args.runs, args.output)
    print(comparison.text)
    print(f"wrote {comparison.html_path}")
    return 0
