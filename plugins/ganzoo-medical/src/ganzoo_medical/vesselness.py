"""Vessel extraction with a vesselness filter, shared by ``retina-skimage`` and the metric.

Recipe (verified on ``skimage.data.retina()`` at 512 px, see the research notes): take the green
channel, where vessels have the most contrast; filter it with Sato's tubeness filter for dark
ridges at scales 1-4 px (scaled with the resolution); keep the response inside a slightly eroded
field of view so the dark rim does not count as a vessel; threshold with Otsu's method; drop
specks smaller than a few pixels. The same function makes the pseudo ground truth of the real
photograph and re-extracts vessels from generated images, so the two are comparable.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import ndimage
from skimage import filters

#: Sato scales (pixels) for a fundus whose field of view is about 512 px wide.
BASE_SIGMAS = (1.0, 2.0, 3.0, 4.0)
BASE_WIDTH = 512
#: Name reported in the metric protocol.
EXTRACTOR = "sato(green, black ridges) + otsu inside eroded FOV"


def sigmas_for(fundus_width_px: float) -> tuple[float, ...]:
    """Sato scales for a fundus imaged ``fundus_width_px`` pixels wide (at least 0.5 px each)."""
    factor = fundus_width_px / BASE_WIDTH
    return tuple(sorted({round(max(0.5, s * factor), 3) for s in BASE_SIGMAS}))


def vesselness(image: np.ndarray, fov: np.ndarray, sigmas: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Sato response of the green channel (or the only channel) and the region it is valid in.

    ``image`` is (H, W, C) or (H, W) with values in [0, 1]; ``fov`` is (H, W) bool. Returns the
    response (zero outside the region) and the eroded FOV ([`eroded_fov`][ganzoo_medical.vesselness.eroded_fov]).
    """
    green = image[..., 1] if image.ndim == 3 and image.shape[-1] >= 3 else np.squeeze(image)
    response = filters.sato(green.astype(np.float64), sigmas=list(sigmas), black_ridges=True)
    region = eroded_fov(fov, sigmas)
    return np.where(region, response, 0.0), region


def eroded_fov(fov: np.ndarray, sigmas: Sequence[float]) -> np.ndarray:
    """The FOV shrunk by twice the largest scale; image borders (patch edges) are not eroded."""
    radius = max(1, int(round(2 * max(sigmas))))
    structure = np.hypot(*np.mgrid[-radius : radius + 1, -radius : radius + 1]) <= radius
    return ndimage.binary_erosion(fov, structure=structure, border_value=1)


def otsu_threshold(response: np.ndarray, region: np.ndarray) -> float:
    """Otsu's threshold of the response inside ``region`` (inf when the region is flat)."""
    values = response[region]
    if values.size == 0 or np.ptp(values) == 0:
        return float("inf")
    return float(filters.threshold_otsu(values))


def remove_small(mask: np.ndarray, min_size: int) -> np.ndarray:
    """Drop 8-connected components with fewer than ``min_size`` pixels."""
    labels, count = ndimage.label(mask, structure=np.ones((3, 3), dtype=bool))
    if count == 0:
        return mask
    sizes = np.bincount(labels.ravel())
    keep = sizes >= min_size
    keep[0] = False
    return keep[labels]


def min_object_size(sigmas: Sequence[float]) -> int:
    """Smallest kept vessel fragment: ten times the smallest scale squared, at least 3 pixels."""
    return max(3, int(round(10 * min(sigmas) ** 2)))


def threshold_vessels(
    response: np.ndarray, region: np.ndarray, sigmas: Sequence[float], threshold: float | None = None
) -> tuple[np.ndarray, float]:
    """Binary vessels from a response (Otsu inside ``region`` unless ``threshold`` is given)."""
    cut = otsu_threshold(response, region) if threshold is None else threshold
    return remove_small((response > cut) & region, min_object_size(sigmas)), cut


def extract_vessels(
    image: np.ndarray, fov: np.ndarray, sigmas: Sequence[float], threshold: float | None = None
) -> np.ndarray:
    """Binary vessel mask of a fundus image (see the module docstring)."""
    response, region = vesselness(image, fov, sigmas)
    return threshold_vessels(response, region, sigmas, threshold)[0]


def fov_from_image(image: np.ndarray) -> np.ndarray:
    """Field of view of a fundus photograph without a mask file (STARE, CHASE_DB1, vess2ret).

    The background outside the fundus is close to black: threshold the red channel (the
    brightest, median-filtered against specks) at 15 % of its 99th percentile, fill holes and keep
    the largest component.
    """
    red = image[..., 0] if image.ndim == 3 else image
    smooth = ndimage.median_filter(red.astype(np.float64), size=3)
    fov = smooth > 0.15 * np.percentile(smooth, 99)
    fov = ndimage.binary_fill_holes(fov)
    labels, count = ndimage.label(fov)
    if count > 1:
        sizes = np.bincount(labels.ravel())
        sizes[0] = 0
        fov = labels == int(np.argmax(sizes))
    return fov.astype(bool)
