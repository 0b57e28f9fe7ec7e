"""Small SVG charts without matplotlib: line charts for report pages, band and scatter figures.

Charts are plain SVG strings (axes, "nice" ticks, a legend, lines, bands or points) that any
browser renders offline. Non-finite values are skipped, so a diverged loss leaves a gap instead
of breaking the chart.

The charts come in two looks built from the same primitives (spans, ticks, text, legend, plot
areas). [`line_chart`][ganzoo.report.svg.line_chart] is inline in a report's HTML and styled by the page's CSS classes.
[`band_chart`][ganzoo.report.svg.band_chart], [`scatter_chart`][ganzoo.report.svg.scatter_chart] and [`histogram_chart`][ganzoo.report.svg.histogram_chart] make standalone documents for metric figures, which
the report shows as ``<img>`` (see [`ganzoo.report.figures`][ganzoo.report.figures]) where no page CSS reaches, so
they carry their styling as attributes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

from ganzoo.report.format import fmt

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
MARKER_LIMIT = 60  # draw point markers (with tooltips) for series up to this length

Series = Mapping[str, Sequence[tuple[float, float]]]


@dataclass(frozen=True)
class Band:
    """One line with a shaded band around it (e.g. mean +- 1 sd), over its chart's x values."""

    label: str
    colour: str
    centre: Sequence[float]
    low: Sequence[float]
    high: Sequence[float]


@dataclass(frozen=True)
class Panel:
    """One small plot of a [`band_chart`][ganzoo.report.svg.band_chart]: a title and its bands."""

    title: str
    bands: Sequence[Band]


# -- scales and ticks -------------------------------------------------------------------------
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


def log_ticks(low: float, high: float) -> list[float]:
    """Round ticks for a log axis over ``[low, high]`` (both positive): powers of ten, with 2 and
    5 times them when the span is under two decades, or plain round values under one."""
    if not (0 < low < high and math.isfinite(high)):
        return [low]
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    for multiples in ((1,), (1, 2, 5)):
        ticks = [m * 10.0**e for e in range(first, last + 1) for m in multiples]
        ticks = [round(t, 12) for t in ticks if low <= t <= high]
        if len(ticks) >= 3:
            return ticks
    return [t for t in nice_ticks(low, high, 4) if t > 0]


def _extent(values: Iterable[float]) -> tuple[float, float] | None:
    """Smallest and largest finite value, or ``None`` when there is none."""
    finite = [float(v) for v in values if math.isfinite(v)]
    return (min(finite), max(finite)) if finite else None


def data_span(low: float, high: float) -> tuple[float, float]:
    """The axis range shown for data from ``low`` to ``high``: padded by 5 % so no value sits on
    the frame; a single value gets +- 10 % (+- 1 at zero); no finite data gets ``(0, 1)``.

    Shared by these charts and the PIL sample previews ([`ganzoo.report.samples`][ganzoo.report.samples]).
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        return 0.0, 1.0
    if high <= low:
        pad = abs(low) * 0.1 or 1.0
        return low - pad, low + pad
    pad = (high - low) * 0.05
    return low - pad, high + pad


def _x_range(low: float, high: float) -> tuple[float, float]:
    """An x axis spans its data exactly (lines run edge to edge), unless that is a single value."""
    return (low, high) if low < high else data_span(low, high)


def _scale(low: float, high: float, start: float, length: float) -> Callable[[float], float]:
    """Map ``[low, high]`` onto ``start .. start + length`` pixels (a negative length points up)."""
    return lambda value: start + (value - low) / (high - low) * length


def _log_scale(low: float, high: float, start: float, length: float) -> Callable[[float], float]:
    """Like `_scale` for positive values on a log axis; ``low`` and ``high`` are log10 values."""
    linear = _scale(low, high, start, length)
    return lambda value: linear(math.log10(value))


# -- looks and drawing primitives -------------------------------------------------------------
#: Font box of a line of text, in ems: how far glyphs reach above and below the baseline (the
#: ascender and descender of DejaVu Sans, the widest of the usual sans-serif fonts).
ASCENT, DESCENT = 0.93, 0.24
#: Space between the title's lowest glyph and the legend's highest, in pixels.
TITLE_GAP = 4.0


def text_extent(baseline: float, size: float) -> tuple[float, float]:
    """Top and bottom, in pixels, of a line of ``size``-pixel text on ``baseline``."""
    return baseline - ASCENT * size, baseline + DESCENT * size


@dataclass(frozen=True)
class _Look:
    """How a chart styles itself: attributes of the root element and of each part's role.

    ``title_y`` is the title's baseline; the legend's first row starts below the title's font box
    (``title_size`` and ``legend_size`` are the pixel sizes the roles give the two texts).
    """

    root: str
    background: str
    roles: Mapping[str, str]
    title_y: float
    title_size: float
    legend_size: float = 11

    def __call__(self, role: str) -> str:
        return self.roles[role]

    @property
    def legend_y(self) -> float:
        """Baseline of the legend's first row: clear of the title whatever their widths."""
        return math.ceil(text_extent(self.title_y, self.title_size)[1] + TITLE_GAP + ASCENT * self.legend_size)


_PAGE_ROLES = ("chart-title", "tick", "label", "legend", "grid", "axis", "plot-area")
#: Inline in a report page, whose CSS styles ``.chart`` and these classes (title 13 px, text 11 px).
_PAGE = _Look('class="chart"', "", {role: f'class="{role}"' for role in _PAGE_ROLES}, title_y=16, title_size=13)
#: A standalone document, shown as an image: every part carries its own style.
_FIGURE = _Look(
    'xmlns="http://www.w3.org/2000/svg" font-family="DejaVu Sans, Arial, sans-serif"',
    '<rect width="100%" height="100%" fill="#fff"/>',
    {
        "chart-title": 'font-size="14" font-weight="bold" fill="#333"',
        "panel-title": 'font-size="11" font-weight="bold" fill="#333"',
        "tick": 'font-size="10" fill="#333"',
        "label": 'font-size="11" fill="#333"',
        "legend": 'font-size="11" fill="#333"',
        "grid": 'stroke="#e3e3e3"',
        "axis": 'stroke="#888"',
        "plot-area": 'fill="#fafafa" stroke="none"',
    },
    title_y=20,
    title_size=14,
)

#: Margins around plot areas: room for y tick labels and the rotated y label, x ticks and label.
_LEFT, _RIGHT, _BOTTOM = 64, 16, 44


def _text(x: float, y: float, text: str, role: str, look: _Look, *, anchor: str = "middle",
          extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" {look(role)}{extra}>{escape(text)}</text>'


def _open(width: int, height: int, title: str, look: _Look) -> list[str]:
    """The root element, its accessible title, the background and the visible title."""
    parts = [
        f'<svg {look.root} width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    if look.background:
        parts.append(look.background)
    parts.append(_text(width / 2, look.title_y, title, "chart-title", look))
    return parts


def _no_data(parts: list[str], width: int, height: int, look: _Look) -> str:
    parts.append(_text(width / 2, height / 2, "no data", "label", look))
    parts.append("</svg>")
    return "".join(parts)


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


def _legend(entries: Sequence[tuple[str, str]], left: float, width: float, look: _Look) -> tuple[list[str], float]:
    """Swatch and name of each ``(name, colour)`` under the title, and the y where plots may start."""
    placed = legend_layout([name for name, _ in entries], width)
    parts = []
    for (name, colour), (offset, row) in zip(entries, placed, strict=True):
        x, y = left + offset, look.legend_y + 16 * row
        parts.append(f'<rect x="{x:.1f}" y="{y - 5:.1f}" width="12" height="4" fill="{colour}"/>')
        parts.append(_text(x + 16, y, name, "legend", look, anchor="start"))
    rows = max((row for _, row in placed), default=-1) + 1
    return parts, look.legend_y + 8 + 16 * rows


def _plot_area(
    box: tuple[float, float, float, float],
    sx: Callable[[float], float],
    sy: Callable[[float], float],
    x_ticks: Sequence[float],
    y_ticks: Sequence[float],
    look: _Look,
    *,
    y_labels: bool = True,
) -> list[str]:
    """Background, horizontal grid lines with y tick labels, x tick marks and labels, the axes."""
    x0, y0, w, h = box
    parts = [f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{w:.1f}" height="{h:.1f}" {look("plot-area")}/>']
    for tick in y_ticks:
        y = sy(tick)
        parts.append(f'<line x1="{x0:.1f}" y1="{y:.1f}" x2="{x0 + w:.1f}" y2="{y:.1f}" {look("grid")}/>')
        if y_labels:
            parts.append(_text(x0 - 6, y + 4, fmt(tick), "tick", look, anchor="end"))
    for tick in x_ticks:
        x = sx(tick)
        parts.append(f'<line x1="{x:.1f}" y1="{y0 + h:.1f}" x2="{x:.1f}" y2="{y0 + h + 4:.1f}" {look("axis")}/>')
        parts.append(_text(x, y0 + h + 16, fmt(tick), "tick", look))
    parts.append(f'<line x1="{x0:.1f}" y1="{y0 + h:.1f}" x2="{x0 + w:.1f}" y2="{y0 + h:.1f}" {look("axis")}/>')
    parts.append(f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x0:.1f}" y2="{y0 + h:.1f}" {look("axis")}/>')
    return parts


def _axis_labels(x_label: str, y_label: str, x_mid: float, y_mid: float, height: int, look: _Look) -> list[str]:
    """The x label along the bottom edge, the y label rotated along the left edge."""
    return [
        _text(x_mid, height - 8, x_label, "label", look),
        _text(0, 0, y_label, "label", look, extra=f' transform="translate(14 {y_mid:.1f}) rotate(-90)"'),
    ]


def _coords(points: Iterable[tuple[float, float]], sx: Callable[[float], float], sy: Callable[[float], float]) -> str:
    return " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in points)


def _polyline(coords: str, colour: str, extra: str = "") -> str:
    return f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"{extra}/>'


# -- charts -----------------------------------------------------------------------------------
def line_chart(
    series: Series,
    *,
    title: str = "",
    x_label: str = "",
    y_label: str = "",
    width: int = 560,
    height: int = 300,
    log_y: bool = False,
) -> str:
    """An inline ``<svg>`` line chart of ``{series name: [(x, y), ...]}``, styled by the page's CSS.

    ``log_y`` draws y on a log scale, so series of different magnitudes (a loss term of 80 next
    to one of 0.5) each keep their shape; it applies only when every value is positive.
    """
    look = _PAGE
    clean = {
        name: [(float(x), float(y)) for x, y in points if math.isfinite(x) and math.isfinite(y)]
        for name, points in series.items()
    }
    clean = {name: sorted(points) for name, points in clean.items() if points}
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(clean)}
    plot_w = width - _LEFT - _RIGHT
    parts = _open(width, height, title, look)
    legend, top = _legend(list(colours.items()), _LEFT, plot_w, look)
    if not clean:
        return _no_data(parts, width, height, look)

    xs = [x for points in clean.values() for x, _ in points]
    ys = [y for points in clean.values() for _, y in points]
    x_low, x_high = _x_range(min(xs), max(xs))
    plot_h = height - top - _BOTTOM
    sx = _scale(x_low, x_high, _LEFT, plot_w)
    if log_y and min(ys) > 0:
        low, high = data_span(math.log10(min(ys)), math.log10(max(ys)))
        sy = _log_scale(low, high, top + plot_h, -plot_h)
        y_ticks = log_ticks(10**low, 10**high)
    else:
        y_low, y_high = data_span(min(ys), max(ys))
        sy = _scale(y_low, y_high, top + plot_h, -plot_h)
        y_ticks = nice_ticks(y_low, y_high)
    whole = all(x == int(x) for x in xs)
    parts += _plot_area((_LEFT, top, plot_w, plot_h), sx, sy, nice_ticks(x_low, x_high, 6, integer=whole),
                        y_ticks, look)
    parts += _axis_labels(x_label, y_label, _LEFT + plot_w / 2, top + plot_h / 2, height, look)
    for name, points in clean.items():
        colour = colours[name]
        parts.append(_polyline(_coords(points, sx, sy), colour, f' data-series="{escape(name)}"'))
        if len(points) <= MARKER_LIMIT:
            for x, y in points:
                parts.append(
                    f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{colour}">'
                    f"<title>{escape(name)}: {fmt(y)} at {fmt(x)}</title></circle>"
                )
    parts += legend
    parts.append("</svg>")
    return "".join(parts)


def _band(band: Band, xs: Sequence[float], sx: Callable[[float], float], sy: Callable[[float], float]) -> list[str]:
    """A band's translucent ``low .. high`` area and its centre line (steps with a non-finite value skipped)."""
    rows = [
        (x, float(c), float(lo), float(hi))
        for x, c, lo, hi in zip(xs, band.centre, band.low, band.high, strict=True)
        if math.isfinite(c) and math.isfinite(lo) and math.isfinite(hi)
    ]
    if not rows:
        return []
    upper = _coords(((x, hi) for x, _, _, hi in rows), sx, sy)
    lower = _coords(((x, lo) for x, _, lo, _ in reversed(rows)), sx, sy)
    return [
        f'<polygon points="{upper} {lower}" fill="{band.colour}" fill-opacity="0.15" stroke="none"/>',
        _polyline(_coords(((x, c) for x, c, _, _ in rows), sx, sy), band.colour),
    ]


def band_chart(
    panels: Sequence[Panel],
    x: Sequence[float],
    *,
    title: str,
    x_label: str = "",
    y_label: str = "",
    columns: int = 4,
    panel_width: int = 250,
    panel_height: int = 170,
) -> str:
    """Small multiples sharing x and y scales, each band a line in its translucent band (standalone SVG).

    Panels fill rows of ``columns``; y tick labels are on the first column only, since every
    panel uses the same scale. The legend lists each distinct ``(label, colour)`` once.
    """
    look = _FIGURE
    xs = [float(v) for v in x]
    columns = max(1, min(columns, len(panels)))
    rows = -(-len(panels) // columns)
    gap_x, gap_y, title_h = 14, 46, 16
    width = _LEFT + columns * panel_width + (columns - 1) * gap_x + _RIGHT
    entries = sorted({(b.label, b.colour) for p in panels for b in p.bands})
    legend, top = _legend(entries, _LEFT, width - _LEFT - _RIGHT, look)
    first_y = top + title_h
    height = first_y + rows * panel_height + max(rows - 1, 0) * gap_y + _BOTTOM
    parts = _open(width, height, title, look)
    x_extent = _extent(xs)
    y_extent = _extent(v for p in panels for b in p.bands for values in (b.low, b.high) for v in values)
    if x_extent is None or y_extent is None:
        return _no_data(parts, width, height, look)

    x_low, x_high = _x_range(*x_extent)
    y_low, y_high = data_span(*y_extent)
    x_ticks = nice_ticks(x_low, x_high, 5, integer=all(v == int(v) for v in xs))
    y_ticks = nice_ticks(y_low, y_high, 4)
    parts += legend
    for i, panel in enumerate(panels):
        r, c = divmod(i, columns)
        x0, y0 = _LEFT + c * (panel_width + gap_x), first_y + r * (panel_height + gap_y)
        sx = _scale(x_low, x_high, x0, panel_width)
        sy = _scale(y_low, y_high, y0 + panel_height, -panel_height)
        parts += _plot_area((x0, y0, panel_width, panel_height), sx, sy, x_ticks, y_ticks, look, y_labels=c == 0)
        parts.append(_text(x0 + panel_width / 2, y0 - 5, panel.title, "panel-title", look))
        for band in panel.bands:
            parts += _band(band, xs, sx, sy)
    plots_h = height - first_y - _BOTTOM
    parts += _axis_labels(x_label, y_label, (width + _LEFT - _RIGHT) / 2, first_y + plots_h / 2, height, look)
    parts.append("</svg>")
    return "".join(parts)


def scatter_chart(
    groups: Sequence[tuple[str, str, Iterable[tuple[float, float]]]],
    *,
    title: str,
    x_label: str = "",
    y_label: str = "",
    width: int = 560,
    height: int = 460,
) -> str:
    """2-D scatter of ``(label, colour, points)`` groups, drawn in order: later groups on top (standalone SVG)."""
    look = _FIGURE
    clean = [
        (label, colour, [(float(a), float(b)) for a, b in points if math.isfinite(a) and math.isfinite(b)])
        for label, colour, points in groups
    ]
    plot_w = width - _LEFT - _RIGHT
    parts = _open(width, height, title, look)
    legend, top = _legend([(label, colour) for label, colour, _ in clean], _LEFT, plot_w, look)
    every = [point for _, _, points in clean for point in points]
    if not every:
        return _no_data(parts, width, height, look)

    x_low, x_high = data_span(min(a for a, _ in every), max(a for a, _ in every))
    y_low, y_high = data_span(min(b for _, b in every), max(b for _, b in every))
    plot_h = height - top - _BOTTOM
    sx = _scale(x_low, x_high, _LEFT, plot_w)
    sy = _scale(y_low, y_high, top + plot_h, -plot_h)
    parts += legend
    parts += _plot_area((_LEFT, top, plot_w, plot_h), sx, sy, nice_ticks(x_low, x_high, 6),
                        nice_ticks(y_low, y_high, 6), look)
    for _, colour, points in clean:
        parts += [f'<circle cx="{sx(a):.1f}" cy="{sy(b):.1f}" r="2.2" fill="{colour}" fill-opacity="0.35"/>'
                  for a, b in points]
    parts += _axis_labels(x_label, y_label, _LEFT + plot_w / 2, top + plot_h / 2, height, look)
    parts.append("</svg>")
    return "".join(parts)


def histogram_chart(
    groups: Sequence[tuple[str, str, Sequence[float]]],
    *,
    title: str,
    x_label: str = "",
    y_label: str = "share of samples",
    bins: int = 30,
    width: int = 560,
    height: int = 320,
) -> str:
    """Overlaid histograms of ``(label, colour, values)`` groups on shared bins (standalone SVG).

    Each bar is the share of its group's values in the bin, so groups of different sizes compare
    directly; bars are translucent with an outline, so overlapping groups stay visible.
    """
    look = _FIGURE
    clean = [(label, colour, [float(v) for v in values if math.isfinite(v)]) for label, colour, values in groups]
    plot_w = width - _LEFT - _RIGHT
    parts = _open(width, height, title, look)
    legend, top = _legend([(label, colour) for label, colour, _ in clean], _LEFT, plot_w, look)
    every = [v for _, _, values in clean for v in values]
    if not every:
        return _no_data(parts, width, height, look)

    low, high = min(every), max(every)
    if high <= low:
        low, high = data_span(low, high)
    step = (high - low) / bins
    shares = []
    for _, _, values in clean:
        counts = [0] * bins
        for v in values:
            counts[min(int((v - low) / step), bins - 1)] += 1
        shares.append([c / len(values) if values else 0.0 for c in counts])
    y_high = max(max(s) for s in shares) * 1.05 or 1.0
    plot_h = height - top - _BOTTOM
    sx = _scale(low, high, _LEFT, plot_w)
    sy = _scale(0.0, y_high, top + plot_h, -plot_h)
    parts += legend
    parts += _plot_area((_LEFT, top, plot_w, plot_h), sx, sy, nice_ticks(low, high, 6), nice_ticks(0.0, y_high, 5), look)
    for (label, colour, _), share in zip(clean, shares, strict=True):
        for b, value in enumerate(share):
            if value <= 0:
                continue
            x0, x1 = sx(low + b * step), sx(low + (b + 1) * step)
            parts.append(
                f'<rect x="{x0:.1f}" y="{sy(value):.1f}" width="{x1 - x0:.1f}" height="{sy(0.0) - sy(value):.1f}" '
                f'fill="{colour}" fill-opacity="0.35" stroke="{colour}" stroke-width="1">'
                f"<title>{escape(label)}: {fmt(value)} in [{fmt(low + b * step)}, {fmt(low + (b + 1) * step)})</title></rect>"
            )
    parts += _axis_labels(x_label, y_label, _LEFT + plot_w / 2, top + plot_h / 2, height, look)
    parts.append("</svg>")
    return "".join(parts)
