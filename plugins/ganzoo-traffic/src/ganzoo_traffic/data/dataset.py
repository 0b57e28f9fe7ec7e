"""Table datasets: encoded rows, conditional vectors, training-by-sampling, masks and export.

Every source (the simulator, STATS19, US Accidents, any CSV) becomes a :class:`Table`; this
module turns it into training samples the same way:

* the rows are split (train/val/test, seeded) and a :class:`~ganzoo.plugin.TableTransformer`
  is fitted on the *training* rows only, whichever split is asked for, so all splits share one
  encoding and the DataSpec of a validation set can decode generated rows;
* ``dataset[i]`` is deterministic: row ``i``'s encoding ``x``, the conditional vector ``cond``
  naming row ``i``'s own category in one condition column (columns taken in turn), ``cond_target``
  (where that category sits in ``x``, for the ``conditional-ce`` loss) and, when gaps are masked,
  ``mask`` (1 = observed entry);
* :meth:`TableDataset.augment` does CTGAN's *training-by-sampling* on whole batches: a condition
  column is chosen uniformly, a category with probability proportional to log(1 + frequency), and
  a real row with that category; rare classes (fatal accidents) are therefore seen far more often
  than their share, and the generator learns them;
* :meth:`TableDataset.export` writes generated rows as CSV with the source's own column names,
  types and missing-value codes, from the DataSpec alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ganzoo.plugin import COMPONENT_DEFAULTS_KEY, DataError, DataSpec, TableTransformer
from ganzoo_traffic.conditions import (
    ConditionBlock,
    condition_layout,
    condition_vector,
    layout_from_spec,
)
from ganzoo_traffic.configs import (
    AccidentsSimConfig,
    Stats19Config,
    TableCSVConfig,
    TableDataConfig,
    USAccidentsConfig,
)
from ganzoo_traffic.data.loaders import Table, load_csv, load_stats19, load_us_accidents
from ganzoo_traffic.data.missing import inject_missing
from ganzoo_traffic.data.simulator import (
    ACCIDENT_KINDS,
    DEFAULT_MISSING_COLUMNS,
    simulate_accidents,
)

EXPORT_FILE = "samples.csv"


def split_rows(n: int, split: str, val_fraction: float, test_fraction: float, seed: int) -> np.ndarray:
    """Sorted row indices of ``split`` in a seeded train/val/test partition of ``n`` rows."""
    order = np.random.default_rng(seed).permutation(n)
    n_test = int(round(test_fraction * n))
    n_val = int(round(val_fraction * n))
    parts = {"test": order[:n_test], "val": order[n_test : n_test + n_val], "train": order[n_test + n_val :]}
    return np.sort(parts[split])


class TableDataset:
    """Encoded rows of a :class:`Table` for a tabular GAN (see the module docstring).

    Not registered itself: each source subclass loads its :class:`Table` and passes it here with
    its config, whose :class:`~ganzoo_traffic.configs.TableDataConfig` options (missing values,
    conditioning, split, mixture fitting) every table dataset shares.
    """

    def __init__(self, table: Table, config: TableDataConfig) -> None:
        frame = table.frame
        split, missing, seed = config.split, config.missing, config.split_seed
        fractions = (config.val_fraction, config.test_fraction)
        train = frame.iloc[split_rows(len(frame), "train", *fractions, seed)]
        rows = train if split == "train" else frame.iloc[split_rows(len(frame), split, *fractions, seed)]
        policy = "mask" if missing == "drop" else missing
        if missing == "drop":
            train = train.dropna()
            if split == "train":
                rows = train
            if train.empty:
                raise DataError(f"{table.source}: every training row has a missing value; use missing = 'mask'")
        if rows.empty:
            raise DataError(f"{table.source}: the {split} split is empty (check val_fraction/test_fraction)")
        self.table = table
        self.frame = rows.reset_index(drop=True)
        self.transformer = TableTransformer(
            table.kinds, missing=policy, max_modes=config.max_modes, seed=seed, max_fit_rows=config.max_fit_rows
        ).fit(train)
        data, mask = self.transformer.transform_with_mask(self.frame)
        self._x = torch.from_numpy(data)
        self._mask = torch.from_numpy(mask) if policy == "mask" else None
        self.training_by_sampling = config.training_by_sampling
        columns = self._condition_columns(config.condition_columns) if config.conditional else []
        self.blocks: list[ConditionBlock] = condition_layout(self.transformer, columns)
        self.condition_dim = sum(b.size for b in self.blocks)
        self._row_categories = self._categories_per_row()
        self._sampling = [self._sampling_tables(b, c) for b, c in zip(self.blocks, self._row_categories.T, strict=True)]
        self.spec = self._make_spec()

    # -- construction helpers -------------------------------------------------------------
    def _condition_columns(self, requested: Sequence[str] | None) -> list[str]:
        discrete = self.transformer.discrete_columns
        if requested is None:
            return discrete
        for column in requested:
            if column not in discrete:
                raise DataError(
                    f"{self.table.source}: condition column {column!r} is not a categorical column "
                    f"(categorical: {', '.join(discrete) or 'none'})"
                )
        return list(requested)

    def _categories_per_row(self) -> np.ndarray:
        """(rows, condition columns) category index per row, -1 where the entry is unobserved."""
        out = np.full((len(self._x), len(self.blocks)), -1, dtype=np.int64)
        x = self._x.numpy()
        for j, block in enumerate(self.blocks):
            span = x[:, block.x_offset : block.x_offset + block.size]
            observed = span.sum(axis=1) > 0
            out[observed, j] = span[observed].argmax(axis=1)
        return out

    @staticmethod
    def _sampling_tables(block: ConditionBlock, categories: np.ndarray) -> dict[str, torch.Tensor]:
        """Rows grouped by category plus log-frequency probabilities (CTGAN's sampler)."""
        order = np.argsort(categories, kind="stable")
        order = order[categories[order] >= 0]
        counts = np.bincount(categories[categories >= 0], minlength=block.size)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        log_freq = np.log1p(counts.astype(float))
        return {
            "order": torch.from_numpy(order),
            "starts": torch.from_numpy(starts),
            "counts": torch.from_numpy(counts),
            "probs": torch.from_numpy(log_freq / log_freq.sum() if log_freq.sum() > 0 else log_freq),
        }

    def _make_spec(self) -> DataSpec:
        spans = self.transformer.activations()
        meta = {
            "spans": spans,
            # fills the ctgan generator's output activations from the data
            COMPONENT_DEFAULTS_KEY: {"generator": {"spans": spans}},
            "table": {
                "source": self.table.source,
                "transformer": self.transformer.to_dict(),
                "condition_columns": [b.column for b in self.blocks],
                "names": dict(self.table.names),
                "missing_codes": dict(self.table.missing_codes),
                "target": self.table.target,
            },
        }
        if self.blocks:  # CTGAN's unconditional sampling: column uniform, category by frequency
            frequencies: list[float] = []
            for block in self.blocks:
                total = sum(block.counts) or 1
                frequencies += [count / total / len(self.blocks) for count in block.counts]
            meta["label_frequencies"] = frequencies
        if self.condition_dim:
            return DataSpec("table", (self.transformer.output_dim,), (-1.0, 1.0), "label", (self.condition_dim,), meta)
        return DataSpec("table", (self.transformer.output_dim,), (-1.0, 1.0), meta=meta)

    # -- the Dataset protocol -------------------------------------------------------------
    def describe(self) -> DataSpec:
        return self.spec

    def __len__(self) -> int:
        return len(self._x)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        item = {"x": self._x[index]}
        if self._mask is not None:
            item["mask"] = self._mask[index]
        if self.condition_dim:
            cond = torch.zeros(self.condition_dim)
            target = torch.zeros(self._x.shape[1])
            categories = self._row_categories[index]
            for step in range(len(self.blocks)):  # columns in turn; skip unobserved ones
                j = (index + step) % len(self.blocks)
                if categories[j] >= 0:
                    cond[self.blocks[j].offset + categories[j]] = 1.0
                    target[self.blocks[j].x_offset + categories[j]] = 1.0
                    break
            item["cond"] = cond
            item["cond_target"] = target
        return item

    def augment(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Training-by-sampling: replace the batch by condition-matched rows (torch global RNG)."""
        usable = [j for j, t in enumerate(self._sampling) if int(t["counts"].sum()) > 0]
        if not self.condition_dim or not self.training_by_sampling or not usable:
            return batch
        device = batch["x"].device
        n = batch["x"].shape[0]
        column = torch.tensor(usable)[torch.randint(len(usable), (n,))]
        rows = torch.zeros(n, dtype=torch.long)
        cond_index = torch.zeros(n, dtype=torch.long)
        x_index = torch.zeros(n, dtype=torch.long)
        for j in usable:
            chosen = (column == j).nonzero().squeeze(1)
            if chosen.numel() == 0:
                continue
            tables, block = self._sampling[j], self.blocks[j]
            category = torch.multinomial(tables["probs"], chosen.numel(), replacement=True)
            offset = (torch.rand(chosen.numel()) * tables["counts"][category]).long()
            rows[chosen] = tables["order"][tables["starts"][category] + offset]
            cond_index[chosen] = block.offset + category
            x_index[chosen] = block.x_offset + category
        out = dict(batch)
        out["x"] = self._x[rows].to(device=device, dtype=batch["x"].dtype)
        if self._mask is not None:
            out["mask"] = self._mask[rows].to(device)
        eye_cond = torch.zeros(n, self.condition_dim)
        eye_cond[torch.arange(n), cond_index] = 1.0
        target = torch.zeros(n, self._x.shape[1])
        target[torch.arange(n), x_index] = 1.0
        out["cond"] = eye_cond.to(device)
        out["cond_target"] = target.to(device)
        return out

    # -- generation side ------------------------------------------------------------------
    @classmethod
    def export(
        cls,
        samples: torch.Tensor,
        out_dir: Path,
        spec: DataSpec,
        conditions: torch.Tensor | None = None,
        start: int = 0,
    ) -> list[Path]:
        """Write generated rows to ``out_dir/samples.csv`` in the source's own schema (appended,
        without the header, from sample ``start`` > 0 on: ``ganzoo generate`` streams batches).

        With ``conditions`` (the vectors the rows were generated with) each row gets the category
        its vector asked for in that column: hard conditioning, so ``--condition severity=1``
        yields only fatal accidents. The generator learned to produce that category through the
        conditional cross-entropy; writing it removes its residual mistakes, as CTGAN's reject
        sampling does, without looping on rows that miss it.
        """
        if conditions is not None and spec.condition == "label":
            samples = apply_conditions(samples, conditions, spec)
        frame = decode(samples, spec)
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / EXPORT_FILE
        frame.to_csv(path, index=False, mode="a" if start else "w", header=not start)
        return [path]

    @classmethod
    def parse_condition(
        cls, spec: DataSpec, text: str, n: int, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """``(n, cond_dim)`` conditions from ``"column=value"`` (``ganzoo generate --condition``).

        ``text`` may hold comma-separated pairs (the CLI joins repeated options so); CTGAN honours
        one column at a time, so more than one pair is a :class:`ConfigError`. The one pair fixes
        the whole vector, so ``generator`` has nothing left to draw.
        """
        return condition_vector(spec, [part for part in text.split(",") if part.strip()], n)


def apply_conditions(samples: torch.Tensor, conditions: torch.Tensor, spec: DataSpec) -> torch.Tensor:
    """``samples`` with each conditioned column's one-hot span set to the requested category."""
    cond = torch.as_tensor(conditions, dtype=torch.float32).cpu()
    if tuple(cond.shape) != (len(samples), spec.condition_dim):
        raise DataError(f"conditions have shape {tuple(cond.shape)}, expected {(len(samples), spec.condition_dim)}")
    out = samples.detach().float().cpu().clone()
    for block in layout_from_spec(spec):
        part = cond[:, block.offset : block.offset + block.size]
        rows = (part.sum(1) > 0).nonzero().squeeze(1)
        if rows.numel():
            span = torch.zeros(rows.numel(), block.size)
            span[torch.arange(rows.numel()), part[rows].argmax(1)] = 1.0
            out[rows, block.x_offset : block.x_offset + block.size] = span
    return out


def decode(samples: torch.Tensor | np.ndarray, spec: DataSpec, *, native: bool = True) -> pd.DataFrame:
    """Generated (or real) encoded rows back to a table, from the DataSpec alone.

    With ``native`` the columns get the source's header names and gaps its missing-value codes
    (STATS19: -1), as the CSV export writes them; otherwise canonical names and NaN gaps.
    """
    table = spec.meta.get("table")
    if not isinstance(table, Mapping) or "transformer" not in table:
        raise DataError("the DataSpec has no table description (meta['table']); was it made by ganzoo-traffic?")
    array = samples.detach().float().cpu().numpy() if isinstance(samples, torch.Tensor) else np.asarray(samples)
    frame = TableTransformer.from_dict(table["transformer"]).inverse_transform(array)
    if not native:
        return frame
    for column, code in table.get("missing_codes", {}).items():
        if column in frame and frame[column].isna().any():
            frame[column] = frame[column].astype("Float64").fillna(code).astype("Int64")
    return frame.rename(columns=dict(table.get("names", {})))


class AccidentsSim(TableDataset):
    """The seeded STATS19-like accident simulator, optionally with injected gaps."""

    def __init__(self, config: AccidentsSimConfig) -> None:
        frame = simulate_accidents(config.n_rows, config.seed)
        columns = list(config.missing_columns) if config.missing_columns is not None else list(DEFAULT_MISSING_COLUMNS)
        frame = inject_missing(
            frame, columns, config.missing_rate, config.missingness, seed=config.seed + 1, driver="urban_or_rural_area"
        )
        codes = {c: -1 for c, kind in ACCIDENT_KINDS.items() if kind != "continuous"}
        table = Table(frame, dict(ACCIDENT_KINDS), "accidents-sim", {}, codes, "accident_severity")
        super().__init__(table, config)


class Stats19(TableDataset):
    """UK STATS19 collision/accident CSV (any schema vintage)."""

    def __init__(self, config: Stats19Config) -> None:
        super().__init__(load_stats19(config.path, config.columns), config)


class USAccidents(TableDataset):
    """US Accidents (Kaggle) CSV; CC BY-NC-SA 4.0: non-commercial use only."""

    def __init__(self, config: USAccidentsConfig) -> None:
        super().__init__(load_us_accidents(config.path, config.columns), config)


class TableCSV(TableDataset):
    """Any CSV with a declared or inferred schema."""

    def __init__(self, config: TableCSVConfig) -> None:
        super().__init__(load_csv(config), config)
