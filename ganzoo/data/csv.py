"""Reading user CSV files so that every problem is one line naming the file, line and column.

pandas does the parsing (fast, chunked for big files); this module turns what goes wrong into a
[`DataError`][ganzoo.registry.errors.DataError]: a missing file, an unreadable or empty file, and the
*first* malformed cell of a column, named by its line in the file. pandas reports a bad number by
silently keeping the column as text and a bad date deep inside its parser, so the helpers let it
parse first and, only when something did not parse, find the first offending cell.

One line-numbering rule: a cell's line is the physical line of the file its row starts on,
1-based, the header (usually) being line 1. pandas numbers data rows 0, 1, 2 ... and skips blank
lines, whitespace-only lines and comment lines without counting them, and a quoted field may run
over several lines, so ``row + 2`` is wrong on such files. [`CsvFile.line`][ganzoo.data.csv.CsvFile.line] recounts instead:
it rereads the file up to the row with the same skipping rules. It runs only when an error is
reported, so the fast path pays nothing.

Two silent failures are refused. A file split at the wrong separator reads as one column whose
name holds the real header (``a;b;c`` read at ``,``): when the header is one column that another
common separator (``,``, ``;``, tab, ``|``) splits into several, the file is an error naming the
separator it seems to use. And an infinite number (``inf``, ``-Infinity``, ``1e999``) is not a
reading: [`CsvFile.numbers`][ganzoo.data.csv.CsvFile.numbers] refuses it, naming line and column, unless the reader opts in
(``nonfinite="missing"``) to treating it as a missing value, which the dataset's missing-value
rule then drops or masks.

Rows keep the index pandas gives them (the data-row number, continued across chunks), and
every check here finds the row of a bad cell through that index; select, filter and concatenate
freely, but do not reset the index before checking.

This module imports pandas; [`ganzoo.plugin`][ganzoo.plugin] exposes [`CsvFile`][ganzoo.data.csv.CsvFile] lazily.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ganzoo.registry.errors import DataError, first_line

#: What a check says about a bad cell: a fixed text, or a function of the cell's raw value.
Problem = str | Callable[[Any], str]

#: Field separators a one-column header is tried with (a sign the file uses another one).
SEPARATORS = (",", ";", "\t", "|")


def _quoted(cell: Any) -> str:
    """A cell as it reads in the file, quoted (a number pandas parsed is shown as text too)."""
    return repr(cell if isinstance(cell, str) else str(cell))


def _name(separator: str) -> str:
    return {"\t": "tab"}.get(separator, repr(separator))


@dataclass(frozen=True)
class CsvFile:
    """A CSV file and how to read it; the reading options also drive line numbering.

    Attributes:
        path: the file (named at the start of every error).
        sep: field separator.
        decimal: decimal mark of numbers (``","`` in many European exports).
        na_values: tokens that mean "missing" (besides empty cells and, with
            ``keep_default_na``, pandas' usual ones); [`numbers`][ganzoo.data.csv.CsvFile.numbers] also accepts them with
            surrounding spaces.
        keep_default_na: also read pandas' default tokens (``NA``, ``NaN``, ``null`` ...) as missing.
        skipinitialspace: drop spaces after each separator.
        comment: lines starting with this character are skipped (not counted as rows).
        nonfinite: ``"error"`` (default): an infinite number in [`numbers`][ganzoo.data.csv.CsvFile.numbers] is an error
            naming its line and column; ``"missing"``: it reads as missing (NaN).
    """

    path: Path
    sep: str = ","
    decimal: str = "."
    na_values: Sequence[str] = ()
    keep_default_na: bool = True
    skipinitialspace: bool = False
    comment: str | None = None
    nonfinite: Literal["error", "missing"] = "error"

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))
        object.__setattr__(self, "na_values", tuple(self.na_values))

    @property
    def _options(self) -> dict[str, Any]:
        """The pandas options every read uses (blank lines are always skipped: pandas' default)."""
        return {
            "sep": self.sep,
            "decimal": self.decimal,
            "na_values": list(self.na_values),
            "keep_default_na": self.keep_default_na,
            "skipinitialspace": self.skipinitialspace,
            "comment": self.comment,
        }

    # -- reading ---------------------------------------------------------------------------
    def check_exists(self) -> None:
        """A DataError unless the path is an existing file."""
        if not self.path.exists():
            raise DataError(f"{self.path}: no such file")
        if not self.path.is_file():
            raise DataError(f"{self.path}: not a file")

    def header(self) -> list[str]:
        """Column names as written (stray spaces included)."""
        self.check_exists()
        try:
            columns = [str(c) for c in pd.read_csv(self.path, nrows=0, **self._options).columns]
        except pd.errors.EmptyDataError:
            raise DataError(f"{self.path}: the file is empty") from None
        except ValueError as err:  # pandas' ParserError and UnicodeDecodeError are ValueErrors
            raise DataError(f"{self.path}: not a readable CSV file ({first_line(err)})") from None
        self._check_separator(columns)
        return columns

    def _check_separator(self, columns: Sequence[str]) -> None:
        """A DataError when the header is one column that another common separator splits."""
        if len(columns) != 1:
            return
        line, text = self._header_line()
        for candidate in SEPARATORS:
            if candidate == self.sep or candidate not in text:
                continue
            fields = next(csv.reader([text], delimiter=candidate, quotechar='"'))
            if len(fields) > 1:
                raise DataError(
                    f"{self.path}: line {line}: one column when split at {_name(self.sep)} but {len(fields)} "
                    f"when split at {_name(candidate)}; the file seems {_name(candidate)}-separated, this "
                    f"reader expects {_name(self.sep)}"
                )

    def _check_row_width(self, frame: pd.DataFrame) -> None:
        """A DataError when the rows have more fields than the header names: pandas would take the
        surplus leading fields as the row index and shift every value one column to the left.
        (Called on the first rows read, whose index is 0, 1, 2 ... unless pandas did that.)"""
        if frame.index.nlevels == 1 and frame.index.equals(pd.RangeIndex(len(frame))):
            return
        width = len(frame.columns)
        raise DataError(
            f"{self.path}: line {self.line(0)}: {width + frame.index.nlevels} fields but the header names {width} "
            "columns (a separator at the end of each row, or inside an unquoted value?)"
        )

    def _header_line(self) -> tuple[int, str]:
        """Number and text of the header line (the first line pandas does not skip)."""
        with self.path.open(encoding="utf-8", errors="replace", newline="") as handle:
            for number, text in enumerate(handle, start=1):
                if not self._skipped(text):
                    return number, text.rstrip("\r\n")
        return 1, ""

    def read(self, *, dtype: Any = str) -> pd.DataFrame:
        """The whole table (every cell text by default); a file without data rows is an error."""
        self.check_exists()
        try:
            frame = pd.read_csv(self.path, dtype=dtype, **self._options)
        except pd.errors.EmptyDataError:
            raise DataError(f"{self.path}: the file is empty") from None
        except ValueError as err:
            raise DataError(f"{self.path}: not a readable CSV file ({first_line(err)})") from None
        self._check_separator([str(c) for c in frame.columns])
        self._check_row_width(frame)
        if frame.empty:
            raise DataError(f"{self.path}: no data rows")
        return frame

    def chunks(
        self, *, usecols: Sequence[str] | None = None, dtype: Any = None, chunksize: int = 1_000_000
    ) -> Iterator[pd.DataFrame]:
        """The table in chunks of ``chunksize`` rows (only ``usecols``), for files too big to hold twice.

        Every column is parsed and ``usecols`` selected afterwards on purpose: with ``usecols``
        pandas silently ignores surplus fields, so a ragged row would go unreported.
        """
        self.check_exists()
        checked = False
        try:
            for chunk in pd.read_csv(self.path, dtype=dtype, chunksize=chunksize, **self._options):
                if not checked:
                    self._check_separator([str(c) for c in chunk.columns])
                    self._check_row_width(chunk)
                    checked = True
                yield chunk if usecols is None else chunk[list(usecols)]
        except pd.errors.EmptyDataError:
            raise DataError(f"{self.path}: the file is empty") from None
        except ValueError as err:
            raise DataError(f"{self.path}: not a readable CSV file ({first_line(err)})") from None

    # -- line numbers ----------------------------------------------------------------------
    def line(self, row: int) -> int:
        """The physical line (1-based) on which data row ``row`` (pandas' row number) starts.

        Rereads the file with pandas' skipping rules: blank and whitespace-only lines and, with
        ``comment``, lines starting with it are no rows; the first remaining record is the
        header; a quoted field may span lines.
        """
        with self.path.open(encoding="utf-8", errors="replace", newline="") as handle:
            lines = _Lines(handle)
            reader = csv.reader(lines, delimiter=self.sep, quotechar='"', doublequote=True)
            records = -1  # the header is record -1, the first data row record 0
            previous = 0
            for _ in reader:
                start, previous = previous + 1, reader.line_num
                if start == previous and self._skipped(lines.last):
                    continue
                if records == row:
                    return start
                records += 1
        raise DataError(f"{self.path}: has no data row {row} (was the file changed while reading?)")

    def _skipped(self, text: str) -> bool:
        """Whether pandas reads the one-line record ``text`` as no row at all."""
        content = text.rstrip("\r\n")
        if self.comment and content.startswith(self.comment):
            return True
        return content.strip() == "" and self.sep not in content

    # -- checks ----------------------------------------------------------------------------
    def check_cells(self, values: pd.Series, bad: pd.Series | np.ndarray, column: str, problem: Problem) -> None:
        """A DataError naming the first cell of ``values`` where ``bad`` holds, if any does.

        ``problem`` is the text after the location, or a function of the cell's raw value
        (``lambda cell: f"{cell!r} is not a time"``).
        """
        flags = np.asarray(bad, dtype=bool)
        if not flags.any():
            return
        position = int(np.flatnonzero(flags)[0])
        cell = values.iloc[position]
        text = problem(cell) if callable(problem) else problem
        line = self.line(int(values.index[position]))
        raise DataError(f"{self.path}: line {line}: column {column.strip()!r}: {text}")

    def check_not_empty(self, values: pd.Series, column: str) -> None:
        """A DataError when the column has no value at all."""
        if values.isna().all():
            raise DataError(f"{self.path}: column {column.strip()!r} is empty")

    def numbers(self, values: pd.Series, column: str, *, integer: bool = False) -> pd.Series:
        """The column as float64 (NaN where missing); a cell that is not a number is an error.

        Missing: empty cells, cells pandas read as missing, and the ``na_values`` tokens with
        surrounding spaces. An infinite number is an error too, or missing when ``nonfinite``
        is ``"missing"``. With ``integer``, a number with a fractional part is an error too.
        """
        if pd.api.types.is_numeric_dtype(values.dtype):
            numbers = values.astype(np.float64)
        else:
            text = values.astype("string").str.strip()
            text = text.mask(text.isin(["", *self.na_values]))
            if self.decimal != ".":
                text = text.str.replace(self.decimal, ".", regex=False)
            numbers = pd.to_numeric(text, errors="coerce").astype(np.float64)
            self.check_cells(values, numbers.isna() & text.notna(), column, lambda cell: f"{cell!r} is not a number")
        infinite = np.isinf(numbers.to_numpy())
        if self.nonfinite == "missing":
            numbers = numbers.mask(infinite)
        else:
            self.check_cells(values, infinite, column,
                             lambda cell: f"{_quoted(cell)} is not a finite number (an infinite reading is "
                                          "refused unless the dataset is told to read such cells as missing)")
        if integer:
            fractional = numbers.notna() & (np.mod(numbers.fillna(0), 1) != 0)
            self.check_cells(values, fractional, column, lambda cell: f"{_quoted(cell)} is not a whole number")
        return numbers

    def timestamps(
        self, values: pd.Series, column: str, *, fmt: str = "ISO8601", dayfirst: bool = False, required: bool = False
    ) -> pd.Series:
        """The column as datetimes (NaT where missing, time zones as written).

        ``fmt`` is a ``strftime`` format, ``"ISO8601"`` or ``"mixed"`` (pandas' guess per cell).
        A cell that does not parse is an error, and so is an empty one when ``required``.
        """
        text = values.astype("string").str.strip()
        parsed = pd.to_datetime(text, format=fmt, dayfirst=dayfirst, errors="coerce")
        empty = text.isna() | (text == "")
        bad = parsed.isna() if required else parsed.isna() & ~empty
        self.check_cells(
            values, bad, column,
            lambda cell: "is empty" if pd.isna(cell) or str(cell).strip() == "" else f"{cell!r} is not a date/time",
        )
        return parsed


class _Lines:
    """Iterates over a file's lines, remembering the last one (for [`CsvFile.line`][ganzoo.data.csv.CsvFile.line])."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle
        self.last = ""

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        self.last = next(self._handle)
        return self.last
