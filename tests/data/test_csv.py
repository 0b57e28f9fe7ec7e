"""The shared CSV reader: one-line errors naming file, line and column, and one line-numbering rule."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ganzoo.data.csv import CsvFile
from ganzoo.registry.errors import DataError


@pytest.fixture
def write(tmp_path: Path):
    def make(text: str, name: str = "t.csv") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode())
        return path

    return make


# Files pandas reads with rows it does not number like the file's lines: (text, options).
TRICKY = {
    "blank lines": ("a,b\nr0,1\n\n\nr1,2\n\nr2,3\n", {}),
    "whitespace-only lines": ("a,b\nr0,1\n   \n\t\nr1,2\n", {}),
    "blank lines before the header": ("\n\na,b\nr0,1\nr1,2\n", {}),
    "CRLF and blank lines": ("a,b\r\nr0,1\r\n\r\nr1,2\r\n", {}),
    "CR only": ("a,b\rr0,1\r\rr1,2\r", {}),
    "comment lines": ("# exported 2024\na,b\nr0,1\n# a note\nr1,2\n", {"comment": "#"}),
    "quoted field over lines": ('a,b\nr0,"one\ntwo\n\nthree"\nr1,2\n\nr2,"x"\n', {}),
    "semicolons, empty row kept": ("a;b\nr0;1\n;\n\nr1;2\n", {"sep": ";"}),
}


@pytest.mark.parametrize("case", list(TRICKY))
def test_line_is_the_physical_line_of_each_row(write, case: str) -> None:
    text, options = TRICKY[case]
    file = CsvFile(write(text), **options)
    frame = file.read()
    physical = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for row, name in zip(frame.index, frame["a"], strict=True):
        line = file.line(int(row))
        if pd.isna(name):  # the row of separators only
            assert set(physical[line - 1]) <= {";"}
        else:
            assert physical[line - 1].startswith(name), (case, row, line)


def test_bad_number_names_its_line_after_blank_and_comment_lines(write) -> None:
    path = write("a,b\n1,x\n\n# skipped\n2,y\n\n\noops,z\n")  # 'oops' sits on line 8
    file = CsvFile(path, comment="#")
    frame = file.read()
    with pytest.raises(DataError) as info:
        file.numbers(frame["a"], "a")
    assert str(info.value) == f"{path}: line 8: column 'a': 'oops' is not a number"


def test_numbers_missing_tokens_decimal_comma_and_whole_numbers(write) -> None:
    file = CsvFile(write("a;b\n1,5;2\n ? ;3\n;4\n2;5,5\n"), sep=";", decimal=",", na_values=["?"])
    frame = file.read()
    np.testing.assert_array_equal(file.numbers(frame["a"], "a").to_numpy(), [1.5, np.nan, np.nan, 2.0])
    with pytest.raises(DataError, match=r"line 5: column 'b': '5,5' is not a whole number"):
        file.numbers(frame["b"], "b", integer=True)
    parsed = file.read(dtype=None)  # pandas parsed the numbers itself
    assert file.numbers(parsed["b"], "b").tolist() == [2.0, 3.0, 4.0, 5.5]


def test_first_bad_cell_wins_over_later_ones(write) -> None:
    file = CsvFile(write("a\n1\n2.5\nx\n"))
    with pytest.raises(DataError, match=r"line 4: column 'a': 'x' is not a number"):
        file.numbers(file.read()["a"], "a", integer=True)  # every cell must be a number first


def test_timestamps_required_or_not(write) -> None:
    file = CsvFile(write("t,v\n2021-01-01 00:00,1\n,2\n2021-01-01 01:00,3\nyesterday,4\n"))
    frame = file.read()
    with pytest.raises(DataError, match=r"line 3: column 't': is empty"):
        file.timestamps(frame["t"], "t", required=True)
    with pytest.raises(DataError, match=r"line 5: column 't': 'yesterday' is not a date/time"):
        file.timestamps(frame["t"], "t")
    good = file.timestamps(frame["t"].iloc[:3], "t")
    assert good.isna().tolist() == [False, True, False] and good.iloc[2].hour == 1


def test_check_cells_follows_the_index_after_filtering(write) -> None:
    file = CsvFile(write("k,v\na,1\n\nb,2\nc,3\n"))
    frame = file.read()
    rest = frame[frame["k"] != "a"]
    with pytest.raises(DataError, match=r"line 5: column 'v': '3' is too big"):
        file.check_cells(rest["v"], rest["v"] == "3", "v", lambda cell: f"{cell!r} is too big")
    file.check_cells(rest["v"], np.zeros(len(rest), dtype=bool), "v", "never")


def test_chunks_continue_the_row_numbers_and_report_ragged_rows(write) -> None:
    file = CsvFile(write("a,b,c\n1,2,3\n\n4,5,6\n7,8,9\n"))
    chunks = list(file.chunks(usecols=["c", "a"], chunksize=2))
    assert [list(c.index) for c in chunks] == [[0, 1], [2]]
    assert list(chunks[0].columns) == ["c", "a"]
    assert file.line(int(chunks[1].index[0])) == 5
    ragged = CsvFile(write("a,b\n1,2\n3,4,5\n", "ragged.csv"))
    with pytest.raises(DataError, match=r"ragged\.csv: not a readable CSV file \(.*line 3"):
        list(ragged.chunks(usecols=["a"]))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("a,b\n", "no data rows"),
        ("a,b\n1,2\n3,4,5\n", r"not a readable CSV file \(Error tokenizing data"),
    ],
)
def test_unreadable_files_are_one_line_errors(write, text: str, message: str) -> None:
    path = write(text)
    with pytest.raises(DataError, match=message) as info:
        CsvFile(path).read()
    assert str(info.value).startswith(f"{path}: ") and "\n" not in str(info.value)


def test_missing_file_folder_and_bad_encoding(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="absent.csv: no such file"):
        CsvFile(tmp_path / "absent.csv").read()
    with pytest.raises(DataError, match="not a file"):
        CsvFile(tmp_path).header()
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name\nZ\u00fcrich\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"latin\.csv: not a readable CSV file \(.*codec"):
        CsvFile(latin).read()


def test_header_keeps_names_as_written_and_empty_columns_are_errors(write) -> None:
    file = CsvFile(write("a , b\n1,\n2,\n"))
    assert file.header() == ["a ", " b"]
    frame = file.read()
    file.check_not_empty(frame["a "], "a ")
    with pytest.raises(DataError, match=r"t\.csv: column 'b' is empty"):
        file.check_not_empty(frame[" b"], " b")


def test_public_through_ganzoo_plugin() -> None:
    import ganzoo.plugin

    assert ganzoo.plugin.CsvFile is CsvFile and "CsvFile" in ganzoo.plugin.__all__


@pytest.mark.parametrize(
    "text, sep, found",
    [
        ("a;b;c\n1;2;3\n", ",", "one column when split at ',' but 3 when split at ';'; the file seems ';'-separated"),
        ("# note\na\tb\n1\t2\n", ",", "line 2: one column when split at ',' but 2 when split at tab"),
        ("a,b\n1,2\n", ";", "the file seems ','-separated, this reader expects ';'"),
    ],
)
def test_a_wrong_separator_is_refused_not_read_as_one_column(write, text: str, sep: str, found: str) -> None:
    file = CsvFile(write(text), sep=sep, comment="#")
    for read in (file.header, file.read, lambda: next(file.chunks())):
        with pytest.raises(DataError, match=found):
            read()


def test_one_real_column_is_fine(write) -> None:
    assert CsvFile(write('"energy;kWh"\n1.5\n')).header() == ["energy;kWh"]
    assert CsvFile(write("value\n1.5\n")).read()["value"].tolist() == ["1.5"]


@pytest.mark.parametrize("cell", ["inf", "-Infinity", "1e999"])
def test_infinite_numbers_are_refused_naming_line_and_column_unless_missing(write, cell: str) -> None:
    path = write(f"t,load\n0,1.5\n1,{cell}\n2,2.0\n")
    for dtype in (str, None):
        file = CsvFile(path)
        frame = file.read(dtype=dtype)
        with pytest.raises(DataError, match=r"t.csv: line 3: column 'load': .* is not a finite number"):
            file.numbers(frame["load"], "load")
        values = CsvFile(path, nonfinite="missing").numbers(frame["load"], "load")
        assert values.tolist()[0::2] == [1.5, 2.0] and np.isnan(values.iloc[1])


def test_rows_wider_than_the_header_are_refused_not_shifted(write) -> None:
    # pandas would read "1" as the row index and put 2 under 'a' and 3 under 'b'
    path = write("# export\na,b\n1,2,3\n4,5,6\n")
    for read in (CsvFile(path, comment="#").read, lambda: next(CsvFile(path, comment="#").chunks())):
        with pytest.raises(DataError, match=r"t.csv: line 3: 3 fields but the header names 2 columns"):
            read()
