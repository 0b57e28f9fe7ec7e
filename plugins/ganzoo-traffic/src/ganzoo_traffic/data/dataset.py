"""Table datasets: encoded rows, conditional vectors, training-by-sampling, masks and export.

Every source (the simulator, STATS19, US Accidents, any CSV) becomes a [`Table`][ganzoo_traffic.data.loaders.Table]; this
module turns it into training samples the same way:

* the rows are split (train/val/test, seeded) and a [`TableTransformer`][ganzoo.data.tabular.TableTransformer]
  is fitted on the *training* rows only, whichever split is asked for, so all splits share one
  encoding and the DataSpec of a validation set can decode generated rows;
* ``dataset[i]`` is deterministic: row ``i``'s encoding ``x``, the conditional vector ``cond``
  naming row ``i``'s own category in one condition column (columns taken in turn), ``cond_target``
  (where that category sits in ``x``, for the ``conditional-ce`` loss) and, when gaps are masked,
  ``mask`` (1 = observed entry);
* [`TableDataset.draw_batch`][ganzoo_traffic.data.dataset.TableDataset.draw_batch] draws each training batch by CTGAN's
  *training-by-sampling* (the engine then skips the DataLoader): per row a condition column, a
  category with probability proportional to log(1 + frequency), and a real row with that
  category; rare classes (fatal accidents) are therefore seen far more often
  than their share, and the generator learns them;
* [`TableDataset.export`][ganzoo_traffic.data.dataset.TableDataset.export] writes generated rows as CSV with the source's own column names,
  types and missing-value codes, from the DataSpec alone;
* [`TableDataset.curator`][ganzoo_traffic.data.dataset.TableDataset.curator] chooses, among ``oversample`` candidates per row, the
  generated rows that keep every column's training frequencies ([`ganzoo_traffic.curation`][ganzoo_traffic.curation]).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from ganzoo.plugin import (
    COMPONENT_DEFAULTS_KEY,
    DataError,
    DataSpec,
    TableTransformer,
    notice,
    write_json_atomic,
)
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
from ganzoo_traffic.curation import MarginalCurator, cell_frequencies
from ganzoo_traffic.data.gaps import calibrate_gaps, gap_rates
from ganzoo_traffic.data.loaders import Table, load_csv, load_stats19, load_us_accidents
from ganzoo_traffic.data.missing import inject_missing
from ganzoo_traffic.data.simulator import (
    ACCIDENT_KINDS,
    DEFAULT_MISSING_COLUMNS,
    simulate_accidents,
)
from ganzoo_traffic.rules import Rule, parse_rule

EXPORT_FILE = "samples.csv"
#: Beside the CSV: how many rows were repaired to keep each declared rule (see record_repairs).
REPAIRS_FILE = "repairs.json"


def split_rows(n: int, split: str, val_fraction: float, test_fraction: float, seed: int) -> np.ndarray:
    """Sorted row indices of ``split`` in a seeded train/val/test partition of ``n`` rows."""
    order = np.random.default_rng(seed).permutation(n)
    n_test = int(round(test_fraction * n))
    n_val = int(round(val_fraction * n))
    parts = {"test": order[:n_test], "val": order[n_test : n_test + n_val], "train": order[n_test + n_val :]}
    return np.sort(parts[split])


class TableDataset:
    """Encoded rows of a [`Table`][ganzoo_traffic.data.loaders.Table] for a tabular GAN (see the module docstring).

    Not registered itself: each source subclass loads its [`Table`][ganzoo_traffic.data.loaders.Table] and passes it here with
    its config, whose [`TableDataConfig`][ganzoo_traffic.configs.TableDataConfig] options (missing values,
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
        self.rules = check_rules(config.constraints, table, train)
        if split == "train" and len(train) < len(frame):
            announce_split(table.source, len(frame), len(train), config)
        self.frame = rows.reset_index(drop=True)
        self.transformer = TableTransformer(
            table.kinds, missing=policy, max_modes=config.max_modes, seed=seed, max_fit_rows=config.max_fit_rows
        ).fit(train)
        data, mask = self.transformer.transform_with_mask(self.frame)
        self._x = torch.from_numpy(data)
        self._mask = torch.from_numpy(mask) if policy == "mask" else None
        self.training_by_sampling = config.training_by_sampling
        self.oversample = config.oversample
        columns = self._condition_columns(config.condition_columns, config.condition_on_modes) if config.conditional else []
        self.blocks: list[ConditionBlock] = condition_layout(self.transformer, columns)
        self.condition_dim = sum(b.size for b in self.blocks)
        # entry of the encoded row that each slot of the conditional vector names
        self._slot_x = torch.tensor([i for b in self.blocks for i in b.x_index], dtype=torch.long)
        self._row_categories = self._categories_per_row(self._x.numpy())
        train_x = self._x.numpy() if split == "train" else self.transformer.transform(train)
        self._frequencies = cell_frequencies(self.transformer, train_x, table.target)
        self._gap_rates = (
            gap_rates(self.transformer, train_x, self._condition_slots(train_x), self.condition_dim)
            if policy == "indicator" else {}
        )
        self._sampling = [self._sampling_tables(b, c) for b, c in zip(self.blocks, self._row_categories.T, strict=True)]
        # condition columns with at least one observed category: what training-by-sampling draws from
        self._usable = [j for j, t in enumerate(self._sampling) if int(t["counts"].sum()) > 0]
        self._column_shares = self._shares(config.target_share)
        self.spec = self._make_spec()

    # -- construction helpers -------------------------------------------------------------
    def _condition_columns(self, requested: Sequence[str] | None, modes: bool) -> list[str]:
        """The requested columns, or every discrete column and, with ``modes``, every numeric
        column with more than one mode or with gaps (one mode and no gaps: nothing to ask for)."""
        transformer = self.transformer
        if requested is None:
            numeric = [c for c in transformer.numeric_columns if len(transformer.mode_counts(c)) > 1] if modes else []
            return [c for c in transformer.columns if c in transformer.discrete_columns or c in numeric]
        for column in requested:
            if column not in transformer.columns:
                raise DataError(f"{self.table.source}: condition column {column!r} is not a column of the table "
                                f"(columns: {', '.join(transformer.columns)})")
        return list(requested)

    def _condition_slots(self, x: np.ndarray) -> np.ndarray:
        """(rows, condition columns) index of each row's category in the conditional vector."""
        categories = self._categories_per_row(x)
        offsets = np.array([b.offset for b in self.blocks], dtype=np.int64)
        return np.where(categories >= 0, categories + offsets, -1)

    def _categories_per_row(self, x: np.ndarray) -> np.ndarray:
        """(rows, condition columns) category index per row, -1 where the entry is unobserved."""
        out = np.full((len(x), len(self.blocks)), -1, dtype=np.int64)
        for j, block in enumerate(self.blocks):
            out[:, j] = block.row_categories(x)
        return out

    def _shares(self, target_share: float | str) -> list[float] | None:
        """How often each condition column is the one a conditional vector names (None: uniformly).

        With ``target_share`` the outcome column is named that often, so the critic compares
        generated and real rows of each outcome class more often and the generator learns the
        other columns given the outcome: what a classifier trained on generated rows needs.
        """
        names = [b.column for b in self.blocks]
        if not isinstance(target_share, float) or self.table.target not in names:
            return None
        if len(names) == 1:
            return [1.0]
        rest = (1.0 - target_share) / (len(names) - 1)
        return [target_share if name == self.table.target else rest for name in names]

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
            # fills the ctgan generator's output activations and the target classifier's span
            COMPONENT_DEFAULTS_KEY: {"generator": {"spans": spans}, "loss": self._loss_defaults()},
            "table": {
                "source": self.table.source,
                "transformer": self.transformer.to_dict(),
                "condition_columns": [b.column for b in self.blocks],
                "names": dict(self.table.names),
                "missing_codes": dict(self.table.missing_codes),
                "target": self.table.target,
                "constraints": [rule.text for rule in self.rules],
                "gap_rates": self._gap_rates,
                "oversample": self.oversample,
                "frequencies": self._frequencies,
            },
        }
        if self.blocks:  # CTGAN's unconditional sampling: column uniform, category by frequency
            frequencies: list[float] = []
            shares = self._column_shares or [1.0 / len(self.blocks)] * len(self.blocks)
            for block, share in zip(self.blocks, shares, strict=True):
                total = sum(block.counts) or 1
                frequencies += [count / total * share for count in block.counts]
            meta["label_frequencies"] = frequencies
        if self.condition_dim:
            return DataSpec("table", (self.transformer.output_dim,), (-1.0, 1.0), "label", (self.condition_dim,), meta)
        return DataSpec("table", (self.transformer.output_dim,), (-1.0, 1.0), meta=meta)

    def _loss_defaults(self) -> dict[str, Any]:
        """The row layout (``conditional-ce``) and where the outcome sits (``target-classifier``)."""
        target = self.table.target
        defaults: dict[str, Any] = {"spans": self.transformer.activations()}  # for conditional-ce's tau
        if target is not None and target in self.transformer.discrete_columns:
            span = self.transformer.span_of(target)
            defaults["target_span"] = [span.start, span.dim]
        return defaults

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
                    target[self._slot_x[self.blocks[j].offset + categories[j]]] = 1.0
                    break
            item["cond"] = cond
            item["cond_target"] = target
        return item

    def __getitems__(self, indices: Sequence[int]) -> list[dict[str, torch.Tensor]]:
        """``[self[i] for i in indices]``, computed for the whole batch at once.

        The DataLoader fetches training batches through this; the per-row loop of
        `__getitem__` cost about a fifth of a CTGAN training step.
        """
        index = torch.as_tensor(list(indices), dtype=torch.long)
        columns = {"x": self._x[index]}
        if self._mask is not None:
            columns["mask"] = self._mask[index]
        if self.condition_dim:
            n, n_blocks = len(index), len(self.blocks)
            categories = torch.from_numpy(self._row_categories)[index]  # (n, blocks), -1 = unobserved
            # the column each row names: the first observed one from column (i mod blocks) on
            turn = (index[:, None] + torch.arange(n_blocks)[None, :]) % n_blocks
            observed = categories.gather(1, turn) >= 0
            chosen = turn.gather(1, observed.float().argmax(dim=1, keepdim=True)).squeeze(1)
            has = observed.any(dim=1)
            category = categories.gather(1, chosen[:, None]).squeeze(1)
            offsets = torch.tensor([b.offset for b in self.blocks])[chosen] + category
            rows = torch.arange(n)[has]
            cond = torch.zeros(n, self.condition_dim)
            cond[rows, offsets[has]] = 1.0
            target = torch.zeros(n, self._x.shape[1])
            target[rows, self._slot_x[offsets[has]]] = 1.0
            columns["cond"], columns["cond_target"] = cond, target
        return [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)]

    @property
    def draws_batches(self) -> bool:
        """Whether training batches come from [`draw_batch`][ganzoo_traffic.data.dataset.TableDataset.draw_batch]
        (training-by-sampling over at least one observed condition column) rather than from the
        epoch's permutation."""
        return bool(self.condition_dim and self.training_by_sampling and self._usable)

    def draw_batch(self, n: int) -> dict[str, torch.Tensor]:
        """Training-by-sampling: ``n`` condition-matched rows (torch global RNG, seeded per step).

        Each row first draws its condition column (the outcome with ``target_share``, the others
        evenly), then a category of it by log-frequency, then a real row holding that category.
        """
        usable = self._usable
        shares = torch.tensor([self._column_shares[j] for j in usable] if self._column_shares else [])
        if shares.sum() > 0:
            column = torch.tensor(usable)[torch.multinomial(shares, n, replacement=True)]
        else:  # CTGAN: every condition column equally often
            column = torch.tensor(usable)[torch.randint(len(usable), (n,))]
        rows = torch.zeros(n, dtype=torch.long)
        cond_index = torch.zeros(n, dtype=torch.long)
        for j in usable:
            chosen = (column == j).nonzero().squeeze(1)
            if chosen.numel() == 0:
                continue
            tables, block = self._sampling[j], self.blocks[j]
            category = torch.multinomial(tables["probs"], chosen.numel(), replacement=True)
            offset = (torch.rand(chosen.numel()) * tables["counts"][category]).long()
            rows[chosen] = tables["order"][tables["starts"][category] + offset]
            cond_index[chosen] = block.offset + category
        batch = {"x": self._x[rows]}
        if self._mask is not None:
            batch["mask"] = self._mask[rows]
        batch["cond"] = torch.zeros(n, self.condition_dim)
        batch["cond"][torch.arange(n), cond_index] = 1.0
        batch["cond_target"] = torch.zeros(n, self._x.shape[1])
        batch["cond_target"][torch.arange(n), self._slot_x[cond_index]] = 1.0
        return batch

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
        frame, repaired = decode_with_repairs(samples, spec, conditions=conditions)
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / EXPORT_FILE
        frame.to_csv(path, index=False, mode="a" if start else "w", header=not start)
        record_repairs(out_dir / REPAIRS_FILE, start, len(frame), repaired)
        return [path]

    @classmethod
    def parse_condition(
        cls, spec: DataSpec, text: str, n: int, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """``(n, cond_dim)`` conditions from ``"column=value"`` (``ganzoo generate --condition``).

        ``text`` may hold comma-separated pairs (the CLI joins repeated options so); CTGAN honours
        one column at a time, so more than one pair is a `ConfigError`. The one pair fixes
        the whole vector, so ``generator`` has nothing left to draw.
        """
        return condition_vector(spec, [part for part in text.split(",") if part.strip()], n)

    @classmethod
    def curator(cls, spec: DataSpec) -> MarginalCurator | None:
        """The curator of freely drawn rows ([`ganzoo_traffic.curation`][ganzoo_traffic.curation]), or ``None``
        with ``oversample = 1`` and for runs made before it existed."""
        table = spec.meta.get("table")
        if not isinstance(table, Mapping) or int(table.get("oversample", 1)) < 2 or "frequencies" not in table:
            return None
        return MarginalCurator(TableTransformer.from_dict(table["transformer"]), int(table["oversample"]),
                               table["frequencies"])


def announce_kinds(table: Table) -> None:
    """Say on stderr how each column of a user's CSV is read, as training starts: an inferred kind
    that is wrong (a code column read as numbers) is cheap to fix now and costly after training."""
    by_kind: dict[str, list[str]] = {}
    for column, kind in table.kinds.items():
        by_kind.setdefault(kind, []).append(f"{column} (target)" if column == table.target else column)
    kinds = "; ".join(f"{kind} {', '.join(columns)}" for kind, columns in by_kind.items())
    notice(f"{table.source}: columns read as {kinds} (change with dataset.params.kinds or categorical)")


def announce_split(source: str, total: int, kept: int, config: TableDataConfig) -> None:
    """Say on stderr how many rows train and why the rest do not, as training starts: a user
    handing over a CSV expects every row to be used unless told otherwise."""
    held = [f"{name} {fraction:g}" for name, fraction in
            (("val_fraction", config.val_fraction), ("test_fraction", config.test_fraction)) if fraction]
    reasons = []
    if held:
        reasons.append(f"{' and '.join(held)} held out for evaluation, split_seed {config.split_seed}; set "
                       "dataset.params.val_fraction = 0 and test_fraction = 0 to train on every row")
    if config.missing == "drop":
        reasons.append("incomplete rows dropped (missing = 'drop')")
    notice(f"{source}: training on {kept:,} of {total:,} rows ({'; '.join(reasons)})")


def check_rules(texts: Sequence[str], table: Table, train: pd.DataFrame) -> list[Rule]:
    """The declared constraints, checked against the table: numeric columns, kept by every
    training row (a rule the data breaks is a wrong declaration, so it is refused)."""
    rules = [parse_rule(text) for text in texts]
    numeric = [c for c, kind in table.kinds.items() if kind in ("continuous", "integer")]
    for rule in rules:
        for column in rule.columns:
            if column not in table.frame.columns:
                raise DataError(f"{table.source}: constraint {rule.text!r}: column {column!r} is not in the table")
            if column not in numeric:
                raise DataError(
                    f"{table.source}: constraint {rule.text!r}: column {column!r} is {table.kinds[column]}, "
                    "not numeric (constraints compare continuous or integer columns)"
                )
        broken = rule.broken(train).to_numpy()
        if broken.any():
            first = train.index[broken][0]
            raise DataError(
                f"{table.source}: constraint {rule.text!r}: {int(broken.sum())} training rows break it "
                f"(first: row {first + 1} of the table); fix the rule or the data"
            )
    return rules


def record_repairs(path: Path, start: int, rows: int, repaired: Mapping[str, int]) -> None:
    """Add a batch's repair counts to ``path`` (``{"rows": n, "repaired": {rule: count}}``).

    ``ganzoo generate`` writes the CSV in batches, so the counts add up across calls: the first
    batch (``start == 0``) starts the file afresh. Where rows were repaired, stderr says so
    once, naming the file that holds the counts.
    """
    totals: dict[str, Any] = {"rows": 0, "repaired": {}}
    if start and path.is_file():
        totals = json.loads(path.read_text(encoding="utf-8"))
    had_repairs = any(totals["repaired"].values())
    totals["rows"] += rows
    for rule, count in repaired.items():
        totals["repaired"][rule] = totals["repaired"].get(rule, 0) + int(count)
    write_json_atomic(path, totals)
    if not had_repairs and any(repaired.values()):
        rules = ", ".join(repr(rule) for rule, count in repaired.items() if count)
        notice(f"{path.parent / EXPORT_FILE}: generated rows that break {rules} are repaired onto the rule's "
               f"boundary; counts per rule in {path}")


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
            _set_category(out, rows, part[rows].argmax(1), block)
    return out


def _set_category(out: torch.Tensor, rows: torch.Tensor, chosen: torch.Tensor, block: ConditionBlock) -> None:
    """Make ``block``'s column of ``out[rows]`` hold category (or mode, or gap) ``chosen``."""
    index = torch.tensor(block.x_index)
    has_gap = block.numeric and block.categories[-1] is None
    one_hot = index[:-1] if has_gap else index  # a numeric column's gap entry is not one of its modes
    gap = chosen == block.size - 1 if has_gap else torch.zeros_like(chosen, dtype=torch.bool)
    present, modes = rows[~gap], chosen[~gap]
    out[present[:, None], one_hot[None, :]] = 0.0
    out[present, one_hot[modes]] = 1.0
    if has_gap:  # the indicator: observed entry just before the gap entry
        out[rows, index[-1] - 1] = (~gap).float()
        out[rows, index[-1]] = gap.float()


def decode(
    samples: torch.Tensor | np.ndarray,
    spec: DataSpec,
    *,
    native: bool = True,
    conditions: torch.Tensor | np.ndarray | None = None,
) -> pd.DataFrame:
    """Generated (or real) encoded rows back to a table, from the DataSpec alone.

    Numeric values stay inside the range seen in training and every declared constraint holds
    ([`ganzoo_traffic.rules`][ganzoo_traffic.rules]). With ``native`` the columns get the source's header names and
    gaps its missing-value codes (STATS19: -1), as the CSV export writes them; otherwise
    canonical names and NaN gaps.
    """
    return decode_with_repairs(samples, spec, native=native, conditions=conditions)[0]


def decode_with_repairs(
    samples: torch.Tensor | np.ndarray,
    spec: DataSpec,
    *,
    native: bool = True,
    conditions: torch.Tensor | np.ndarray | None = None,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """[`decode`][ganzoo_traffic.data.dataset.decode] plus, per declared constraint, how many rows had to be repaired to keep it.

    Gaps are set at the real rate of each row's condition (``conditions``, the vectors the rows
    were generated with; without them, the overall rate): [`ganzoo_traffic.data.gaps`][ganzoo_traffic.data.gaps].
    """
    table = spec.meta.get("table")
    if not isinstance(table, Mapping) or "transformer" not in table:
        raise DataError("the DataSpec has no table description (meta['table']); was it made by ganzoo-traffic?")
    array = samples.detach().float().cpu().numpy() if isinstance(samples, torch.Tensor) else np.asarray(samples)
    transformer = TableTransformer.from_dict(table["transformer"])
    if table.get("gap_rates"):
        cond = None if conditions is None else torch.as_tensor(conditions).float().cpu().numpy()
        array = calibrate_gaps(array, transformer, table["gap_rates"], cond)
    frame = transformer.inverse_transform(array)
    repaired = {}
    for text in table.get("constraints", []):
        rule = parse_rule(text)
        repaired[rule.text] = rule.repair(frame, integer=transformer.kinds[rule.left] == "integer")
    if not native:
        return frame, repaired
    return _native(frame, table), repaired


def _native(frame: pd.DataFrame, table: Mapping) -> pd.DataFrame:
    """Canonical columns renamed to the source's headers, gaps written as its missing codes."""
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
        table = load_csv(config)
        if config.split == "train":
            announce_kinds(table)
        super().__init__(table, config)
