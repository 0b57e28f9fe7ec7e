"""Two tiny standalone SVG plots for metric figures: line-and-band small multiples and a 2-D scatter.

ganzoo's report shows metric figures as images (see ``ganzoo.report.figures``), so these SVGs
style themselves with inline attributes instead of the page's CSS. No matplotlib: a figure is a
string that goes into ``eval.json`` and renders in any browser, offline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np

from ganzoo.report.format import fmt
from ganzoo.report.svg import nice_ticks

REAL, SYNTHETIC = "#1f77b4", "#d62728"
_FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'


@dataclass(frozen=True)
class Band:
    """One line with a shaded band around it (e.g. mean +- 1 sd)."""

    label: str
    colour: str
    centre: np.ndarray
    low: np.ndarray
    high: np.ndarray


@dataclass(frozen=True)
class Panel:
    """One small plot: a title and its bands over a shared x axis."""

    title: str
    bands: Sequence[Band]


def _span(low: float, high: float) -> tuple[float, float]:
    if not np.isfinite(low) or not np.isfinite(high):
        return 0.0, 1.0
    if high <= low:
        return low - 1.0, high + 1.0
    pad = 0.04 * (high - low)
    return low - pad, high + pad


def _text(x: float, y: float, text: str, *, size: int = 11, anchor: str = "middle", weight: str = "normal",
          extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" font-weight="{weight}" '
            f'fill="#333"{extra}>{escape(text)}</text>')


def _legend(items: Sequence[tuple[str, str]], x: float, y: float) -> list[str]:
    parts = []
    for label, colour in items:
        parts.append(f'<rect x="{x:.1f}" y="{y - 8:.1f}" width="14" height="8" fill="{colour}" fill-opacity="0.6"/>')
        parts.append(_text(x + 18, y, label, anchor="start"))
        x += 26 + 7 * len(label)
    return parts


def band_panels(panels: Sequence[Panel], x: np.ndarray, *, title: str, x_label: str, y_label: str,
                columns: int = 4, panel_width: int = 250, panel_height: int = 170) -> str:
    """Small multiples sharing x and y scales: each band as a line with a translucent band."""
    columns = max(1, min(columns, len(panels)))
    rows = -(-len(panels) // columns)
    left, top, gap_x, gap_y = 52, 54, 14, 46
    width = left + columns * (panel_width + gap_x) + 8
    height = top + rows * (panel_height + gap_y) + 8
    values = [v for p in panels for b in p.bands for v in (b.low, b.high) if len(v)]
    y_low, y_high = _span(float(min(v.min() for v in values)), float(max(v.max() for v in values))) if values else (0, 1)
    x = np.asarray(x, dtype=np.float64)
    x_low, x_high = float(x.min()), float(x.max()) if x.max() > x.min() else float(x.min()) + 1

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" {_FONT}>', f'<rect width="{width}" height="{height}" fill="#fff"/>',
             _text(width / 2, 18, title, size=14, weight="bold")]
    legend = {(b.label, b.colour) for p in panels for b in p.bands}
    parts += _legend(sorted(legend, key=lambda item: item[0]), left, 38)
    for i, panel in enumerate(panels):
        r, c = divmod(i, columns)
        x0, y0 = left + c * (panel_width + gap_x), top + r * (panel_height + gap_y) + 16

        def sx(v: np.ndarray, x0: float = x0) -> np.ndarray:
            return x0 + (v - x_low) / (x_high - x_low) * panel_width

        def sy(v: np.ndarray, y0: float = y0) -> np.ndarray:
            return y0 + (1 - (np.asarray(v) - y_low) / (y_high - y_low)) * panel_height

        parts.append(f'<rect x="{x0}" y="{y0}" width="{panel_width}" height="{panel_height}" fill="#fafafa" '
                     'stroke="#bbb"/>')
        parts.append(_text(x0 + panel_width / 2, y0 - 5, panel.title, weight="bold"))
        for tick in nice_ticks(y_low, y_high, 4):
            y = float(sy(tick))
            parts.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + panel_width}" y2="{y:.1f}" stroke="#e3e3e3"/>')
            if c == 0:
                parts.append(_text(x0 - 4, y + 4, fmt(tick, 3), size=10, anchor="end"))
        for tick in nice_ticks(x_low, x_high, 5, integer=True):
            xt = float(sx(tick))
            parts.append(_text(xt, y0 + panel_height + 13, fmt(float(tick), 3), size=10))
        for band in panel.bands:
            if not len(band.centre):
                continue
            xs = sx(x)
            upper = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(xs, sy(band.high), strict=True))
            lower = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(xs[::-1], sy(band.low)[::-1], strict=True))
            parts.append(f'<polygon points="{upper} {lower}" fill="{band.colour}" fill-opacity="0.15" stroke="none"/>')
            line = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(xs, sy(band.centre), strict=True))
            parts.append(f'<polyline points="{line}" fill="none" stroke="{band.colour}" stroke-width="1.8"/>')
    parts.append(_text(left + (width - left) / 2, height - 4, x_label))
    parts.append(_text(14, top + (height - top) / 2, y_label,
                       extra=f' transform="rotate(-90 14 {top + (height - top) / 2:.1f})"'))
    parts.append("</svg>")
    return "".join(parts)


def scatter(groups: Sequence[tuple[str, str, np.ndarray]], *, title: str, x_label: str, y_label: str,
            width: int = 560, height: int = 460) -> str:
    """2-D scatter of ``(label, colour, (N, 2) points)`` groups, drawn in order (later on top)."""
    left, right, top, bottom = 56, 14, 48, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    every = np.concatenate([pts for _, _, pts in groups]) if groups else np.zeros((1, 2))
    x_low, x_high = _span(float(every[:, 0].min()), float(every[:, 0].max()))
    y_low, y_high = _span(float(every[:, 1].min()), float(every[:, 1].max()))

    def sx(v: float) -> float:
        return left + (v - x_low) / (x_high - x_low) * plot_w

    def sy(v: float) -> float:
        return top + (1 - (v - y_low) / (y_high - y_low)) * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" {_FONT}>', f'<rect width="{width}" height="{height}" fill="#fff"/>',
             _text(width / 2, 18, title, size=14, weight="bold"),
             f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fafafa" stroke="#bbb"/>']
    parts += _legend([(label, colour) for label, colour, _ in groups], left, 38)
    for tick in nice_ticks(y_low, y_high):
        parts.append(f'<line x1="{left}" y1="{sy(tick):.1f}" x2="{left + plot_w}" y2="{sy(tick):.1f}" stroke="#e3e3e3"/>')
        parts.append(_text(left - 4, sy(tick) + 4, fmt(tick, 3), size=10, anchor="end"))
    for tick in nice_ticks(x_low, x_high, 6):
        parts.append(_text(sx(tick), top + plot_h + 14, fmt(tick, 3), size=10))
    for _, colour, points in groups:
        parts += [f'<circle cx="{sx(a):.1f}" cy="{sy(b):.1f}" r="2.2" fill="{colour}" fill-opacity="0.35"/>'
                  for a, b in points]
    parts.append(_text(left + plot_w / 2, height - 6, x_label))
    parts.append(_text(14, top + plot_h / 2, y_label, extra=f' transform="rotate(-90 14 {top + plot_h / 2:.1f})"'))
    parts.append("</svg>")
    return "".join(parts)
