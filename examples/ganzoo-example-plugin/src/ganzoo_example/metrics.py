"""ring-coverage: how many of the ring's modes the generator reproduces.

A collapsed GAN puts all its samples on one or two modes; counting covered modes shows it at
once, where a loss curve does not. The geometry comes from the DataSpec saved with the run.
"""

from __future__ import annotations

from typing import Any

from ganzoo_example.data import ring_centres


class RingCoverage:
    """Share of modes with at least ``min_share`` of their expected rows within ``radius_std`` std."""

    def __init__(self, radius_std: float, min_share: float) -> None:
        self.radius_std, self.min_share = radius_std, min_share

    def compute(self, ctx: Any) -> dict[str, dict[str, Any]]:
        meta = ctx.spec.meta
        centres = ring_centres(int(meta["modes"]), float(meta["radius"]))
        fake = ctx.generated().float()
        distance, nearest = (fake[:, None, :] - centres[None]).norm(dim=2).min(dim=1)
        near = distance <= self.radius_std * float(meta["std"])
        counts = nearest[near].bincount(minlength=len(centres))
        expected = len(fake) / len(centres)
        covered = (counts >= self.min_share * expected).float().mean().item()
        protocol = ctx.protocol(modes=len(centres), radius_std=self.radius_std)
        return {
            "ring_coverage": {"value": covered, "better": "higher", **protocol},
            "ring_near_share": {"value": near.float().mean().item(), "better": "higher", **protocol},
        }
