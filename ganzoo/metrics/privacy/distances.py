"""What "closest record" means for each modality: an embedding of the samples and a distance.

A privacy metric asks, for many pairs of samples, how far apart they are; the answer has to
mean the same for training, held-out and generated samples, so every distance is *fitted on the
training samples only* and then applied to all three sets.

* **Images**: Euclidean distance between the features a fidelity-metric extractor gives (the
  layer FID compares: Inception's 2048-d pool features, or a ganzoo extractor's features).
* **Series**: each channel is standardised by its training mean and sd (pooled over time), and
  the distance is the root-mean-square difference over all channels and steps: 1.0 means "one
  training sd apart at every step, on average".
* **Tables**: rows are decoded back to their columns through the dataset's
  [`TableTransformer`][ganzoo.data.tabular.TableTransformer] (a DataSpec whose
  ``meta["table"]["transformer"]`` holds its fitted state, as ganzoo-traffic's datasets write it)
  and compared column by column, as SDMetrics' DCR does (a Gower distance): a numeric column
  (continuous, integer, datetime) contributes ``|a - b|`` after both values are clipped to the
  training range and scaled by it (so at most 1); a categorical or boolean column 0 when the
  categories match, else 1; a missing value 0 against a missing value and 1 against an observed
  one. The row distance is the mean over the columns, in [0, 1]. Without a table transformer the
  encoded features are compared the same way, each feature scaled by its training range.

All distances are computed in float64; [`Distance.rowwise`][ganzoo.metrics.privacy.distances.Distance.rowwise]
recomputes the distance of given pairs directly, so an exact copy measures exactly 0.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import numpy as np
import pandas as pd
import torch

from ganzoo.data.spec import DataSpec
from ganzoo.data.tabular import TableTransformer

NUMERIC_KINDS = frozenset({"continuous", "integer", "datetime"})


class Distance(Protocol):
    """Embeds samples once, then measures distances between embedded rows."""

    description: str

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """``(n, D)`` float64 rows for ``n`` samples as the model makes them."""
        ...

    def pairwise(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """``(len(a), len(b))`` distances between embedded rows."""
        ...

    def rowwise(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Distances between ``a[i]`` and ``b[i]`` (exact: 0 for identical rows)."""
        ...


class _Euclidean:
    """Euclidean distance between float64 embedding rows."""

    description = ""

    def pairwise(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        squared = (a * a).sum(1, keepdim=True) + (b * b).sum(1) - 2.0 * (a @ b.T)
        return squared.clamp_min_(0.0).sqrt_()

    def rowwise(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return (a - b).norm(dim=1)


class SeriesDistance(_Euclidean):
    """RMS difference of series standardised per channel by the training mean and sd."""

    def __init__(self, train: torch.Tensor) -> None:
        values = train.double()
        self.mean = values.mean(dim=(0, 2), keepdim=True)
        self.sd = values.std(dim=(0, 2), keepdim=True).clamp_min(1e-12)
        self.size = math.prod(train.shape[1:])
        self.description = (
            "RMS difference over channels and steps, each channel standardised by its training mean and sd"
        )

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return ((x.double() - self.mean) / self.sd).flatten(1) / math.sqrt(self.size)


class FeatureDistance(_Euclidean):
    """Euclidean distance between image features (``features(x)`` gives ``(n, D)``)."""

    def __init__(self, features: Callable[[torch.Tensor], torch.Tensor], label: str) -> None:
        self.features = features
        self.description = f"Euclidean distance between image features ({label})"

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x).double()


class TableDistance:
    """Mean per-column distance of table rows (see the module docstring).

    Embedded rows hold the scaled numeric columns first (NaN where missing), then one one-hot
    block per categorical column (its last slot: missing or unknown).
    """

    def __init__(self, train: torch.Tensor, transformer: TableTransformer | None) -> None:
        self.transformer = transformer
        if transformer is None:
            frame = pd.DataFrame(train.double().numpy())
            self.numeric = list(frame.columns)
            self.categories: dict[Any, list[Any]] = {}
            self.description = (
                "mean absolute difference of the encoded features, each clipped to and scaled by its training range "
                "(no table transformer in the DataSpec)"
            )
        else:
            frame = self._decode(train)
            kinds = transformer.kinds
            self.numeric = [c for c in frame.columns if kinds[c] in NUMERIC_KINDS]
            self.categories = {
                c: [v for v in transformer.categories(c) if not pd.isna(v)]
                for c in frame.columns if kinds[c] not in NUMERIC_KINDS
            }
            self.description = (
                "mean over the decoded columns: numeric |a - b| clipped to and scaled by the training range, "
                "categorical mismatch 0/1, missing 0 against missing and 1 against observed (Gower, as SDMetrics' DCR)"
            )
        values = self._numbers(frame)
        with warnings.catch_warnings():  # a column missing everywhere gets the range 0..0
            warnings.simplefilter("ignore", RuntimeWarning)
            self.low = np.nan_to_num(np.nanmin(values, axis=0))
            self.high = np.nan_to_num(np.nanmax(values, axis=0))
        self.columns = len(self.numeric) + len(self.categories)

    def _decode(self, x: torch.Tensor) -> pd.DataFrame:
        assert self.transformer is not None
        return self.transformer.inverse_transform(x.double().cpu().numpy())

    def _numbers(self, frame: pd.DataFrame) -> np.ndarray:
        columns = []
        for column in self.numeric:
            values = frame[column]
            if pd.api.types.is_datetime64_any_dtype(values):
                numbers = values.to_numpy(dtype="datetime64[ns]").astype("int64").astype(float)
                numbers[values.isna().to_numpy()] = np.nan
            else:
                numbers = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
            columns.append(np.asarray(numbers, dtype=float))
        return np.stack(columns, axis=1) if columns else np.zeros((len(frame), 0))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        frame = self._decode(x) if self.transformer is not None else pd.DataFrame(x.double().cpu().numpy())
        numbers = self._numbers(frame)
        span = np.where(self.high > self.low, self.high - self.low, 1.0)
        scaled = (np.clip(numbers, self.low, self.high) - self.low) / span
        blocks = [scaled]
        for column, categories in self.categories.items():
            codes = pd.Categorical(frame[column], categories=categories).codes.astype(np.int64)
            codes[codes < 0] = len(categories)
            blocks.append(np.eye(len(categories) + 1)[codes])
        return torch.from_numpy(np.concatenate(blocks, axis=1) if blocks else np.zeros((len(frame), 0)))

    def _split(self, rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return rows[:, : len(self.numeric)], rows[:, len(self.numeric) :]

    def pairwise(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        num_a, cat_a = self._split(a)
        num_b, cat_b = self._split(b)
        total = len(self.categories) - cat_a @ cat_b.T
        for j in range(num_a.shape[1]):
            total += _numeric_distance(num_a[:, j : j + 1], num_b[:, j].unsqueeze(0))
        return total.div_(max(self.columns, 1))

    def rowwise(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        num_a, cat_a = self._split(a)
        num_b, cat_b = self._split(b)
        total = len(self.categories) - (cat_a * cat_b).sum(1)
        total = total + _numeric_distance(num_a, num_b).sum(1)
        return total / max(self.columns, 1)


def _numeric_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``|a - b|`` (broadcast), 0 where both are missing (NaN), 1 where one is."""
    diff = (a - b).abs_()
    missing_a, missing_b = torch.isnan(a), torch.isnan(b)
    if missing_a.any() or missing_b.any():
        diff.masked_fill_(missing_a | missing_b, 1.0)
        diff.masked_fill_(missing_a & missing_b, 0.0)
    return diff


def table_transformer(spec: DataSpec) -> TableTransformer | None:
    """The fitted transformer a table DataSpec carries in ``meta["table"]["transformer"]``, if any."""
    table = spec.meta.get("table")
    state = table.get("transformer") if isinstance(table, Mapping) else None
    return TableTransformer.from_dict(state) if isinstance(state, Mapping) else None
