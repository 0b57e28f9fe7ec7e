"""Rasterise a vessel tree and paint a colour fundus photograph around it.

The renderer reproduces what makes a fundus image recognisable, in the order a camera sees it:
an orange-red background that darkens towards the rim (vignetting) with faint choroidal texture,
a bright optic disc with a paler cup, a darker fovea, vessels that absorb green more than red
(veins darker and wider than arteries, contrast growing with the vessel radius), then mild
optical blur and sensor noise inside a circular field of view. All geometry is in unit-square
coordinates, so the same seed gives the same eye at every resolution.

The vessel mask marks pixels whose anti-aliased vessel coverage is at least one half, plus the
pixels on the centre line of every vessel at least half a pixel wide (so one-pixel vessels stay
connected). Narrower vessels fade in the image and are absent from the mask, as they would be in
a downsampled manual annotation.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from ganzoo_medical.vessel_tree import ARTERY, VEIN, Anatomy, VesselTree

#: Spacing of the points stamped along each vessel, in pixels.
_SAMPLE_SPACING = 0.5
#: Per-channel absorption (R, G, B) at full contrast: green absorbs most, veins more than arteries.
_ABSORPTION = {
    ARTERY: np.array([0.22, 0.45, 0.38], dtype=np.float32),  # artery
    VEIN: np.array([0.38, 0.62, 0.52], dtype=np.float32),
}
#: Radius (image widths) at which a vessel reaches full contrast.
_FULL_CONTRAST_RADIUS = 0.006


def rasterize_vessels(
    tree: VesselTree, size: int, width_scale: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Anti-aliased vessel coverage and darkness, per vessel kind, and the centre lines.

    Returns:
        ``coverage`` (2, size, size): fraction of each pixel covered by arteries / veins.
        ``darkness`` (2, size, size): coverage times the radius-dependent contrast.
        ``centre_line`` (size, size) bool: pixels the centre line of a vessel at least half a
        pixel wide passes through; keeps one-pixel vessels connected in the mask.
    """
    xy, radius, kind = _sample_points(tree, size)
    r_px = radius * size * width_scale
    amplitude = np.minimum(1.0, 2.0 * r_px)  # sub-pixel vessels are faint, not wide
    half_width = np.maximum(r_px, 0.5)
    contrast = np.minimum(1.0, radius * width_scale / _FULL_CONTRAST_RADIUS) ** 0.7

    centre_line = np.zeros((size, size), dtype=bool)
    visible = (amplitude >= 0.5) & np.all((xy > -0.5) & (xy < size - 0.5), axis=1)
    cx, cy = np.rint(xy[visible]).astype(np.int64).T
    centre_line[cy, cx] = True

    coverage = np.zeros(2 * size * size, dtype=np.float32)
    darkness = np.zeros(2 * size * size, dtype=np.float32)
    reach = np.ceil(half_width + 0.5).astype(np.int64)
    for h in np.unique(reach):
        sel = reach == h
        offsets = np.arange(-h, h + 1)
        dx, dy = np.meshgrid(offsets, offsets)
        px, py = xy[sel, 0:1], xy[sel, 1:2]
        ix = np.rint(px).astype(np.int64) + dx.ravel()[None, :]
        iy = np.rint(py).astype(np.int64) + dy.ravel()[None, :]
        dist = np.hypot(ix - px, iy - py)
        cov = amplitude[sel, None] * np.clip(half_width[sel, None] + 0.5 - dist, 0.0, 1.0)
        inside = (ix >= 0) & (ix < size) & (iy >= 0) & (iy < size) & (cov > 0)
        flat = (kind[sel, None].astype(np.int64) * size * size + iy * size + ix)[inside]
        np.maximum.at(coverage, flat, cov[inside].astype(np.float32))
        dark = (cov * contrast[sel, None])[inside].astype(np.float32)
        np.maximum.at(darkness, flat, dark)
    return coverage.reshape(2, size, size), darkness.reshape(2, size, size), centre_line


def _sample_points(tree: VesselTree, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points every half pixel along all segments (pixel coordinates), with radius and kind."""
    pts = tree.xy * size - 0.5  # pixel i's centre sits at coordinate i
    same = tree.branch[:-1] == tree.branch[1:]
    start, end = pts[:-1][same], pts[1:][same]
    r0, r1 = tree.radius[:-1][same], tree.radius[1:][same]
    seg_kind = tree.kind[:-1][same]
    n_sub = np.maximum(1, np.ceil(np.hypot(*(end - start).T) / _SAMPLE_SPACING)).astype(np.int64)
    seg = np.repeat(np.arange(len(n_sub)), n_sub)
    first = np.repeat(np.cumsum(n_sub) - n_sub, n_sub)
    t = ((np.arange(len(seg)) - first) / n_sub[seg])[:, None]
    xy = np.concatenate([start[seg] + t * (end - start)[seg], pts])
    radius = np.concatenate([r0[seg] + t[:, 0] * (r1 - r0)[seg], tree.radius])
    kind = np.concatenate([seg_kind[seg], tree.kind])
    return xy, radius, kind


def render_fundus(
    anatomy: Anatomy,
    tree: VesselTree,
    size: int,
    rng: np.random.Generator,
    width_scale: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Render one eye.

    Returns:
        ``mask`` (size, size) bool vessel mask (inside the FOV),
        ``image`` (size, size, 3) float32 RGB in [0, 1],
        ``fov`` (size, size) bool field-of-view mask.
    """
    centres = (np.arange(size, dtype=np.float32) + 0.5) / size
    u, v = np.meshgrid(centres, centres)
    rim = np.hypot(u - 0.5, v - 0.5) / anatomy.fov_radius
    fov_soft = np.clip((1.0 - rim) * anatomy.fov_radius * size + 0.5, 0.0, 1.0)
    fov = fov_soft >= 0.5

    # Background: pigmentation varies between eyes; the rim darkens (vignetting).
    base = np.array([0.80, 0.34, 0.14], dtype=np.float32) + rng.uniform(
        [-0.07, -0.06, -0.04], [0.07, 0.06, 0.04]
    ).astype(np.float32)
    shade = 1.0 - 0.5 * np.clip(rim, 0, 1) ** 2.6
    texture = _low_frequency_noise(u, v, rng, cells=7)
    image = base[None, None, :] * (shade * (1.0 + 0.07 * texture))[..., None]

    # Macula and fovea: darker, more in green and blue.
    d_fovea = np.hypot(u - anatomy.fovea[0], v - anatomy.fovea[1]) / anatomy.disc_radius
    macula = 0.14 * np.exp(-((d_fovea / 3.0) ** 2)) + 0.3 * np.exp(-((d_fovea / 0.9) ** 2))
    image *= 1.0 - macula[..., None] * np.array([0.7, 1.0, 1.0], dtype=np.float32)

    # Vessels darken the fundus in proportion to coverage and calibre.
    coverage, darkness, centre_line = rasterize_vessels(tree, size, width_scale)
    for k, absorption in _ABSORPTION.items():
        image *= 1.0 - darkness[k][..., None] * absorption

    # Optic disc: a bright, yellowish, flat-topped blob with a paler cup; drawn over the
    # vessels' absorption only partly so the trunks stay visible on it.
    d_disc = np.hypot(u - anatomy.disc[0], v - anatomy.disc[1]) / anatomy.disc_radius
    disc = np.exp(-((d_disc / 1.15) ** 4))[..., None]
    cup = np.exp(-((d_disc / 0.45) ** 2))[..., None]
    vessel_shadow = 1.0 - 0.6 * darkness.max(axis=0)[..., None]
    disc_colour = np.array([1.0, 0.82, 0.55], dtype=np.float32) * vessel_shadow
    image = image * (1.0 - 0.8 * disc) + 0.8 * disc * disc_colour
    image = image + 0.25 * cup * (np.array([1.0, 1.0, 0.9], dtype=np.float32) - image)

    # Camera: mild blur, sensor noise, black outside the field of view.
    sigma = 0.35 + size / 1024.0
    image = ndimage.gaussian_filter(image, sigma=(sigma, sigma, 0))
    image += rng.normal(0.0, 0.012, size=image.shape).astype(np.float32)
    image = np.clip(image * np.where(fov, fov_soft, 0.0)[..., None], 0.0, 1.0).astype(np.float32)

    mask = ((coverage.max(axis=0) >= 0.5) | centre_line) & fov
    return mask, image, fov


def _low_frequency_noise(u: np.ndarray, v: np.ndarray, rng: np.random.Generator, cells: int) -> np.ndarray:
    """Smooth noise in about [-1, 1], defined on a coarse grid so it is resolution-free."""
    coarse = rng.normal(0.0, 1.0, size=(cells, cells))
    coords = np.stack([v * (cells - 1), u * (cells - 1)])
    return ndimage.map_coordinates(coarse, coords, order=3, mode="nearest").astype(np.float32) / math.sqrt(2)
