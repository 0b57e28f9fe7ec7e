"""``ganzoo generate RUN -n N -o OUT``: write samples of a trained generator in native form.

The generator is rebuilt from the checkpoint alone. Conditions: label-conditional models draw
labels (from the dataset's recorded label frequencies, else uniformly) unless ``--condition
COLUMN=VALUE`` asks for one (e.g. ``severity=1`` to generate only the rare class); paired models
translate the first N sources of the run's dataset, taken from its ``val`` split when the dataset
config has a ``split`` field (else from the data it trained on), or the first N images of
``--source FOLDER``; sources are written beside the translations (``A/`` and ``B/``). Two-way
models (CycleGAN) translate B -> A with ``--direction BtoA``: the sources are then the dataset's
B images and land in ``B/``, the translations in ``A/``.

``--condition`` is repeatable and comma-separated; the pairs are joined with commas and handed to
the run's dataset class, ``parse_condition(spec, text, n) -> (n, K) tensor``, because only the
dataset knows what its columns and values mean (and whether it can honour several at once).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


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
    p.add_argument("--overwrite", action="store_true",
                   help="write into a non-empty OUT, replacing files of the same name")
    p.add_argument("--condition", action="append", default=[], metavar="COL=VALUE",
                   help="generate only this condition, e.g. severity=1 (label-conditional runs; "
                        "repeatable or comma-separated)")
    p.add_argument("--direction", metavar="NAME",
                   help="two-way translators (cyclegan): AtoB (default) or BtoA")
    p.add_argument("--source", metavar="FOLDER",
                   help="translation runs: translate the first N images of FOLDER instead of the run's data")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from ganzoo.engine.sampler import load
    from ganzoo.engine.strategy import resolve_device
    from ganzoo.registry.errors import ConfigError

    if args.n < 1:
        raise ConfigError(f"-n {args.n}: must be a positive number of samples")
    if args.batch_size < 1:
        raise ConfigError(f"--batch-size {args.batch_size}: must be positive")
    check_output_dir(Path(args.out), overwrite=args.overwrite)
    sampler = load(args.checkpoint or args.run, ema=args.ema, device=resolve_device(args.device))
    sampler.batch_size = args.batch_size
    conditions = None
    rng = torch.Generator().manual_seed(args.seed) if args.seed is not None else None
    translating = sampler.spec.condition in ("paired", "unpaired")
    source_shape = sampler.shapes(args.direction)[0]  # refuses a direction the generator lacks
    if args.source is not None:
        if not translating:
            raise ConfigError(f"--source {args.source}: this run does not translate sources")
        from ganzoo.data.sources import read_sources

        conditions = read_sources(Path(args.source), source_shape, sampler.spec.value_range, args.n)
    elif args.condition:
        conditions = requested_conditions(sampler, args.condition, args.n, rng)
    elif translating:
        conditions = sampler.dataset_conditions(args.n, direction=args.direction)
    elif sampler.spec.condition == "label":
        conditions = sampler.conditions(args.n, None, rng)
    bar = sys.stderr if sys.stderr.isatty() else None
    samples = sampler.sample(args.n, condition=conditions, seed=args.seed, progress=bar, direction=args.direction)
    files = sampler.export(samples, args.out, conditions, direction=args.direction)
    print(f"wrote {args.n} samples ({len(files)} file{'s' if len(files) != 1 else ''}) to {args.out}")
    return 0


def check_output_dir(out: Path, *, overwrite: bool) -> None:
    """Refuse an ``OUT`` that is a file, or a folder holding files, unless ``overwrite``.

    Exporters name their files by position (``sample_000000.png``, ``samples.csv``), so a second
    ``generate`` into the same folder would silently replace the first one's samples.
    """
    from ganzoo.registry.errors import ConfigError

    if out.exists() and not out.is_dir():
        raise ConfigError(f"-o {out}: is a file, expected an output directory")
    if not overwrite and out.is_dir() and any(out.iterdir()):
        raise ConfigError(f"-o {out}: is not empty; choose a new directory or pass --overwrite")


def condition_text(values: list[str]) -> str:
    """``["a=1,b=2", " c=3 "]`` -> ``"a=1,b=2,c=3"`` (repeated and comma-separated options)."""
    parts = [part.strip() for value in values for part in value.split(",")]
    bad = next((part for part in parts if "=" not in part or not part.split("=", 1)[0].strip()), None)
    if bad is not None:
        from ganzoo.registry.errors import ConfigError

        raise ConfigError(f"--condition {bad!r}: write COLUMN=VALUE, e.g. severity=1")
    return ",".join(parts)


def requested_conditions(sampler: Any, values: list[str], n: int, rng: Any = None) -> Any:
    """The ``(n, K)`` condition batch the run's dataset makes of ``--condition`` values."""
    from ganzoo.registry.errors import ConfigError
    from ganzoo.registry.protocols import ConditionParsing

    text = condition_text(values)
    kind = sampler.spec.condition
    if kind != "label":
        what = "unconditional" if kind == "none" else f"{kind}-conditional, not label-conditional"
        raise ConfigError(f"--condition {text}: this run is {what}")
    if not isinstance(sampler.dataset_cls, ConditionParsing):
        name = sampler.dataset_cls.__name__ if sampler.dataset_cls is not None else "unknown (not installed)"
        raise ConfigError(f"--condition {text}: the run's dataset class {name} cannot parse conditions")
    return sampler.dataset_cls.parse_condition(sampler.spec, text, n, generator=rng)
