"""``ganzoo demo [--quick] [--out DIR] [--seed S] [--threads N]``: the study's GAN vs pix2pix comparison.

Trains ``retina-dcgan`` and ``retina-pix2pix`` on the scikit-image fundus photograph (bundled,
no download), evaluates both on held-out patches next to the trivial predictor, and writes
``DIR/compare.html`` plus each run's ``report.html``. An existing non-empty ``DIR`` is kept:
the demo then writes to a timestamped sibling. The logic lives in [`ganzoo_medical.demo`][ganzoo_medical.demo].

Registered by [`ganzoo_medical.plugin.ganzoo_register_commands`][ganzoo_medical.plugin.ganzoo_register_commands]; ``configure`` runs every
time the CLI is built, so this module imports nothing heavy (torch comes with [`run`][ganzoo_medical.demo.cli.run]).
"""

from __future__ import annotations

import argparse

DESCRIPTION = (
    "Train a plain GAN and pix2pix on patches of scikit-image's fundus photograph, "
    "evaluate both on held-out patches (with the mean-training-image baseline) and write "
    "OUT/compare.html. Default: 12 minutes measured with one thread on 2 busy shared cores (load 5), "
    "less when idle; --quick (a smoke test, it says what it cannot show): 4 minutes there."
)


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``ganzoo demo`` (the CLI has created ``parser`` with the registered help)."""
    parser.description = DESCRIPTION
    parser.add_argument("--quick", action="store_true", help="smoke test of the pipeline (CI): too short to show the comparison, and it says so")
    parser.add_argument("--out", default="runs/demo", metavar="DIR",
                        help="demo folder (default runs/demo; if it holds results, a timestamped sibling is used)")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="seed of both runs (default 0)")
    parser.add_argument("--threads", type=int, metavar="N",
                        help="torch threads (default: the idle cores, from the load average)")
    parser.add_argument("--no-progress", action="store_true",
                        help="no progress bars or log lines of the training runs")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the demo, print the comparison table and where the page went; exit status 0."""
    from ganzoo_medical.demo.study import run_demo

    result = run_demo(args.out, quick=args.quick, seed=args.seed, threads=args.threads,
                      progress=not args.no_progress)
    print(result.table)
    print(f"wrote {result.compare_html} (and report.html in each run) in {result.timings['total']:.0f} s")
    return 0
