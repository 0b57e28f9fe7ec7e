"""vessel-agreement: the pure Dice core and the metric on an EvalContext."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from ganzoo_medical.configs import RetinaProceduralConfig, VesselAgreementConfig
from ganzoo_medical.metrics import VesselAgreement, vessel_dice
from ganzoo_medical.procedural import RetinaProcedural, render_sample
from ganzoo_medical.vesselness import sigmas_for

import ganzoo
from ganzoo.plugin import ConfigError, DataSpec, EvalContext


def _eyes(n: int, size: int = 96) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    samples = [render_sample(0, "val", i, size) for i in range(n)]
    return tuple(np.stack(parts) for parts in zip(*samples, strict=True))  # type: ignore[return-value]


def test_dice_is_high_for_true_images_and_low_for_blank_ones() -> None:
    masks, images, fov = _eyes(3)
    sigmas = sigmas_for(96)
    real = vessel_dice(images, masks, fov, sigmas)
    blank = np.broadcast_to(images[fov].mean(axis=0), images.shape).copy() * fov[..., None]
    assert real > 0.4
    assert vessel_dice(blank, masks, fov, sigmas) < 0.1
    shuffled = vessel_dice(images[::-1].copy(), masks, fov, sigmas)
    assert shuffled < real - 0.15  # someone else's vessels do not agree


def test_dice_of_nothing_against_nothing_is_one() -> None:
    empty = np.zeros((1, 16, 16), dtype=bool)
    flat = np.full((1, 16, 16, 3), 0.5)
    assert vessel_dice(flat, empty, ~empty, (1.0,)) == 1.0


class _Sampler:
    """Translates each held-out mask to its true fundus (oracle) or to grey (blind)."""

    def __init__(self, data: RetinaProcedural, oracle: bool) -> None:
        self.spec = data.describe()
        self.oracle = oracle
        self.lookup = {data[i]["cond"].numpy().tobytes(): data[i]["x"] for i in range(len(data))}

    def sample(self, n: int, condition: torch.Tensor | None = None, seed: int | None = None) -> torch.Tensor:
        assert condition is not None
        if self.oracle:
            return torch.stack([self.lookup[c.numpy().tobytes()] for c in condition])
        return torch.zeros(n, *self.spec.shape)


@pytest.mark.parametrize("oracle", [True, False])
def test_metric_on_an_eval_context(oracle: bool) -> None:
    data = RetinaProcedural(RetinaProceduralConfig(image_size=64, split="val", length=4))
    ctx = EvalContext(_Sampler(data, oracle), data, split="val", n_samples=4, batch_size=2)
    metric = ganzoo.create("metric", "vessel-agreement", max_pairs=3)
    assert VesselAgreement.applies_to(ctx.spec)
    result = metric.compute(ctx)["vessel-dice"]
    assert result["n_pairs"] == 3 and result["split"] == "val"
    assert result["extractor"].startswith("sato")
    assert 0.0 <= result["value"] <= 1.0
    if oracle:
        assert result["value"] == pytest.approx(result["real_reference"])
        assert result["value"] > 0.3
    else:
        assert result["value"] < 0.1


def test_metric_scores_unpaired_mask_to_fundus_runs_against_chance() -> None:
    data = RetinaProcedural(RetinaProceduralConfig(image_size=64, split="val", length=4, unaligned=True))
    truth = RetinaProcedural(RetinaProceduralConfig(image_size=64, split="val", length=4))
    sampler = _Sampler(truth, oracle=True)  # the true photograph of each mask's own eye
    sampler.spec = data.describe()
    ctx = EvalContext(sampler, data, split="val", n_samples=4, batch_size=2)
    assert VesselAgreement.applies_to(ctx.spec)
    result = ganzoo.create("metric", "vessel-agreement").compute(ctx)["vessel-dice"]
    assert "real_reference" not in result
    assert result["value"] > result["chance_reference"] + 0.15


def test_metric_refuses_unconditional_runs() -> None:
    class Ctx:
        spec = DataSpec("image", (3, 32, 32))

    assert not VesselAgreement.applies_to(Ctx.spec)
    with pytest.raises(ConfigError, match="vessel-agreement"):
        VesselAgreement(VesselAgreementConfig()).compute(Ctx())
