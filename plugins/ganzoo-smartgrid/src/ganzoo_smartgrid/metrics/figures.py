"""Report figures of the smart-grid metrics: profile overlays per condition and a PCA overlay.

A distance between distributions says *that* synthetic curves differ; a grid analyst wants to
see *where*: the evening peak too flat on Saturdays, the PV dip missing for ``p25``, a cluster of
real days that no synthetic day reaches. Each function returns ``{"title", "svg"}`` entries for
a metric result's ``figures``; the drawing is ganzoo's ([`ganzoo.plugin.band_chart`][ganzoo.report.svg.band_chart],
[`ganzoo.plugin.scatter_chart`][ganzoo.report.svg.scatter_chart]), this module only chooses what to draw and how to name it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ganzoo.plugin import PALETTE, Band, Panel, band_chart, scatter_chart
from ganzoo_smartgrid.conditions import ConditionCodec

#: Colours of the real and the synthetic set in every figure.
REAL, SYNTHETIC = PALETTE[0], PALETTE[1]

#: Blocks drawn as profile overlays, in this order (month last: 12 panels).
PROFILE_BLOCKS = ("daytype", "class", "month")
#: Points per set in the PCA scatter (a random subset beyond this keeps the SVG small).
SCATTER_POINTS = 800


def _band(label: str, colour: str, curves: np.ndarray) -> Band:
    mean, sd = curves.mean(0), curves.std(0)
    return Band(label, colour, mean.tolist(), (mean - sd).tolist(), (mean + sd).tolist())


def _panel(title: str, real: np.ndarray, fake: np.ndarray) -> Panel:
    bands = [_band("real", REAL, real)] if len(real) else []
    if len(fake):
        bands.append(_band("synthetic", SYNTHETIC, fake))
    return Panel(f"{title} (n={len(real)}/{len(fake)})", bands)


def profile_figures(
    real: np.ndarray, fake: np.ndarray, *, minutes: float | None, unit: str,
    real_cond: np.ndarray | None = None, fake_cond: np.ndarray | None = None, codec: ConditionCodec | None = None,
) -> list[dict[str, str]]:
    """Mean window profile +- 1 sd, real vs synthetic: all windows, then one figure per label block.

    ``real``/``fake`` are (N, L) windows in ``unit`` at ``minutes`` per step (``None``: steps on the
    x axis); with conditions, each block (day type,
    customer class, month) gets small multiples with one panel per value seen in either set.
    """
    if minutes:
        hours = (np.arange(real.shape[1]) * float(minutes) / 60.0).tolist()
        labels = {"x_label": "hour of the window", "y_label": unit}
    else:  # data without timestamps
        hours = list(range(real.shape[1]))
        labels = {"x_label": "step", "y_label": unit}
    figures = [{"title": "Mean profile +- 1 sd, all windows",
                "svg": band_chart([_panel("all", real, fake)], hours, title=f"Mean profile +- 1 sd ({unit})",
                                  panel_width=520, panel_height=220, **labels)}]
    if real_cond is None or fake_cond is None or codec is None:
        return figures
    start = 0
    offsets = {}
    for (block, values), size in zip(codec.blocks, codec.block_sizes, strict=True):
        if values:  # numeric blocks have no values to draw panels for
            offsets[block] = (start, values)
        start += size
    for block in PROFILE_BLOCKS:
        if block not in offsets:
            continue
        first, values = offsets[block]
        panels = []
        for j, value in enumerate(values):
            r, f = real[real_cond[:, first + j] > 0.5], fake[fake_cond[:, first + j] > 0.5]
            if len(r) or len(f):
                panels.append(_panel(f"{block}={value}", r, f))
        if panels:
            title = f"Mean profile +- 1 sd by {block} ({unit})"
            figures.append({"title": title, "svg": band_chart(panels, hours, title=title, **labels)})
    return figures


def pca_figure(real: np.ndarray, fake: np.ndarray, *, seed: int = 0, units: str = "model scale [0, 1]") -> dict[str, Any]:
    """2-D PCA overlay of real and synthetic windows; the axes are fitted on the real ones (numpy SVD)."""
    real = np.asarray(real, dtype=np.float64)
    fake = np.asarray(fake, dtype=np.float64)
    centre = real.mean(0)
    _, singular, axes = np.linalg.svd(real - centre, full_matrices=False)
    share = singular**2 / max(float((singular**2).sum()), 1e-300)
    rng = np.random.default_rng(seed)

    def project(x: np.ndarray) -> list[list[float]]:
        if len(x) > SCATTER_POINTS:
            x = x[rng.choice(len(x), SCATTER_POINTS, replace=False)]
        points = (x - centre) @ axes[:2].T if len(axes) >= 2 else np.c_[(x - centre) @ axes[:1].T, np.zeros(len(x))]
        return points.tolist()

    groups = [(f"real (n={len(real)})", REAL, project(real)), (f"synthetic (n={len(fake)})", SYNTHETIC, project(fake))]
    svg = scatter_chart(groups, title="PCA: real vs synthetic windows",
                        x_label=f"PC1 ({share[0]:.0%} of real variance; {units})",
                        y_label=f"PC2 ({share[1] if len(share) > 1 else 0:.0%})")
    return {"title": f"PCA of real vs synthetic windows ({units}; axes fitted on real)", "svg": svg}


#: Channels drawn by `class_figures` (a 28-channel table would make an unreadable page).
MAX_CHANNELS = 6


def class_figures(real: np.ndarray, fake: np.ndarray, real_y: np.ndarray | None, fake_y: np.ndarray | None,
                  names: list[str] | None, channels: list[str]) -> list[dict[str, str]]:
    """Per channel (the first [`MAX_CHANNELS`][ganzoo_smartgrid.metrics.figures.MAX_CHANNELS]), mean +- 1 sd per class of (N, C, L) windows in [0, 1]."""
    steps = list(range(real.shape[2]))
    figures = []
    for c, channel in enumerate(channels[:MAX_CHANNELS]):
        panels = [_panel("all", real[:, c], fake[:, c])]
        if real_y is not None and fake_y is not None and names is not None:
            panels += [_panel(names[int(k)], real[real_y == k, c], fake[fake_y == k, c]) for k in np.unique(real_y)]
        title = f"Mean +- 1 sd per class, channel {channel} (model scale [0, 1])"
        figures.append({"title": title, "svg": band_chart(panels, steps, title=title, x_label="step",
                                                           y_label="[0, 1]")})
    return figures
