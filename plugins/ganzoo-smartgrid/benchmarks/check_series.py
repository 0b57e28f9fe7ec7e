"""Independent fidelity checker for synthetic series: real windows vs generated windows.

Written apart from the plugin's metric code (it imports nothing from ``ganzoo_smartgrid``) so
that changes to the generator are judged by code the generator's author did not tune. Four
checks, each on windows ``(N, T, C)``:

1. **discriminative score** (TimeGAN): a GRU classifier learns real vs synthetic on 80 % of an
   equal number of each, ``|accuracy - 0.5|`` on the other 20 %, mean +- sd over ``runs`` fits.
   Two classifiers: ``timegan`` (1 layer, ``max(C // 2, 4)`` units: TimeGAN's ``C / 2`` with a
   floor, since a univariate series would get none) and ``strong`` (2 layers, 32 units).
2. **predictive score** (TimeGAN): a GRU predicts the last channel at t+1 from the other channels
   up to t (the series itself for one channel), trained on synthetic windows (TSTR) or on the
   real training windows (TRTR), MAE on held-out real windows; the ratio TSTR / TRTR.
3. **class recovery**: classifiers trained on real windows (random forest, 1-nearest neighbour)
   label the synthetic windows generated for each class; the share labelled with the class they
   were generated for, per class (and the classifiers' accuracy on held-out real windows).
4. **per-step spread**: per class, channel and step, sd of synthetic / sd of real values; the
   mean and the worst ``|ratio - 1|``, and the share of steps within 20 %.

Plus diversity: density and coverage (Naeem et al. 2020, k = 5 nearest neighbours in the
flattened, min-max scaled window space) and the share of real k-means clusters (k = 10) that
synthetic windows reach.

Every value is computed on min-max scaled windows: per channel, with the real windows' minimum
and maximum, as in TimeGAN.

Command line (CSV files: one row per time step of a window, a window-id column, optional class
column, one numeric column per channel; e.g. what ``ganzoo generate`` writes for series)::

    python check_series.py --real real.csv --synthetic synth.csv --id-column window \
        --class-column class [--time-column timestamp] [--held-out real_test.csv] [--quick]

prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.cluster import KMeans
from sklearn.ensemble import RandomForestClassifier
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors
from torch import nn

# -- scaling ------------------------------------------------------------------------------------


def fit_scale(real: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel minimum and span of the real windows ``(N, T, C)``."""
    lo = real.min(axis=(0, 1))
    span = real.max(axis=(0, 1)) - lo
    return lo, np.where(span > 1e-12, span, 1.0)


def scaled(x: np.ndarray, scale: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    return ((x - scale[0]) / scale[1]).astype(np.float32)


# -- 1. discriminative score ------------------------------------------------------------------


class _GRU(nn.Module):
    def __init__(self, dim: int, hidden: int, layers: int, out: int, per_step: bool) -> None:
        super().__init__()
        self.gru = nn.GRU(dim, hidden, layers, batch_first=True)
        self.head = nn.Linear(hidden, out)
        self.per_step = per_step

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        states, last = self.gru(x)
        return self.head(states) if self.per_step else self.head(last[-1])


def discriminative(real: np.ndarray, fake: np.ndarray, *, hidden: int, layers: int, runs: int,
                   iterations: int, seed: int) -> dict[str, float]:
    """``|accuracy - 0.5|`` of a GRU real-vs-synthetic classifier on held-out 20 %."""
    rng = np.random.default_rng(seed)
    n = min(len(real), len(fake))
    scores = []
    for run in range(runs):
        r = real[rng.permutation(len(real))[:n]]
        f = fake[rng.permutation(len(fake))[:n]]
        cut = int(0.8 * n)
        x_train = torch.from_numpy(np.concatenate([r[:cut], f[:cut]]))
        y_train = torch.cat([torch.ones(cut), torch.zeros(cut)])
        x_test = torch.from_numpy(np.concatenate([r[cut:], f[cut:]]))
        y_test = torch.cat([torch.ones(n - cut), torch.zeros(n - cut)])
        torch.manual_seed(seed * 100 + run)
        model = _GRU(real.shape[2], hidden, layers, 1, per_step=False)
        optim = torch.optim.Adam(model.parameters(), lr=1e-3)
        for _ in range(iterations):
            idx = torch.randint(0, len(x_train), (min(256, len(x_train)),))
            loss = nn.functional.binary_cross_entropy_with_logits(model(x_train[idx])[:, 0], y_train[idx])
            optim.zero_grad()
            loss.backward()
            optim.step()
        with torch.no_grad():
            accuracy = float(((model(x_test)[:, 0] > 0).float() == y_test).float().mean())
        scores.append(abs(accuracy - 0.5))
    return {"mean": float(np.mean(scores)), "sd": float(np.std(scores)), "runs": runs}


# -- 2. predictive score ----------------------------------------------------------------------


def _pairs(x: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    if x.shape[2] == 1:
        return torch.from_numpy(x[:, :-1]), torch.from_numpy(x[:, 1:, 0])
    return torch.from_numpy(x[:, :-1, :-1]), torch.from_numpy(x[:, 1:, -1])


def _predictor_mae(train: np.ndarray, test: np.ndarray, *, runs: int, iterations: int, seed: int) -> list[float]:
    x, y = _pairs(train)
    xt, yt = _pairs(test)
    hidden = max(train.shape[2] // 2, 4)
    maes = []
    for run in range(runs):
        torch.manual_seed(seed * 100 + run)
        model = _GRU(x.shape[2], hidden, 1, 1, per_step=True)
        optim = torch.optim.Adam(model.parameters(), lr=1e-3)
        for _ in range(iterations):
            idx = torch.randint(0, len(x), (min(128, len(x)),))
            loss = (torch.sigmoid(model(x[idx])[..., 0]) - y[idx]).abs().mean()
            optim.zero_grad()
            loss.backward()
            optim.step()
        with torch.no_grad():
            maes.append(float((torch.sigmoid(model(xt)[..., 0]) - yt).abs().mean()))
    return maes


def predictive(real_train: np.ndarray, real_test: np.ndarray, fake: np.ndarray, *, runs: int,
               iterations: int, seed: int) -> dict[str, float]:
    """Next-step MAE on held-out real windows of a GRU trained on synthetic vs on real windows."""
    tstr = _predictor_mae(fake, real_test, runs=runs, iterations=iterations, seed=seed)
    trtr = _predictor_mae(real_train, real_test, runs=runs, iterations=iterations, seed=seed)
    return {"tstr": float(np.mean(tstr)), "tstr_sd": float(np.std(tstr)), "trtr": float(np.mean(trtr)),
            "trtr_sd": float(np.std(trtr)), "ratio": float(np.mean(tstr) / np.mean(trtr)), "runs": runs}


# -- 3. class recovery --------------------------------------------------------------------------


def class_recovery(real_train: np.ndarray, y_train: np.ndarray, real_test: np.ndarray, y_test: np.ndarray,
                   fake: np.ndarray, y_fake: np.ndarray, *, seed: int) -> dict[str, Any]:
    """Share of synthetic windows of each class that real-trained classifiers give that class."""
    flat = lambda a: a.reshape(len(a), -1)  # noqa: E731
    out: dict[str, Any] = {}
    models = {"forest": RandomForestClassifier(300, random_state=seed, n_jobs=1),
              "1nn": KNeighborsClassifier(1)}
    for name, model in models.items():
        model.fit(flat(real_train), y_train)
        real_acc = float((model.predict(flat(real_test)) == y_test).mean()) if len(real_test) else float("nan")
        pred = model.predict(flat(fake))
        per_class = {str(c): float((pred[y_fake == c] == c).mean()) for c in np.unique(y_fake)}
        out[name] = {"real_accuracy": real_acc, "recovery": per_class, "min_recovery": min(per_class.values())}
    return out


# -- 4. per-step spread -----------------------------------------------------------------------


def spread(real: np.ndarray, y_real: np.ndarray | None, fake: np.ndarray, y_fake: np.ndarray | None) -> dict[str, Any]:
    """Per class: sd ratios (synthetic / real) per step and channel, and the mean-profile error."""
    groups = [(None, slice(None), slice(None))] if y_real is None or y_fake is None else [
        (c, y_real == c, y_fake == c) for c in np.unique(y_real) if (y_fake == c).any()]
    out: dict[str, Any] = {}
    for label, rows_real, rows_fake in groups:
        r, f = real[rows_real], fake[rows_fake]
        sd_r, sd_f = r.std(axis=0), f.std(axis=0)
        ratio = sd_f / np.maximum(sd_r, 1e-6)
        dev = np.abs(ratio - 1)
        out["all" if label is None else str(label)] = {
            "sd_ratio_mean": float(ratio.mean()), "sd_dev_mean": float(dev.mean()), "sd_dev_max": float(dev.max()),
            "within_20pct": float((dev <= 0.2).mean()),
            "mean_profile_rmse": float(np.sqrt(((r.mean(0) - f.mean(0)) ** 2).mean())),
        }
    return out


# -- diversity ----------------------------------------------------------------------------------


def diversity(real: np.ndarray, fake: np.ndarray, *, k: int = 5, clusters: int = 10, seed: int = 0) -> dict[str, float]:
    """Density and coverage (Naeem et al. 2020) and the share of real k-means clusters reached."""
    r, f = real.reshape(len(real), -1), fake.reshape(len(fake), -1)
    radius = NearestNeighbors(n_neighbors=k + 1).fit(r).kneighbors(r)[0][:, -1]
    hits, covered = 0, np.zeros(len(r), dtype=bool)
    for start in range(0, len(f), 512):  # chunks keep the distance matrix small
        chunk = f[start : start + 512]
        sq = (chunk**2).sum(1)[:, None] + (r**2).sum(1)[None, :] - 2 * chunk @ r.T
        within = np.sqrt(np.maximum(sq, 0)) < radius[None, :]
        hits += int(within.sum())
        covered |= within.any(axis=0)
    density, coverage = hits / (k * len(f)), float(covered.mean())
    km = KMeans(min(clusters, len(r)), n_init=4, random_state=seed).fit(r)
    reached = np.unique(km.predict(f))
    shares_r = np.bincount(km.labels_, minlength=km.n_clusters) / len(r)
    shares_f = np.bincount(km.predict(f), minlength=km.n_clusters) / len(f)
    return {"density": density, "coverage": coverage, "clusters_reached": float(len(reached) / km.n_clusters),
            "cluster_share_tv": float(0.5 * np.abs(shares_r - shares_f).sum())}


# -- all checks ---------------------------------------------------------------------------------


def check(real_train: np.ndarray, fake: np.ndarray, *, real_test: np.ndarray | None = None,
          y_train: np.ndarray | None = None, y_test: np.ndarray | None = None, y_fake: np.ndarray | None = None,
          runs: int = 5, disc_iterations: int = 2000, pred_iterations: int = 5000, seed: int = 0,
          skip: Sequence[str] = ()) -> dict[str, Any]:
    """Every check on original-unit windows ``(N, T, C)``; labels optional.

    ``real_train`` are the windows the generator learnt from (or all real windows),
    ``real_test`` held-out real windows (default: a seeded half of ``real_train``).
    """
    rng = np.random.default_rng(seed)
    if real_test is None:
        order = rng.permutation(len(real_train))
        half = len(order) // 2
        real_test = real_train[order[half:]]
        y_test = y_train[order[half:]] if y_train is not None else None
        real_train = real_train[order[:half]]
        y_train = y_train[order[:half]] if y_train is not None else None
    scale = fit_scale(np.concatenate([real_train, real_test]))
    rtr, rte, fk = scaled(real_train, scale), scaled(real_test, scale), scaled(fake, scale)
    real_all = np.concatenate([rtr, rte])
    y_all = np.concatenate([y_train, y_test]) if y_train is not None and y_test is not None else None
    out: dict[str, Any] = {"n_real_train": len(rtr), "n_real_test": len(rte), "n_fake": len(fk),
                           "shape": list(fake.shape[1:]), "seed": seed}
    if "disc" not in skip:
        dim = fk.shape[2]
        out["discriminative"] = {
            "timegan": discriminative(real_all, fk, hidden=max(dim // 2, 4), layers=1, runs=runs,
                                      iterations=disc_iterations, seed=seed),
            "strong": discriminative(real_all, fk, hidden=32, layers=2, runs=runs, iterations=disc_iterations,
                                     seed=seed),
        }
    if "pred" not in skip:
        out["predictive"] = predictive(rtr, rte, fk, runs=runs, iterations=pred_iterations, seed=seed)
    if y_train is not None and y_fake is not None and "class" not in skip:
        out["class_recovery"] = class_recovery(rtr, y_train, rte, y_test, fk, y_fake, seed=seed)
    out["spread"] = spread(real_all, y_all, fk, y_fake)
    out["diversity"] = diversity(real_all, fk, seed=seed)
    return out


def verdict(result: dict[str, Any]) -> dict[str, bool]:
    """The issue's pass marks: discr. <= 0.20, TSTR within 10 %, recovery >= 90 %, sd within 20 %."""
    marks = {}
    if "discriminative" in result:
        marks["discriminative<=0.20"] = result["discriminative"]["timegan"]["mean"] <= 0.20
    if "predictive" in result:
        marks["predictive_within_10pct"] = result["predictive"]["ratio"] <= 1.10
    if "class_recovery" in result:
        marks["class_recovery>=0.90"] = all(v["min_recovery"] >= 0.9 for v in result["class_recovery"].values())
    marks["per_step_sd_within_20pct"] = all(abs(v["sd_ratio_mean"] - 1) <= 0.2 for v in result["spread"].values())
    return marks


# -- CSV input ----------------------------------------------------------------------------------


def read_windows(path: Path, *, id_column: str, class_column: str | None, time_column: str | None,
                 channels: Sequence[str] | None) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    """Windows ``(N, T, C)`` from rows grouped by ``id_column`` (in file order), and labels."""
    frame = pd.read_csv(path)
    for column in [id_column, class_column, time_column, *(channels or [])]:
        if column and column not in frame.columns:
            sys.exit(f"{path}: no column {column!r} (found {', '.join(frame.columns)})")
    if channels is None:
        skip = {id_column, class_column, time_column}
        channels = [c for c in frame.columns if c not in skip and pd.api.types.is_numeric_dtype(frame[c])]
    groups = list(frame.groupby(id_column, sort=False))
    lengths = {len(g) for _, g in groups}
    if len(lengths) != 1:
        sys.exit(f"{path}: windows have different lengths {sorted(lengths)[:5]}")
    x = np.stack([g[list(channels)].to_numpy(dtype=np.float64) for _, g in groups])
    y = np.asarray([str(g[class_column].iloc[0]) for _, g in groups]) if class_column else None
    return x, y, list(channels)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--real", type=Path, required=True, help="real windows the generator learnt from")
    parser.add_argument("--held-out", type=Path, help="held-out real windows (default: half of --real)")
    parser.add_argument("--synthetic", type=Path, required=True)
    parser.add_argument("--id-column", default="window")
    parser.add_argument("--class-column")
    parser.add_argument("--time-column")
    parser.add_argument("--channels", help="comma-separated channel columns (default: every numeric column)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="2 runs, 500/1000 iterations (a rough look)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    channels = args.channels.split(",") if args.channels else None
    opts = {"id_column": args.id_column, "class_column": args.class_column, "time_column": args.time_column}
    real, y_real, channels = read_windows(args.real, channels=channels, **opts)
    fake, y_fake, _ = read_windows(args.synthetic, channels=channels, **opts)
    held, y_held = (read_windows(args.held_out, channels=channels, **opts)[:2] if args.held_out else (None, None))
    runs, disc_it, pred_it = (2, 500, 1000) if args.quick else (args.runs, 2000, 5000)
    result = check(real, fake, real_test=held, y_train=y_real, y_test=y_held, y_fake=y_fake, runs=runs,
                   disc_iterations=disc_it, pred_iterations=pred_it, seed=args.seed)
    result["channels"] = channels
    result["verdict"] = verdict(result)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
