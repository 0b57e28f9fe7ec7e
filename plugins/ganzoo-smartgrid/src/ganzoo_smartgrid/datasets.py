"""Map-style datasets of daily load curves: the BDEW generator and the file loaders.

Every dataset yields ``{"x": (1, L) float32 in [-1, 1], "cond": (K,) one-hot}`` (``cond`` only
when conditional) and describes itself with a series DataSpec whose ``meta`` carries everything
[`ganzoo_smartgrid.export.export_csv`][ganzoo_smartgrid.export.export_csv] needs to write samples back in kW or kWh.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch

from ganzoo.plugin import HELD_OUT_KEY, ConfigError, DataError, DataSpec, notice
from ganzoo_smartgrid import readers
from ganzoo_smartgrid.bdew import STEPS
from ganzoo_smartgrid.conditions import CALENDAR, WEEKDAYS, Block, ConditionCodec
from ganzoo_smartgrid.configs import (
    GenericCSVConfig,
    LCLConfig,
    LoadProfilesConfig,
    LongCSVConfig,
    SeriesFileConfig,
    UCIElectricityConfig,
    UCIHouseholdConfig,
    WideCSVConfig,
)
from ganzoo_smartgrid.daytypes import day_type, german_holidays
from ganzoo_smartgrid.export import export_csv
from ganzoo_smartgrid.normalise import Normaliser
from ganzoo_smartgrid.synthetic import draw_days, draw_meters
from ganzoo_smartgrid.windows import (
    BLOCK_WINDOWS,
    DAY_NS,
    MINUTE_NS,
    UNKNOWN,
    Plan,
    Windows,
    block_of,
    make_windows,
    split_at_random,
    split_bounds,
    split_by_block,
    split_by_date,
    split_by_meter,
)

SPLITS = ("train", "val", "test")


class SeriesDataset(torch.utils.data.Dataset):
    """Normalised windows plus labels, the DataSpec, and CSV export."""

    def __init__(self, values: np.ndarray, cond: np.ndarray | None, meta: dict[str, Any]) -> None:
        x = torch.from_numpy(np.ascontiguousarray(values, dtype=np.float32))
        self.x = x.unsqueeze(1) if x.ndim == 2 else x  # (N, L) one-channel curves or (N, C, L)
        self.cond = torch.from_numpy(cond) if cond is not None else None
        self.meta = meta

    #: Each window's group when the split assigned whole groups to one side (``ganzoo.plugin.SplitGroups``):
    #: its meter when split by meter, its block when split by blocks of several windows, else ``None``.
    split_groups: list[str] | None = None

    def describe(self) -> DataSpec:
        if self.cond is None:
            return DataSpec("series", tuple(self.x.shape[1:]), (-1.0, 1.0), meta=self.meta)
        return DataSpec("series", tuple(self.x.shape[1:]), (-1.0, 1.0), "label", (self.cond.shape[1],), self.meta)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        item = {"x": self.x[index]}
        if self.cond is not None:
            item["cond"] = self.cond[index]
        return item

    @classmethod
    def export(cls, samples: torch.Tensor, out_dir: Path, spec: DataSpec, conditions: torch.Tensor | None = None,
               start: int = 0) -> list[Path]:
        """One CSV ``timestamp, meter, value`` in original units (see [`ganzoo_smartgrid.export`][ganzoo_smartgrid.export]),
        appended to from sample ``start`` on."""
        return export_csv(samples, out_dir, spec, conditions, start=start)

    @classmethod
    def sample_conditions(cls, spec: DataSpec, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` label vectors, one one-hot per block (month, day type, class) at the training frequencies.

        The sampler calls this when no condition is given: drawing each block separately keeps
        every vector valid, where a draw over the flat vector would set one entry in one block.
        """
        return _codec(spec).sample(spec.meta, n, generator)

    @classmethod
    def parse_condition(cls, spec: DataSpec, text: str, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``"month=3,daytype=saturday,class=h25"`` -> ``n`` label vectors (``ganzoo generate --condition``).

        Blocks not named are drawn at their training frequencies, with ``generator`` (else torch's
        global RNG). Unknown blocks or values raise ConfigError naming them.
        """
        codec = _codec(spec)
        return codec.sample(spec.meta, n, generator, fixed=codec.parse(text))


def _codec(spec: DataSpec) -> ConditionCodec:
    """The label codec of a label-conditional smart-grid DataSpec (ConfigError otherwise)."""
    if spec.condition != "label" or "conditions" not in spec.meta:
        raise ConfigError("this run is not label-conditional (train with conditional = true to choose labels)")
    return ConditionCodec.from_meta(spec.meta["conditions"])


def _coarsen(values: np.ndarray, factor: int) -> np.ndarray:
    """Mean power over groups of ``factor`` consecutive steps."""
    return values.reshape(len(values), -1, factor).mean(axis=2)


class LoadProfiles(SeriesDataset):
    """BDEW standard load profiles x stochastic customers (see [`ganzoo_smartgrid.synthetic`][ganzoo_smartgrid.synthetic]).

    The customers (class, annual consumption, time shift) depend only on ``seed``; each split
    draws its own days and noise, so val/test are new days of the same population. Labels
    describe the first day of a window: month, day type (German holidays count as Sundays, as
    in the BDEW profiles) and customer class. Values are mean power in kW.
    """

    def __init__(self, config: LoadProfilesConfig) -> None:
        profiles, n_meters, year, seed = config.profiles, config.n_meters, config.year, config.seed
        resolution_minutes, window_days, split = config.resolution_minutes, config.window_days, config.split
        meters = draw_meters(tuple(profiles), n_meters, np.random.default_rng([seed, 0]))

        def draw(which: str) -> Any:
            rng = np.random.default_rng([seed, 1 + SPLITS.index(which)])
            return draw_days(meters, config.n_samples, year, window_days, rng)

        factor = resolution_minutes // 15
        train = draw("train")
        data = train if split == "train" else draw(split)
        norm = Normaliser.fit(_coarsen(train.values, factor), config.normalisation, source="load-profiles")
        codec = ConditionCodec(tuple(profiles))
        holidays = german_holidays(year)
        cond = None
        if config.conditional:
            cond = codec.encode([d.month for d in data.start], [day_type(d, holidays) for d in data.start], data.profile)
        meta = {
            "source": "load-profiles",
            "unit": "kW",
            "quantity": "power",
            "resolution_minutes": resolution_minutes,
            "steps_per_day": STEPS // factor,
            "window_days": window_days,
            "normalisation": norm.to_meta(),
            "reference_year": year,
            "start": f"{year}-01-01",
            "holidays": "de",
            "classes": list(profiles),
            "meters": n_meters,
        }
        if config.conditional:
            train_cond = cond if split == "train" else codec.encode(
                [d.month for d in train.start], [day_type(d, holidays) for d in train.start], train.profile)
            meta.update({"conditions": codec.to_meta(), **codec.sampling_meta(train_cond)})
        super().__init__(norm.forward(_coarsen(data.values, factor)), cond, meta)
        self.start, self.profile = data.start, data.profile


def _split(windows: Windows, which: str, config: SeriesFileConfig, by: str) -> np.ndarray:
    if by == "block":
        return split_by_block(windows.meter, windows.start, _window_ns(windows), _block_ns(windows, config), which,
                              config.val_fraction, config.test_fraction, config.seed, overlapping=windows.overlapping)
    if by == "time":
        return split_by_date(windows.start, which, config.val_fraction, config.test_fraction)
    if by == "meter":
        return split_by_meter(windows.meter, which, config.val_fraction, config.test_fraction, config.seed)
    return split_at_random(len(windows.values), which, config.val_fraction, config.test_fraction, config.seed)


def _window_ns(windows: Windows) -> int:
    """A window's duration in nanoseconds (windows with timestamps)."""
    assert windows.resolution_minutes is not None
    return round(windows.resolution_minutes * MINUTE_NS * windows.values.shape[2])


def _block_ns(windows: Windows, config: SeriesFileConfig) -> int:
    """The block length: ``block_days``, else one window, or four when windows overlap (one on data
    too short for four per split); DataError when a window is longer than a block."""
    window_ns = _window_ns(windows)
    if config.block_days is None:
        if windows.overlapping and _empty_split(_count_blocks(windows, BLOCK_WINDOWS * window_ns), config) is None:
            return BLOCK_WINDOWS * window_ns
        return window_ns
    if config.block_days * DAY_NS < window_ns:
        raise DataError(f"{config.path}: block_days = {config.block_days} is shorter than a window "
                        f"({_duration(window_ns)}); set block_days to at least that")
    return config.block_days * DAY_NS


def _count_blocks(windows: Windows, block_ns: int) -> int:
    """How many blocks of ``block_ns`` hold a window start."""
    return len(np.unique(block_of(windows.meter, windows.start, block_ns, _window_ns(windows))[0]))


def _duration(ns: int) -> str:
    """``7 days``, ``1 day``, ``2.5 h``, ``40 min``, ``0.375 s``: a block or window length for messages."""
    if ns % DAY_NS == 0:
        return f"{ns // DAY_NS} day{'s' * (ns != DAY_NS)}"
    for unit, size in (("h", 60 * MINUTE_NS), ("min", MINUTE_NS)):
        if ns >= size:
            return f"{ns / size:g} {unit}"
    return f"{ns / 1e9:g} s"


def _empty_split(n: int, config: SeriesFileConfig) -> str | None:
    """The first split with a positive fraction that ``n`` meters or blocks leave without one."""
    fractions = {"train": 1.0, "val": config.val_fraction, "test": config.test_fraction}
    return next((split for split, fraction in fractions.items() if fraction > 0
                 and not len(range(*split_bounds(n, split, config.val_fraction, config.test_fraction)))), None)


def _groups(windows: Windows, chosen: np.ndarray, config: SeriesFileConfig, by: str) -> list[str] | None:
    """The ``split_groups`` of the chosen windows: meters, or blocks of several windows, else ``None``."""
    if by == "meter":
        return [windows.meter[i] for i in chosen]
    if by != "block":
        return None
    block_ns = _block_ns(windows, config)
    if block_ns == _window_ns(windows) and not windows.overlapping:
        return None  # a block per window: assigned one by one, as at random
    blocks = block_of(windows.meter, windows.start, block_ns, _window_ns(windows))[0]
    return [f"block {blocks[i]}" for i in chosen]


def _held_out(by: str) -> dict[str, str]:
    """The DataSpec's word on held-out windows that are not drawn like the training ones."""
    if by == "time":
        return {HELD_OUT_KEY: "the latest windows (split by time)"}  # the phrase runs record: keep it
    return {}


def _check_units(windows: Windows, config: SeriesFileConfig, by: str) -> None:
    """DataError when a split by meter or block leaves a split that should have data without a
    meter or block (checked for every split, so that training does not start with an empty test
    split)."""
    if by == "meter":
        n = len(set(windows.meter))
        what, remedy = f"{n} meter{'s' * (n != 1)} with complete windows", "use more meters"
    else:
        block_ns = _block_ns(windows, config)
        n = _count_blocks(windows, block_ns)
        what, remedy = f"{n} block{'s' * (n != 1)} of {_duration(block_ns)}", "use more data, shorter block_days"
    empty = _empty_split(n, config)
    if empty is not None:
        raise DataError(f"{config.path}: split_by = {by!r} leaves the {empty!r} split no {by} ({what}); "
                        f"{remedy}, other fractions or split_by = 'random'")


def _chosen_split(windows: Windows, config: SeriesFileConfig, by: str) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the training split and of the configured split (DataError if either is empty);
    at training start, a notice of how the windows were split."""
    path = config.path
    if by in ("meter", "block"):
        _check_units(windows, config, by)
    train = _split(windows, "train", config, by)
    chosen = train if config.split == "train" else _split(windows, config.split, config, by)
    if not len(chosen) or not len(train):
        empty = config.split if not len(chosen) else "train"
        raise DataError(f"{path}: the {empty!r} split has no complete windows; use more data or other fractions")
    if config.split == "train":
        notice(_split_notice(windows, config, by, len(train)))
    return train, chosen


def _split_notice(windows: Windows, config: SeriesFileConfig, by: str, n_train: int) -> str:
    """``PATH: training on N of M windows (...)``: the split and what it held out."""
    held = {split: len(_split(windows, split, config, by)) for split in ("val", "test")}
    how = (f"blocks of {_duration(_block_ns(windows, config))} per meter" if by == "block" else
           {"time": "the latest held out", "random": "at random", "meter": "whole meters"}[by])
    parts = [f"split_by = {by!r}: {how}", f"{held['val']:,} val, {held['test']:,} test"]
    dropped = len(windows.values) - n_train - sum(held.values())
    if dropped:
        parts.append(f"{dropped:,} crossing into another split's block dropped")
    if by == "random" and windows.overlapping:
        parts.append("overlapping windows share readings across splits; split_by = 'block' keeps them apart")
    return f"{config.path}: training on {n_train:,} of {len(windows.values):,} windows ({'; '.join(parts)})"


class SmartMeterFiles(SeriesDataset):
    """Shared loader logic of the meter formats: resample, cut whole-day windows, split, normalise.

    Windows with a missing reading are dropped (see [`ganzoo_smartgrid.windows`][ganzoo_smartgrid.windows]); the counts
    of kept and dropped windows are in ``describe().meta["windows"]``. Labels (when
    ``conditional``) are the month and day type of the window's first day (Sundays only: real
    data sets come from different countries, so no holiday calendar is assumed) plus the customer
    class where the format records one.

    Not a registered component itself: each format's subclass reads its readings and passes them
    here with its config.
    """

    source: ClassVar[str] = "files"

    def __init__(self, data: readers.Readings, config: SeriesFileConfig) -> None:
        path = config.path
        resolution_minutes, window_days = config.resolution_minutes, config.window_days
        plan = Plan(window_days, config.stride_days, resolution_minutes, align_days=True)
        windows = make_windows(data, plan, source=str(path))
        if not len(windows.values):
            raise DataError(
                f"{path}: no complete {window_days}-day windows at {resolution_minutes}-minute resolution "
                f"({windows.dropped} windows had missing readings)"
            )
        train, chosen = _chosen_split(windows, config, config.split_by)
        norm = Normaliser.fit(windows.values[train], config.normalisation, source=str(path))
        days = windows.days
        starts = [days[i] for i in chosen]
        meters = [windows.meter[i] for i in chosen]
        class_names = sorted(set(data.classes.values()))
        if class_names and len(data.classes) < len(data.series):
            class_names.append("unknown")
        codec = ConditionCodec(tuple(class_names))

        def labels(rows: np.ndarray) -> np.ndarray:
            picked = [days[i] for i in rows]
            classes = [data.classes.get(windows.meter[i], "unknown") for i in rows] if class_names else None
            return codec.encode([d.month for d in picked], [day_type(d) for d in picked], classes)

        cond = labels(chosen) if config.conditional else None
        meta = {
            "source": self.source,
            "path": str(path),
            "unit": data.unit,
            "quantity": data.quantity,
            "resolution_minutes": resolution_minutes,
            "steps_per_day": 1440 // resolution_minutes,
            "window_days": window_days,
            "normalisation": norm.to_meta(),
            "reference_year": min(starts).year,
            "start": min(starts).isoformat(),
            "holidays": "none",
            "classes": class_names,
            "meters": len(set(meters)),
            "windows": {"kept": len(windows.values), "dropped_incomplete": windows.dropped,
                        "duplicate_readings": windows.duplicates, "in_split": len(chosen), "split_by": config.split_by},
            **_held_out(config.split_by),
        }
        if config.conditional:
            meta.update({"conditions": codec.to_meta(), **codec.sampling_meta(labels(train))})
        super().__init__(norm.forward(windows.values[chosen][:, 0]), cond, meta)
        self.start, self.meter_ids = starts, meters
        self.split_groups = _groups(windows, chosen, config, config.split_by)


class LondonLCL(SmartMeterFiles):
    """London LCL smart meters, original or Kaggle layout; class = tariff (Std / ToU)."""

    source = "london-lcl"

    def __init__(self, config: LCLConfig) -> None:
        super().__init__(readers.read_lcl(config.path, max_meters=config.max_meters), config)


class UCIElectricity(SmartMeterFiles):
    """UCI ElectricityLoadDiagrams20112014 (kW per quarter-hour; leading zeros = not yet connected)."""

    source = "uci-electricity"

    def __init__(self, config: UCIElectricityConfig) -> None:
        super().__init__(readers.read_uci_electricity(config.path, max_meters=config.max_meters), config)


class UCIHousehold(SmartMeterFiles):
    """UCI Individual household electric power consumption (one house, minute readings)."""

    source = "uci-household"

    def __init__(self, config: UCIHouseholdConfig) -> None:
        super().__init__(readers.read_uci_household(config.path, column=config.column), config)


def _calendar_value(block: str, start: dt.datetime) -> Any:
    """Value of a calendar block for a window starting at ``start`` (no holiday calendar)."""
    if block == "month":
        return start.month
    if block == "daytype":
        return day_type(start.date())
    if block == "weekday":
        return WEEKDAYS[start.weekday()]
    return start.hour


class SeriesTable(SeriesDataset):
    """Windows of any length, stride, resolution and channel count from generic readings, with any conditions.

    Shared by ``long-csv`` and ``wide-csv``: samples are ``(C, window)`` with one channel per value
    column, scaled per channel to [-1, 1] (statistics of the training split); conditions are the
    blocks the config asks for (see [`GenericCSVConfig`][ganzoo_smartgrid.configs.GenericCSVConfig]), in the
    order calendar, class (legacy ``class_column``), categorical columns, numeric columns. The
    split is by seeded blocks of consecutive days when the data has timestamps, else a seeded
    shuffle (``split_by`` overrides). ``meta["class_block"]`` names the block that the per-class
    metrics group by (the first categorical condition column, else the class).

    Not a registered component itself: each layout's subclass reads its readings and passes them
    here with its config.
    """

    source: ClassVar[str] = "series"

    def __init__(self, data: readers.Readings, config: GenericCSVConfig) -> None:
        path = config.path
        if config.calendar_blocks and not data.timed:
            raise DataError(f"{path}: calendar conditions need timestamps")
        if config.window_steps is not None:
            plan = Plan(config.window_steps, config.stride_steps or config.window_steps, config.resolution_minutes)
        else:
            days = config.window_days or 1
            plan = Plan(days, config.stride_days or days, config.resolution_minutes, align_days=True)
        windows = make_windows(data, plan, source=str(path))
        if not len(windows.values):
            raise DataError(
                f"{path}: no complete windows of {plan.window} {'days' if plan.align_days else 'steps'} "
                f"({windows.dropped} windows had missing readings)"
            )
        by = config.split_by
        assert by is not None  # resolved by the config
        train, chosen = _chosen_split(windows, config, by)
        norm = Normaliser.fit(windows.values[train], config.normalisation, source=str(path),
                              per_channel=config.per_channel, channels=data.channels)
        codec, columns = _condition_columns(data, windows, config, train)
        cond = None
        meta: dict[str, Any] = {
            "source": self.source,
            "format": "windows",
            "path": str(path),
            "unit": data.unit,
            "quantity": data.quantity,
            "channels": list(data.channels),
            "resolution_minutes": windows.resolution_minutes,
            "window_steps": int(windows.values.shape[2]),
            "normalisation": norm.to_meta(),
            "meters": len({windows.meter[i] for i in chosen}),
            "windows": {"kept": len(windows.values), "dropped_incomplete": windows.dropped,
                        "duplicate_readings": windows.duplicates, "in_split": len(chosen), "split_by": by},
            **_held_out(by),
        }
        if windows.resolution_minutes:
            if isinstance(windows.resolution_minutes, int) and 1440 % windows.resolution_minutes == 0:
                meta["steps_per_day"] = 1440 // windows.resolution_minutes
            starts = [windows.start[i] for i in chosen]
            meta["start"] = min(s for s in starts if s is not None).isoformat()
            meta["reference_year"] = int(meta["start"][:4])
            meta["holidays"] = "none"
        if codec is not None:
            cond = codec.encode_columns({name: values[chosen] for name, values in columns.items()})
            train_cond = codec.encode_columns({name: values[train] for name, values in columns.items()})
            categorical = [block.name for _, block in codec.categorical() if block.name not in CALENDAR]
            meta.update({"conditions": codec.to_meta(), **codec.sampling_meta(train_cond, joint=True),
                         "class_block": categorical[0] if categorical else None,
                         "classes": list(codec.classes)})
        super().__init__(norm.forward(windows.values[chosen]), cond, meta)
        self.start = [windows.start[i] for i in chosen]
        self.meter_ids = [windows.meter[i] for i in chosen]
        self.split_groups = _groups(windows, chosen, config, by)


def _condition_columns(data: readers.Readings, windows: Windows, config: GenericCSVConfig, train: np.ndarray
                       ) -> tuple[ConditionCodec | None, dict[str, np.ndarray]]:
    """The codec of the configured condition blocks and every window's value per block."""
    blocks: list[Block] = []
    columns: dict[str, np.ndarray] = {}
    for name in config.calendar_blocks:
        blocks.append(Block(name, CALENDAR[name]))
        columns[name] = np.asarray([_calendar_value(name, s) for s in windows.start], dtype=object)
    class_column = getattr(config, "class_column", None)
    if class_column and config.conditional:
        labels = np.asarray([data.classes.get(m, UNKNOWN) for m in windows.meter], dtype=object)
        blocks.append(Block("class", tuple(sorted(set(labels.tolist())))))
        columns["class"] = labels
    for name in config.condition_columns:
        values = windows.labels[name]
        blocks.append(Block(name, tuple(sorted(set(values.tolist())))))
        columns[name] = values
    for name in config.numeric_condition_columns:
        values = windows.labels[name].astype(np.float64)
        blocks.append(Block(name, numeric=(float(values[train].min()), float(values[train].max()))))
        columns[name] = values
    names = [b.name for b in blocks]
    repeated = next((n for n in names if names.count(n) > 1), None)
    if repeated:
        raise ConfigError(f"condition block {repeated!r} is asked for twice (a column named like a calendar block?)")
    return (ConditionCodec(blocks=blocks) if blocks else None), columns


def _csv_options(config: GenericCSVConfig) -> dict[str, Any]:
    """Reader options shared by the generic long and wide CSV formats."""
    return {"unit": config.unit, "quantity": config.quantity, "sep": config.sep, "decimal": config.decimal,
            "max_meters": config.max_meters, "nonfinite": config.nonfinite,
            "timestamp_column": config.timestamp_column, "condition_columns": config.condition_columns,
            "numeric_condition_columns": config.numeric_condition_columns}


class LongCSV(SeriesTable):
    """Generic long CSV: ``meter, [timestamp,] value(s), [conditions]`` rows (column names configurable)."""

    source = "long-csv"

    def __init__(self, config: LongCSVConfig) -> None:
        data = readers.read_long(
            config.path, meter_column=config.meter_column, value_columns=config.value_columns,
            class_column=config.class_column, **_csv_options(config),
        )
        super().__init__(data, config)


class WideCSV(SeriesTable):
    """Generic wide CSV: ``[timestamp,] value columns, [conditions]``: meters or channels."""

    source = "wide-csv"

    def __init__(self, config: WideCSVConfig) -> None:
        data = readers.read_wide(config.path, value_columns=config.value_columns, columns_are=config.columns_are,
                                 step_minutes=config.resolution_minutes, **_csv_options(config))
        if config.whole_rows and config.window_steps is None and config.window_days is None:
            length = len(next(iter(data.series.values()))[1])
            config = config.model_copy(update={"window_steps": length, "stride_steps": length})
        if config.whole_rows:  # the rows' own spacing: nothing to resample
            config = config.model_copy(update={"resolution_minutes": None})
        super().__init__(data, config)
