"""``ganzoo generate RUN -n N -o OUT``: write samples of a trained generator in native form.

The generator is rebuilt from the checkpoint alone. Conditions: label-conditional models draw
labels (from the dataset's recorded label frequencies, else uniformly); paired models translate
the first N sources of the run's dataset, taken from its ``val`` split when the dataset config
has a ``split`` field (else from the data it trained on).
"""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate", help="write samples of a trained run in the data's native format")
    p.add_argument("run", help="run directory (uses its newest complete checkpoint)")
    p.add_argument("-n", type=int, required=True, metavar="N", help="number of samples")
    p.add_argument("-o", "--out", required=True, metavar="OUT", help="output directory")
    p.add_argument("--seed", type=int, help="seed of noise and drawn labels (reproducible output)")
    p.add_argument("--checkpoint", metavar="PATH", help="a specific checkpoint directory")
    p.add_argument("--ema", action=argparse.BooleanOptionalAction, default=None,
                   help="use the EMA generator (default: when the checkpoint has one)")
    p.add_argument("--device", default="cpu", help="device to sample on (default cpu)")
    p.add_argument("--batch-size", type=int, default=64, metavar="B", help="samples per forward pass")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from ganzoo.engine.engine import resolve_device
    from ganzoo.engine.sampler import load
    from ganzoo.registry.errors import ConfigError

    if args.n < 1:
        raise ConfigError(f"-n {args.n}: must be a positive number of samples")
    if args.batch_size < 1:
        raise ConfigError(f"--batch-size {args.batch_size}: must be positive")
    sampler = load(args.checkpoint or args.run, ema=args.ema, device=resolve_device(args.device))
    sampler.batch_size = args.batch_size
    conditions = None
    if sampler.spec.condition == "paired":
        conditions = sampler.dataset_conditions(args.n)
    elif sampler.spec.condition == "label":
        rng = torch.Generator().manual_seed(args.seed) if args.seed is not None else None
        conditions = sampler.conditions(args.n, None, rng)
    samples = sampler.sample(args.n, condition=conditions, seed=args.seed)
    files = sampler.export(samples, args.out, conditions)
    print(f"wrote {args.n} samples ({len(files)} file{'s' if len(files) != 1 else ''}) to {args.out}")
    return 0
