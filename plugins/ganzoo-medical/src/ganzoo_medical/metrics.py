"""``vessel-agreement``: do generated fundus images show the vessels they were asked for?

For paired (vessel mask -> fundus) runs, vessels are re-extracted from each generated image with
the same vesselness recipe that made the ``retina-skimage`` masks ([`ganzoo_medical.vesselness`][ganzoo_medical.vesselness])
and compared with the input mask by Dice. Dice is pooled over all pairs (twice the summed
overlap over the summed sizes), inside the FOV eroded as the extractor erodes it, so the dark rim
counts for neither side.

Threshold, in order of precedence: the metric's ``threshold`` parameter; the threshold that
produced the dataset's masks when the dataset records one (``vessel_threshold`` in the DataSpec
meta, e.g. the Otsu threshold of the whole scikit-image photograph); otherwise Otsu's threshold
of each image. Sato scales come from ``vessel_sigmas`` in the meta, else from the image size
(a whole fundus per image).

The same extraction on the real held-out images is reported as ``real_reference``: the Dice a
generator that reproduced the real photographs exactly would reach. Unpaired runs (CycleGAN on
``unaligned`` data: mask -> fundus without pairs) are scored the same way, because the question
is the same: does the photograph made from a mask show that mask's vessels? Their held-out
photographs belong to other eyes, so the same extraction on them is reported as
``chance_reference``, the Dice of an unrelated real photograph.

The FOV of each pair is derived from its real target image (thresholding, as for datasets without
mask files), because the evaluation context keeps only ``x`` and ``cond`` of held-out samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ganzoo.plugin import ConfigError, DataSpec
from ganzoo_medical.configs import VesselAgreementConfig
from ganzoo_medical.vesselness import (
    EXTRACTOR,
    fov_from_image,
    sigmas_for,
    threshold_vessels,
    vesselness,
)

if TYPE_CHECKING:
    from ganzoo.plugin import EvalContext


def vessel_dice(
    generated: np.ndarray,
    masks: np.ndarray,
    fov: np.ndarray,
    sigmas: Sequence[float],
    threshold: float | None = None,
) -> float:
    """Pooled Dice between ``masks`` and vessels extracted from ``generated``.

    Args:
        generated: (N, H, W, C) or (N, H, W) images in [0, 1].
        masks: (N, H, W) bool input vessel masks.
        fov: (N, H, W) bool field-of-view masks.
        sigmas: Sato scales in pixels.
        threshold: fixed vesselness threshold; ``None`` = Otsu per image.

    Returns 1.0 when neither side has any vessel pixel.
    """
    overlap = total = 0
    for image, mask, field in zip(generated, masks, fov, strict=True):
        response, region = vesselness(image, field, sigmas)
        found, _ = threshold_vessels(response, region, sigmas, threshold)
        truth = mask & region
        overlap += int(np.count_nonzero(found & truth))
        total += int(np.count_nonzero(found)) + int(np.count_nonzero(truth))
    return 1.0 if total == 0 else 2.0 * overlap / total


class VesselAgreement:
    """Dice between input vessel masks and vessels re-extracted from generated fundus images."""

    def __init__(self, config: VesselAgreementConfig) -> None:
        self.threshold = config.threshold
        self.max_pairs = config.max_pairs

    @staticmethod
    def applies_to(spec: DataSpec) -> bool:
        """Runs by default only on retina data: (un)paired images conditioned on a 1-channel vessel mask.

        The retina datasets mark their DataSpec with ``meta["domain"] = "retina"``; other paired
        image runs (facades, maps, any 1-channel condition that is not a vessel mask) are left
        alone unless the metric is asked for by name, which [`compute`][ganzoo_medical.metrics.VesselAgreement.compute] allows for any
        1-channel-mask pairs.
        """
        return _mask_pairs(spec) and spec.meta.get("domain") == "retina"

    def compute(self, ctx: EvalContext) -> dict[str, dict[str, Any]]:
        spec = ctx.spec
        if not _mask_pairs(spec):
            raise ConfigError(
                "vessel-agreement needs paired or unpaired image data with a 1-channel vessel mask as condition; "
                f"this run has {spec.modality} data with condition {spec.condition!r}"
            )
        real = ctx.real()
        n = min(self.max_pairs, len(real.x))
        fake = _channels_last(ctx.to_unit(ctx.generated()[:n]))
        target = _channels_last(ctx.to_unit(real.x[:n]))
        masks = ctx.to_unit(real.cond[:n])[:, 0].numpy() >= 0.5
        fov = np.stack([fov_from_image(image) for image in target])
        sigmas = tuple(spec.meta.get("vessel_sigmas") or sigmas_for(spec.shape[-1]))
        threshold = self.threshold if self.threshold is not None else spec.meta.get("vessel_threshold")
        value = vessel_dice(fake, masks, fov, sigmas, threshold)
        reference = vessel_dice(target, masks, fov, sigmas, threshold)
        reference_key = "real_reference" if spec.condition == "paired" else "chance_reference"
        protocol = ctx.protocol(
            n_pairs=n,
            extractor=EXTRACTOR,
            sigmas=list(sigmas),
            threshold=threshold if threshold is not None else "otsu per image",
            **{reference_key: reference},
            aggregation="pooled over pairs",
            better="higher",
        )
        return {"vessel-dice": {"value": value, **protocol}}


def _mask_pairs(spec: DataSpec) -> bool:
    """Paired or unpaired image data whose condition has one channel (a mask)."""
    return spec.modality == "image" and spec.condition in ("paired", "unpaired") and spec.condition_shape[:1] == (1,)


def _channels_last(images: Any) -> np.ndarray:
    """(N, C, H, W) tensor -> (N, H, W, C) numpy."""
    return images.permute(0, 2, 3, 1).numpy()
