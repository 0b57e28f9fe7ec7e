"""What the meter readers add to ganzoo's CSV reading ([`ganzoo.plugin.CsvFile`][ganzoo.data.csv.CsvFile]).

The shared reader parses, numbers lines and names the first malformed cell; this module keeps
the meter formats' own rules: columns are matched without surrounding spaces (LCL's kWh header
has a trailing one), rows whose chosen cells are all missing are no readings, and timestamps are
wall-clock times (time zones dropped).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ganzoo.plugin import CsvFile, DataError


def find_columns(file: CsvFile, columns: Sequence[str], wanted: Sequence[str], what: str) -> dict[str, str]:
    """Map each wanted name to the file's column (compared without surrounding spaces)."""
    stripped = {c.strip(): c for c in columns}
    missing = [w for w in wanted if w not in stripped]
    if missing:
        raise DataError(
            f"{file.path}: missing column {missing[0]!r} for {what} (found: {', '.join(c.strip() for c in columns)})"
        )
    return {w: stripped[w] for w in wanted}


def read_chunks(
    file: CsvFile, *, usecols: Sequence[str] | None = None, dtype: Any = None, chunksize: int = 1_000_000
) -> Iterator[pd.DataFrame]:
    """``file``'s chunks (only ``usecols``) without the rows whose chosen cells are all missing."""
    for chunk in file.chunks(usecols=usecols, dtype=dtype, chunksize=chunksize):
        blank = chunk.isna().all(axis=1).to_numpy()
        yield chunk.loc[~blank] if blank.any() else chunk


def numbers(file: CsvFile, raw: pd.Series, column: str) -> np.ndarray:
    """Float values of a column (NaN where missing); the first cell that is not a number is an error."""
    return file.numbers(raw, column).to_numpy(dtype=np.float64, na_value=np.nan, copy=True)


def timestamps(file: CsvFile, raw: pd.Series, column: str, *, fmt: str = "ISO8601") -> np.ndarray:
    """``datetime64[ns]`` wall-clock times (time zones dropped); unparsable or empty cells are errors."""
    parsed = file.timestamps(raw, column, fmt=fmt, required=True)
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed.to_numpy(dtype="datetime64[ns]")
