"""The standalone chart figures (band and scatter) and what they share with the page's line charts."""

from __future__ import annotations

import math
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from ganzoo.report.svg import (
    LEGEND_CHAR_W,
    PALETTE,
    Band,
    Panel,
    band_chart,
    line_chart,
    scatter_chart,
)

NS = "{http://www.w3.org/2000/svg}"
RED, BLUE = "#d62728", "#1f77b4"


def _figure(svg: str) -> ET.Element:
    """Parse a standalone figure: an SVG document that styles itself (the report shows it as <img>)."""
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    assert not [e for e in root.iter() if "class" in e.attrib]
    assert root.find(f"{NS}title") is not None
    return root


def _points(element: ET.Element) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in (p.split(",") for p in element.get("points", "").split())]


def _flat(label: str, colour: str, value: float, n: int = 5, sd: float = 0.5) -> Band:
    return Band(label, colour, [value] * n, [value - sd] * n, [value + sd] * n)


def _panel_titles(root: ET.Element) -> list[tuple[float, float, str]]:
    return [(float(t.get("x")), float(t.get("y")), t.text or "") for t in root.iter(f"{NS}text")
            if t.get("font-weight") == "bold" and t.get("font-size") == "11"]


def test_band_chart_draws_one_line_and_band_per_set_in_each_panel() -> None:
    panels = [Panel("a", [_flat("real", BLUE, 1.0), _flat("fake", RED, 2.0)]), Panel("b", [_flat("fake", RED, 3.0)])]
    root = _figure(band_chart(panels, range(5), title="T", x_label="hour", y_label="kW"))
    assert [p.get("stroke") for p in root.iter(f"{NS}polyline")] == [BLUE, RED, RED]
    assert [p.get("fill") for p in root.iter(f"{NS}polygon")] == [BLUE, RED, RED]
    assert [title for _, _, title in _panel_titles(root)] == ["a", "b"]
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert {"T", "hour", "kW"} <= set(texts)
    assert texts.count("fake") == 1 and texts.count("real") == 1  # the legend names each set once


def test_band_chart_line_runs_through_the_middle_of_its_band_across_the_x_values() -> None:
    band = Band("s", BLUE, [1.0, 2.0, 3.0], [0.0, 1.0, 2.0], [2.0, 3.0, 4.0])
    root = _figure(band_chart([Panel("p", [band])], [0, 12, 24], title="T"))
    line = _points(root.find(f"{NS}polyline"))
    polygon = _points(root.find(f"{NS}polygon"))
    upper, lower = polygon[:3], polygon[3:][::-1]
    assert [x for x, _ in line] == [x for x, _ in upper] == [x for x, _ in lower]
    assert line[0][0] < line[1][0] < line[2][0]
    for (_, y), (_, top), (_, bottom) in zip(line, upper, lower, strict=True):
        assert top < y < bottom and y == pytest.approx((top + bottom) / 2, abs=0.1)
    steps = [b[1] - a[1] for a, b in zip(line, line[1:], strict=False)]
    assert steps[0] == pytest.approx(steps[1], abs=0.1) and steps[0] < 0  # linear, upwards


def test_band_chart_panels_share_one_y_scale() -> None:
    panels = [Panel("low", [_flat("s", BLUE, 1.0)]), Panel("high", [_flat("s", BLUE, 3.0)])]
    root = _figure(band_chart(panels, range(5), title="T", columns=2))
    (_, low_y), (_, high_y) = (_points(p)[0] for p in root.iter(f"{NS}polyline"))
    assert high_y < low_y  # same row, same scale: the higher value sits higher
    tick_labels = [t for t in root.iter(f"{NS}text") if t.get("font-size") == "10" and t.get("text-anchor") == "end"]
    assert tick_labels and len({t.get("x") for t in tick_labels}) == 1  # y ticks on the first column only


def test_band_chart_wraps_panels_into_rows() -> None:
    panels = [Panel(f"p{i}", [_flat("s", BLUE, float(i))]) for i in range(5)]
    one_row = _figure(band_chart(panels[:2], range(5), title="T", columns=2))
    root = _figure(band_chart(panels, range(5), title="T", columns=2))
    places = _panel_titles(root)
    assert len({x for x, _, _ in places}) == 2 and len({y for _, y, _ in places}) == 3
    assert float(root.get("height")) > float(one_row.get("height"))
    assert root.get("width") == one_row.get("width")


def test_band_chart_skips_non_finite_steps_and_says_when_nothing_is_left() -> None:
    band = Band("s", BLUE, [1.0, math.nan, 3.0, 4.0], [0.0, 0.0, math.inf, 3.0], [2.0, 2.0, 4.0, 5.0])
    svg = band_chart([Panel("p", [band])], range(4), title="T")
    root = _figure(svg)
    assert len(_points(root.find(f"{NS}polyline"))) == 2 and "nan" not in svg and "inf" not in svg
    empty = Band("s", BLUE, [math.nan] * 3, [math.nan] * 3, [math.nan] * 3)
    for panels in ([], [Panel("p", [])], [Panel("p", [empty])]):
        root = _figure(band_chart(panels, range(3), title="T"))
        assert "no data" in [t.text for t in root.iter(f"{NS}text")]
        assert root.find(f"{NS}polyline") is None


def test_scatter_chart_draws_groups_in_order_on_one_scale() -> None:
    blue = [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0)]
    red = [(5.0, 5.0), (math.nan, 1.0)]
    svg = scatter_chart([("a", BLUE, blue), ("b", RED, red)], title="T", x_label="PC1", y_label="PC2")
    root = _figure(svg)
    circles = [(float(c.get("cx")), float(c.get("cy")), c.get("fill")) for c in root.iter(f"{NS}circle")]
    assert [fill for _, _, fill in circles] == [BLUE] * 3 + [RED]  # later groups on top; the NaN point is dropped
    (x0, y0, _), (x1, _, _), (_, y2, _), (x3, y3, _) = circles
    assert x1 > x0 and y2 < y0  # x to the right, y upwards
    assert x3 > x1 and y3 < y2
    width, height = float(root.get("width")), float(root.get("height"))
    assert all(0 < x < width and 0 < y < height for x, y, _ in circles)
    assert {"a", "b", "PC1", "PC2"} <= {t.text for t in root.iter(f"{NS}text")}


def test_scatter_chart_without_points_says_so() -> None:
    for groups in ([], [("a", BLUE, [])], [("a", BLUE, [(math.nan, 0.0)])]):
        root = _figure(scatter_chart(groups, title="T"))
        assert "no data" in [t.text for t in root.iter(f"{NS}text")] and root.find(f"{NS}circle") is None


def test_a_single_value_still_gets_a_scale() -> None:
    root = _figure(scatter_chart([("a", BLUE, [(2.0, 2.0), (2.0, 2.0)])], title="T"))
    assert all(math.isfinite(float(c.get("cx"))) for c in root.iter(f"{NS}circle"))
    root = _figure(band_chart([Panel("p", [_flat("s", BLUE, 2.0, n=1, sd=0.0)])], [7], title="T"))
    assert all(math.isfinite(v) for point in _points(root.find(f"{NS}polyline")) for v in point)


def test_figures_and_page_charts_share_the_legend_layout() -> None:
    names = [f"a rather long legend entry {i}" for i in range(4)]
    line = ET.fromstring(line_chart({n: [(0, i), (1, i + 1)] for i, n in enumerate(names)}, width=560))
    band = _figure(band_chart([Panel("p", [_flat(n, PALETTE[i], float(i)) for i, n in enumerate(names)])],
                              range(5), title="T", panel_width=480))

    def entries(root: ET.Element, tag: str) -> list[tuple[float, str]]:
        found = [(float(t.get("x")), t.text or "") for t in root.iter(tag) if (t.text or "") in names]
        return sorted(found, key=lambda entry: names.index(entry[1]))

    page, figure = entries(line, "text"), entries(band, f"{NS}text")
    assert [x for x, _ in page] == [x for x, _ in figure]  # same offsets: one layout rule
    # entries as wide as their names: two fit in 480 px, the third wraps to the left edge
    assert page[1][0] - page[0][0] >= LEGEND_CHAR_W * len(names[0])
    assert page[2][0] == page[0][0] == 64 + 16


def test_plugin_module_exports_the_charts_without_heavy_imports() -> None:
    code = (
        "import sys, ganzoo.plugin as p\n"
        "from ganzoo.plugin import PALETTE, Band, Panel, band_chart, scatter_chart\n"
        "assert not {'torch', 'numpy', 'pandas'} & set(sys.modules)\n"
        "import ganzoo.report.svg as svg\n"
        "assert band_chart is svg.band_chart and scatter_chart is svg.scatter_chart and Band is svg.Band\n"
        "assert all(hasattr(p, name) for name in p.__all__)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_histogram_chart_shows_each_group_as_shares_of_its_own_size() -> None:
    from ganzoo.report.svg import histogram_chart

    root = _figure(histogram_chart([("small", RED, [0.0, 1.0]), ("large", BLUE, [0.0] * 30 + [1.0] * 10 + [math.nan])],
                                   title="T", x_label="distance", bins=4))
    bars = [r for r in root.iter(f"{NS}rect") if r.get("fill") in (RED, BLUE) and r.get("fill-opacity")]
    height = {colour: sum(float(r.get("height")) for r in bars if r.get("fill") == colour) for colour in (RED, BLUE)}
    assert height[RED] == pytest.approx(height[BLUE], abs=0.2)  # each group's shares add up to 1
    assert len([r for r in bars if r.get("fill") == RED]) == 2  # empty bins draw nothing
    assert {"T", "distance", "share of samples"} <= {t.text for t in root.iter(f"{NS}text")}


def test_histogram_chart_without_values_says_so() -> None:
    from ganzoo.report.svg import histogram_chart

    root = _figure(histogram_chart([("a", RED, [math.inf])], title="T"))
    assert "no data" in [t.text for t in root.iter(f"{NS}text")]
