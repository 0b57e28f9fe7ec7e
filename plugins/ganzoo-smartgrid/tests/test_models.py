"""Series generators and discriminators: shapes, conditioning, losses through LossContext."""

from __future__ import annotations

import pytest
import torch
from ganzoo_smartgrid.models import (
    SeriesConvDiscriminator,
    SeriesConvGenerator,
    SeriesRNNDiscriminator,
    SeriesRNNGenerator,
)

import ganzoo
from ganzoo.engine.context import LossContext

PAIRS = [
    (SeriesConvGenerator, SeriesConvDiscriminator, {"base_channels": 8}),
    (SeriesRNNGenerator, SeriesRNNDiscriminator, {"hidden_dim": 8}),
]


def _onehot(n: int, k: int) -> torch.Tensor:
    return torch.nn.functional.one_hot(torch.arange(n) % k, k).float()


@pytest.mark.parametrize(("gen_cls", "disc_cls", "size"), PAIRS)
@pytest.mark.parametrize("length", [48, 96, 25])
def test_shapes_and_range(gen_cls, disc_cls, size, length: int) -> None:
    g = gen_cls(out_channels=2, length=length, condition_dim=5, **size)
    d = disc_cls(in_channels=2, length=length, condition_dim=5, **size)
    cond = _onehot(4, 5)
    x = g(g.sample_latent(4), cond)
    assert x.shape == (4, 2, length)
    assert x.abs().max() <= 1.0
    assert d(x, cond).shape == (4,)


@pytest.mark.parametrize(("gen_cls", "disc_cls", "size"), PAIRS)
def test_labels_change_the_output(gen_cls, disc_cls, size) -> None:
    torch.manual_seed(0)
    g = gen_cls(length=24, condition_dim=3, **size).eval()
    d = disc_cls(length=24, condition_dim=3, **size)
    z = g.sample_latent(1).repeat(2, *([1] * (g.sample_latent(1).ndim - 1)))
    cond = _onehot(2, 3)
    out = g(z, cond)
    assert not torch.allclose(out[0], out[1])
    x = out[:1].repeat(2, 1, 1)
    scores = d(x, cond)
    assert not torch.allclose(scores[0], scores[1])


@pytest.mark.parametrize(("gen_cls", "disc_cls", "size"), PAIRS)
def test_condition_mismatch_is_an_error(gen_cls, disc_cls, size) -> None:
    g = gen_cls(length=24, condition_dim=3, **size)
    with pytest.raises(ValueError, match=r"label vector of shape \(N, 3\)"):
        g(g.sample_latent(2), None)
    d = disc_cls(length=24, **size)
    with pytest.raises(ValueError, match="unconditional"):
        d(torch.zeros(2, 1, 24), _onehot(2, 3))


def test_latent_is_seeded() -> None:
    g = SeriesRNNGenerator(length=12, latent_dim=3)
    a = g.sample_latent(2, generator=torch.Generator().manual_seed(1))
    b = g.sample_latent(2, generator=torch.Generator().manual_seed(1))
    assert a.shape == (2, 12, 3) and torch.equal(a, b)


@pytest.mark.parametrize(("gen_cls", "disc_cls", "size"), PAIRS)
def test_wgan_gp_step_updates_both_networks(gen_cls, disc_cls, size) -> None:
    """The recommended losses run through the engine's LossContext, double backward included."""
    torch.manual_seed(0)
    g = gen_cls(length=24, condition_dim=3, **size)
    d = disc_cls(length=24, condition_dim=3, **size)
    adv = ganzoo.create("loss", "adversarial", mode="wasserstein")
    gp = ganzoo.create("loss", "gradient-penalty")
    real, cond = torch.rand(6, 1, 24) * 2 - 1, _onehot(6, 3)
    fake = g(g.sample_latent(6), cond)
    ctx = LossContext("discriminator", real, fake.detach(), cond, {"x": real, "cond": cond}, d)
    loss = adv.discriminator_loss(ctx) + 10 * gp.discriminator_loss(ctx)
    loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in d.parameters())
    ctx = LossContext("generator", real, fake, cond, {"x": real, "cond": cond}, d)
    adv.generator_loss(ctx).backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in g.parameters())


def test_registry_fills_from_dataspec() -> None:
    g = ganzoo.create("generator", "series-conv", length=96, condition_dim=20, base_channels=8)
    assert g(g.sample_latent(2), _onehot(2, 20)).shape == (2, 1, 96)
    with pytest.raises(ganzoo.GanzooError, match="kernel_size"):
        ganzoo.create("discriminator", "series-conv", kernel_size=4)
    d = ganzoo.create("discriminator", "series-lstm", in_channels=1, length=96, cell="lstm", hidden_dim=4)
    assert d(torch.zeros(3, 1, 96)).shape == (3,)
