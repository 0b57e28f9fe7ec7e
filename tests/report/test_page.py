"""Table cells of metric protocols: short facts in full, long curves and breakdowns abbreviated."""

from __future__ import annotations

from ganzoo.report.page import protocol_text


def test_protocol_text_skips_the_columns_the_table_already_has() -> None:
    entry = {"value": 0.5, "n_real": 10, "split": "val", "metric": "m", "runs": 2, "model": "GRU"}
    assert protocol_text(entry) == "runs=2, model=GRU"


def test_short_lists_and_mappings_are_written_in_full() -> None:
    entry = {"shares": [0.25, 0.75], "per_class": {"a": 1.0, "b": 0.123456}}
    assert protocol_text(entry) == "shares=[0.25, 0.75], per_class={a: 1, b: 0.1235}"


def test_long_lists_and_mappings_are_abbreviated_with_their_size() -> None:
    acf = [round(0.9 - 0.02 * lag, 4) for lag in range(47)]
    per_condition = {f"month={m}": m / 10 for m in range(1, 13)}
    text = protocol_text({"acf_real": acf, "per_condition": per_condition})
    assert text == (
        "acf_real=[0.9, 0.88, 0.86, …, -0.02, (47 values)], "
        "per_condition={month=1: 0.1, month=2: 0.2, month=3: 0.3, … (12 entries)}"
    )


def test_legend_entries_are_as_wide_as_their_names_and_wrap() -> None:
    from ganzoo.report.svg import LEGEND_CHAR_W, legend_layout

    names = ["loss/d", "loss/d/adversarial", "loss/d/gradient-penalty", "loss/g", "loss/g/adversarial"]
    placed = legend_layout(names, width=480)
    rows: dict[int, list[tuple[float, str]]] = {}
    for (x, row), name in zip(placed, names, strict=True):
        rows.setdefault(row, []).append((x, name))
    assert len(rows) == 2  # five entries of these lengths do not fit on one 480 px line
    for entries in rows.values():
        assert entries[0][0] == 0.0
        for (x, name), (next_x, _) in zip(entries, entries[1:], strict=False):
            assert next_x >= x + 16 + LEGEND_CHAR_W * len(name)  # no overlap with the next entry
        last_x, last_name = entries[-1]
        assert last_x + 16 + LEGEND_CHAR_W * len(last_name) <= 480
