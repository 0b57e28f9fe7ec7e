"""Judge a trained run with the independent checker (:mod:`check_series`) on its held-out split.

    python judge_run.py RUN [--split val] [--runs 5] [--quick]

Rebuilds the run's dataset for the training split (real windows the generator learnt from)
and for ``--split`` (held-out real windows), generates one window per training window with the
same condition (``Sampler.sample(seed=0)``), converts everything to original units with the
run's stored normalisation, and prints the checker's JSON: discriminative and predictive
scores, class recovery, per-step spread, diversity, and the issue's pass marks.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_series  # noqa: E402
from diagnose import class_labels, stack  # noqa: E402

import ganzoo  # noqa: E402
from ganzoo.plugins.manager import get_registry  # noqa: E402


def to_units(spec, x: np.ndarray) -> np.ndarray:
    """(N, C, L) model space -> original units with the run's normaliser (numpy, no plugin code)."""
    norm = spec.meta["normalisation"]
    lo, hi = np.asarray(norm["lo"], dtype=np.float64), np.asarray(norm["hi"], dtype=np.float64)
    if lo.ndim:
        lo, hi = lo[None, :, None], hi[None, :, None]
    values = (x.astype(np.float64) + 1) / 2 * (hi - lo) + lo
    return np.expm1(values) if norm["kind"] == "log" else values


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--split", default="val")
    parser.add_argument("--runs", type=int, help="post-hoc fits averaged (default 5; 2 with --quick)")
    parser.add_argument("--quick", action="store_true", help="shorter post-hoc fits (500 / 1,000 iterations)")
    parser.add_argument("--max-real", type=int, default=4000, help="cap on training windows compared")
    args = parser.parse_args()
    torch.set_num_threads(1)
    sampler = ganzoo.load(args.run)
    spec = sampler.spec
    component = sampler.checkpoint.manifest["components"]["dataset"]
    params = dict(component.get("params", {}))
    registry = get_registry()
    train_set = registry.create("dataset", component["name"], **{**params, "split": "train"})
    held_set = registry.create("dataset", component["name"], **{**params, "split": args.split})
    train_x, train_c = stack(train_set)
    held_x, held_c = stack(held_set)
    rng = np.random.default_rng(0)
    keep = rng.permutation(len(train_x))[: args.max_real]
    train_x, train_c = train_x[keep], (train_c[keep] if train_c is not None else None)
    # as many synthetic windows as training windows, for the same conditions (TimeGAN generates as
    # many as it trained on; the classifiers then see equal numbers of each class)
    cond = torch.from_numpy(train_c) if train_c is not None else None
    fake = sampler.sample(len(train_x), condition=cond, seed=0).numpy()
    y_train, y_held = class_labels(spec, train_c), class_labels(spec, held_c)
    runs, disc_it, pred_it = (2, 500, 1000) if args.quick else (5, 2000, 5000)
    runs = args.runs or runs
    result = check_series.check(
        to_units(spec, train_x).transpose(0, 2, 1), to_units(spec, fake).transpose(0, 2, 1),
        real_test=to_units(spec, held_x).transpose(0, 2, 1), y_train=y_train, y_test=y_held, y_fake=y_train,
        runs=runs, disc_iterations=disc_it, pred_iterations=pred_it)
    result["verdict"] = check_series.verdict(result)
    result["run"] = str(args.run)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
