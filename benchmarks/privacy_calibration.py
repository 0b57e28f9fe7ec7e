"""Is the DCR share's ideal of 0.5 calibrated on a seeded dataset? Real splits only, no training.

``benchmarks/privacy.py`` scores a "real" generator (the other held-out split replayed without
noise) whose DCR share should be 0.5. This script asks why one such share is off: for each
dataset seed (``dataset.params.seed``) it builds the preset's ``train``, ``val`` and ``test``
splits, as evaluation reads them, and lets the ``dcr`` metric score every assignment of the three
splits to its three roles: the training set ``T`` (``max_train`` samples, as a run's evaluation
takes them), the held-out set ``H`` (``--n-samples``) and the generated set ``S`` (the third split
replayed, as the benchmark's ``real`` generator does). When the splits come from one procedure,
every share is 0.5 up to its reported sd, so

* the mean share of an assignment over the seeds shows a bias of the metric or of a split, and
  whether it follows a split or the role (set sizes) it plays;
* the spread of the shares over seeds, against the mean reported sd, shows whether that sd is
  honest, and how often an unbiased share falls outside the band 0.45-0.55 by chance.

    python benchmarks/privacy_calibration.py                          # retina-dcgan, seeds 0-14
    python benchmarks/privacy_calibration.py --seeds 0 1 2 --out calibration.json

Run with ``OMP_NUM_THREADS=1`` on a shared CPU; a seed of ``retina-dcgan`` at 1,024 samples per
split takes about a minute (rendering the 3,072 images).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import statistics
import sys
from pathlib import Path
from typing import Any

import ganzoo
from ganzoo.experiment.load import read_experiment
from ganzoo.metrics.context import EvalContext
from ganzoo.metrics.evaluate import eval_config, held_out_dataset
from ganzoo.plugins.manager import get_registry
from ganzoo.registry.config import ExperimentConfig, validate_model
from ganzoo.registry.errors import ConfigError
from ganzoo.registry.registry import Registry
from ganzoo.testing import ReplayingSampler

SPLITS = ("train", "val", "test")
#: (training, held-out, generated) split of every role assignment; the first is the benchmark's.
ASSIGNMENTS = tuple(itertools.permutations(SPLITS, 3))
BAND = (0.45, 0.55)


def experiment(preset: str, seed: int, overrides: list[str], registry: Registry) -> ExperimentConfig:
    """The preset's experiment with ``dataset.params.seed = seed`` (refused for datasets without
    a ``seed`` and a ``split`` parameter: their splits cannot be redrawn)."""
    raw, label = read_experiment(None, preset=preset, overrides=[*overrides, f"dataset.params.seed={seed}"],
                                 registry=registry)
    config = validate_model(ExperimentConfig, raw, source=label)
    entry = registry.get("dataset", config.dataset.name)
    fields = entry.config.model_fields if entry.config is not None else {}
    missing = [name for name in ("seed", "split") if name not in fields]
    if missing:
        raise ConfigError(f"{label}: dataset {config.dataset.name!r} has no {' or '.join(missing)} parameter, "
                          "so its splits cannot be redrawn per seed")
    return config


def score_seed(config: ExperimentConfig, registry: Registry, n_samples: int | None,
               feature_extractor: str | None) -> list[dict[str, Any]]:
    """The ``dcr`` result of every role assignment of the three splits of one dataset seed."""
    cfg = eval_config(config, n_samples=n_samples, feature_extractor=feature_extractor)
    datasets = {split: held_out_dataset(config, registry, split)[0] for split in SPLITS}
    samplers = {split: ReplayingSampler(datasets[split], noise=0.0) for split in SPLITS}
    rows = []
    for train, holdout, generated in ASSIGNMENTS:
        ctx = EvalContext(
            samplers[generated], datasets[holdout], split=holdout, n_samples=cfg.n_samples,
            batch_size=cfg.batch_size, seed=cfg.seed, inception_weights=cfg.inception_weights,
            feature_extractor=cfg.feature_extractor, train_data=datasets[train], train_split=train,
        )
        result = registry.create("metric", "dcr", max_holdout=cfg.n_samples).compute(ctx)["dcr_share"]
        rows.append({"train": train, "held_out": holdout, "generated": generated, "share": result["value"],
                     "sd": result["sd"], "n_train": result["n_train"], "n_held_out": result["n_real"],
                     "n_generated": result["n_fake"], "feature_extractor": result.get("feature_extractor")})
    return rows


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean share per role assignment (with its standard error over seeds) and the spread of all
    shares against the mean reported sd."""
    per_assignment = []
    for train, holdout, generated in ASSIGNMENTS:
        shares = [r["share"] for r in rows if (r["train"], r["held_out"], r["generated"]) == (train, holdout, generated)]
        se = statistics.stdev(shares) / math.sqrt(len(shares)) if len(shares) > 1 else math.nan
        per_assignment.append({"train": train, "held_out": holdout, "generated": generated,
                               "mean_share": statistics.fmean(shares), "se": se, "seeds": len(shares)})
    shares = [r["share"] for r in rows]
    return {
        "per_assignment": per_assignment,
        "mean_share": statistics.fmean(shares),
        "sd_of_shares": statistics.stdev(shares) if len(shares) > 1 else math.nan,
        "mean_reported_sd": statistics.fmean(r["sd"] for r in rows),
        "outside_band": sum(not BAND[0] <= s <= BAND[1] for s in shares),
        "rows": len(shares),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default="retina-dcgan", help="preset whose dataset is scored")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(15)), help="dataset seeds")
    parser.add_argument("--n-samples", type=int, default=1024, help="held-out samples (the dcr metric's max_holdout)")
    parser.add_argument("--feature-extractor", help="image features (default: the evaluation's choice)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="settings",
                        help="experiment override, as `ganzoo train --set` and privacy.py's --set (repeatable)")
    parser.add_argument("--out", type=Path, help="write the JSON document here")
    args = parser.parse_args(argv)

    registry = get_registry()
    rows: list[dict[str, Any]] = []
    print("| seed | T | H | S | DCR share ± sd |\n|---|---|---|---|---|")
    for seed in args.seeds:
        config = experiment(args.preset, seed, args.settings, registry)
        for row in score_seed(config, registry, args.n_samples, args.feature_extractor):
            rows.append({"seed": seed, **row})
            print(f"| {seed} | {row['train']} | {row['held_out']} | {row['generated']} "
                  f"| {row['share']:.3f} ± {row['sd']:.3f} |", flush=True)
    result = summary(rows)
    print("\n| T | H | S | mean share ± se over seeds |\n|---|---|---|---|")
    for entry in result["per_assignment"]:
        print(f"| {entry['train']} | {entry['held_out']} | {entry['generated']} "
              f"| {entry['mean_share']:.4f} ± {entry['se']:.4f} |")
    print(f"\nall {result['rows']} shares: mean {result['mean_share']:.4f}, sd {result['sd_of_shares']:.4f} "
          f"(mean reported sd {result['mean_reported_sd']:.4f}), outside {BAND[0]}-{BAND[1]}: {result['outside_band']}")
    if args.out:
        document = {"ganzoo_version": ganzoo.__version__, "preset": args.preset, "n_samples": args.n_samples,
                    "overrides": args.settings, "summary": result, "rows": rows}
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(document, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
