"""ring-coverage: how many of the ring's modes the generator reproduces.

A collapsed GAN puts all its samples on one or two modes; counting covered modes shows it at
once, where a loss curve does not. The geometry comes from the DataSpec saved with the run, so
``applies_to`` can tell from the spec alone whether a run is one of rings: ``ganzoo evaluate``
then runs the metric by default.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ganzoo import DataSpec

from ganzoo_example.configs import RingCoverageConfig
from ganzoo_example.data import ring_centres

if TYPE_CHECKING:
    from ganzoo.plugin import EvalContext

#: What `Rings` stores in ``DataSpec.meta`` and the metric reads.
RING_META = ("modes", "radius", "std")


class RingCoverage:
    """Share of modes with at least ``min_share`` of their expected rows within ``radius_std`` std."""

    def __init__(self, config: RingCoverageConfig) -> None:
        self.radius_std, self.min_share = config.radius_std, config.min_share

    @staticmethod
    def applies_to(spec: DataSpec) -> bool:
        """Rows of two columns whose spec carries a ring's geometry (the rings dataset's)."""
        return spec.modality == "table" and spec.shape == (2,) and all(k in spec.meta for k in RING_META)

    def compute(self, ctx: EvalContext) -> dict[str, dict[str, Any]]:
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
