"""``ganzoo evaluate RUN``: compute the run's metrics on held-out data, write ``RUN/eval.json``.

Exit status: 0 when every metric that was asked for or that applies ran; 2 for bad input (a
metric asked for by name that cannot run is an error); [`EXIT_SKIPPED`][ganzoo.cli.evaluate.EXIT_SKIPPED] (3) when a metric
that applies by default could not run (FID/KID without Inception weights, a failing plugin
metric, privacy metrics without held-out data) — ``eval.json`` is written all the same, and ``--allow-skipped`` makes this 0 for
scripts that accept partial results.
"""

from __future__ import annotations

import argparse
from typing import Any

from ganzoo.cli.output import print_json, print_table

#: Exit status when a metric that applies could not run (see the module docstring).
EXIT_SKIPPED = 3


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="compute metrics of a run and write RUN/eval.json")
    p.add_argument("run", help="run directory")
    p.add_argument("--json", action="store_true", help="print eval.json instead of a table")
    p.add_argument("--metrics", action="append",
                   help="metric names, comma-separated or repeated (default: [eval] metrics or per data kind)")
    p.add_argument("--n-samples", type=int, metavar="N",
                   help="real/generated samples of the fidelity metrics (default: [eval] n_samples; "
                   "the privacy metrics take theirs from max_train and max_holdout)")
    p.add_argument("--inception-weights", metavar="PATH",
                   help="safetensors file of torch-fidelity's Inception weights (FID/KID/IS/PR)")
    p.add_argument("--feature-extractor", metavar="NAME",
                   help="feature extractor of the fidelity metrics (e.g. ganzoo-test-random-conv)")
    p.add_argument("--split", help="held-out split to use, or splits pooled with '+' (val+test: more held-out "
                   "samples for the privacy tests on small data); default: val, then test")
    p.add_argument("--device", help="device (default: the run's train.device)")
    p.add_argument("--allow-skipped", action="store_true",
                   help=f"exit 0 even when a metric that applies could not run (default: exit {EXIT_SKIPPED})")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ganzoo.metrics.evaluate import evaluate_run
    from ganzoo.registry.errors import ConfigError

    if args.n_samples is not None and args.n_samples < 1:
        raise ConfigError("--n-samples must be a positive integer")
    metrics = [m.strip() for given in args.metrics for m in given.split(",") if m.strip()] if args.metrics else None
    report = evaluate_run(
        args.run,
        metrics=metrics,
        n_samples=args.n_samples,
        inception_weights=args.inception_weights,
        feature_extractor=args.feature_extractor,
        split=args.split,
        device=args.device,
    )
    if args.json:
        print_json(report)
        return _status(report, args.allow_skipped)
    if report["metrics"]:
        print_table(
            ("metric", "value", "sd", "better", "n_real", "n_fake", "split", "feature extractor"),
            [_row(name, entry) for name, entry in report["metrics"].items()],
        )
    for skipped in report["skipped"]:
        print(f"skipped {skipped['metric']}: {skipped['reason']}")
    for note in notes(report):
        print(f"note: {note}")
    print(f"wrote {args.run.rstrip('/')}/eval.json")
    return _status(report, args.allow_skipped)


def notes(report: dict[str, Any]) -> list[str]:
    """The lines the table cannot show: the data's notes, results flagged as signs of memorisation,
    how the held-out samples were chosen when the dataset chose them unlike its training samples,
    when the privacy metrics compared with part of the training data only, and when their standard
    errors count groups (meters) rather than samples."""
    from ganzoo.metrics.privacy import partial_training

    metrics = report["metrics"]
    lines = {entry["note"] for entry in metrics.values() if entry.get("note")}
    if report.get("note"):
        lines.add(report["note"])
    lines.update(f"the held-out samples are {entry['held_out']}, not drawn like the training samples: the "
                 "privacy results' ideals (0.5) assume they are" for entry in metrics.values() if entry.get("held_out"))
    lines.update(line for entry in metrics.values() if (line := partial_training(entry)))
    lines.update(f"privacy results: {entry['groups']}" for entry in metrics.values() if entry.get("groups"))
    flagged = [name for name, entry in metrics.items() if entry.get("flagged")]
    if flagged:
        lines.add(f"signs of memorisation: {', '.join(flagged)} flagged (eval.json says by which rule; "
                  "ganzoo report shows them)")
    return sorted(lines)


def _status(report: dict[str, Any], allow_skipped: bool) -> int:
    """0, or [`EXIT_SKIPPED`][ganzoo.cli.evaluate.EXIT_SKIPPED] with a line on stderr when metrics that apply did not run."""
    import sys

    skipped = [entry["metric"] for entry in report["skipped"] if entry.get("applies", True)]
    if not skipped or allow_skipped:
        return 0
    print(f"ganzoo: error: {len(skipped)} metric(s) that apply could not run ({'; '.join(skipped)}); "
          f"see 'skipped' in eval.json, or pass --allow-skipped", file=sys.stderr)
    return EXIT_SKIPPED


def _row(name: str, entry: dict[str, Any]) -> tuple[str, ...]:
    from ganzoo.report.format import fmt

    return (
        name, fmt(entry.get("value")), fmt(entry.get("sd")), str(entry.get("better", "")),
        str(entry.get("n_real", "")), str(entry.get("n_fake", "")), str(entry.get("split", "")),
        str(entry.get("feature_extractor", "")),
    )
