"""``ganzoo demo [--quick] [--out DIR] [--seed S] [--threads N]``: the study's GAN vs pix2pix comparison.

Trains ``retina-dcgan`` and ``retina-pix2pix`` on the scikit-image fundus photograph (bundled,
no download), evaluates both on held-out patches next to the trivial predictor, and writes
``DIR/compare.html`` plus each run's ``report.html``. An existing non-empty ``DIR`` is kept:
the demo then writes to a timestamped sibling. The logic lives in :mod:`ganzoo.demo`.
"""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="reproduce the GAN vs pix2pix retina comparison on bundled data (minutes on a CPU)",
        description="Train a plain GAN and pix2pix on patches of scikit-image's fundus photograph, "
        "evaluate both on held-out patches (with the mean-training-image baseline) and write "
        "OUT/compare.html. Default about 5-10 minutes on 2 CPU cores; --quick about 1-2 minutes.",
    )
    p.add_argument("--quick", action="store_true", help="small, fast variant (CI, smoke test)")
    p.add_argument("--out", default="runs/demo", metavar="DIR",
                   help="demo folder (default runs/demo; if it holds results, a timestamped sibling is used)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="seed of both runs (default 0)")
    p.add_argument("--threads", type=int, metavar="N",
                   help="torch threads (default: the idle cores, from the load average)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars or log lines of the training runs")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ganzoo.demo.study import run_demo

    result = run_demo(args.out, quick=args.quick, seed=args.seed, threads=args.threads,
                      progress=not args.no_progress)
    print(result.table)
    print(f"wrote {result.compare_html} (and report.html in each run) in {result.timings['total']:.0f} s")
    return 0
