"""Report figures of the metrics: profile overlays per condition and the PCA overlay, as standalone SVG."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
from ganzoo_smartgrid.conditions import ConditionCodec
from ganzoo_smartgrid.metrics.figures import (
    REAL,
    SCATTER_POINTS,
    SYNTHETIC,
    pca_figure,
    profile_figures,
)

SVG_NS = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    assert not [e for e in root.iter() if "class" in e.attrib]  # shown as an image: no page CSS reaches it
    return root


def _panel_titles(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG_NS}text") if t.get("font-weight") == "bold" and "(n=" in (t.text or "")]


def _curves(n: int, seed: int, level: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(48)
    return level + 0.3 * np.sin(2 * np.pi * t / 48)[None] + 0.05 * rng.standard_normal((n, 48))


def test_profile_figures_one_per_block_with_a_panel_per_value() -> None:
    codec = ConditionCodec(("h25", "p25"))
    months = [1, 2, 7] * 20
    days = ["workday", "saturday"] * 30
    classes = ["h25"] * 60
    cond = codec.encode(months, days, classes)
    fake_cond = codec.encode(months, days, ["h25"] * 59 + ["p25"])
    figures = profile_figures(_curves(60, 0, 1.0), _curves(60, 1, 1.2), minutes=30, unit="kW",
                              real_cond=cond, fake_cond=fake_cond, codec=codec)
    assert [f["title"] for f in figures] == [
        "Mean profile +- 1 sd, all windows", "Mean profile +- 1 sd by daytype (kW)",
        "Mean profile +- 1 sd by class (kW)", "Mean profile +- 1 sd by month (kW)"]
    roots = [_parse(f["svg"]) for f in figures]
    assert _panel_titles(roots[1]) == ["daytype=workday (n=30/30)", "daytype=saturday (n=30/30)"]
    assert _panel_titles(roots[2]) == ["class=h25 (n=60/59)", "class=p25 (n=0/1)"]
    assert _panel_titles(roots[3]) == ["month=1 (n=20/20)", "month=2 (n=20/20)", "month=7 (n=20/20)"]
    # every panel: one line and one +-1 sd band per set present (p25 has no real windows)
    class_lines = [p.get("stroke") for p in roots[2].iter(f"{SVG_NS}polyline")]
    assert class_lines == [REAL, SYNTHETIC, SYNTHETIC]
    assert len(list(roots[2].iter(f"{SVG_NS}polygon"))) == 3


def test_profile_band_is_mean_plus_minus_one_sd() -> None:
    real = np.stack([np.full(48, 1.0), np.full(48, 3.0)])  # mean 2, sd 1: the band spans 1..3
    (figure,) = profile_figures(real, real, minutes=30, unit="kW")
    root = _parse(figure["svg"])
    line = np.array([[float(v) for v in p.split(",")] for p in root.find(f"{SVG_NS}polyline").get("points").split()])
    band = np.array([[float(v) for v in p.split(",")] for p in root.find(f"{SVG_NS}polygon").get("points").split()])
    top, bottom = band[:, 1].min(), band[:, 1].max()
    assert np.allclose(line[:, 1], (top + bottom) / 2, atol=0.1)  # the line sits in the middle of its band
    assert len(line) == 48 and line[-1, 0] > line[0, 0]


def _circles(svg: str, colour: str) -> np.ndarray:
    found = re.findall(rf'<circle cx="([-\d.]+)" cy="([-\d.]+)" r="[\d.]+" fill="{colour}"', svg)
    return np.array(found, dtype=float)


def test_pca_overlay_separates_a_shifted_synthetic_set_and_subsamples() -> None:
    real = _curves(1000, 0, 1.0)
    same = pca_figure(real, real.copy())
    assert len(_circles(same["svg"], REAL)) == SCATTER_POINTS == len(_circles(same["svg"], SYNTHETIC))
    _parse(same["svg"])
    shifted = pca_figure(real, _curves(50, 1, 1.0) + np.linspace(0, 0.5, 48)[None])
    r, f = _circles(shifted["svg"], REAL), _circles(shifted["svg"], SYNTHETIC)
    assert len(f) == 50
    spread = r.std(0).max()
    assert np.linalg.norm(r.mean(0) - f.mean(0)) > 3 * spread
    assert "PC1" in shifted["svg"] and "synthetic (n=50)" in shifted["svg"]
