"""Series generators and discriminators: shapes, conditioning, losses through LossContext."""

from __future__ import annotations

import pytest
import torch
from ganzoo_smartgrid.configs import (
    SeriesConvDiscriminatorConfig,
    SeriesConvGeneratorConfig,
    SeriesRNNDiscriminatorConfig,
    SeriesRNNGeneratorConfig,
)
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
CONFIGS = {
    SeriesConvGenerator: SeriesConvGeneratorConfig,
    SeriesConvDiscriminator: SeriesConvDiscriminatorConfig,
    SeriesRNNGenerator: SeriesRNNGeneratorConfig,
    SeriesRNNDiscriminator: SeriesRNNDiscriminatorConfig,
}


def _build(cls: type[torch.nn.Module], **params) -> torch.nn.Module:
    """A model built as the registry builds it: from its validated config object."""
    return cls(CONFIGS[cls](**params))


def _onehot(n: int, k: int) -> torch.Tensor:
    return torch.nn.functional.one_hot(torch.arange(n) % k, k).float()


@pytest.mark.parametrize(("gen_cls", "disc_cls", "size"), PAIRS)
@pytest.mark.parametrize("length", [48, 96, 25])
def test_shapes_and_range(gen_cls, disc_cls, size, length: int) -> None:
    g = _build(gen_cls, out_channels=2, length=length, condition_dim=5, **size)
    d = _build(disc_cls, in_channels=2, length=length, condition_dim=5, **size)
    cond = _onehot(4, 5)
    x = g(g.sample_latent(4), cond)
    assert x.shape == (4, 2, length)
    assert x.abs().max() <= 1.0
    assert d(x, cond).shape == (4,)


@pytest.mark.parametrize(("gen_cls", "disc_cls", "size"), PAIRS)
def test_labels_change_the_output(gen_cls, disc_cls, size) -> None:
    torch.manual_seed(0)
    g = _build(gen_cls, length=24, condition_dim=3, **size).eval()
    d = _build(disc_cls, length=24, condition_dim=3, **size)
    z = g.sample_latent(1).repeat(2, *([1] * (g.sample_latent(1).ndim - 1)))
    cond = _onehot(2, 3)
    out = g(z, cond)
    assert not torch.allclose(out[0], out[1])
    x = out[:1].repeat(2, 1, 1)
    scores = d(x, cond)
    assert not torch.allclose(scores[0], scores[1])


@pytest.mark.parametrize(("gen_cls", "disc_cls", "size"), PAIRS)
def test_condition_mismatch_is_an_error(gen_cls, disc_cls, size) -> None:
    g = _build(gen_cls, length=24, condition_dim=3, **size)
    with pytest.raises(ValueError, match=r"condition vector of shape \(N, 3\)"):
        g(g.sample_latent(2), None)
    d = _build(disc_cls, length=24, **size)
    with pytest.raises(ValueError, match="unconditional"):
        d(torch.zeros(2, 1, 24), _onehot(2, 3))


def test_latent_is_seeded() -> None:
    g = _build(SeriesRNNGenerator, length=12, latent_dim=3)
    a = g.sample_latent(2, generator=torch.Generator().manual_seed(1))
    b = g.sample_latent(2, generator=torch.Generator().manual_seed(1))
    assert a.shape == (2, 12, 3) and torch.equal(a, b)


@pytest.mark.parametrize(("gen_cls", "disc_cls", "size"), PAIRS)
def test_wgan_gp_step_updates_both_networks(gen_cls, disc_cls, size) -> None:
    """The recommended losses run through the engine's LossContext, double backward included."""
    torch.manual_seed(0)
    g = _build(gen_cls, length=24, condition_dim=3, **size)
    d = _build(disc_cls, length=24, condition_dim=3, **size)
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


def _interior_second_difference(x: torch.Tensor, margin: int) -> float:
    """Largest |x[t+1] - 2 x[t] + x[t-1]| away from the zero-padded ends, relative to max |x|.

    0 (up to rounding) for a straight line.
    """
    d2 = x[..., 2:] - 2 * x[..., 1:-1] + x[..., :-2]
    return float(d2[..., margin:-margin].abs().max() / x.abs().max())


@pytest.mark.parametrize("seed", range(3))
def test_linear_upsampling_maps_a_ramp_to_a_ramp(seed: int) -> None:
    """The zig-zag fix: a smooth (linear) low-resolution signal stays smooth for ANY conv weights.

    With nearest doubling the ramp becomes a staircase, and a convolution of a staircase
    alternates between two slopes; linear interpolation keeps a ramp, and a convolution of a ramp
    is a ramp, so the generator has no built-in period-2 artefact to unlearn.
    """
    torch.manual_seed(seed)
    ramp = torch.linspace(-1, 1, 12) * torch.randn(1, 32, 1) + torch.randn(1, 32, 1)  # 32 = seed width
    zigzag = {}
    for mode in ("linear", "nearest"):
        g = _build(SeriesConvGenerator, length=48, base_channels=8, n_blocks=2, kernel_size=5, norm="none",
                   upsample=mode)
        upsample_and_conv = g.blocks[:2]  # the first block before its activation
        with torch.no_grad():
            for p in upsample_and_conv.parameters():
                p.normal_()
            zigzag[mode] = _interior_second_difference(upsample_and_conv(ramp), margin=3)
    assert zigzag["linear"] < 1e-5
    assert zigzag["nearest"] > 0.02  # the measure does detect the old artefact


def test_generator_config_defaults_keep_old_checkpoints() -> None:
    """Old checkpoints store no ``upsample``: the default must rebuild the nearest-neighbour net."""
    g = ganzoo.create("generator", "series-conv", length=48, base_channels=8)
    assert [m.mode for m in g.modules() if isinstance(m, torch.nn.Upsample)] == ["nearest"] * 3
    g = ganzoo.create("generator", "series-conv", length=48, base_channels=8, upsample="linear")
    assert [m.mode for m in g.modules() if isinstance(m, torch.nn.Upsample)] == ["linear"] * 3
    with pytest.raises(ganzoo.GanzooError, match="upsample"):
        ganzoo.create("generator", "series-conv", upsample="cubic")


def _lag1_correlation_of_steps(x: torch.Tensor) -> float:
    """Mean lag-1 autocorrelation of x[t+1] - x[t] per series: about -0.5 for a zig-zag."""
    d = x.diff(dim=-1)
    d = d - d.mean(-1, keepdim=True)
    return float(((d[..., 1:] * d[..., :-1]).sum(-1) / (d * d).sum(-1)).mean())


def test_pooling_critic_gradient_does_not_alternate() -> None:
    """What the generator learns from is the critic's input gradient; 'pool' must not zig-zag it."""
    correlation = {}
    for mode in ("pool", "stride"):
        values = []
        for seed in range(5):
            torch.manual_seed(seed)
            d = _build(SeriesConvDiscriminator, length=48, base_channels=8, downsample=mode)
            x = (0.3 * torch.randn(64, 1, 1)).expand(-1, -1, 48).clone().requires_grad_(True)
            (grad,) = torch.autograd.grad(d(x).sum(), x)
            values.append(_lag1_correlation_of_steps(grad))
        correlation[mode] = sum(values) / len(values)
    assert correlation["pool"] > -0.25
    assert correlation["stride"] < -0.35  # stride 2 with an odd kernel: even and odd steps differ


def _noisy_pair(**params: object) -> tuple[SeriesConvGenerator, SeriesConvGenerator]:
    """The same seeded initialisation without and with step noise."""
    torch.manual_seed(0)
    plain = _build(SeriesConvGenerator, length=48, condition_dim=3, base_channels=8, upsample="linear", **params)
    torch.manual_seed(0)
    noisy = _build(SeriesConvGenerator, length=48, condition_dim=3, base_channels=8, upsample="linear",
                   step_noise=True, **params)
    return plain, noisy


def test_step_noise_off_keeps_the_checkpoint_layout_and_on_adds_only_scales() -> None:
    plain, noisy = _noisy_pair()
    assert not any("noise" in key for key in plain.state_dict())
    assert plain.sample_latent(2).shape == (2, 64)
    extra = set(noisy.state_dict()) - set(plain.state_dict())
    assert extra == {"noise_scales.0", "noise_scales.1"}
    assert noisy.noise_lengths == [24, 48]  # the last two blocks
    assert noisy.sample_latent(2).shape == (2, 64 + 24 + 48)
    with pytest.raises(ValueError, match=r"\(N, 136\)"):
        noisy(plain.sample_latent(2), _onehot(2, 3))


@pytest.mark.parametrize("train", [False, True])
def test_zero_step_noise_scale_gives_exactly_the_plain_output(train: bool) -> None:
    plain, noisy = _noisy_pair()
    plain.train(train), noisy.train(train)
    z = noisy.sample_latent(6, generator=torch.Generator().manual_seed(1))
    cond = _onehot(6, 3)
    assert torch.equal(plain(z[:, :64], cond), noisy(z, cond))


def test_nonzero_step_noise_changes_the_output_only_through_the_noise() -> None:
    _, g = _noisy_pair()
    g.eval()
    with torch.no_grad():
        for scale in g.noise_scales:
            scale.fill_(0.5)
    cond = _onehot(4, 3)
    z1 = g.sample_latent(4, generator=torch.Generator().manual_seed(1))
    z2 = g.sample_latent(4, generator=torch.Generator().manual_seed(2))
    same_day = torch.cat([z1[:, :64], z2[:, 64:]], dim=1)  # seed 1's day noise, seed 2's step noise
    out1, out2 = g(z1, cond), g(same_day, cond)
    assert (out1 - out2).abs().amax(dim=-1).min() > 1e-3  # every sample's texture changes
    with torch.no_grad():
        for scale in g.noise_scales:
            scale.zero_()
    assert torch.equal(g(z1, cond), g(same_day, cond))


def test_step_noise_scales_learn_from_zero() -> None:
    """At zero scale the gradient w.r.t. the scale is sum(grad * noise), not zero: training can open it."""
    _, g = _noisy_pair()
    g(g.sample_latent(8), _onehot(8, 3)).pow(2).mean().backward()
    assert all(scale.grad is not None and scale.grad.abs().sum() > 0 for scale in g.noise_scales)


def test_seeded_sampling_with_step_noise_is_reproducible() -> None:
    from ganzoo.data.spec import DataSpec
    from ganzoo.engine.sampler import Sampler

    _, g = _noisy_pair()
    with torch.no_grad():
        for scale in g.noise_scales:
            scale.fill_(0.5)
    sampler = Sampler(g, DataSpec("series", (1, 48), condition="label", condition_shape=(3,)))
    torch.manual_seed(10)
    a = sampler.sample(5, condition=1, seed=3)
    torch.manual_seed(11)  # the global RNG must not matter
    b = sampler.sample(5, condition=1, seed=3)
    assert torch.equal(a, b)
    assert not torch.allclose(a, sampler.sample(5, condition=1, seed=4))
