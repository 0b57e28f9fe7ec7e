"""Reversible encoding of a table into the fixed-width vectors a tabular GAN learns from.

A GAN cannot learn raw table rows well: continuous columns are multi-modal and heavy-tailed, so
a single tanh output collapses onto one mode, and categorical codes are not numbers. Xu et al.
(2019, "Modeling Tabular Data using Conditional GAN") solve this with *mode-specific
normalisation*: each continuous column gets a variational (Bayesian) Gaussian mixture
([`fit_column_mixture`][ganzoo.data.mixture.fit_column_mixture]), a value
becomes the mode it came from (one-hot) plus its position inside that mode (a scalar in
[-1, 1]); categorical columns become one-hot vectors. [`TableTransformer`][ganzoo.data.tabular.TableTransformer] implements that
encoding for every column kind a real table has (continuous, integer, categorical, boolean,
datetime), with missing values either as explicit indicators or as an observed-entries mask (for
masked training, MaWGAN).

The fitted state is plain JSON ([`TableTransformer.to_dict`][ganzoo.data.tabular.TableTransformer.to_dict]): it travels in
``DataSpec.meta`` so a fresh process can turn generated vectors back into a table without the
training data and without unpickling anything. [`TableTransformer.output_info`][ganzoo.data.tabular.TableTransformer.output_info] lists the
spans of the encoded vector so a generator can apply the right activation per span (tanh for
scalars, Gumbel-softmax for one-hots) and a conditional sampler can address categories.

Only numpy/pandas (and scikit-learn while fitting) are imported: no torch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, get_args

import numpy as np
import pandas as pd

from ganzoo.data.mixture import fit_column_mixture
from ganzoo.registry.errors import DataError

ColumnKind = Literal["continuous", "integer", "categorical", "boolean", "datetime"]
COLUMN_KINDS: tuple[str, ...] = get_args(ColumnKind)
MissingPolicy = Literal["indicator", "mask"]
Activation = Literal["tanh", "softmax"]
SpanRole = Literal["value", "mode", "missing", "category"]

#: Scalars are ``(x - mean_k) / (SCALE * std_k)``, as in the CTGAN paper (4 standard deviations).
SCALE = 4.0
_CLIP = 0.99
_MIN_STD = 1e-3
_MAX_DECIMALS = 6
_FORMAT_VERSION = 1


@dataclass(frozen=True)
class Span:
    """A contiguous slice of the encoded vector and the activation a generator should use.

    Attributes:
        column: the table column this span encodes.
        role: ``value`` (scalar inside a mode), ``mode`` (one-hot mixture component),
            ``missing`` (one-hot observed/missing indicator) or ``category`` (one-hot category).
        start: first index in the encoded vector.
        dim: width of the span.
        activation: ``tanh`` for scalars, ``softmax`` for one-hots (Gumbel-softmax in training).
    """

    column: str
    role: SpanRole
    start: int
    dim: int
    activation: Activation

    @property
    def stop(self) -> int:
        return self.start + self.dim


def _python_value(value: Any) -> Any:
    """A JSON-ready Python scalar for a category value (numpy scalars unwrapped)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    return str(value)


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, (int, float)):
        return (1, value)
    return (2, str(value))


def _is_missing(values: pd.Series) -> np.ndarray:
    return values.isna().to_numpy()


def _to_float(values: pd.Series, kind: str, column: str) -> np.ndarray:
    """Numeric view of a continuous, integer or datetime column (NaN where missing)."""
    if kind == "datetime":
        stamps = pd.to_datetime(values, errors="coerce", utc=True)
        bad = stamps.isna() & values.notna()
        if bad.any():
            raise DataError(f"column {column!r}: {values[bad].iloc[0]!r} is not a date/time")
        seconds = (stamps - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1)
        return seconds.to_numpy(dtype=float, na_value=np.nan)
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.isna() & values.notna()
    if bad.any():
        raise DataError(f"column {column!r}: {values[bad].iloc[0]!r} is not a number")
    return numbers.to_numpy(dtype=float, na_value=np.nan)


class _ContinuousColumn:
    """Mode-specific normalisation of one numeric column (continuous, integer or datetime)."""

    def __init__(self, name: str, kind: str, state: Mapping[str, Any]) -> None:
        self.name, self.kind = name, kind
        self.loc = float(state["loc"])
        self.scale = float(state["scale"])
        self.means = np.asarray(state["means"], dtype=float)
        self.stds = np.asarray(state["stds"], dtype=float)
        self.weights = np.asarray(state["weights"], dtype=float)
        self.low = float(state["min"])
        self.high = float(state["max"])
        self.indicator = bool(state["indicator"])
        self.dtype = str(state.get("dtype", "float64"))
        self.tz = state.get("tz")
        decimals = state.get("decimals")  # absent in states written before it existed
        self.decimals: int | None = None if decimals is None else int(decimals)
        counts = state.get("counts")  # absent before mode conditions: the weights stand in
        self.counts = np.asarray(self.weights if counts is None else counts, dtype=float)
        self.gaps = float(state.get("gaps", 0))
        self.bins: dict[str, list[float]] | None = state.get("bins")  # absent in older states

    @classmethod
    def fit(
        cls,
        name: str,
        kind: str,
        values: pd.Series,
        *,
        missing: MissingPolicy,
        max_modes: int,
        weight_threshold: float,
        seed: int,
        max_fit_rows: int,
    ) -> _ContinuousColumn:
        x = _to_float(values, kind, name)
        observed = x[~np.isnan(x)]
        if observed.size == 0:
            raise DataError(f"column {name!r} has no values")
        gaps = int(x.size - observed.size)
        loc = float(observed.mean())
        scale = float(observed.std()) or 1.0
        z = (observed - loc) / scale
        distinct, counts = np.unique(z, return_counts=True)
        if kind == "integer" and distinct.size <= max_modes:
            # a few whole values (a year, a count, a score): one exact mode each, so the mode
            # one-hot carries the value and decoding cannot land between two of them
            means, stds, weights = distinct.tolist(), [_MIN_STD] * distinct.size, (counts / counts.sum()).tolist()
        else:
            means, stds, weights = _fit_modes(z, max_modes, weight_threshold, seed, max_fit_rows)
        tz = None
        if kind == "datetime":
            parsed = pd.to_datetime(values.dropna().iloc[:1])
            tz = str(parsed.dt.tz) if parsed.dt.tz is not None else None
        state = {
            "loc": loc,
            "scale": scale,
            "means": means,
            "stds": stds,
            "weights": weights,
            "min": float(observed.min()),
            "max": float(observed.max()),
            "indicator": missing == "indicator" and gaps > 0,
            "dtype": str(values.dtype),
            "tz": tz,
            "decimals": _decimals(observed) if kind == "continuous" else None,
            # training values per mode and gaps: how often a mode condition is drawn when generating
            "counts": np.round(np.asarray(weights) * observed.size).tolist(),
            "gaps": gaps,
            "bins": _frequency_bins(observed, gaps, exact=kind == "integer" and distinct.size <= max_modes),
        }
        return cls(name, kind, state)

    def state(self) -> dict[str, Any]:
        return {
            "loc": self.loc,
            "scale": self.scale,
            "means": self.means.tolist(),
            "stds": self.stds.tolist(),
            "weights": self.weights.tolist(),
            "min": self.low,
            "max": self.high,
            "indicator": self.indicator,
            "dtype": self.dtype,
            "tz": self.tz,
            "decimals": self.decimals,
            "counts": self.counts.tolist(),
            "gaps": self.gaps,
            "bins": self.bins,
        }

    def centres(self) -> list[Any]:
        """Each mode's centre in the column's own units (whole numbers for integer columns)."""
        values = np.asarray(self.means) * self.scale + self.loc
        if self.kind == "integer":
            return [int(v) for v in np.round(values)]
        return [float(f"{v:.4g}") for v in values]

    def spans(self, start: int) -> list[Span]:
        spans = [
            Span(self.name, "value", start, 1, "tanh"),
            Span(self.name, "mode", start + 1, len(self.means), "softmax"),
        ]
        if self.indicator:
            spans.append(Span(self.name, "missing", start + 1 + len(self.means), 2, "softmax"))
        return spans

    @property
    def dim(self) -> int:
        return 1 + len(self.means) + (2 if self.indicator else 0)

    def encode(self, values: pd.Series, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = _to_float(values, self.kind, self.name)
        missing = np.isnan(x)
        z = (np.where(missing, self.loc, x) - self.loc) / self.scale
        # posterior responsibility of each mode, then one mode sampled per value (paper §4.2)
        log_p = (
            np.log(self.weights)[None, :]
            - np.log(self.stds)[None, :]
            - 0.5 * ((z[:, None] - self.means[None, :]) / self.stds[None, :]) ** 2
        )
        log_p -= log_p.max(axis=1, keepdims=True)
        probs = np.exp(log_p)
        probs /= probs.sum(axis=1, keepdims=True)
        cumulative = probs.cumsum(axis=1)
        draws = rng.random(len(z))[:, None]
        modes = np.minimum((draws > cumulative).sum(axis=1), len(self.means) - 1)
        alpha = (z - self.means[modes]) / (SCALE * self.stds[modes])
        out = np.zeros((len(z), self.dim), dtype=np.float32)
        out[:, 0] = np.clip(alpha, -_CLIP, _CLIP)
        out[np.arange(len(z)), 1 + modes] = 1.0
        mask = np.ones_like(out)
        if self.indicator:
            out[:, -2] = ~missing
            out[:, -1] = missing
            # a gap keeps the encoding of the column mean so every one-hot span stays valid
        else:
            out[missing] = 0.0
            mask[missing] = 0.0
        return out, mask

    def numbers(self, block: np.ndarray) -> np.ndarray:
        """Decoded values as floats (date/times in seconds), NaN for gaps."""
        k = len(self.means)
        modes = block[:, 1 : 1 + k].argmax(axis=1)
        alpha = np.clip(block[:, 0], -1.0, 1.0)
        z = alpha * SCALE * self.stds[modes] + self.means[modes]
        x = np.clip(z * self.scale + self.loc, self.low, self.high)
        x = np.where(block[:, 1 : 1 + k].sum(axis=1) == 0, np.nan, x)  # masked-out entry
        if self.indicator:
            x = np.where(block[:, -1] > block[:, -2], np.nan, x)
        return x

    def cells(self, block: np.ndarray) -> np.ndarray:
        """Each row's bin of the training frequency table (the last one for a gap); needs ``bins``."""
        assert self.bins is not None
        x = self.numbers(block)
        if self.kind == "integer":
            x = np.round(x)
        out = np.searchsorted(np.asarray(self.bins["edges"]), np.nan_to_num(x), side="right")
        return np.where(np.isnan(x), len(self.bins["shares"]) - 1, out)

    def decode(self, block: np.ndarray) -> pd.Series:
        x = self.numbers(block)
        missing = np.isnan(x)
        if self.kind == "integer":
            rounded = pd.array(np.where(missing, 0, np.round(x)).astype(np.int64), dtype="Int64")
            rounded[missing] = pd.NA
            series = pd.Series(rounded, name=self.name)
            if not missing.any() and self.dtype.startswith(("int", "Int")):
                series = series.astype(self.dtype.lower() if self.dtype.startswith("I") else self.dtype)
            return series
        if self.kind == "datetime":
            stamps = pd.to_datetime(pd.Series(x), unit="s", utc=True).dt.round("s")
            stamps = stamps.dt.tz_convert(self.tz) if self.tz else stamps.dt.tz_localize(None)
            return stamps.rename(self.name)
        if self.decimals is not None:
            x = np.round(x, self.decimals)
        return pd.Series(x, name=self.name, dtype=float)


def _frequency_bins(observed: np.ndarray, gaps: int, *, exact: bool) -> dict[str, list[float]]:
    """Bin edges of a numeric column (deciles, or every value of a column with exact modes) and
    the share of training rows in each bin and, last, among the gaps: the column's frequency
    table, coarsely."""
    values = np.unique(observed)
    edges = values[1:] if exact else np.unique(np.quantile(observed, np.linspace(0.1, 0.9, 9)))
    counts = np.bincount(np.searchsorted(edges, observed, side="right"), minlength=len(edges) + 1)
    return {"edges": edges.tolist(), "shares": (np.append(counts, gaps) / (counts.sum() + gaps)).tolist()}


def _decimals(values: np.ndarray, most: int = _MAX_DECIMALS) -> int | None:
    """Fewest decimals that write every value exactly (kappa 1.28 -> 2), None past ``most``.

    Generated values are rounded to them, so a column recorded to 0.01 does not come back as
    3.725227671268309.
    """
    for decimals in range(most + 1):
        if np.allclose(np.round(values, decimals), values, rtol=0, atol=1e-9 * max(1.0, float(np.abs(values).max()))):
            return decimals
    return None


def _fit_modes(
    z: np.ndarray, max_modes: int, weight_threshold: float, seed: int, max_fit_rows: int
) -> tuple[list[float], list[float], list[float]]:
    """Means, standard deviations and weights of the mixture components worth keeping."""
    if z.size > max_fit_rows:
        z = np.random.default_rng(seed).choice(z, size=max_fit_rows, replace=False)
    n_unique = int(np.unique(z).size)
    if n_unique < 2:
        return [float(z[0])], [_MIN_STD], [1.0]
    mixture = fit_column_mixture(z, min(max_modes, n_unique), seed)  # as CTGAN's: DP prior 0.001
    keep = mixture.weights > weight_threshold
    if not keep.any():
        keep = mixture.weights == mixture.weights.max()
    weights = mixture.weights[keep] / mixture.weights[keep].sum()
    means = mixture.means[keep]
    stds = np.maximum(np.sqrt(mixture.variances[keep]), _MIN_STD)
    order = np.argsort(means)
    return means[order].tolist(), stds[order].tolist(), weights[order].tolist()


class _CategoricalColumn:
    """One-hot encoding of a categorical or boolean column (missing as its own category)."""

    def __init__(self, name: str, kind: str, state: Mapping[str, Any]) -> None:
        self.name, self.kind = name, kind
        self.categories: list[Any] = list(state["categories"])
        self.counts: list[int] = [int(c) for c in state["counts"]]
        self.dtype = str(state.get("dtype", "object"))
        self._index = {_category_key(v): i for i, v in enumerate(self.categories)}

    @classmethod
    def fit(cls, name: str, kind: str, values: pd.Series, *, missing: MissingPolicy) -> _CategoricalColumn:
        observed = values.dropna()
        if observed.empty:
            raise DataError(f"column {name!r} has no values")
        if kind == "boolean":
            observed = observed.map(lambda v: _as_bool(v, name))
        raw = observed.value_counts()  # then the few distinct values made JSON-ready, not every row
        counts = raw.groupby(raw.index.map(_python_value), sort=False).sum()
        categories = sorted(counts.index.tolist(), key=_sort_key)
        numbers = [int(counts[c]) for c in categories]
        n_missing = int(values.isna().sum())
        if missing == "indicator" and n_missing:
            categories.append(None)
            numbers.append(n_missing)
        return cls(name, kind, {"categories": categories, "counts": numbers, "dtype": str(values.dtype)})

    def state(self) -> dict[str, Any]:
        return {"categories": self.categories, "counts": self.counts, "dtype": self.dtype}

    def cells(self, block: np.ndarray) -> np.ndarray:
        """Each row's category index (the missing category's for a gap; -1 for an unobserved,
        masked entry)."""
        return np.where(block.sum(axis=1) > 0, block.argmax(axis=1), -1)

    @property
    def shares(self) -> list[float]:
        """Training share of each category (the missing one's: the share of gaps)."""
        counts = np.asarray(self.counts, dtype=float)
        return (counts / max(counts.sum(), 1.0)).tolist()

    @property
    def dim(self) -> int:
        return len(self.categories)

    def spans(self, start: int) -> list[Span]:
        return [Span(self.name, "category", start, self.dim, "softmax")]

    def index_of(self, value: Any) -> int:
        """Position of ``value`` (or its string form, e.g. ``"1"`` for code 1) in the span."""
        key = _category_key(None if _isna(value) else _python_value(value))
        if key in self._index:
            return self._index[key]
        if isinstance(value, str):
            for i, category in enumerate(self.categories):
                if category is not None and str(category).lower() == value.strip().lower():
                    return i
        known = ", ".join(str(c) for c in self.categories)
        raise DataError(
            f"column {self.name!r}: category {value!r} was not in the data the table encoding was "
            f"fitted on (the training rows; known: {known})"
        )

    def encode(self, values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        isna = _is_missing(values)
        index = np.full(len(values), -1, dtype=np.int64)
        observed = values[~isna]
        if self.kind == "boolean":
            observed = observed.map(lambda v: _as_bool(v, self.name))
        lookup = {value: self.index_of(value) for value in pd.unique(observed)}
        index[~isna] = observed.map(lookup).to_numpy(dtype=np.int64)
        if None in self.categories:
            index[isna] = self.categories.index(None)
        out = np.zeros((len(values), self.dim), dtype=np.float32)
        rows = np.flatnonzero(index >= 0)
        out[rows, index[rows]] = 1.0
        mask = np.ones_like(out)
        mask[index < 0] = 0.0
        return out, mask

    def decode(self, block: np.ndarray) -> pd.Series:
        empty = block.sum(axis=1) == 0  # masked-out entry
        picked = [None if gap else self.categories[i] for i, gap in zip(block.argmax(axis=1), empty, strict=True)]
        has_na = any(v is None for v in picked)
        concrete = [c for c in self.categories if c is not None]
        if self.kind == "boolean":
            dtype = "boolean" if has_na else "bool"
            return pd.Series(pd.array(picked, dtype="boolean"), name=self.name).astype(dtype)
        if concrete and all(isinstance(c, int) and not isinstance(c, bool) for c in concrete):
            series = pd.Series(pd.array(picked, dtype="Int64"), name=self.name)
            return series if has_na else series.astype("int64")
        if concrete and all(isinstance(c, bool) for c in concrete):  # an object column of booleans
            return pd.Series(pd.array(picked, dtype="boolean"), name=self.name)
        if concrete and all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in concrete):
            return pd.Series([np.nan if v is None else float(v) for v in picked], name=self.name)
        return pd.Series([None if v is None else str(v) for v in picked], name=self.name, dtype=object)


def _category_key(value: Any) -> Any:
    # 1, 1.0 and True must not collide with each other's JSON round trip; strings stay strings
    return ("b", value) if isinstance(value, bool) else value


def _isna(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def _as_bool(value: Any, column: str) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise DataError(f"column {column!r}: {value!r} is not a boolean")


def infer_kinds(frame: pd.DataFrame, categorical: Iterable[str] = ()) -> dict[str, ColumnKind]:
    """Column kinds from dtypes; columns named in ``categorical`` are categorical.

    Booleans -> boolean, datetimes -> datetime, numbers whose observed values are all whole ->
    integer, other numbers -> continuous, everything else (strings, pandas categoricals) ->
    categorical.
    """
    declared = set(categorical)
    unknown = declared - set(frame.columns)
    if unknown:
        raise DataError(f"categorical column {sorted(unknown)[0]!r} is not in the table")
    kinds: dict[str, ColumnKind] = {}
    for name in frame.columns:
        values = frame[name]
        if name in declared:
            kinds[name] = "categorical"
        elif pd.api.types.is_bool_dtype(values):
            kinds[name] = "boolean"
        elif pd.api.types.is_datetime64_any_dtype(values):
            kinds[name] = "datetime"
        elif pd.api.types.is_numeric_dtype(values):
            observed = values.dropna().to_numpy(dtype=float)
            whole = observed.size > 0 and bool(np.all(np.mod(observed, 1) == 0))
            kinds[name] = "integer" if whole else "continuous"
        else:
            kinds[name] = "categorical"
    return kinds


_Column = TypeVar("_Column", _ContinuousColumn, _CategoricalColumn)


class TableTransformer:
    """Fit on a DataFrame, encode rows to float32 vectors, decode vectors back to rows.

    Args:
        kinds: column name -> kind (``continuous``, ``integer``, ``categorical``, ``boolean``,
            ``datetime``); columns not named are inferred with [`infer_kinds`][ganzoo.data.tabular.infer_kinds].
        missing: ``indicator`` adds an observed/missing one-hot to numeric columns with gaps and
            a "missing" category to categorical ones, so generated rows can have gaps again;
            ``mask`` adds nothing and reports unobserved entries in the mask of
            [`transform_with_mask`][ganzoo.data.tabular.TableTransformer.transform_with_mask] (masked training, MaWGAN) so generated rows are complete.
        max_modes: mixture components per continuous column (CTGAN: 10).
        weight_threshold: components lighter than this are dropped (CTGAN: 0.005).
        seed: seeds the mixture fits and the mode sampling of [`transform`][ganzoo.data.tabular.TableTransformer.transform].
        max_fit_rows: mixtures are fitted on at most this many (randomly chosen) values.
    """

    def __init__(
        self,
        kinds: Mapping[str, str] | None = None,
        *,
        missing: MissingPolicy = "indicator",
        max_modes: int = 10,
        weight_threshold: float = 0.005,
        seed: int = 0,
        max_fit_rows: int = 20_000,
    ) -> None:
        if missing not in get_args(MissingPolicy):
            raise ValueError(f"missing must be 'indicator' or 'mask', got {missing!r}")
        for name, kind in (kinds or {}).items():
            if kind not in COLUMN_KINDS:
                raise DataError(f"column {name!r}: unknown kind {kind!r} (expected one of {', '.join(COLUMN_KINDS)})")
        self.kinds: dict[str, str] = dict(kinds or {})
        self.missing: MissingPolicy = missing
        self.max_modes = max_modes
        self.weight_threshold = weight_threshold
        self.seed = seed
        self.max_fit_rows = max_fit_rows
        self._columns: list[_ContinuousColumn | _CategoricalColumn] = []

    # -- fitting --------------------------------------------------------------------------
    def fit(self, frame: pd.DataFrame) -> TableTransformer:
        """Learn every column's encoding from ``frame`` (its column order is kept)."""
        if frame.empty:
            raise DataError("cannot fit a table transformer on an empty table")
        unknown = set(self.kinds) - set(frame.columns)
        if unknown:
            raise DataError(f"column {sorted(unknown)[0]!r} is not in the table")
        inferred = infer_kinds(frame)
        kinds = {name: self.kinds.get(name, inferred[name]) for name in frame.columns}
        columns: list[_ContinuousColumn | _CategoricalColumn] = []
        for i, name in enumerate(frame.columns):
            kind = kinds[name]
            if kind in ("categorical", "boolean"):
                columns.append(_CategoricalColumn.fit(name, kind, frame[name], missing=self.missing))
            else:
                columns.append(
                    _ContinuousColumn.fit(
                        name,
                        kind,
                        frame[name],
                        missing=self.missing,
                        max_modes=self.max_modes,
                        weight_threshold=self.weight_threshold,
                        seed=self.seed + i,
                        max_fit_rows=self.max_fit_rows,
                    )
                )
        self.kinds = kinds
        self._columns = columns
        return self

    def _require_fitted(self) -> None:
        if not self._columns:
            raise RuntimeError("TableTransformer is not fitted; call fit() or from_dict() first")

    # -- layout ---------------------------------------------------------------------------
    @property
    def columns(self) -> list[str]:
        """Column names in table order."""
        return [c.name for c in self._columns]

    @property
    def output_info(self) -> list[Span]:
        """Spans of the encoded vector, in order, covering it exactly."""
        self._require_fitted()
        spans: list[Span] = []
        start = 0
        for column in self._columns:
            spans.extend(column.spans(start))
            start += column.dim
        return spans

    @property
    def output_dim(self) -> int:
        """Width of one encoded row."""
        return sum(c.dim for c in self._columns)

    def activations(self) -> list[list[Any]]:
        """``[[activation, dim], ...]`` per span: the compact layout a generator config takes."""
        return [[s.activation, s.dim] for s in self.output_info]

    @property
    def discrete_columns(self) -> list[str]:
        """Categorical and boolean columns: the ones a conditional vector can address."""
        return [c.name for c in self._columns if isinstance(c, _CategoricalColumn)]

    def categories(self, column: str) -> list[Any]:
        """Categories of a discrete column in span order (``None`` = the missing category)."""
        return list(self._categorical(column).categories)

    def category_counts(self, column: str) -> list[int]:
        """How often each category occurred in the fitted table (span order)."""
        return list(self._categorical(column).counts)

    def category_index(self, column: str, value: Any) -> int:
        """Position of ``value`` in ``column``'s one-hot span (``"1"`` finds code ``1``)."""
        return self._categorical(column).index_of(value)

    @property
    def numeric_columns(self) -> list[str]:
        """Continuous, integer and date/time columns: the ones with modes."""
        return [c.name for c in self._columns if isinstance(c, _ContinuousColumn)]

    def mode_centres(self, column: str) -> list[Any]:
        """Centres of a numeric column's modes in span order, in the column's units."""
        return self._numeric(column).centres()

    def mode_counts(self, column: str) -> list[float]:
        """Training values per mode of a numeric column (span order), then its gaps if it has
        a missing indicator; tables fitted before these were stored give the mode weights."""
        numeric = self._numeric(column)
        return numeric.counts.tolist() + ([numeric.gaps] if numeric.indicator else [])

    def cell_shares(self) -> list[list[float]] | None:
        """Each column's training frequency table: the share of training values in each cell.

        A cell is a category of a categorical column (gaps: its missing category), a value bin of
        a numeric one (deciles, or each value of an integer column with exact modes; gaps: one
        more, last bin). ``None`` for a
        transformer fitted before these tables were stored.
        """
        if not self._stores_frequency_tables():
            return None
        return [c.shares if isinstance(c, _CategoricalColumn) else list(c.bins["shares"]) for c in self._columns]

    def cells(self, data: np.ndarray) -> np.ndarray:
        """``(rows, columns)``: the cell of [`cell_shares`][ganzoo.data.tabular.TableTransformer.cell_shares]
        each encoded row falls in per column (-1 for an entry masked out under ``missing="mask"``)."""
        if not self._stores_frequency_tables():
            raise DataError("this table transformer stores no frequency tables (fitted by an older ganzoo)")
        array = np.asarray(data, dtype=np.float64)
        columns, start = [], 0
        for column in self._columns:
            columns.append(column.cells(array[:, start : start + column.dim]))
            start += column.dim
        return np.stack(columns, axis=1)

    def _stores_frequency_tables(self) -> bool:
        """Whether every numeric column has its value bins (states written before them lack them)."""
        self._require_fitted()
        return all(isinstance(c, _CategoricalColumn) or c.bins is not None for c in self._columns)

    def span_of(self, column: str, role: SpanRole = "category") -> Span:
        """The ``role`` span of ``column``: the categories of a discrete column by default."""
        for span in self.output_info:
            if span.column == column and span.role == role:
                return span
        if role == "category":
            raise DataError(f"column {column!r} is not a categorical column of this table")
        raise DataError(f"column {column!r} has no {role} span in this table")

    def _numeric(self, column: str) -> _ContinuousColumn:
        return self._column(column, _ContinuousColumn, "numeric")

    def _categorical(self, column: str) -> _CategoricalColumn:
        return self._column(column, _CategoricalColumn, "categorical")

    def _column(self, column: str, kind: type[_Column], label: str) -> _Column:
        """The fitted column named ``column``, which must be of class ``kind`` (``label`` names it)."""
        self._require_fitted()
        for c in self._columns:
            if c.name == column:
                if isinstance(c, kind):
                    return c
                raise DataError(f"column {column!r} is {c.kind}, not {label}")
        raise DataError(f"unknown column {column!r} (columns: {', '.join(self.columns)})")

    # -- encoding -------------------------------------------------------------------------
    def transform(self, frame: pd.DataFrame, *, seed: int | None = None) -> np.ndarray:
        """Encode ``frame`` to an ``(n, output_dim)`` float32 array."""
        return self.transform_with_mask(frame, seed=seed)[0]

    def transform_with_mask(
        self, frame: pd.DataFrame, *, seed: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Encoded rows and the mask of observed entries (both ``(n, output_dim)`` float32).

        With ``missing="mask"`` the entries of a missing value are 0 in both; otherwise the
        mask is all ones (gaps are encoded by the indicators).
        """
        self._require_fitted()
        absent = [name for name in self.columns if name not in frame.columns]
        if absent:
            raise DataError(f"column {absent[0]!r} is missing from the table")
        rng = np.random.default_rng(self.seed if seed is None else seed)
        blocks, masks = [], []
        for column in self._columns:
            if isinstance(column, _ContinuousColumn):
                block, mask = column.encode(frame[column.name], rng)
            else:
                block, mask = column.encode(frame[column.name])
            blocks.append(block)
            masks.append(mask)
        return np.concatenate(blocks, axis=1), np.concatenate(masks, axis=1)

    def inverse_transform(self, data: np.ndarray | Sequence[Sequence[float]]) -> pd.DataFrame:
        """Decode encoded (or generated) rows to a DataFrame with the fitted columns and types.

        One-hot spans are read by argmax, so soft (Gumbel-softmax) outputs decode too. An
        all-zero one-hot span (an unobserved entry under ``missing="mask"``) decodes to a gap.
        """
        self._require_fitted()
        array = np.asarray(data, dtype=np.float64)
        if array.ndim != 2 or array.shape[1] != self.output_dim:
            raise DataError(
                f"expected rows of {self.output_dim} encoded values, got shape {array.shape}"
            )
        columns = {}
        start = 0
        for column in self._columns:
            columns[column.name] = column.decode(array[:, start : start + column.dim]).reset_index(drop=True)
            start += column.dim
        return pd.DataFrame(columns)

    # -- serialisation --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fitted state (no pickles): store it in ``DataSpec.meta``."""
        self._require_fitted()
        return {
            "format": _FORMAT_VERSION,
            "missing": self.missing,
            "max_modes": self.max_modes,
            "weight_threshold": self.weight_threshold,
            "seed": self.seed,
            "columns": [
                {"name": c.name, "kind": c.kind, **c.state()} for c in self._columns
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TableTransformer:
        """Rebuild a fitted transformer from [`to_dict`][ganzoo.data.tabular.TableTransformer.to_dict] output."""
        try:
            if int(data["format"]) != _FORMAT_VERSION:
                raise DataError(f"unsupported table transformer format {data['format']!r}")
            transformer = cls(
                missing=data["missing"],
                max_modes=int(data["max_modes"]),
                weight_threshold=float(data["weight_threshold"]),
                seed=int(data["seed"]),
            )
            columns: list[_ContinuousColumn | _CategoricalColumn] = []
            for entry in data["columns"]:
                kind = entry["kind"]
                if kind in ("categorical", "boolean"):
                    columns.append(_CategoricalColumn(entry["name"], kind, entry))
                elif kind in COLUMN_KINDS:
                    columns.append(_ContinuousColumn(entry["name"], kind, entry))
                else:
                    raise DataError(f"column {entry['name']!r}: unknown kind {kind!r}")
        except (KeyError, TypeError, ValueError) as err:
            raise DataError(f"invalid table transformer state: {type(err).__name__}: {err}") from None
        transformer._columns = columns
        transformer.kinds = {c.name: c.kind for c in columns}
        return transformer


__all__ = [
    "COLUMN_KINDS",
    "SCALE",
    "ColumnKind",
    "MissingPolicy",
    "Span",
    "TableTransformer",
    "infer_kinds",
]
