"""TimeGAN's discriminative and predictive scores, re-implemented in torch with its protocol.

Follows ``jsyoon0823/TimeGAN`` (``metrics/discriminative_metrics.py``,
``metrics/predictive_metrics.py``, ``main_timegan.py``) so numbers are comparable with the
published tables:

* inputs are sequences ``(N, T, dim)`` min-max scaled to [0, 1];
* GRU with ``hidden = int(dim / 2)`` units, Adam with default settings, batches of 128;
* discriminative: 80/20 split of both sets, 2,000 iterations, score ``|accuracy - 0.5|`` on the
  held-out 20 %;
* predictive: trained 5,000 iterations on synthetic data to predict the last feature at t+1 from
  the first ``dim - 1`` features up to t (sigmoid output, L1 loss), scored by MAE on *all* real
  sequences;
* each score is averaged over 10 runs (``metric_iteration``).

Two unavoidable adaptations, reported in every result's protocol: for univariate series
(``dim == 1``, the usual load curve) ``int(dim/2)`` would be a GRU of zero units, so
[`UNIVARIATE_HIDDEN`][ganzoo_smartgrid.metrics.timegan.UNIVARIATE_HIDDEN] units are used (a one-unit GRU cannot tell even phase-shifted sines apart,
which would make every generator look perfect), and "the first ``dim - 1`` features" would be
none, so the predictor sees the series itself up to t (plain next-step prediction).

Cost: the full protocol trains 10 x 2,000 + 10 x 5,000 small GRU steps; minutes on a GPU, around
20 minutes on two busy CPU cores. ``runs`` and ``iterations`` can be lowered; the protocol of
every result says what was used.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn


class _GRUHead(nn.Module):
    """GRU followed by a linear layer on the last state (classifier) or every step (predictor)."""

    def __init__(self, dim: int, hidden: int, per_step: bool) -> None:
        super().__init__()
        self.gru = nn.GRU(dim, hidden, batch_first=True)
        self.out = nn.Linear(hidden, 1)
        self.per_step = per_step

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        states, last = self.gru(x)
        return self.out(states).squeeze(-1) if self.per_step else self.out(last[-1]).squeeze(-1)


#: GRU units for univariate series, where TimeGAN's ``int(dim / 2)`` is zero.
UNIVARIATE_HIDDEN = 4


def timegan_hidden(dim: int, hidden_dim: int | None = None) -> int:
    """TimeGAN's ``int(dim / 2)`` units ([`UNIVARIATE_HIDDEN`][ganzoo_smartgrid.metrics.timegan.UNIVARIATE_HIDDEN] when that is zero), unless given."""
    if hidden_dim is not None:
        return hidden_dim
    return int(dim / 2) or UNIVARIATE_HIDDEN


def _check(name: str, array: np.ndarray) -> np.ndarray:
    array = np.asarray(array, dtype=np.float32)
    if array.ndim != 3 or len(array) < 2:
        raise ValueError(f"{name} must be (N >= 2, T, dim) sequences, got shape {array.shape}")
    return array


def discriminative_score(
    real: np.ndarray,
    fake: np.ndarray,
    *,
    iterations: int = 2000,
    batch_size: int = 128,
    runs: int = 10,
    hidden_dim: int | None = None,
    seed: int = 0,
    device: str = "cpu",
) -> dict[str, Any]:
    """``|accuracy - 0.5|`` of a post-hoc GRU classifier (lower is better; 0 = indistinguishable).

    Args:
        real, fake: sequences ``(N, T, dim)`` in [0, 1].
    """
    real, fake = _check("real", real), _check("fake", fake)
    dim = real.shape[2]
    hidden = timegan_hidden(dim, hidden_dim)
    scores, accuracies = [], []
    for run in range(runs):
        gen = torch.Generator().manual_seed(seed * 1000 + run)
        torch_seed = int(torch.randint(0, 2**31 - 1, (1,), generator=gen))
        r_train, r_test = _split(real, gen)
        f_train, f_test = _split(fake, gen)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(torch_seed)
            model = _GRUHead(dim, hidden, per_step=False).to(device)
        optim = torch.optim.Adam(model.parameters())
        loss_fn = nn.BCEWithLogitsLoss()
        rt, ft = torch.from_numpy(r_train).to(device), torch.from_numpy(f_train).to(device)
        for _ in range(iterations):
            xr = rt[torch.randint(0, len(rt), (min(batch_size, len(rt)),), generator=gen).to(device)]
            xf = ft[torch.randint(0, len(ft), (min(batch_size, len(ft)),), generator=gen).to(device)]
            logits = model(torch.cat([xr, xf]))
            target = torch.cat([torch.ones(len(xr)), torch.zeros(len(xf))]).to(device)
            loss = loss_fn(logits, target)
            optim.zero_grad()
            loss.backward()
            optim.step()
        with torch.no_grad():
            pr = model(torch.from_numpy(r_test).to(device)) > 0
            pf = model(torch.from_numpy(f_test).to(device)) > 0
        accuracy = float((pr.sum() + (~pf).sum()) / (len(pr) + len(pf)))
        accuracies.append(accuracy)
        scores.append(abs(accuracy - 0.5))
    return {
        "value": float(np.mean(scores)),
        "sd": float(np.std(scores)),
        "accuracy": float(np.mean(accuracies)),
        "runs": runs,
        "iterations": iterations,
        "batch_size": batch_size,
        "hidden_dim": hidden,
        "model": "GRU(1 layer) + linear on last state, Adam(1e-3), BCE",
        "classifier_split": "80/20 of real and of synthetic, per run",
        "n_real": len(real),
        "n_fake": len(fake),
        "seq_len": real.shape[1],
        "dim": dim,
        "reference": "TimeGAN (Yoon et al. 2019) discriminative score; lower is better",
    }


def predictive_score(
    train: np.ndarray,
    test: np.ndarray,
    *,
    iterations: int = 5000,
    batch_size: int = 128,
    runs: int = 10,
    hidden_dim: int | None = None,
    seed: int = 0,
    device: str = "cpu",
) -> dict[str, Any]:
    """MAE of a GRU next-step predictor trained on ``train`` and tested on all of ``test``.

    TimeGAN's protocol trains on synthetic and tests on real (TSTR); training on real gives the
    reference "original data" score.
    """
    train, test = _check("train", train), _check("test", test)
    dim = train.shape[2]
    hidden = timegan_hidden(dim, hidden_dim)
    x_train, y_train = _predictive_pairs(train)
    x_test, y_test = _predictive_pairs(test)
    maes = []
    for run in range(runs):
        gen = torch.Generator().manual_seed(seed * 1000 + run)
        torch_seed = int(torch.randint(0, 2**31 - 1, (1,), generator=gen))
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(torch_seed)
            model = _GRUHead(x_train.shape[2], hidden, per_step=True).to(device)
        optim = torch.optim.Adam(model.parameters())
        xt, yt = torch.from_numpy(x_train).to(device), torch.from_numpy(y_train).to(device)
        for _ in range(iterations):
            idx = torch.randint(0, len(xt), (min(batch_size, len(xt)),), generator=gen).to(device)
            loss = (torch.sigmoid(model(xt[idx])) - yt[idx]).abs().mean()
            optim.zero_grad()
            loss.backward()
            optim.step()
        with torch.no_grad():
            pred = torch.sigmoid(model(torch.from_numpy(x_test).to(device))).cpu().numpy()
        maes.append(float(np.abs(pred - y_test).mean(axis=1).mean()))
    task = ("next step of the series from its past (univariate adaptation)" if dim == 1
            else "last feature at t+1 from the other features up to t")
    return {
        "value": float(np.mean(maes)),
        "sd": float(np.std(maes)),
        "runs": runs,
        "iterations": iterations,
        "batch_size": batch_size,
        "hidden_dim": hidden,
        "model": "GRU(1 layer) + per-step linear + sigmoid, Adam(1e-3), L1 loss",
        "task": task,
        "n_train": len(train),
        "n_test": len(test),
        "seq_len": train.shape[1],
        "dim": dim,
        "reference": "TimeGAN (Yoon et al. 2019) predictive score (MAE); lower is better",
    }


def _split(data: np.ndarray, gen: torch.Generator) -> tuple[np.ndarray, np.ndarray]:
    """TimeGAN's ``train_test_divide``: a random 80/20 split."""
    order = torch.randperm(len(data), generator=gen).numpy()
    cut = max(1, min(len(data) - 1, int(len(data) * 0.8)))
    return data[order[:cut]], data[order[cut:]]


def _predictive_pairs(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inputs up to t and targets at t+1 (see the module docstring for ``dim == 1``)."""
    if data.shape[2] == 1:
        return np.ascontiguousarray(data[:, :-1, :]), np.ascontiguousarray(data[:, 1:, 0])
    return np.ascontiguousarray(data[:, :-1, :-1]), np.ascontiguousarray(data[:, 1:, -1])
