"""Seeded growth of a retinal vessel tree in resolution-free coordinates.

The procedural dataset needs (vessel mask, fundus image) pairs whose vessels look like a retina's:
two arcades (superior and inferior temporal) that bend around the macula, thinner nasal trunks, and
recursive bifurcations whose radii obey Murray's law (r_parent^3 = r_1^3 + r_2^3). Everything is
drawn in the unit square, so one tree can be rasterised at 32 or 512 px and stays the same
picture; the growth uses plain ``math`` on Python floats because a tree is only a few thousand
steps and numpy's per-call overhead would dominate.

Coordinates: ``x`` to the right, ``y`` down, image width 1. The eye's field of view is a disc
of radius ``fov_radius`` around ``(0.5, 0.5)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Step length of the walkers (image widths). 0.006 is half a pixel at 64 px.
STEP = 0.006
#: Vessels thinner than this (image widths) stop growing; 0.6 px at 512 px.
MIN_RADIUS = 0.0012
#: Bifurcation generations below a trunk.
MAX_DEPTH = 7
ARTERY, VEIN = 0, 1


@dataclass(frozen=True)
class Anatomy:
    """Where the landmarks of one synthetic eye lie (unit-square coordinates).

    Attributes:
        disc: optic-disc centre; ~0.25 image widths from the nasal edge.
        disc_radius: optic-disc radius.
        fovea: centre of the macula, ~2.5 disc diameters temporal to the disc.
        fov_radius: radius of the circular field of view around (0.5, 0.5).
        temporal: +1 when the macula lies to the right of the disc (left eye), -1 otherwise.
    """

    disc: tuple[float, float]
    disc_radius: float
    fovea: tuple[float, float]
    fov_radius: float
    temporal: int


@dataclass(frozen=True)
class VesselTree:
    """A grown tree as flat arrays of polyline nodes.

    Consecutive nodes with the same ``branch`` id are joined by a vessel segment; every branch
    starts at its parent's bifurcation point, so the rasterised tree is connected.

    Attributes:
        xy: node positions, shape (n, 2).
        radius: vessel radius at each node (image widths), shape (n,).
        kind: ``ARTERY`` or ``VEIN`` per node, shape (n,).
        branch: branch id per node, shape (n,).
    """

    xy: np.ndarray
    radius: np.ndarray
    kind: np.ndarray
    branch: np.ndarray


@dataclass
class _Walker:
    """State of one growing branch."""

    x: float
    y: float
    heading: float
    radius: float
    kind: int
    depth: int
    target: float | None  # heading the branch is steered towards (trunks only)
    turn: float = 0.0  # angular velocity; low-pass filtered noise gives tortuosity


def make_anatomy(rng: np.random.Generator) -> Anatomy:
    """Draw landmark positions with a little anatomical variation."""
    temporal = 1 if rng.random() < 0.5 else -1
    fov_radius = 0.48
    disc_offset = 0.25 + rng.uniform(-0.03, 0.03)  # distance from the nasal edge
    disc_x = disc_offset if temporal == 1 else 1.0 - disc_offset
    disc_y = 0.5 + rng.uniform(-0.04, 0.04)
    disc_radius = 0.062 + rng.uniform(-0.008, 0.008)
    fovea_distance = 2.2 * 2 * disc_radius + rng.uniform(-0.02, 0.02)
    fovea = (disc_x + temporal * fovea_distance, disc_y + 0.03 + rng.uniform(-0.02, 0.02))
    return Anatomy((disc_x, disc_y), disc_radius, fovea, fov_radius, temporal)


def grow_vessel_tree(anatomy: Anatomy, rng: np.random.Generator) -> VesselTree:
    """Grow arteries and veins from the optic disc (see the module docstring)."""
    t = anatomy.temporal
    temporal_heading = 0.0 if t == 1 else math.pi
    nasal_heading = math.pi - temporal_heading
    walkers: list[_Walker] = []
    for kind, base_radius, spread in ((VEIN, 0.0078, 0.0), (ARTERY, 0.0062, 0.18)):
        for vertical in (-1, 1):  # superior (up, y < 0) and inferior
            # Temporal arcade: leaves the disc steeply, then bends round the macula.
            start = math.atan2(vertical * 1.0, t * 0.35) + vertical * t * spread * 0.5
            walkers.append(_trunk(anatomy, start, temporal_heading, base_radius, kind, rng))
            # Nasal trunk: thinner, heads up/down-nasal and fans out.
            start = math.atan2(vertical * 1.0, -t * 0.8) - vertical * t * spread * 0.5
            walkers.append(_trunk(anatomy, start, nasal_heading, 0.62 * base_radius, kind, rng))
        # Small vessels leaving the disc straight towards the macula.
        for vertical in (-1, 1):
            start = temporal_heading - vertical * t * rng.uniform(0.15, 0.45)
            walkers.append(_trunk(anatomy, start, None, 0.4 * base_radius, kind, rng))

    xs: list[float] = []
    ys: list[float] = []
    radii: list[float] = []
    kinds: list[int] = []
    branches: list[int] = []
    branch_id = 0
    while walkers:
        walker = walkers.pop()
        children = _grow_branch(walker, anatomy, rng, branch_id, xs, ys, radii, kinds, branches)
        walkers.extend(children)
        branch_id += 1
    return VesselTree(
        xy=np.stack([np.asarray(xs), np.asarray(ys)], axis=1),
        radius=np.asarray(radii),
        kind=np.asarray(kinds, dtype=np.int8),
        branch=np.asarray(branches, dtype=np.int32),
    )


def _trunk(
    anatomy: Anatomy, heading: float, target: float | None, radius: float, kind: int,
    rng: np.random.Generator,
) -> _Walker:
    heading += rng.normal(0.0, 0.08)
    x = anatomy.disc[0] + 0.3 * anatomy.disc_radius * math.cos(heading)
    y = anatomy.disc[1] + 0.3 * anatomy.disc_radius * math.sin(heading)
    radius *= rng.uniform(0.88, 1.12)
    return _Walker(x, y, heading, radius, kind, 0, target)


def _grow_branch(
    w: _Walker,
    anatomy: Anatomy,
    rng: np.random.Generator,
    branch_id: int,
    xs: list[float],
    ys: list[float],
    radii: list[float],
    kinds: list[int],
    branches: list[int],
) -> list[_Walker]:
    """Walk one branch until it bifurcates or dies; return its children."""
    fx, fy = anatomy.fovea
    avoid = 2.2 * anatomy.disc_radius  # macular region the arcades bend around
    free_zone = 0.5 * anatomy.disc_radius  # avascular fovea: nothing enters it
    limit = anatomy.fov_radius * 1.03
    length = rng.uniform(14.0, 30.0) * w.radius + 0.02
    n_steps = max(2, int(length / STEP))
    noise = rng.normal(0.0, 0.012, size=n_steps)
    taper = 0.9985

    def emit() -> None:
        xs.append(w.x)
        ys.append(w.y)
        radii.append(w.radius)
        kinds.append(w.kind)
        branches.append(branch_id)

    emit()
    for i in range(n_steps):
        w.turn = 0.9 * w.turn + noise[i]
        steer = 0.0
        if w.target is not None:  # trunks curl towards their target direction
            steer += 0.03 * math.sin(w.target - w.heading)
        dx, dy = w.x - fx, w.y - fy
        dist = math.hypot(dx, dy)
        if dist < avoid:  # turn away from the macula, harder when closer
            away = math.atan2(dy, dx)
            steer += 0.15 * (1.0 - dist / avoid) * math.sin(away - w.heading)
        w.heading += w.turn + steer
        w.x += STEP * math.cos(w.heading)
        w.y += STEP * math.sin(w.heading)
        w.radius *= taper
        emit()
        if dist < free_zone or math.hypot(w.x - 0.5, w.y - 0.5) > limit or w.radius < MIN_RADIUS:
            return []
    if w.depth >= MAX_DEPTH:
        return []
    return _bifurcate(w, rng)


def _bifurcate(w: _Walker, rng: np.random.Generator) -> list[_Walker]:
    """Split by Murray's law; the thinner child turns 25-45 degrees, the thicker one less."""
    # Trunks mostly shed thin side branches; deeper vessels split more evenly.
    ratio = rng.uniform(0.3, 0.75) if w.depth < 2 else rng.uniform(0.5, 1.0)
    major = w.radius / (1.0 + ratio**3) ** (1.0 / 3.0)
    minor = ratio * major
    side = 1.0 if rng.random() < 0.5 else -1.0
    angle = math.radians(rng.uniform(25.0, 45.0))
    children = [
        _Walker(w.x, w.y, w.heading - side * angle * ratio**2, major, w.kind, w.depth + 1, w.target),
        _Walker(w.x, w.y, w.heading + side * angle, minor, w.kind, w.depth + 1, None),
    ]
    return [c for c in children if c.radius >= MIN_RADIUS]
