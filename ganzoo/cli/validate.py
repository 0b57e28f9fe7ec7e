"""``ganzoo validate EXPERIMENT [--preset NAME] [--set key=value]... [--json]``.

Checks an experiment as ``ganzoo train`` would before its first step (see
[`ganzoo.experiment.check`][ganzoo.experiment.check]) and says what it found: exit status 0 when training could
start, 2 with the problem on one line when not.
"""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="check an experiment (file or --preset) without training",
        description="Check everything ganzoo train checks before step 1: parameters, [eval] metrics, "
        "the data and its DataSpec, a dry-run of two samples through G and D, device and batch size. "
        "Exit status 0 when training could start, 2 otherwise.",
    )
    p.add_argument("config", nargs="?", help="experiment TOML file")
    p.add_argument("--preset", metavar="NAME", help="a registered preset instead of a file")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a key of the experiment, e.g. dataset.params.root=data (repeatable)")
    p.add_argument("--json", action="store_true", help="print what was checked as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ganzoo.cli.output import print_json
    from ganzoo.experiment.check import check_experiment
    from ganzoo.registry.errors import ConfigError

    if (args.config is None) == (args.preset is None):
        raise ConfigError("give an experiment file or --preset NAME (exactly one)")
    checked = check_experiment(args.config, preset=args.preset, overrides=args.overrides)
    if args.json:
        print_json(checked.to_dict())
        return 0
    config, spec = checked.config, checked.spec
    shape = "x".join(str(n) for n in spec.shape)
    condition = "" if spec.condition == "none" else f", {spec.condition}-conditional"
    losses = " + ".join(name if weight == 1 else f"{weight:g} x {name}" for name, weight in checked.losses)
    train = config.train
    epochs = checked.total_steps * train.n_critic / checked.batches_per_epoch
    metrics = checked.eval.metrics
    names = ", ".join(m if isinstance(m, str) else m.name for m in metrics) if metrics is not None else (
        "the defaults for this data (ganzoo evaluate lists what ran)")
    lines = [
        f"ok: {checked.source} can train",
        f"  data       {config.dataset.name}: {checked.samples} samples of {spec.modality} {shape}{condition}",
        f"  models     generator {config.generator.name}, discriminator {config.discriminator.name}: "
        "dry-run of 2 samples passed",
        f"  losses     {losses}",
        f"  training   {checked.total_steps} steps (about {epochs:.3g} epochs of {checked.batches_per_epoch} "
        f"batch{'es' * (checked.batches_per_epoch != 1)} of {train.batch_size}) on {checked.device}",
        f"  eval       metrics: {names}",
    ]
    if checked.filled:
        lines.append("  from data  " + ", ".join(f"{key} = {value}" for key, value in checked.filled.items()))
    print("\n".join(lines))
    return 0
