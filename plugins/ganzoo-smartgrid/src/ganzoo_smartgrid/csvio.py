"""Careful CSV parsing: every malformed cell becomes a one-line DataError naming file, line, column.

pandas reports a bad number by silently turning the whole column into strings, and a bad date by
raising deep inside its parser. These helpers let pandas do the fast path and, only when
something does not parse, find the first offending cell and name it. Blank lines are kept while
parsing (``skip_blank_lines=False``) so that a row's position maps back to its line in the file.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ganzoo.plugin import DataError, first_line


def header(path: Path, *, sep: str = ",") -> list[str]:
    """Column names of ``path`` (as written, including stray spaces)."""
    _check_file(path)
    try:
        return [str(c) for c in pd.read_csv(path, sep=sep, nrows=0).columns]
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as err:
        raise DataError(f"{path}: cannot read the header ({first_line(err)})") from None


def find_columns(path: Path, columns: Sequence[str], wanted: Sequence[str], what: str) -> dict[str, str]:
    """Map each wanted name to the file's column (compared without surrounding spaces)."""
    stripped = {c.strip(): c for c in columns}
    missing = [w for w in wanted if w not in stripped]
    if missing:
        raise DataError(
            f"{path}: missing column {missing[0]!r} for {what} (found: {', '.join(c.strip() for c in columns)})"
        )
    return {w: stripped[w] for w in wanted}


def read_chunks(
    path: Path,
    *,
    usecols: Sequence[str] | None = None,
    sep: str = ",",
    decimal: str = ".",
    na_values: Sequence[str] = (),
    dtype: Any = None,
    chunksize: int = 1_000_000,
) -> Iterator[pd.DataFrame]:
    """Yield chunks (only ``usecols``) with fully blank rows dropped; the index is the data-row number.

    All columns are parsed and ``usecols`` selected afterwards on purpose: with ``usecols``
    pandas silently ignores extra fields, so a ragged row would not be reported.
    """
    _check_file(path)
    try:
        reader = pd.read_csv(
            path,
            sep=sep,
            decimal=decimal,
            na_values=list(na_values),
            dtype=dtype,
            skip_blank_lines=False,
            chunksize=chunksize,
        )
        for chunk in reader:
            if usecols is not None:
                chunk = chunk[list(usecols)]
            blank = chunk.isna().all(axis=1).to_numpy()
            yield chunk.loc[~blank] if blank.any() else chunk
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise DataError(f"{path}: {first_line(err)}") from None


def numbers(
    raw: pd.Series, path: Path, column: str, *, decimal: str = ".", missing: Sequence[str] = ()
) -> np.ndarray:
    """Float values of a column (NaN where empty or a ``missing`` token, compared without spaces).

    The first cell that is neither a number nor missing is an error.
    """
    if pd.api.types.is_numeric_dtype(raw.dtype):
        return raw.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    text = raw.astype("string").str.strip()
    if missing:
        text = text.mask(text.isin(list(missing)))
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    values = pd.to_numeric(text, errors="coerce")
    bad = values.isna() & text.notna() & (text != "")
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        line = _line(raw, row)
        raise DataError(f"{path}: line {line}: column {column.strip()!r}: {raw.iloc[row]!r} is not a number")
    return values.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)


def timestamps(
    raw: pd.Series, path: Path, column: str, *, fmt: str = "ISO8601", dayfirst: bool = False
) -> np.ndarray:
    """``datetime64[ns]`` wall-clock times (time zones dropped); unparsable or empty cells are errors."""
    text = raw.astype("string").str.strip()
    parsed = pd.to_datetime(text, format=fmt, dayfirst=dayfirst, errors="coerce")
    bad = parsed.isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        line = _line(raw, row)
        cell = raw.iloc[row]
        what = "is empty" if pd.isna(cell) or str(cell).strip() == "" else f"{cell!r} is not a date/time"
        raise DataError(f"{path}: line {line}: column {column.strip()!r}: {what}")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed.to_numpy(dtype="datetime64[ns]")


def _line(column: pd.Series, row: int) -> int:
    """File line of ``row``: pandas numbers rows from 0 across chunks and the header is line 1."""
    return int(column.index[row]) + 2


def _check_file(path: Path) -> None:
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if not path.is_file():
        raise DataError(f"{path}: not a file")
