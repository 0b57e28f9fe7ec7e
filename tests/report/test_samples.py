"""Sample previews: image grids keep their pixels; series and table charts use the chart helpers."""

from __future__ import annotations

import pytest
import torch
from PIL import Image, ImageColor

from ganzoo.data.spec import DataSpec
from ganzoo.report.samples import GENERATED, REAL, render_samples
from ganzoo.report.svg import PALETTE, data_span


def _colours(image: Image.Image) -> set[tuple[int, int, int]]:
    return {colour for _, colour in image.getcolors(maxcolors=1 << 20)}


def test_data_span_pads_the_data_and_survives_degenerate_input() -> None:
    assert data_span(0.0, 10.0) == (-0.5, 10.5)
    assert data_span(2.0, 2.0) == pytest.approx((1.8, 2.2))
    assert data_span(0.0, 0.0) == (-1.0, 1.0)
    assert data_span(float("nan"), 1.0) == (0.0, 1.0)


def test_images_are_tiled_in_a_square_grid_with_their_pixels() -> None:
    spec = DataSpec("image", (3, 8, 8), value_range=(-1.0, 1.0))
    fake = torch.linspace(-1, 1, 5).view(5, 1, 1, 1).expand(5, 3, 8, 8)
    image = render_samples(fake, spec)
    assert image.mode == "RGB" and image.size == (3 * 10 + 2, 2 * 10 + 2)  # 3 columns, 2 px padding
    assert image.getpixel((2, 2)) == (0, 0, 0) and image.getpixel((2 + 2 * 10, 12)) == (255, 255, 255)
    assert image.getpixel((0, 0)) == (255, 255, 255)  # padding


def test_paired_images_are_rows_of_source_generated_target() -> None:
    spec = DataSpec("image", (1, 4, 4), condition="paired", condition_shape=(1, 4, 4))
    source, fake, target = (torch.full((2, 1, 4, 4), v) for v in (-1.0, 0.0, 1.0))
    image = render_samples(fake, spec, real=target, cond=source)
    assert image.size == (3 * 6 + 2, 2 * 6 + 2)
    assert [image.getpixel((2 + 6 * k, 2))[0] for k in range(3)] == [0, 128, 255]


def test_series_are_drawn_per_channel_on_the_value_range_with_gaps() -> None:
    spec = DataSpec("series", (2, 32))
    series = torch.sin(torch.linspace(0, 6, 32)).expand(5, 2, 32).clone()
    series[:, 1] *= 0.5
    series[0, 0, 10:13] = float("nan")  # a diverged generator: a gap, not an error
    image = render_samples(series, spec)
    one_row = render_samples(series[:4], spec)
    assert image.width == one_row.width and image.height > one_row.height  # 4 per row
    colours = _colours(image)
    assert ImageColor.getrgb(PALETTE[0]) in colours and ImageColor.getrgb(PALETTE[1]) in colours


def test_tables_scatter_generated_over_real_with_any_values() -> None:
    spec = DataSpec("table", (3,))
    image = render_samples(torch.randn(64, 3) * 1000, spec, real=torch.full((16, 3), 5.0))
    colours = _colours(image)
    assert ImageColor.getrgb(GENERATED) in colours and ImageColor.getrgb(REAL) in colours
    # one feature (plotted against the row index), nothing finite at all: still a preview
    empty = render_samples(torch.full((8, 1), float("nan")), DataSpec("table", (1,)))
    assert empty.height == image.height and ImageColor.getrgb(GENERATED) in _colours(empty)  # the legend
