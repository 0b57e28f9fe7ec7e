"""k-means agreement: do synthetic daily profiles fall into the same load-behaviour clusters?

Grid analysts segment customers by clustering daily profiles; synthetic data is useful for that
only if it reproduces both the cluster shapes and how often each occurs. Protocol:

1. fit k-means on the real profiles (k given, or the best silhouette for k in 4..8);
2. assign synthetic profiles to the real centroids and compare the cluster shares with the
   Jensen-Shannon divergence (base 2: 0 = same shares, 1 = disjoint);
3. fit k-means with the same k on the synthetic profiles, match its centroids to the real ones
   with the Hungarian algorithm and report the mean matched distance (root mean square per time
   step, in the units of the input);
4. silhouette and Davies-Bouldin scores of both fits, for reference.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import jensenshannon
from sklearn.cluster import KMeans
from sklearn.metrics import davies_bouldin_score, silhouette_score

K_RANGE = range(4, 9)
SILHOUETTE_SAMPLES = 2000


def choose_k(profiles: np.ndarray, *, n_init: int, seed: int) -> int:
    """k in 4..8 (fewer for tiny sets) with the best silhouette on the real profiles."""
    candidates = [k for k in K_RANGE if k < len(profiles)]
    if not candidates:
        return 2
    scores = {}
    for k in candidates:
        labels = KMeans(k, n_init=n_init, random_state=seed).fit_predict(profiles)
        if len(set(labels)) < 2:
            continue
        scores[k] = silhouette_score(profiles, labels, sample_size=min(SILHOUETTE_SAMPLES, len(profiles)), random_state=seed)
    return max(scores, key=scores.get) if scores else candidates[0]


def kmeans_agreement(
    real: np.ndarray, fake: np.ndarray, *, k: int | None = None, n_init: int = 10, seed: int = 0
) -> dict[str, dict[str, Any]]:
    """Cluster-share divergence and centroid distance of ``fake`` vs ``real`` profiles (N, D)."""
    real = np.asarray(real, dtype=np.float64)
    fake = np.asarray(fake, dtype=np.float64)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(f"profiles must be (N, D) with equal D, got {real.shape} and {fake.shape}")
    chosen = k if k is not None else choose_k(real, n_init=n_init, seed=seed)
    if chosen >= min(len(real), len(fake)):
        raise ValueError(f"k={chosen} needs more than {chosen} real and synthetic profiles")
    real_fit = KMeans(chosen, n_init=n_init, random_state=seed).fit(real)
    real_share = np.bincount(real_fit.labels_, minlength=chosen) / len(real)
    fake_share = np.bincount(real_fit.predict(fake), minlength=chosen) / len(fake)
    js = float(jensenshannon(real_share, fake_share, base=2) ** 2)

    fake_fit = KMeans(chosen, n_init=n_init, random_state=seed).fit(fake)
    cost = np.linalg.norm(real_fit.cluster_centers_[:, None] - fake_fit.cluster_centers_[None], axis=2)
    rows, cols = linear_sum_assignment(cost)
    distance = float(cost[rows, cols].mean() / np.sqrt(real.shape[1]))

    protocol = {
        "k": chosen,
        "k_choice": "given" if k is not None else "best silhouette in 4..8 on real",
        "n_init": n_init,
        "n_real": len(real),
        "n_fake": len(fake),
        "real_shares": real_share.round(4).tolist(),
        "fake_shares": fake_share.round(4).tolist(),
    }
    quality = {
        "silhouette_real": _silhouette(real, real_fit.labels_, seed),
        "silhouette_fake": _silhouette(fake, fake_fit.labels_, seed),
        "davies_bouldin_real": _davies_bouldin(real, real_fit.labels_),
        "davies_bouldin_fake": _davies_bouldin(fake, fake_fit.labels_),
    }
    return {
        "kmeans_share_js": {"value": js, "measure": "Jensen-Shannon divergence (base 2) of cluster shares, "
                            "synthetic assigned to real centroids; lower is better", **protocol},
        "kmeans_centroid_distance": {"value": distance, "measure": "Hungarian-matched centroid distance, RMS per "
                                     "step; lower is better", **protocol, **quality},
    }


def _silhouette(data: np.ndarray, labels: np.ndarray, seed: int) -> float | None:
    if len(set(labels)) < 2 or len(set(labels)) >= len(data):
        return None
    return float(silhouette_score(data, labels, sample_size=min(SILHOUETTE_SAMPLES, len(data)), random_state=seed))


def _davies_bouldin(data: np.ndarray, labels: np.ndarray) -> float | None:
    return float(davies_bouldin_score(data, labels)) if 1 < len(set(labels)) < len(data) else None
