"""The report's loss charts: one per network, a log axis where magnitudes differ, tables for
runs too short for a curve, and a legend that stays clear of the title."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ganzoo.cli.main import main
from ganzoo.report.losses import choose_layout
from ganzoo.report.report import write_report
from ganzoo.report.svg import ASCENT, DESCENT, LEGEND_CHAR_W, line_chart, log_ticks

#: Font sizes the report's CSS gives a chart's title and its other text.
TITLE_PX, TEXT_PX = 13, 11


def _pix2pix_records(steps: int, log_every: int, per_epoch: int = 4) -> list[dict[str, Any]]:
    """Records shaped like a pix2pix run's: D near 0.5, G of 60-90 (100 x L1) plus ~2."""
    records = []
    for step in range(1, steps + 1):
        d, adv, l1 = 0.7 - 0.02 * step, 1.5 + 0.1 * step, 90.0 - 1.5 * step
        losses = {"loss/d/adversarial": d, "loss/d": d, "loss/g/adversarial": adv, "loss/g/l1": l1, "loss/g": adv + l1}
        if step % log_every == 0 or step == steps:
            records.append({"kind": "train", "step": step, "epoch": (step - 1) // per_epoch + 1, **losses})
        if step % per_epoch == 0 or step == steps:
            records.append({"kind": "epoch", "step": step, "epoch": (step - 1) // per_epoch + 1, **losses})
    return records


@pytest.fixture
def pix2pix_run(make_run: Callable[..., Path]) -> Callable[..., Path]:
    def build(steps: int = 20, log_every: int = 100) -> Path:
        run = make_run("p2p", epochs=1, evaluated=False, eval_lines=False)
        (run / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in _pix2pix_records(steps, log_every)))
        config = (run / "config.toml").read_text()
        (run / "config.toml").write_text(config + f"log_every = {log_every}\n")
        return run

    return build


def _charts(html: str) -> dict[str, ET.Element]:
    charts = {}
    for svg in re.findall(r"<svg.*?</svg>", html, flags=re.DOTALL):
        root = ET.fromstring(svg)
        charts[root.findtext("title")] = root
    return charts


def _plot_box(root: ET.Element) -> tuple[float, float, float, float]:
    rect = next(r for r in root.iter("rect") if r.get("class") == "plot-area")
    return tuple(float(rect.get(k)) for k in ("x", "y", "width", "height"))  # type: ignore[return-value]


def _ys(root: ET.Element, series: str) -> list[float]:
    line = next(p for p in root.iter("polyline") if p.get("data-series") == series)
    return [float(pair.split(",")[1]) for pair in line.get("points", "").split()]


def test_discriminator_loss_gets_its_own_legible_chart(pix2pix_run: Callable[..., Path]) -> None:
    charts = _charts(write_report(pix2pix_run(steps=20, log_every=2)).read_text())
    for unit in ("epoch", "step"):
        d_chart = charts[f"Discriminator loss per {unit}"]
        _, top, _, height = _plot_box(d_chart)
        ys = _ys(d_chart, "total = adversarial")
        assert max(ys) - min(ys) > 0.6 * height  # the D curve spans its chart instead of lying flat
        g_chart = charts[f"Generator loss per {unit}"]
        assert {p.get("data-series") for p in g_chart.iter("polyline")} == {"total", "adversarial", "l1 (x100)"}
        assert "loss (log scale)" in [t.text for t in g_chart.iter("text")]
        ys = _ys(g_chart, "adversarial")  # ~2 next to ~80: on a log axis it still rises visibly
        assert max(ys) - min(ys) > 0.1 * _plot_box(g_chart)[3]


def test_run_shorter_than_log_every_lists_its_one_step(pix2pix_run: Callable[..., Path]) -> None:
    html = write_report(pix2pix_run(steps=20, log_every=100)).read_text()
    charts = _charts(html)
    assert "Generator loss per epoch" in charts and "Generator loss per step" not in charts
    assert "Only one step was logged" in html and "train.log_every = 100" in html
    step_table = html.split("Only one step was logged", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td>(\w+)</td><td>([^<]+)</td><td[^>]*>20</td><td[^>]*>([^<]+)</td></tr>", step_table)
    assert [(net, loss) for net, loss, _ in rows] == [
        ("generator", "total"), ("generator", "adversarial"), ("generator", "l1 (x100)"),
        ("discriminator", "total = adversarial"),
    ]
    assert float(rows[-1][2]) == pytest.approx(0.7 - 0.02 * 20, rel=1e-3)


def test_a_single_epoch_is_a_table_too(pix2pix_run: Callable[..., Path]) -> None:
    run = pix2pix_run(steps=3, log_every=1)  # 3 logged steps, one (partial) epoch
    html = write_report(run).read_text()
    assert "Only one epoch was logged" in html and "Generator loss per step" in _charts(html)


def test_y_scale_option(pix2pix_run: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    run = pix2pix_run(steps=20, log_every=2)
    assert main(["report", str(run), "--y-scale", "linear"]) == 0
    texts = [t.text for root in _charts((run / "report.html").read_text()).values() for t in root.iter("text")]
    assert "loss (log scale)" not in texts


def test_choose_layout() -> None:
    g = {"total": [(1, 80.0), (2, 60.0)], "adversarial": [(1, 1.5), (2, 3.0)], "l1": [(1, 78.0), (2, 57.0)]}
    assert choose_layout(g) == "log"
    assert choose_layout(g, "linear") == "linear"
    assert choose_layout({"total": [(1, 0.6), (2, 0.2)]}) == "linear"
    similar = {"a": [(1, 1.0), (2, 2.0)], "b": [(1, 3.0), (2, 5.0)]}
    assert choose_layout(similar) == "linear" and choose_layout(similar, "log") == "log"
    wgan = {"total": [(1, -40.0), (2, -30.0)], "gradient-penalty": [(1, 0.5), (2, 0.2)]}
    assert choose_layout(wgan) == "split" and choose_layout(wgan, "log") == "split"  # no log axis below 0


def test_log_axis_places_values_by_their_logarithm() -> None:
    root = ET.fromstring(line_chart({"a": [(0, 1.0), (1, 10.0), (2, 100.0)]}, log_y=True))
    ys = _ys(root, "a")
    assert ys[0] - ys[1] == pytest.approx(ys[1] - ys[2], abs=0.2)  # equal steps per decade
    ticks = [t.text for t in root.iter("text") if t.get("class") == "tick" and t.get("text-anchor") == "end"]
    assert {"1", "10", "100"} <= set(ticks)
    linear = ET.fromstring(line_chart({"a": [(0, -1.0), (1, 10.0)]}, log_y=True))  # not positive: linear
    assert len(_ys(linear, "a")) == 2
    assert log_ticks(0.2, 90) == [0.2, 0.5, 1, 2, 5, 10, 20, 50]
    assert log_ticks(0.001, 1000) == [0.001, 0.01, 0.1, 1, 10, 100, 1000]


@pytest.mark.parametrize("names", [["total", "adversarial", "l1 (x100)"], [f"loss/g/term-{i}" for i in range(9)]])
def test_legend_clears_the_title_and_the_plot(names: list[str]) -> None:
    title = "Generator loss per step, a title long enough to run over the legend"
    root = ET.fromstring(line_chart({n: [(0, i + 1.0), (1, i + 2.0)] for i, n in enumerate(names)}, title=title))
    heading = next(t for t in root.iter("text") if t.get("class") == "chart-title")
    title_bottom = float(heading.get("y")) + DESCENT * TITLE_PX
    title_left = float(heading.get("x")) - 0.6 * TITLE_PX * len(title) / 2
    title_right = float(heading.get("x")) + 0.6 * TITLE_PX * len(title) / 2
    legend = [t for t in root.iter("text") if t.get("class") == "legend"]
    assert len(legend) == len(names)
    for entry in legend:
        left, baseline = float(entry.get("x")), float(entry.get("y"))
        right = left + LEGEND_CHAR_W * len(entry.text or "")
        overlaps_horizontally = left < title_right and right > title_left
        assert not overlaps_horizontally or baseline - ASCENT * TEXT_PX >= title_bottom + 2
    _, plot_top, _, _ = _plot_box(root)
    assert max(float(t.get("y")) for t in legend) + DESCENT * TEXT_PX < plot_top
    assert all(math.isfinite(y) for y in _ys(root, names[0]))
