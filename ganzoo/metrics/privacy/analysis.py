"""The privacy numbers from three sets of embedded samples: training, held-out and generated.

Everything here is arithmetic on nearest-neighbour distances (definitions in
[`ganzoo.metrics.privacy`][ganzoo.metrics.privacy]); the metrics in
[`ganzoo.metrics.privacy.metrics`][ganzoo.metrics.privacy.metrics] add the protocol and figures.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ganzoo.metrics.privacy.distances import Distance

#: Distances up to this fraction of the median held-out-to-training distance count as 0: an
#: exact copy (float rounding aside), and a tie between two candidates.
EXACT = 1e-6
#: Largest distance block held at once (float64 entries, 32 MiB).
BLOCK = 2**22
#: Above these values a result is flagged, when it is also two standard errors above 0.5.
DCR_FLAG = 0.55
AUC_FLAG = 0.6
#: A copy rate is flagged above twice its held-out rate plus this margin.
COPY_FLAG_FACTOR, COPY_FLAG_MARGIN = 2.0, 0.01


@dataclass(frozen=True)
class Nearest:
    """Each query row's closest reference row: distance, index and how many rows tie at it."""

    distance: np.ndarray
    index: np.ndarray
    ties: np.ndarray


def scan(
    query: torch.Tensor, reference: torch.Tensor, distance: Distance, *, resolution: float = 0.0,
    advance: Callable[[int], object] | None = None,
) -> tuple[Nearest, np.ndarray]:
    """Closest reference row of each query row, and the closest query distance of each reference row.

    One pass over ``len(query) x len(reference)`` distances in blocks; the closest pairs are
    measured again with ``distance.rowwise`` so copies come out exactly 0. Rows within
    ``resolution`` of a query row's minimum count as ties. ``advance(rows)`` is called after each
    block (a progress bar: a pass over whole training splits takes minutes).
    """
    rows = max(1, BLOCK // max(len(reference), 1))
    # results are written into tensors allocated before the loop: small tensors allocated per
    # block, between the block's large temporaries, pin them in the heap (glibc's allocator),
    # and a scan of 58,400 x 58,400 series grew to 17 GB that way
    n = len(query)
    best_d = torch.empty(n, dtype=torch.float64)
    best_i = torch.empty(n, dtype=torch.long)
    ties = torch.empty(n, dtype=torch.long)
    column_min = torch.full((len(reference),), math.inf, dtype=torch.float64)
    for start in range(0, n, rows):
        stop = min(start + rows, n)
        block = distance.pairwise(query[start:stop], reference)
        torch.min(block, dim=1, out=(best_d[start:stop], best_i[start:stop]))
        torch.sum(block <= (best_d[start:stop] + resolution).unsqueeze(1), dim=1, out=ties[start:stop])
        torch.minimum(column_min, block.amin(dim=0), out=column_min)
        if advance is not None:
            advance(stop - start)
    exact = distance.rowwise(query, reference[best_i])
    return Nearest(exact.numpy(), best_i.numpy(), ties.numpy()), column_min.numpy()


@dataclass(frozen=True)
class Neighbours:
    """All nearest-neighbour distances the privacy metrics use.

    ``synthetic_train``/``synthetic_holdout``: each generated sample's closest training and
    held-out sample; ``holdout_train``: each held-out sample's closest training sample;
    ``train_synthetic``/``holdout_synthetic``: each real sample's distance to its closest
    generated sample (the membership attack's score); ``resolution``: distances this small are 0.
    """

    synthetic_train: Nearest
    synthetic_holdout: Nearest
    holdout_train: Nearest
    train_synthetic: np.ndarray
    holdout_synthetic: np.ndarray
    resolution: float


def neighbours(train: torch.Tensor, holdout: torch.Tensor, synthetic: torch.Tensor, distance: Distance,
               advance: Callable[[int], object] | None = None) -> Neighbours:
    """Embedded training, held-out and generated rows -> [`Neighbours`][ganzoo.metrics.privacy.analysis.Neighbours]
    (``advance``: see [`scan`][ganzoo.metrics.privacy.analysis.scan]; ``len(holdout) + 2 * len(synthetic)`` rows in all)."""
    holdout_train, _ = scan(holdout, train, distance, advance=advance)
    typical = float(np.median(holdout_train.distance))
    resolution = EXACT * typical if typical > 0 else 1e-12
    synthetic_train, train_synthetic = scan(synthetic, train, distance, resolution=resolution, advance=advance)
    synthetic_holdout, holdout_synthetic = scan(synthetic, holdout, distance, resolution=resolution, advance=advance)
    return Neighbours(synthetic_train, synthetic_holdout, holdout_train, train_synthetic, holdout_synthetic, resolution)


@dataclass(frozen=True)
class Groups:
    """The group (a meter, a patient) of each training and held-out sample, as integer codes shared
    by both sets, for a split that assigned whole groups to one side: all samples of a group are
    members or none are, so the standard errors count a group, not a sample, as one draw."""

    train: np.ndarray
    holdout: np.ndarray

    @classmethod
    def of(cls, train: Sequence[str], holdout: Sequence[str]) -> Groups:
        """Codes for the group names of the training and the held-out samples."""
        _, codes = np.unique(np.asarray([*train, *holdout], dtype=str), return_inverse=True)
        return cls(codes[: len(train)], codes[len(train) :])

    @property
    def count(self) -> int:
        """Distinct groups of both sets."""
        return int(max(self.train.max(), self.holdout.max())) + 1

    @property
    def training_share(self) -> float:
        """Share of the groups that hold training samples."""
        return len(np.unique(self.train)) / self.count


# -- DCR share ----------------------------------------------------------------------------------------
def balanced_share(p: float, p0: float) -> float:
    """The share ``p`` rescaled so that its value under independence, ``p0``, maps to 0.5.

    ``p * (1 - p0) / (p * (1 - p0) + (1 - p) * p0)``: the share computed as if the training and
    held-out sets were equally large (counts weighted by the inverse set size); ``p`` itself when
    ``p0 = 0.5``, 1 when every generated sample is closer to training.
    """
    up, down = p * (1 - p0), (1 - p) * p0
    return up / (up + down) if up + down > 0 else 0.5


def distance_ratio(near: Neighbours) -> float | None:
    """Median distance of the generated samples to their closest training sample over the same
    median of the held-out samples: about 1 for samples as close to the data as unseen real ones,
    near 0 for copies, and well above 1 for samples far from every real sample, which then share
    a few closest real samples ("hubs") and make the DCR share a few draws. ``None`` when half the
    held-out samples equal a training sample (tables of few distinct rows)."""
    held = float(np.median(near.holdout_train.distance))
    generated = float(np.median(near.synthetic_train.distance))
    return round(generated / held, 3) if held > 0 else None


def dcr_share(near: Neighbours, n_train: int, n_holdout: int, within: float | None = None,
              groups: Groups | None = None) -> dict[str, float]:
    """Share of generated samples closer to a training than to a held-out sample (size-balanced).

    A generated sample whose closest training and held-out samples are equally far (within the
    resolution) counts ``t / (t + h)`` with ``t`` and ``h`` the tied samples of each set, so the
    expected raw share of a generator that does not depend on which samples it trained on is
    exactly ``n_train / (n_train + n_holdout)`` (the closest of all real samples is equally
    likely to be any of them). Returns the balanced share with its standard error, the raw share
    and its expected value.

    The standard error is the one under that hypothesis, given where the generated samples fall:
    the spread of the share when the real samples are assigned to ``T`` and ``H`` at random, as the
    split assigned them. Generated samples that share their closest real sample are one draw,
    since whether that one sample is a training or a held-out sample decides them all: a few "hub"
    samples can be the closest to many generated ones (always so for a generator whose samples
    are far from all real data), and a binomial error over the generated samples would then be far
    too small. With ``groups`` (a split that assigned whole groups, such as meters) the unit is a
    group: the generated samples whose closest real samples belong to one group are one draw.

    ``within``: only the generated samples at most this far from their closest real sample (of
    ``T`` and ``H`` together) count. Selecting on that distance keeps the ideal, since which real
    sample is the closest does not depend on how close it is; selecting on the distance to the
    closest *training* sample alone would favour training. Returns ``n`` (the samples counted)
    and ``draws``, how many independent draws they amount to (``n**2 / sum(size**2)`` over the
    groups sharing a closest real sample: ``n`` when no two share one, 1 when all do); with no
    sample the share is 0.5 and its sd infinite.
    """
    d_train, d_hold = near.synthetic_train.distance, near.synthetic_holdout.distance
    keep = np.ones(len(d_train), bool) if within is None else np.minimum(d_train, d_hold) <= within
    p0 = n_train / (n_train + n_holdout)
    if not keep.any():
        return {"share": 0.5, "sd": math.inf, "raw": p0, "expected_raw": p0, "n": 0, "draws": 0.0}
    d_train, d_hold = d_train[keep], d_hold[keep]
    tied = np.abs(d_train - d_hold) <= near.resolution
    t, h = near.synthetic_train.ties[keep].astype(float), near.synthetic_holdout.ties[keep].astype(float)
    closer = np.where(tied, t / (t + h), (d_train < d_hold).astype(float))
    p = float(closer.mean())
    cluster = np.where(d_hold < d_train, n_train + near.synthetic_holdout.index[keep], near.synthetic_train.index[keep])
    units, q = n_train + n_holdout, p0
    if groups is not None:
        cluster = np.concatenate([groups.train, groups.holdout])[cluster]
        units, q = groups.count, groups.training_share
    sizes = np.bincount(cluster, minlength=units).astype(float)
    sd_p = _assignment_sd(sizes, q) / len(closer)
    # the balanced share changes by 1 / (4 p0 (1 - p0)) per unit of p around p0
    return {"share": balanced_share(p, p0), "sd": sd_p / (4 * p0 * (1 - p0)), "raw": p, "expected_raw": p0,
            "n": int(keep.sum()), "draws": float(len(closer) ** 2 / (sizes**2).sum())}


def _assignment_sd(sizes: np.ndarray, q: float) -> float:
    """Standard deviation of ``sum(sizes[u] * member[u])`` when a share ``q`` of the ``len(sizes)``
    units is drawn as members without replacement: the binomial ``q (1 - q) sum(sizes**2)`` less
    what drawing a fixed number of members removes (nothing varies when every unit has the same size)."""
    units = len(sizes)
    spread = (float((sizes**2).sum()) - float(sizes.sum()) ** 2 / units) * units / max(units - 1, 1)
    return math.sqrt(q * (1 - q) * max(spread, 0.0))


def flagged(value: float, sd: float, limit: float) -> bool:
    """Whether a share or AUC whose ideal is 0.5 signals memorisation: above ``limit``, and more
    than two standard errors above 0.5 (small sets alone do not raise the flag)."""
    return value > limit and value - 2 * (sd if math.isfinite(sd) else 0.0) > 0.5


# -- copies -------------------------------------------------------------------------------------------
def copies(near: Neighbours, quantile: float, n_train: int, n_holdout: int,
           groups: Groups | None = None) -> dict[str, dict[str, float]]:
    """Exact and near copies of training samples among the generated ones, with held-out baselines.

    Near: a generated sample at most the ``quantile`` of the held-out-to-training distances away
    from a training sample. Each rate comes with the same rate for the held-out samples (the
    baseline a generator that copies nothing shows), the count and how many distinct training
    samples were copied, and ``training_share``: the size-balanced DCR share of the generated
    samples as close as that to *any* real sample. A generator whose samples are typical of
    the data comes close to held-out samples as often as to training ones (share 0.5); one that
    copies comes close to training samples (share near 1). ``groups``: as for
    [`dcr_share`][ganzoo.metrics.privacy.analysis.dcr_share].
    """
    d_syn, index = near.synthetic_train.distance, near.synthetic_train.index
    d_hold = near.holdout_train.distance
    threshold = float(np.quantile(d_hold, quantile))

    def rates(limit: float) -> dict[str, float]:
        hits = d_syn <= limit
        specific = dcr_share(near, n_train, n_holdout, within=limit, groups=groups)
        return {
            "rate": float(hits.mean()),
            "count": int(hits.sum()),
            "distinct_training": int(len(np.unique(index[hits]))),
            "holdout_rate": float((d_hold <= limit).mean()),
            "threshold": limit,
            "training_share": specific["share"],
            "training_share_sd": specific["sd"],
        }

    return {"exact": rates(near.resolution), "near": rates(threshold)}


def copy_flag(found: dict[str, float]) -> bool:
    """Whether copies signal memorisation: the rate clearly above its held-out baseline (twice it,
    plus 1 point) and the close samples closer to training than to held-out samples (their
    ``training_share`` flagged as a DCR share is): many samples that are merely typical of the
    data, near real samples of either split, are not copies of the training set."""
    above = found["rate"] > COPY_FLAG_FACTOR * found["holdout_rate"] + COPY_FLAG_MARGIN
    return above and flagged(found["training_share"], found["training_share_sd"], DCR_FLAG)


# -- membership inference ----------------------------------------------------------------------------
def auc(positive: np.ndarray, negative: np.ndarray) -> tuple[float, float]:
    """Area under the ROC curve of scores (ties count half) and its Hanley-McNeil standard error."""
    n1, n2 = len(positive), len(negative)
    scores = np.concatenate([positive, negative])
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    upper = np.cumsum(counts)
    ranks = (upper - (counts - 1) / 2.0)[inverse]  # mid-ranks of tied scores
    value = float((ranks[:n1].sum() - n1 * (n1 + 1) / 2) / (n1 * n2))
    q1, q2 = value / (2 - value), 2 * value**2 / (1 + value)
    variance = (value * (1 - value) + (n1 - 1) * (q1 - value**2) + (n2 - 1) * (q2 - value**2)) / (n1 * n2)
    return value, math.sqrt(max(variance, 0.0))


def clustered_auc(positive: np.ndarray, negative: np.ndarray, positive_groups: np.ndarray,
                  negative_groups: np.ndarray) -> tuple[float, float]:
    """AUC of scores that come in groups, and its standard error by Obuchowski's (1997) method.

    DeLong's per-sample components (the share of the other class each sample outranks, ties half)
    are summed per group, and their spread across groups gives the variance: correlated samples
    of one group move together and count as one draw. The error is infinite with fewer than two
    groups of either class. Group codes are integers shared by both classes.
    """
    value, _ = auc(positive, negative)
    m, n = len(positive), len(negative)
    # each positive's share of negatives it outranks; each negative's share of positives outranking it
    v10 = _rank_share(np.sort(negative), positive)
    v01 = 1 - _rank_share(np.sort(positive), negative)
    k = int(max(positive_groups.max(), negative_groups.max())) + 1
    m_k, n_k = np.bincount(positive_groups, minlength=k), np.bincount(negative_groups, minlength=k)
    d10 = np.bincount(positive_groups, v10, k) - m_k * value
    d01 = np.bincount(negative_groups, v01, k) - n_k * value
    i10, i01, i = int((m_k > 0).sum()), int((n_k > 0).sum()), int(((m_k > 0) | (n_k > 0)).sum())
    if min(i10, i01) < 2:
        return value, math.inf
    s10 = i10 / ((i10 - 1) * m) * float((d10**2).sum())
    s01 = i01 / ((i01 - 1) * n) * float((d01**2).sum())
    s11 = i / (i - 1) * float((d10 * d01).sum())
    return value, math.sqrt(max(s10 / m + s01 / n + 2 * s11 / (m * n), 0.0))


def _rank_share(reference: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Share of the sorted ``reference`` below each score, ties counted half."""
    below, not_above = np.searchsorted(reference, scores, "left"), np.searchsorted(reference, scores, "right")
    return (below + not_above) / (2 * len(reference))


def membership_auc(near: Neighbours, groups: Groups | None = None) -> tuple[float, float]:
    """AUC of the distance-to-synthetic attack: training members score ``-distance`` to the
    closest generated sample, as do held-out non-members; 0.5 means the attack learns nothing.
    The standard error is Hanley and McNeil's, or with ``groups`` the clustered one of
    [`clustered_auc`][ganzoo.metrics.privacy.analysis.clustered_auc]."""
    members, non_members = -near.train_synthetic, -near.holdout_synthetic
    if groups is None:
        return auc(members, non_members)
    return clustered_auc(members, non_members, groups.train, groups.holdout)
