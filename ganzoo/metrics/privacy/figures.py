"""Figures the privacy metrics attach to their results (shown in the report's "Figures" section).

* The DCR distributions: each generated sample's distance to its closest training sample
  against the same for the held-out samples. A generator that does not copy draws both from
  the same distribution; copies pile up at 0.
* For images, the generated samples nearest to a training image, each above that training
  image: what a near copy looks like, or that the closest ones are still different images.
"""

from __future__ import annotations

import base64
import io
import math
from typing import Any

import numpy as np
import torch

from ganzoo.report.samples import tile
from ganzoo.report.svg import PALETTE, histogram_chart

#: Pairs shown in the image figure.
CLOSEST_PAIRS = 8
#: Smallest side an image is shown at (small images are enlarged, pixels kept sharp).
MIN_SIDE = 64


def dcr_histogram(synthetic: np.ndarray, holdout: np.ndarray, distance: str) -> dict[str, str]:
    """``{"title", "svg"}``: histograms of generated-to-training and held-out-to-training distances."""
    svg = histogram_chart(
        [
            (f"generated -> training ({len(synthetic)})", PALETTE[1], synthetic.tolist()),
            (f"held-out -> training ({len(holdout)})", PALETTE[0], holdout.tolist()),
        ],
        title="Distance to the closest training sample",
        x_label=_short(distance),
    )
    return {"title": "Distance to the closest training sample: generated vs held-out", "svg": svg}


def closest_pairs(
    synthetic: torch.Tensor, train: torch.Tensor, distances: np.ndarray, index: np.ndarray,
    value_range: tuple[float, float],
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """``{"title", "png_base64"}`` of the generated images nearest to a training image (top row)
    above those training images (bottom row), and the pairs as ``{"generated", "training", "distance"}``."""
    from PIL import Image

    order = np.argsort(distances, kind="stable")[:CLOSEST_PAIRS]
    low, high = value_range
    top = ((synthetic[order].float() - low) / (high - low)).clamp(0, 1)
    bottom = ((train[index[order]].float() - low) / (high - low)).clamp(0, 1)
    rows = torch.cat([_rgb(top), _rgb(bottom)])
    side = rows.shape[-1]
    if side < MIN_SIDE:
        factor = math.ceil(MIN_SIDE / side)
        rows = rows.repeat_interleave(factor, dim=2).repeat_interleave(factor, dim=3)
    grid = tile(rows, columns=len(order))
    pixels = (grid.permute(1, 2, 0) * 255).round().to(torch.uint8).numpy()
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="RGB").save(buffer, format="PNG")
    figure = {
        "title": "Generated images closest to a training image (top) and that training image (bottom)",
        "png_base64": base64.b64encode(buffer.getvalue()).decode("ascii"),
    }
    pairs = [
        {"generated": int(i), "training": int(index[i]), "distance": float(distances[i])} for i in order
    ]
    return figure, pairs


def _rgb(images: torch.Tensor) -> torch.Tensor:
    return images if images.shape[1] == 3 else images[:, :1].expand(-1, 3, -1, -1)


def _short(description: str) -> str:
    """The axis label: the distance's name up to its first comma or parenthesis."""
    cut = min((i for i in (description.find(","), description.find(" (")) if i > 0), default=len(description))
    return "distance: " + description[:cut]
