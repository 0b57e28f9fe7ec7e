"""Sample previews as PIL images: the PNG grids training writes to ``samples/``.

Images are tiled (paired data: rows of source | generated | target). Series and tables are
small charts drawn with the report's chart helpers, so a preview and the report read alike:
ranges from [`data_span`][ganzoo.report.svg.data_span], ticks from
[`nice_ticks`][ganzoo.report.svg.nice_ticks] labelled by [`fmt`][ganzoo.report.format.fmt], colours
from [`PALETTE`][ganzoo.report.svg.PALETTE]. Non-finite values (a diverged generator) leave gaps.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from ganzoo.data.spec import DataSpec
from ganzoo.report.format import fmt
from ganzoo.report.svg import PALETTE, data_span, nice_ticks

if TYPE_CHECKING:
    from PIL import Image, ImageDraw, ImageFont

    Font = ImageFont.ImageFont | ImageFont.FreeTypeFont

GRID = "#e3e3e3"
AXIS = "#888888"
TEXT = "#333333"
REAL = "#a0a0a0"
GENERATED = PALETTE[1]

Point = tuple[float, float]


def render_samples(
    fake: torch.Tensor, spec: DataSpec, *, real: torch.Tensor | None = None, cond: torch.Tensor | None = None
) -> Image.Image:
    """A PIL image showing ``fake`` (with sources/targets or real data where that helps)."""
    if spec.modality == "image":
        return image_grid(fake, spec, real=real, cond=cond)
    if spec.modality == "series":
        return series_grid(fake, spec)
    return table_scatter(fake, real)


# -- images -----------------------------------------------------------------------------------
def _to_unit(x: torch.Tensor, spec: DataSpec) -> torch.Tensor:
    low, high = spec.value_range
    return ((x.float() - low) / (high - low)).clamp(0, 1)


def _rgb(x: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) in [0, 1] -> (N, 3, H, W): the first channel as grey unless C >= 3."""
    if x.shape[1] >= 3:
        return x[:, :3]
    return x[:, :1].expand(-1, 3, -1, -1)


def tile(images: torch.Tensor, columns: int, pad: int = 2) -> torch.Tensor:
    """``(N, C, H, W)`` images on one white ``(C, H', W')`` canvas, ``columns`` per row."""
    n, c, h, w = images.shape
    rows = math.ceil(n / columns)
    canvas = torch.ones(c, rows * (h + pad) + pad, columns * (w + pad) + pad)
    for i in range(n):
        r, col = divmod(i, columns)
        top, left = pad + r * (h + pad), pad + col * (w + pad)
        canvas[:, top : top + h, left : left + w] = images[i]
    return canvas


def image_grid(
    fake: torch.Tensor, spec: DataSpec, *, real: torch.Tensor | None = None, cond: torch.Tensor | None = None
) -> Image.Image:
    """Generated images in a square grid; paired data as rows of source | generated | target,
    unpaired data (whose real samples belong to other sources) as rows of source | generated."""
    from PIL import Image

    if spec.condition == "paired" and cond is not None and real is not None:
        rows = torch.stack([_rgb(_to_unit(cond, spec)), _rgb(_to_unit(fake, spec)), _rgb(_to_unit(real, spec))], dim=1)
        grid = tile(rows.flatten(0, 1), columns=3)
    elif spec.condition == "unpaired" and cond is not None:
        rows = torch.stack([_rgb(_to_unit(cond, spec)), _rgb(_to_unit(fake, spec))], dim=1)
        grid = tile(rows.flatten(0, 1), columns=2)
    else:
        grid = tile(_rgb(_to_unit(fake, spec)), columns=math.ceil(math.sqrt(len(fake))))
    array = (grid.permute(1, 2, 0) * 255).round().to(torch.uint8).numpy()
    return Image.fromarray(array, mode="RGB")


# -- charts -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Frame:
    """A plot area in pixels and the data ranges it shows."""

    left: float
    top: float
    width: float
    height: float
    x_range: tuple[float, float]
    y_range: tuple[float, float]

    def point(self, x: float, y: float) -> Point:
        (x_low, x_high), (y_low, y_high) = self.x_range, self.y_range
        return (self.left + (x - x_low) / (x_high - x_low) * (self.width - 1),
                self.top + (1 - (y - y_low) / (y_high - y_low)) * (self.height - 1))

    def draw_axes(self, draw: ImageDraw.ImageDraw, font: Font, *, y_ticks: Sequence[float],
                  x_ticks: Sequence[float] = (), y_labels: bool = True) -> None:
        """Grid lines at the ticks, labelled left and below, inside a frame."""
        right, bottom = self.left + self.width - 1, self.top + self.height - 1
        for tick in y_ticks:
            _, y = self.point(self.x_range[0], tick)
            draw.line((self.left, y, right, y), fill=GRID)
            if y_labels:
                _text(draw, font, fmt(tick), (self.left - 4, y), anchor="right")
        for tick in x_ticks:
            x, _ = self.point(tick, self.y_range[0])
            draw.line((x, self.top, x, bottom), fill=GRID)
            _text(draw, font, fmt(tick), (x, bottom + 3), anchor="top")
        draw.rectangle((self.left, self.top, right, bottom), outline=AXIS)


def _font() -> Font:
    from PIL import ImageFont

    return ImageFont.load_default()


def _text(draw: ImageDraw.ImageDraw, font: Font, text: str, at: Point, *, anchor: str = "left") -> None:
    """Draw ``text`` at ``at``: its left (``left``) or right edge (``right``) there, vertically
    centred, or its top centre there (``top``). Placed by its measured box, as PIL's bitmap
    fallback font takes no anchors."""
    left, top, right, bottom = font.getbbox(text)
    x, y = at
    if anchor == "top":
        x, y = x - (left + right) / 2, y - top
    else:
        x, y = x - (right if anchor == "right" else 0), y - (top + bottom) / 2
    draw.text((x, y), text, fill=TEXT, font=font)


def _label_width(font: Font, ticks: Sequence[float]) -> int:
    return math.ceil(max((font.getlength(fmt(t)) for t in ticks), default=0)) + 8


def _finite_runs(points: Sequence[Point]) -> Iterator[list[Point]]:
    """Maximal runs of consecutive finite points (a line breaks at non-finite values)."""
    run: list[Point] = []
    for point in points:
        if math.isfinite(point[0]) and math.isfinite(point[1]):
            run.append(point)
        elif run:
            yield run
            run = []
    if run:
        yield run


def series_grid(series: torch.Tensor, spec: DataSpec, *, width: int = 160, height: int = 64,
                columns: int = 4) -> Image.Image:
    """``(N, C, L)`` series as small line plots on the data's value range, a colour per channel."""
    from PIL import Image, ImageDraw

    font = _font()
    low, high = spec.value_range
    ticks = nice_ticks(low, high, 3)
    margin, gap = _label_width(font, ticks), 12  # rows apart by a tick label's height
    rows = math.ceil(len(series) / columns)
    image = Image.new("RGB", (margin + columns * (width + gap // 2), gap + rows * (height + gap)), "white")
    draw = ImageDraw.Draw(image)
    values = series.float().clamp(low, high).tolist()  # NaN stays NaN: a gap
    y_range = data_span(low, high)
    for i, sample in enumerate(values):
        r, c = divmod(i, columns)
        length = len(sample[0])
        frame = _Frame(margin + c * (width + gap // 2), gap + r * (height + gap), width, height,
                       (0.0, float(max(length - 1, 1))), y_range)
        frame.draw_axes(draw, font, y_ticks=ticks, y_labels=c == 0)
        for channel, line in enumerate(sample):
            colour = PALETTE[channel % len(PALETTE)]
            for run in _finite_runs([frame.point(j, v) for j, v in enumerate(line)]):
                if len(run) > 1:
                    draw.line(run, fill=colour, width=1)
                else:
                    draw.point(run, fill=colour)
    return image


def _two_columns(x: torch.Tensor) -> torch.Tensor:
    """The first two features of a table; a single feature is plotted against the row index."""
    x = x.float().reshape(len(x), -1)
    return x[:, :2] if x.shape[1] >= 2 else torch.stack([x[:, 0], torch.linspace(0, 1, len(x))], 1)


def _axis_span(values: torch.Tensor) -> tuple[float, float]:
    finite = values[torch.isfinite(values)]
    if not len(finite):
        return data_span(math.nan, math.nan)
    return data_span(float(finite.min()), float(finite.max()))


def table_scatter(fake: torch.Tensor, real: torch.Tensor | None, size: int = 256) -> Image.Image:
    """The first two features of ``fake`` (red) over those of ``real`` (grey), with axes."""
    from PIL import Image, ImageDraw

    font = _font()
    layers = [(REAL, "real", _two_columns(real))] if real is not None else []
    layers.append((GENERATED, "generated", _two_columns(fake)))
    every = torch.cat([points for _, _, points in layers])
    x_range, y_range = _axis_span(every[:, 0]), _axis_span(every[:, 1])
    x_ticks, y_ticks = nice_ticks(*x_range, 5), nice_ticks(*y_range, 5)
    left, top, right, bottom = _label_width(font, y_ticks), 22, 10, 18
    image = Image.new("RGB", (left + size + right, top + size + bottom), "white")
    draw = ImageDraw.Draw(image)
    frame = _Frame(left, top, size, size, x_range, y_range)
    frame.draw_axes(draw, font, y_ticks=y_ticks, x_ticks=x_ticks)
    legend_x = left
    for colour, name, points in layers:
        for a, b in points.tolist():
            if math.isfinite(a) and math.isfinite(b):
                x, y = frame.point(a, b)
                draw.ellipse((x - 1.5, y - 1.5, x + 1.5, y + 1.5), fill=colour)
        draw.rectangle((legend_x, 9, legend_x + 11, 12), fill=colour)
        _text(draw, font, name, (legend_x + 16, 11))
        legend_x += 16 + math.ceil(font.getlength(name)) + 14
    return image
