"""The TimeGAN evaluation protocol on Sines, Stocks or the bundled load profiles; prints JSON.

    python timegan_protocol.py --dataset sines|stocks|load-profiles [--quick] [--stocks PATH]

Protocol (Yoon, Jarrett & van der Schaar 2019, ``jsyoon0823/TimeGAN``):

* **Sines**: 10,000 windows of 24 steps x 5 channels, ``sin(f t + phi)`` with f, phi ~ U(0, 0.1)
  per window and channel, rescaled to [0, 1] (``(x + 1) / 2``), generated with seed 0;
* **Stocks**: ``timegan-stocks.csv`` (3,685 daily rows, 6 columns, oldest first), min-max per
  column, windows of 24 consecutive days with stride 1 (3,661 windows: TimeGAN's loop leaves out
  the last one);
* **load-profiles**: the plugin's BDEW daily curves (48 half-hours, labelled with month, day
  type and class) as the ``smartgrid-cgan`` preset trains them; scored on 1,000 held-out
  ``test`` days against 1,000 days generated for the same labels;
* the model trains on all windows (TimeGAN uses no held-out split), then generates as many
  windows as there are real ones; both sets are scored in [0, 1] (per-channel min-max of the
  real data) with the plugin's TimeGAN metrics: discriminative score (post-hoc GRU with
  ``int(dim / 2)`` units, 2,000 iterations, 80/20 split) and predictive score (GRU trained on
  synthetic windows to predict the last channel one step ahead, MAE on all real windows), each
  mean +- sd over ``--runs`` fits (default 5), plus the predictive score of a GRU trained on the
  real windows ("original data").

The model is the plugin's recommended one (``series-resconv`` generator and critic, WGAN-GP with
the ``series-moments`` term, generator EMA), with the steps below; ``--quick`` trains 200 steps
and fits the post-hoc models 2 x 200 / 2 x 500 iterations (a smoke run, not a result).
Training time is reported as wall-clock seconds and as the process's CPU seconds (all threads),
with the load average, because the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

import ganzoo

DEFAULT_STOCKS = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "timegan-stocks.csv"
#: TimeGAN's published scores (Table 2) for comparison.
PUBLISHED = {"sines": {"discriminative": 0.011, "predictive": 0.093},
             "stocks": {"discriminative": 0.102, "predictive": 0.038},
             "load-profiles": {}}
#: Training steps per data set (the full run; --quick uses 200).
STEPS = {"sines": 4000, "stocks": 4000, "load-profiles": 1500}  # load-profiles: the preset's


def sines(n: int = 10_000, length: int = 24, channels: int = 5, seed: int = 0) -> np.ndarray:
    """TimeGAN's ``sine_data_generation``: (n, length, channels) in [0, 1]."""
    rng = np.random.default_rng(seed)
    freq = rng.uniform(0, 0.1, (n, 1, channels))
    phase = rng.uniform(0, 0.1, (n, 1, channels))
    return (np.sin(freq * np.arange(length)[None, :, None] + phase) + 1) / 2


def stocks(path: Path, length: int = 24) -> tuple[np.ndarray, list[str]]:
    """Min-max scaled sliding windows (stride 1) of the Stocks table, and its column names."""
    frame = pd.read_csv(path)
    values = frame.to_numpy(dtype=np.float64)
    values = (values - values.min(0)) / (values.max(0) - values.min(0) + 1e-7)
    windows = np.lib.stride_tricks.sliding_window_view(values, length, axis=0).transpose(0, 2, 1)
    # TimeGAN's loop ``range(0, len(data) - seq_len)`` leaves out the last window (3,661 of 3,662)
    return np.ascontiguousarray(windows[:-1]), list(frame.columns)


def windows_csv(windows: np.ndarray, names: list[str], folder: Path) -> Path:
    """Windows (N, L, C) as a long CSV ``window, <channels>`` (rows in time order, no timestamps)."""
    n, length, channels = windows.shape
    frame = pd.DataFrame(windows.reshape(-1, channels), columns=names)
    frame.insert(0, "window", np.repeat(np.arange(n), length))
    path = folder / "windows.csv"
    frame.to_csv(path, index=False, float_format="%.7g")
    return path


def experiment(dataset: dict[str, Any], steps: int, seed: int, threads: int = 2) -> dict[str, Any]:
    """The recommended model on ``dataset`` (what the smartgrid-cgan preset trains)."""
    return {
        "name": "timegan-protocol",
        "generator": {"name": "series-resconv"},
        "discriminator": {"name": "series-resconv"},
        "dataset": dataset,
        "losses": [{"name": "adversarial", "params": {"mode": "wasserstein"}},
                   {"name": "gradient-penalty", "weight": 10.0},
                   {"name": "series-moments", "weight": 10.0}],
        "train": {"steps": steps, "batch_size": 64, "n_critic": 5, "optimizer": "adam", "lr": 2e-4,
                  "betas": [0.5, 0.9], "ema": {"decay": 0.99}, "seed": seed, "threads": threads, "log_every": 100,
                  "sample_every": 0, "checkpoint_every": 0, "progress": False},
    }


def train_and_sample(config: dict[str, Any], run_dir: Path, real_cond: torch.Tensor | None, n: int,
                     seed: int) -> tuple[np.ndarray, dict[str, Any]]:
    """Train, then generate ``n`` windows (for ``real_cond`` when given); model-space (N, C, L)."""
    load = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    run = ganzoo.train(config, run_dir=run_dir)
    timing = {"train_wall_s": round(time.perf_counter() - wall, 1), "train_cpu_s": round(time.process_time() - cpu, 1),
              "load_average_before": round(load, 2), "load_average_after": round(os.getloadavg()[0], 2),
              "threads": config["train"]["threads"], "steps": run.step}
    sampler = ganzoo.load(run.directory)
    fake = sampler.sample(n, condition=real_cond, seed=seed).numpy()
    return fake, timing


def scores(real: np.ndarray, fake: np.ndarray, *, runs: int, quick: bool, seed: int) -> dict[str, Any]:
    """TimeGAN's discriminative and predictive scores of (N, L, C) windows in [0, 1]."""
    from ganzoo_smartgrid.metrics.timegan import discriminative_score, predictive_score

    disc_it, pred_it = (200, 500) if quick else (2000, 5000)
    disc = discriminative_score(real, fake, iterations=disc_it, runs=runs, seed=seed)
    pred = predictive_score(fake, real, iterations=pred_it, runs=runs, seed=seed)
    pred_real = predictive_score(real, real, iterations=pred_it, runs=runs, seed=seed)
    return {
        "discriminative": {"mean": round(disc["value"], 4), "sd": round(disc["sd"], 4), "runs": runs,
                           "iterations": disc_it, "gru_units": disc["hidden_dim"]},
        "predictive": {"mean": round(pred["value"], 4), "sd": round(pred["sd"], 4), "runs": runs,
                       "iterations": pred_it, "gru_units": pred["hidden_dim"]},
        "predictive_real": {"mean": round(pred_real["value"], 4), "sd": round(pred_real["sd"], 4)},
    }


def run_dataset(name: str, *, quick: bool, stocks_path: Path, runs: int, seed: int, steps: int | None,
                folder: Path, threads: int = 2) -> dict[str, Any]:
    steps = steps or (200 if quick else STEPS[name])
    real_cond = None
    if name == "load-profiles":
        params = {"resolution_minutes": 30, "window_days": 1, "conditional": True, "n_samples": 4096,
                  "n_meters": 100, "seed": 0}
        config = experiment({"name": "load-profiles", "params": params}, steps, seed, threads)
        test = ganzoo.create("dataset", "load-profiles", **{**params, "split": "test", "n_samples": 1000})
        real_x = test.x.numpy()
        real_cond = test.cond
        protocol = {"windows": "BDEW load-profiles, 4,096 training days; scored on 1,000 test days (48 steps, 1 channel)",
                    "conditions": "generated for the test days' labels (month, day type, class)"}
    else:
        if name == "sines":
            data, names = sines(), [f"s{i + 1}" for i in range(5)]
            protocol = {"windows": "10,000 sine windows, 24 steps x 5 channels (TimeGAN's generator, seed 0)"}
        else:
            if not stocks_path.is_file():
                return {"dataset": name, "skipped": f"{stocks_path}: no such file (pass --stocks PATH)"}
            data, names = stocks(stocks_path)
            protocol = {"windows": f"{len(data)} windows of 24 days x 6 columns, stride 1, min-max per column"}
        path = windows_csv(data, names, folder)
        params = {"path": str(path), "meter_column": "window", "value_column": names, "timestamp_column": None,
                  "window_steps": 24, "stride_steps": 1, "quantity": "power", "unit": "scaled",
                  "val_fraction": 0.0, "test_fraction": 0.0}
        config = experiment({"name": "long-csv", "params": params}, steps, seed, threads)
        real_x = data.transpose(0, 2, 1)  # (N, C, L) in [0, 1] = the model's scale after min-max
    fake, timing = train_and_sample(config, folder / "run", real_cond, len(real_x), seed)
    # score in [0, 1]: the model's [-1, 1] mapped back with the real data's own per-channel range
    if name == "load-profiles":
        real01, fake01 = (real_x + 1) / 2, np.clip((fake + 1) / 2, 0, 1)
    else:
        real01, fake01 = real_x, np.clip(_to_data_scale(fake, data), 0, 1)
    result = scores(real01.transpose(0, 2, 1).astype(np.float32), fake01.transpose(0, 2, 1).astype(np.float32),
                    runs=2 if quick else runs, quick=quick, seed=seed)
    return {"dataset": name, "quick": quick, **result, "published_timegan": PUBLISHED[name], **timing,
            "protocol": {**protocol, "n_real": len(real_x), "n_synthetic": len(fake), "train_seed": seed,
                         "split": "trained on all windows, scored against all (TimeGAN)" if name != "load-profiles"
                         else "trained on the train split, scored against the test split",
                         "scale": "[0, 1] per channel, the real data's min-max"}}


def _to_data_scale(fake: np.ndarray, data: np.ndarray) -> np.ndarray:
    """Model space [-1, 1] of the per-channel min-max fitted on ``data`` (N, L, C) -> data scale."""
    lo, hi = data.min(axis=(0, 1))[None, :, None], data.max(axis=(0, 1))[None, :, None]
    return (fake + 1) / 2 * (hi - lo) + lo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=["sines", "stocks", "load-profiles"], required=True)
    parser.add_argument("--quick", action="store_true", help="200 steps, short post-hoc fits: a smoke run")
    parser.add_argument("--stocks", type=Path, default=DEFAULT_STOCKS.resolve(), help="timegan-stocks.csv")
    parser.add_argument("--runs", type=int, default=5, help="post-hoc fits averaged (at least 5 for results)")
    parser.add_argument("--steps", type=int, help="training steps (default per data set)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2, help="torch threads for training and scoring")
    parser.add_argument("--keep", type=Path, help="keep the run directory here")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        result = run_dataset(args.dataset, quick=args.quick, stocks_path=args.stocks, runs=args.runs, seed=args.seed,
                             steps=args.steps, folder=folder, threads=args.threads)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
