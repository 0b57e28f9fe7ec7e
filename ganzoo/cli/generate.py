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

A dataset class that curates ([`Curating`][ganzoo.registry.protocols.Curating]) chooses, when the labels are drawn rather
than asked for, which of ``oversample`` candidates per sample are written (ganzoo-traffic keeps
rows that give every column its training frequencies).
Generation streams ([`stream`][ganzoo.engine.sampler.Sampler.stream]): each batch is written as soon
as it is made, so memory does not grow with ``-n``. ``-n`` is at most [`MAX_SAMPLES`][ganzoo.cli.generate.MAX_SAMPLES], and a
``--batch-size`` whose samples would take more than [`MAX_BATCH_BYTES`][ganzoo.cli.generate.MAX_BATCH_BYTES] is refused up front.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

#: Most samples one ``generate`` call writes (ten million PNG files or CSV rows): a larger ``-n``
#: is a typo, not a plan; several calls with different ``--seed`` into different folders go on.
MAX_SAMPLES = 10_000_000

#: Most bytes of float32 samples one forward batch may hold (``--batch-size`` x sample size).
MAX_BATCH_BYTES = 2 << 30


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
    from ganzoo.data.export import takes_start
    from ganzoo.engine.sampler import load
    from ganzoo.engine.strategy import resolve_device
    from ganzoo.registry.errors import ConfigError

    if args.n < 1:
        raise ConfigError(f"-n {args.n}: must be a positive number of samples")
    if args.n > MAX_SAMPLES:
        raise ConfigError(f"-n {args.n}: at most {MAX_SAMPLES:,} samples per call; generate more in several "
                          "calls with different --seed into different folders")
    if args.batch_size < 1:
        raise ConfigError(f"--batch-size {args.batch_size}: must be positive")
    if args.seed is not None and not -(2**63) <= args.seed < 2**64:
        raise ConfigError(f"--seed {args.seed}: must be a 64-bit integer")
    check_output_dir(Path(args.out), overwrite=args.overwrite)
    sampler = load(args.checkpoint or args.run, ema=args.ema, device=resolve_device(args.device))
    check_batch_size(args.batch_size, sampler.spec.shape)
    sampler.batch_size = args.batch_size
    source = condition_source(sampler, args.condition, args.source, args.n, args.direction)
    bar = sys.stderr if sys.stderr.isatty() else None
    batches = sampler.stream(args.n, source, seed=args.seed, progress=bar, direction=args.direction)
    if takes_start(sampler.dataset_cls):
        files = 0
        previous: set[Path] = set()
        for batch in batches:
            written = sampler.export(batch.samples, args.out, batch.conditions, start=batch.start,
                                     direction=args.direction)
            files += len(set(written) - previous)  # an appended CSV is one file however many batches
            previous = set(written)
    else:
        files = len(export_at_once(sampler, batches, args.n, args.out, args.direction))
    print(f"wrote {args.n} samples ({files} file{'s' if files != 1 else ''}) to {args.out}")
    return 0


def condition_source(sampler: Any, values: list[str], folder: str | None, n: int, direction: str | None) -> Any:
    """What gives each block's conditions: ``--source`` images, ``--condition`` text, the run's
    own sources (paired and unpaired runs), or ``None`` (label-conditional runs draw labels)."""
    from ganzoo.registry.errors import ConfigError

    translating = sampler.spec.condition in ("paired", "unpaired")
    source_shape = sampler.shapes(direction)[0]  # refuses a direction the generator lacks
    if folder is not None:
        if not translating:
            raise ConfigError(f"--source {folder}: this run does not translate sources")
        from ganzoo.data.sources import folder_sources

        return folder_sources(Path(folder), source_shape, sampler.spec.value_range, n)
    if values:
        return lambda start, count, rng: requested_conditions(sampler, values, count, rng)
    if translating:
        return sampler.dataset_sources(direction=direction)
    return None


def check_batch_size(batch_size: int, shape: tuple[int, ...]) -> None:
    """Refuse a ``--batch-size`` whose float32 samples would take more than [`MAX_BATCH_BYTES`][ganzoo.cli.generate.MAX_BATCH_BYTES]."""
    from ganzoo.registry.errors import ConfigError

    per_sample = 4 * math.prod(shape)
    if batch_size * per_sample > MAX_BATCH_BYTES:
        raise ConfigError(
            f"--batch-size {batch_size}: samples of shape {tuple(shape)} would take "
            f"{batch_size * per_sample / 2**30:.1f} GiB at once; at most {MAX_BATCH_BYTES // per_sample} fit in "
            f"{MAX_BATCH_BYTES / 2**30:.0f} GiB"
        )


def export_at_once(sampler: Any, batches: Any, n: int, out: str, direction: str | None = None) -> list[Path]:
    """Collect every batch and export them in one call, for a dataset class whose ``export``
    takes no ``start`` index (said on stderr when that means holding many samples)."""
    import torch

    from ganzoo.engine.sampler import DRAW_BLOCK

    if n > DRAW_BLOCK:
        print(f"ganzoo: warning: {sampler.dataset_cls.__name__}.export takes no start index, so all {n} samples "
              "are held in memory and written at the end", file=sys.stderr)
    parts = list(batches)
    samples = torch.cat([part.samples for part in parts])
    conditions = torch.cat([part.conditions for part in parts]) if parts[0].conditions is not None else None
    return sampler.export(samples, out, conditions, direction=direction)


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
