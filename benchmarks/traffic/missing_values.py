"""Drop incomplete rows or train on them with masks (MaWGAN)? Measured on the accident simulator.

The simulator's table gets missing values injected with a known mechanism (default MAR at 20 %
per column on its seven default gap columns: rural accidents lose more, so the complete rows are
a biased subset). Two runs of the ``traffic-ctgan`` preset then train for the same number of steps
on the same training split:

* ``drop``: incomplete training rows are discarded (the usual baseline);
* ``mask``: every row is kept and the critic compares real and generated values only where the
  real ones are observed (masked WGAN-GP, MaWGAN).

Both are judged against the *held-out complete truth*: the test split of the same seeded
simulator without injected gaps (same rows, values before removal), so a model that learned the
biased complete-row subset is penalised as it should be. Reported per arm: fidelity (KS/TV
complements, correlation/contingency similarity, share of columns not significantly different
after Holm) and real-vs-synthetic detection AUC, mean and sd over ``--seeds`` training seeds, plus
training rows, steps, wall time and the protocol, as one JSON object on stdout.

    python benchmarks/traffic/missing_values.py                       # 20 % MAR, 400 steps, 2 seeds
    python benchmarks/traffic/missing_values.py --steps 20 --seeds 1 --n-rows 1500   # smoke run
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import ganzoo
from ganzoo.plugins.manager import get_registry
from ganzoo_traffic.data.dataset import decode, split_rows
from ganzoo_traffic.data.simulator import ACCIDENT_KINDS, simulate_accidents
from ganzoo_traffic.metrics.detection import detection
from ganzoo_traffic.metrics.fidelity import fidelity_report

FIDELITY_KEYS = (
    "ks_complement", "tv_complement", "correlation_similarity", "contingency_similarity",
    "columns_not_different", "quality",
)


def train_arm(arm: str, args: argparse.Namespace, seed: int, root: Path) -> tuple[Path, float]:
    """Train one arm (``drop`` or ``mask``) and return its run directory and wall time."""
    data = data_params(args) | {"missing": arm}
    overrides = [
        *(f"dataset.params.{k}={json.dumps(v)}" for k, v in data.items()),
        f"generator.params.latent_dim={args.latent_dim}",
        f"generator.params.hidden={json.dumps(args.hidden)}",
        f"discriminator.params.hidden={json.dumps(args.hidden)}",
        f"train.steps={args.steps}",
        f"train.batch_size={args.batch_size}",
        f"train.seed={seed}",
        "train.progress=false",
        "train.log_every=1000000",
    ]
    run_dir = root / f"{arm}-seed{seed}"
    start = time.perf_counter()
    ganzoo.train(None, preset="traffic-ctgan", run_dir=run_dir, overrides=overrides, progress=False)
    return run_dir, time.perf_counter() - start


def data_params(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "n_rows": args.n_rows, "seed": 0, "missing_rate": args.missing_rate,
        "missingness": args.mechanism, "max_fit_rows": args.n_rows,
    }


def evaluate(run_dir: Path, truth: Any, kinds: dict[str, str], n: int, seed: int) -> dict[str, float]:
    """Fidelity and detection of ``n`` generated rows against the complete held-out rows."""
    sampler = ganzoo.load(run_dir)
    synth = decode(sampler.sample(n, seed=seed), sampler.spec, native=False)
    report = fidelity_report(truth, synth, kinds)
    found = detection(truth, synth, kinds, classifier="logistic", folds=3, seed=seed)
    return {**{k: float(report[k]) for k in FIDELITY_KEYS}, "detection_auc": float(found["auc"])}


def summarise(values: list[float]) -> dict[str, float]:
    return {"mean": statistics.fmean(values), "sd": statistics.pstdev(values) if len(values) > 1 else 0.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-rows", type=int, default=4000, help="simulated rows (70 %% train, 20 %% test)")
    parser.add_argument("--missing-rate", type=float, default=0.2, help="share of entries removed per gap column")
    parser.add_argument("--mechanism", choices=["mcar", "mar", "mnar"], default="mar")
    parser.add_argument("--steps", type=int, default=400, help="generator updates per arm (equal for both)")
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--latent-dim", type=int, default=64)
    parser.add_argument("--hidden", type=int, nargs="+", default=[128, 128], help="generator and critic widths")
    parser.add_argument("--seeds", type=int, default=2, help="training seeds per arm")
    parser.add_argument("--run-root", type=Path, default=None)
    args = parser.parse_args()

    registry = get_registry()
    # the held-out rows before gaps were injected (same seeded simulator and split as the dataset)
    rows = split_rows(args.n_rows, "test", val_fraction=0.1, test_fraction=0.2, seed=0)
    truth = simulate_accidents(args.n_rows, seed=0).iloc[rows].reset_index(drop=True)
    kinds = dict(ACCIDENT_KINDS)
    gappy = registry.create("dataset", "accidents-sim", **data_params(args), missing="mask")
    complete_rows = int(gappy.frame.notna().all(axis=1).sum())
    root = args.run_root or Path(tempfile.mkdtemp(prefix="missing-values-"))
    arms: dict[str, Any] = {}
    for arm in ("drop", "mask"):
        scores: dict[str, list[float]] = {}
        walls = []
        for seed in range(args.seeds):
            run_dir, wall = train_arm(arm, args, seed, root)
            walls.append(wall)
            for key, value in evaluate(run_dir, truth, kinds, len(truth), seed).items():
                scores.setdefault(key, []).append(value)
        rows = complete_rows if arm == "drop" else len(gappy)
        arms[arm] = {"train_rows": rows, "wall_s": summarise(walls), **{k: summarise(v) for k, v in scores.items()}}
    print(json.dumps({
        "benchmark": "missing-values",
        "data": "accidents-sim",
        "mechanism": args.mechanism,
        "missing_rate_per_column": args.missing_rate,
        "gap_columns": sorted(c for c in gappy.frame.columns if gappy.frame[c].isna().any()),
        "train_rows_total": len(gappy),
        "train_rows_complete": complete_rows,
        "reference": f"test split, {len(truth)} rows, values before gaps were injected",
        "generated_rows": len(truth),
        "steps": args.steps,
        "batch_size": args.batch_size,
        "latent_dim": args.latent_dim,
        "hidden": args.hidden,
        "seeds": args.seeds,
        "detection": "logistic regression, 3 folds, AUC (0.5 = indistinguishable)",
        "arms": arms,
        "run_root": str(root),
    }, indent=2))


if __name__ == "__main__":
    main()
