"""``ganzoo report RUN [-o FILE]``: one self-contained HTML report of a run."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write RUN/report.html (losses, samples, metrics)")
    p.add_argument("run", help="run directory")
    p.add_argument("-o", "--output", metavar="FILE", help="output file (default: RUN/report.html)")
    p.add_argument("--y-scale", choices=("auto", "linear", "log"), default="auto",
                   help="y axis of the loss charts: auto (log where curves differ >10-fold in size), linear or log")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ganzoo.report.report import write_report

    print(f"wrote {write_report(args.run, args.output, y_scale=args.y_scale)}")
    return 0
