"""Paired image metrics: L1 (MAE), PSNR and SSIM of generated vs. true target images.

For paired (source -> target) data each held-out source is translated and compared with its own
target. Every value is computed per pair and then summarised as mean and standard deviation, so
the spread across images is reported, not only the average.

Conventions (stated in each result's protocol):

* images are rescaled from the DataSpec's value range to [0, 1] first, so L1 is a mean absolute
  error in [0, 1] and PSNR/SSIM use a data range of 1;
* PSNR is capped at [`PSNR_MAX`][ganzoo.metrics.image.PSNR_MAX] dB: a pair of identical images scores 100 dB instead of
  infinity, which keeps means finite and JSON valid (any real generator stays far below);
* SSIM is kornia's Gaussian-window SSIM (window 11, sigma 1.5) over "valid" windows only (no
  padded borders), averaged over the map and the channels — the definition of Wang et al. 2004
  and scikit-image; the window shrinks to the largest odd size that fits tiny images.
"""

from __future__ import annotations

from typing import Any

import kornia
import torch

from ganzoo.metrics.configs import PairedImageConfig
from ganzoo.metrics.context import EvalContext
from ganzoo.registry.errors import ConfigError

#: PSNR reported for identical images (mean squared error 0).
PSNR_MAX = 100.0


def paired_scores(fake: torch.Tensor, real: torch.Tensor, window_size: int = 11) -> dict[str, torch.Tensor]:
    """Per-pair ``l1``, ``psnr`` and ``ssim`` of two ``N x C x H x W`` batches in [0, 1]."""
    if fake.shape != real.shape or fake.dim() != 4:
        raise ValueError(f"expected two image batches of equal shape, got {tuple(fake.shape)} and {tuple(real.shape)}")
    fake, real = fake.float(), real.float()
    l1 = (fake - real).abs().flatten(1).mean(dim=1)
    psnr = torch.stack(
        [kornia.metrics.psnr(f[None], r[None], max_val=1.0) for f, r in zip(fake, real, strict=True)]
    ).clamp(max=PSNR_MAX)
    window = min(window_size, _largest_odd(min(fake.shape[-2:])))
    # "valid" windows only, as Wang et al. 2004 and scikit-image do (no reflected borders)
    ssim = kornia.metrics.ssim(fake, real, window_size=window, max_val=1.0, padding="valid").flatten(1).mean(dim=1)
    return {"l1": l1, "psnr": psnr, "ssim": ssim}


def _largest_odd(n: int) -> int:
    return n if n % 2 else n - 1


class PairedImageMetric:
    """Paired L1/MAE, PSNR and SSIM on held-out (source, target) pairs."""

    better = {"l1": "lower", "psnr": "higher", "ssim": "higher"}

    def __init__(self, config: PairedImageConfig) -> None:
        self.window_size = config.window_size

    @staticmethod
    def applies_to(spec: Any) -> bool:
        """Only paired image data has a true target per generated image."""
        return spec.modality == "image" and spec.condition == "paired"

    def compute(self, ctx: EvalContext) -> dict[str, dict[str, Any]]:
        if not self.applies_to(ctx.spec):
            raise ConfigError(
                f"paired-image needs paired image data; this run has {ctx.spec.modality} data "
                f"with condition {ctx.spec.condition!r}"
            )
        real, fake = ctx.real(), ctx.generated()
        scores = paired_scores(ctx.to_unit(fake), ctx.to_unit(real.x), self.window_size)
        protocol = ctx.protocol(
            feature_extractor="none (pixels)",
            value_range=[0.0, 1.0],
            aggregation="per pair, then mean and sd",
        )
        out: dict[str, dict[str, Any]] = {}
        for name, values in scores.items():
            values = values.double()
            sd = float(values.std(unbiased=False)) if len(values) > 1 else 0.0
            entry = {"value": float(values.mean()), "sd": sd, "better": self.better[name], **protocol}
            if name == "psnr":
                entry["psnr_max"] = PSNR_MAX
            if name == "ssim":
                entry["window_size"] = min(self.window_size, _largest_odd(min(fake.shape[-2:])))
                entry["padding"] = "valid"
            out[name] = entry
        return out
