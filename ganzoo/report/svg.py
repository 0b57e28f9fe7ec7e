"""A tiny SVG line-chart helper: inline charts for self-contained HTML, without matplotlib.

Charts are plain SVG strings (axes, "nice" ticks, one polyline per series, point markers with
tooltips for short series, a legend) that any browser renders offline. Non-finite values are
skipped, so a diverged loss leaves a gap instead of breaking the chart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

from ganzoo.report.format import fmt

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
MARKER_LIMIT = 60  # draw point markers (with tooltips) for series up to this length

Series = Mapping[str, Sequence[tuple[float, float]]]


def nice_ticks(low: float, high: float, count: int = 5, *, integer: bool = False) -> list[float]:
    """About ``count`` round tick values covering ``[low, high]`` (1, 2, 5 x 10^k steps).

    ``integer`` keeps ticks on whole numbers (epochs, steps).
    """
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low]
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if integer:
        step = max(1, round(step))
    first = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    return ticks


#: Width of one legend character in pixels (11 px sans-serif averages about 6.2; rounded up so
#: a long name never runs into its neighbour).
LEGEND_CHAR_W = 6.6


def legend_layout(names: Sequence[str], width: float) -> list[tuple[float, int]]:
    """``(x offset, row)`` of each legend entry, laid out left to right and wrapped at ``width``.

    Entries are as wide as their names (swatch, text, a gap), so long loss-term names such as
    ``loss/d/gradient-penalty`` do not overlap the next entry as fixed columns would.
    """
    placed: list[tuple[float, int]] = []
    x, row = 0.0, 0
    for name in names:
        entry_w = 16 + LEGEND_CHAR_W * len(name) + 14
        if x > 0 and x + entry_w > width:
            x, row = 0.0, row + 1
        placed.append((x, row))
        x += entry_w
    return placed


def data_span(low: float, high: float) -> tuple[float, float]:
    """The axis range shown for data from ``low`` to ``high``: padded by 5 % so no value sits on
    the frame; a single value gets +- 10 % (+- 1 at zero); no finite data gets ``(0, 1)``.

    Shared by these charts and the PIL sample previews (:mod:`ganzoo.report.samples`).
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        return 0.0, 1.0
    if high <= low:
        pad = abs(low) * 0.1 or 1.0
        return low - pad, low + pad
    pad = (high - low) * 0.05
    return low - pad, high + pad


def _span(values: list[float]) -> tuple[float, float]:
    return data_span(min(values), max(values))


def line_chart(
    series: Series,
    *,
    title: str = "",
    x_label: str = "",
    y_label: str = "",
    width: int = 560,
    height: int = 300,
) -> str:
    """An inline ``<svg>`` line chart of ``{series name: [(x, y), ...]}``."""
    clean = {
        name: [(float(x), float(y)) for x, y in points if math.isfinite(x) and math.isfinite(y)]
        for name, points in series.items()
    }
    clean = {name: sorted(points) for name, points in clean.items() if points}
    left, right, bottom = 64, 16, 44
    legend = legend_layout(list(clean), width - left - right)
    top = 34 + 16 * (max((row for _, row in legend), default=-1) + 1)
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [
        f'<svg class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{width / 2:.1f}" y="16" text-anchor="middle" class="chart-title">{escape(title)}</text>',
    ]
    if not clean:
        parts.append(f'<text x="{width / 2:.1f}" y="{height / 2:.1f}" text-anchor="middle">no data</text></svg>')
        return "".join(parts)

    xs = [x for points in clean.values() for x, _ in points]
    ys = [y for points in clean.values() for _, y in points]
    x_low, x_high = (min(xs), max(xs)) if min(xs) < max(xs) else _span(xs)
    y_low, y_high = _span(ys)

    def sx(x: float) -> float:
        return left + (x - x_low) / (x_high - x_low) * plot_w

    def sy(y: float) -> float:
        return top + (1 - (y - y_low) / (y_high - y_low)) * plot_h

    parts.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" class="plot-area"/>')
    for tick in nice_ticks(y_low, y_high):
        y = sy(tick)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{fmt(tick)}</text>')
    whole = all(x == int(x) for x in xs)
    for tick in nice_ticks(x_low, x_high, 6, integer=whole):
        x = sx(tick)
        parts.append(f'<line x1="{x:.1f}" y1="{top + plot_h}" x2="{x:.1f}" y2="{top + plot_h + 4}" class="axis"/>')
        parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle" class="tick">{fmt(tick)}</text>')
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" class="axis"/>')
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" class="axis"/>')
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 8}" text-anchor="middle" class="label">{escape(x_label)}</text>'
    )
    parts.append(
        f'<text transform="translate(14 {top + plot_h / 2:.1f}) rotate(-90)" text-anchor="middle" '
        f'class="label">{escape(y_label)}</text>'
    )
    for i, (name, points) in enumerate(clean.items()):
        colour = PALETTE[i % len(PALETTE)]
        coords = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in points)
        parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2" '
            f'data-series="{escape(name)}"/>'
        )
        if len(points) <= MARKER_LIMIT:
            for x, y in points:
                parts.append(
                    f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{colour}">'
                    f"<title>{escape(name)}: {fmt(y)} at {fmt(x)}</title></circle>"
                )
        offset, row = legend[i]
        lx, ly = left + offset, 30 + 16 * row
        parts.append(f'<rect x="{lx:.1f}" y="{ly - 9}" width="12" height="4" fill="{colour}"/>')
        parts.append(f'<text x="{lx + 16:.1f}" y="{ly - 4}" class="legend">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
