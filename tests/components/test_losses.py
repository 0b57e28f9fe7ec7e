"""Built-in loss terms: values against hand-written formulas and the reference loops, gradients."""

from __future__ import annotations

import math

import pydantic
import pytest
import torch
import torch.nn.functional as F
from torch import Tensor, nn

import ganzoo
from ganzoo.components.configs import (
    AdversarialLossConfig,
    GradientPenaltyConfig,
    L1Config,
    R1Config,
)
from ganzoo.components.losses import AdversarialLoss, GradientPenalty, L1Loss, R1Penalty
from ganzoo.engine.context import LossContext, Phase
from ganzoo.registry.errors import ConfigError, DataError
from ganzoo.registry.protocols import Loss

MODES = ["vanilla", "nonsaturating", "lsgan", "hinge", "wasserstein"]


class Passthrough(nn.Module):
    """A 'discriminator' whose logits are its input: the samples below ARE the logits."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def forward(self, x: Tensor, cond: Tensor | None = None) -> Tensor:
        self.calls += 1
        return x


class LinearCritic(nn.Module):
    """D(x) = <w, x> per sample, optionally seeing a paired condition concatenated before x."""

    def __init__(self, weight: Tensor, cond_weight: Tensor | None = None) -> None:
        super().__init__()
        self.w = nn.Parameter(weight.clone())
        self.v = None if cond_weight is None else nn.Parameter(cond_weight.clone())

    def forward(self, x: Tensor, cond: Tensor | None = None) -> Tensor:
        if self.v is None:
            return (x * self.w).flatten(1).sum(1)
        assert cond is not None, "a paired critic must receive the condition"
        full = torch.cat((cond, x), dim=1)
        return (full * torch.cat((self.v, self.w), dim=0)).flatten(1).sum(1)


class QuadraticCritic(nn.Module):
    """D(x) = 0.5 * ||x||^2 per sample, whose input gradient is x itself."""

    def forward(self, x: Tensor, cond: Tensor | None = None) -> Tensor:
        return 0.5 * x.flatten(1).pow(2).sum(1)


def make_ctx(
    real: Tensor,
    fake: Tensor,
    discriminator: nn.Module,
    *,
    phase: Phase = "discriminator",
    cond: Tensor | None = None,
    batch: dict[str, Tensor] | None = None,
    d_step: int = 0,
) -> LossContext:
    return LossContext(
        phase=phase,
        real=real,
        fake=fake,
        cond=cond,
        batch={"x": real} if batch is None else batch,
        discriminator=discriminator,
        d_step=d_step,
    )


def scaled(shape: tuple[int, ...], norm: float) -> Tensor:
    """A fixed random weight tensor of the given shape and Frobenius norm."""
    w = torch.randn(shape, generator=torch.Generator().manual_seed(3))
    return w * (norm / w.norm())


# Fixed logits spanning both signs and both sides of the hinge margins.
D_REAL = torch.tensor([2.0, 0.5, -0.3, -1.5, 1.2, 0.0])
D_FAKE = torch.tensor([-2.5, -0.7, 0.4, 1.8, -1.1, 0.9])


def _log_sigmoid(x: Tensor) -> Tensor:
    return torch.log(torch.sigmoid(x.double()))


def _log_one_minus_sigmoid(x: Tensor) -> Tensor:
    return torch.log(1.0 - torch.sigmoid(x.double()))


# Hand-written references, in float64: (real term, fake term, generator loss).
EXPECTED: dict[str, tuple[float, float, float]] = {
    "vanilla": (
        -_log_sigmoid(D_REAL).mean().item(),
        -_log_one_minus_sigmoid(D_FAKE).mean().item(),
        _log_one_minus_sigmoid(D_FAKE).mean().item(),
    ),
    "nonsaturating": (
        -_log_sigmoid(D_REAL).mean().item(),
        -_log_one_minus_sigmoid(D_FAKE).mean().item(),
        -_log_sigmoid(D_FAKE).mean().item(),
    ),
    "lsgan": (
        ((D_REAL.double() - 1) ** 2).mean().item(),
        (D_FAKE.double() ** 2).mean().item(),
        ((D_FAKE.double() - 1) ** 2).mean().item(),
    ),
    "hinge": (
        torch.clamp(1 - D_REAL.double(), min=0).mean().item(),
        torch.clamp(1 + D_FAKE.double(), min=0).mean().item(),
        -D_FAKE.double().mean().item(),
    ),
    "wasserstein": (
        -D_REAL.double().mean().item(),
        D_FAKE.double().mean().item(),
        -D_FAKE.double().mean().item(),
    ),
}


# --- adversarial -----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_adversarial_values_match_hand_written_formulas(mode: str, reduction: str) -> None:
    loss = AdversarialLoss(AdversarialLossConfig(mode=mode, d_reduction=reduction))
    real_term, fake_term, g_expected = EXPECTED[mode]
    d_expected = (real_term + fake_term) * (0.5 if reduction == "mean" else 1.0)
    d_ctx = make_ctx(D_REAL, D_FAKE, Passthrough())
    g_ctx = make_ctx(D_REAL, D_FAKE, Passthrough(), phase="generator")
    assert loss.discriminator_loss(d_ctx).item() == pytest.approx(d_expected, abs=1e-5)
    assert loss.generator_loss(g_ctx).item() == pytest.approx(g_expected, abs=1e-5)


def _pix2pix_gan_loss(logits: Tensor, real: bool) -> Tensor:
    """Copied from baselines/baseline_pix2pix.py (junyanz GANLoss with gan_mode 'vanilla')."""
    logits = logits.float()
    target = torch.ones_like(logits) if real else torch.zeros_like(logits)
    return F.binary_cross_entropy_with_logits(logits, target)


def test_nonsaturating_mean_reproduces_the_pix2pix_reference_on_patch_maps() -> None:
    gen = torch.Generator().manual_seed(0)
    pred_real = torch.randn(2, 1, 30, 30, generator=gen) * 2
    pred_fake = torch.randn(2, 1, 30, 30, generator=gen) * 2
    loss = AdversarialLoss(AdversarialLossConfig(mode="nonsaturating", d_reduction="mean"))
    d = loss.discriminator_loss(make_ctx(pred_real, pred_fake, Passthrough()))
    g = loss.generator_loss(make_ctx(pred_real, pred_fake, Passthrough(), phase="generator"))
    d_ref = 0.5 * (_pix2pix_gan_loss(pred_fake, False) + _pix2pix_gan_loss(pred_real, True))
    torch.testing.assert_close(d, d_ref)
    torch.testing.assert_close(g, _pix2pix_gan_loss(pred_fake, True))


def test_nonsaturating_sum_reproduces_the_dcgan_reference_on_vectors() -> None:
    """pytorch/examples DCGAN: BCE on sigmoid outputs, loss_D = loss_real + loss_fake."""
    gen = torch.Generator().manual_seed(1)
    logits_real, logits_fake = torch.randn(8, generator=gen), torch.randn(8, generator=gen)
    loss = AdversarialLoss(AdversarialLossConfig(mode="nonsaturating", d_reduction="sum"))
    d = loss.discriminator_loss(make_ctx(logits_real, logits_fake, Passthrough()))
    g = loss.generator_loss(make_ctx(logits_real, logits_fake, Passthrough(), phase="generator"))
    p_real, p_fake = torch.sigmoid(logits_real), torch.sigmoid(logits_fake)
    d_ref = F.binary_cross_entropy(p_real, torch.ones(8)) + F.binary_cross_entropy(p_fake, torch.zeros(8))
    torch.testing.assert_close(d, d_ref)
    torch.testing.assert_close(g, F.binary_cross_entropy(p_fake, torch.ones(8)))


def _generator_gradient(mode: str, fake_logit: float) -> float:
    fake = torch.tensor([fake_logit], requires_grad=True)
    ctx = make_ctx(torch.zeros(1), fake, Passthrough(), phase="generator")
    AdversarialLoss(AdversarialLossConfig(mode=mode)).generator_loss(ctx).backward()
    assert fake.grad is not None
    return fake.grad.item()


def test_vanilla_generator_saturates_and_nonsaturating_does_not() -> None:
    # A confident discriminator (fake logit -> -inf): the minimax gradient -sigmoid(x) vanishes ...
    assert abs(_generator_gradient("vanilla", -20.0)) < 1e-8
    # ... while the non-saturating one, -sigmoid(-x), stays at full strength.
    assert _generator_gradient("nonsaturating", -20.0) == pytest.approx(-1.0, abs=1e-6)
    # Near the decision boundary both push the fake logit up, by the same amount at 0.
    assert _generator_gradient("vanilla", 0.0) == pytest.approx(-0.5)
    assert _generator_gradient("nonsaturating", 0.0) == pytest.approx(-0.5)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", [(3, 1, 30, 30), (3,)], ids=["patchgan", "vector"])
def test_adversarial_averages_any_logit_shape(mode: str, shape: tuple[int, ...]) -> None:
    gen = torch.Generator().manual_seed(2)
    real, fake = torch.randn(shape, generator=gen), torch.randn(shape, generator=gen)
    d = AdversarialLoss(AdversarialLossConfig(mode=mode)).discriminator_loss(make_ctx(real, fake, Passthrough()))
    g = AdversarialLoss(AdversarialLossConfig(mode=mode)).generator_loss(make_ctx(real, fake, Passthrough()))
    assert d.shape == () and g.shape == ()
    # Mean over all elements: flattening the logits changes nothing.
    flat = make_ctx(real.flatten(), fake.flatten(), Passthrough())
    torch.testing.assert_close(AdversarialLoss(AdversarialLossConfig(mode=mode)).discriminator_loss(flat), d)


def test_adversarial_runs_in_float32_on_bf16_logits() -> None:
    real = D_REAL.to(torch.bfloat16)
    fake = D_FAKE.to(torch.bfloat16)
    d = AdversarialLoss(AdversarialLossConfig(mode="nonsaturating")).discriminator_loss(make_ctx(real, fake, Passthrough()))
    assert d.dtype == torch.float32
    expected = F.binary_cross_entropy_with_logits(real.float(), torch.ones(6)) + F.binary_cross_entropy_with_logits(
        fake.float(), torch.zeros(6)
    )
    torch.testing.assert_close(d, expected)


def test_adversarial_terms_share_one_discriminator_forward() -> None:
    disc = Passthrough()
    ctx = make_ctx(D_REAL, D_FAKE, disc)
    AdversarialLoss(AdversarialLossConfig(mode="hinge")).discriminator_loss(ctx)
    AdversarialLoss(AdversarialLossConfig(mode="lsgan")).discriminator_loss(ctx)
    assert disc.calls == 2  # once for the real batch, once for the fake batch


def test_adversarial_config_rejects_unknown_mode() -> None:
    with pytest.raises(pydantic.ValidationError, match="mode"):
        AdversarialLossConfig(mode="relativistic")  # type: ignore[arg-type]


# --- gradient penalty ------------------------------------------------------------------------

SAMPLE_SHAPES = [(3, 4, 4), (2, 8), (5,)]
SHAPE_IDS = ["image", "series", "table"]


def _pair(shape: tuple[int, ...], n: int = 4) -> tuple[Tensor, Tensor]:
    gen = torch.Generator().manual_seed(5)
    return torch.randn((n, *shape), generator=gen), torch.randn((n, *shape), generator=gen)


@pytest.mark.parametrize("shape", SAMPLE_SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize(("norm", "expected"), [(1.0, 0.0), (3.0, 4.0)])
def test_gradient_penalty_on_a_linear_critic(shape: tuple[int, ...], norm: float, expected: float) -> None:
    real, fake = _pair(shape)
    critic = LinearCritic(scaled(shape, norm))
    penalty = GradientPenalty(GradientPenaltyConfig(target=1.0)).discriminator_loss(make_ctx(real, fake, critic))
    assert penalty.shape == ()
    assert penalty.item() == pytest.approx(expected, abs=1e-5)


def test_gradient_penalty_backpropagates_into_the_critic() -> None:
    real, fake = _pair((3, 4, 4))
    w = scaled((3, 4, 4), 3.0)
    critic = LinearCritic(w)
    GradientPenalty(GradientPenaltyConfig()).discriminator_loss(make_ctx(real, fake, critic)).backward()
    # d/dw (||w|| - 1)^2 = 2 (||w|| - 1) w / ||w||: needs the double-backward graph.
    assert critic.w.grad is not None
    torch.testing.assert_close(critic.w.grad, 2 * (3.0 - 1.0) * w / 3.0)


def test_gradient_penalty_norm_is_per_sample_around_the_target() -> None:
    # real == fake pins the interpolate, whatever alpha is; for D = 0.5 ||x||^2, grad = x.
    x = torch.tensor([[3.0, 4.0], [0.0, 1.0], [1.0, 0.0], [0.0, 0.5]])
    penalty = GradientPenalty(GradientPenaltyConfig(target=2.0)).discriminator_loss(make_ctx(x, x.clone(), QuadraticCritic()))
    expected = ((torch.tensor([5.0, 1.0, 1.0, 0.5]) - 2.0) ** 2).mean()
    torch.testing.assert_close(penalty, expected)


def test_gradient_penalty_interpolates_between_real_and_fake() -> None:
    # D = 0.5 ||x||^2 in 1-D: gradient norm |x_hat| must lie between the real and fake values.
    real = torch.full((64, 1), 2.0)
    fake = torch.full((64, 1), 4.0)
    torch.manual_seed(0)
    penalty = GradientPenalty(GradientPenaltyConfig(target=0.0)).discriminator_loss(make_ctx(real, fake, QuadraticCritic()))
    # E[x_hat^2] for x_hat uniform on [2, 4] is 28/3; 64 samples land well inside (4, 16).
    assert 4.0 < penalty.item() < 16.0
    assert penalty.item() == pytest.approx(28 / 3, rel=0.2)


def test_gradient_penalty_passes_the_condition_unchanged() -> None:
    real, fake = _pair((3, 4, 4))
    cond = torch.randn(4, 2, 4, 4)
    critic = LinearCritic(scaled((3, 4, 4), 3.0), cond_weight=scaled((2, 4, 4), 7.0))
    penalty = GradientPenalty(GradientPenaltyConfig()).discriminator_loss(make_ctx(real, fake, critic, cond=cond))
    # Only the gradient w.r.t. x counts; the condition's weight does not enter the norm.
    assert penalty.item() == pytest.approx(4.0, abs=1e-5)


def test_gradient_penalty_leaves_the_generator_alone() -> None:
    real, fake_source = _pair((2, 8))
    g_param = nn.Parameter(torch.ones(()))
    fake = fake_source * g_param  # carries a generator graph, as ctx.fake might
    loss = GradientPenalty(GradientPenaltyConfig())
    # The quadratic critic's input gradient is the interpolate, so any graph into G would show.
    loss.discriminator_loss(make_ctx(real, fake, QuadraticCritic())).backward()
    assert g_param.grad is None
    assert loss.generator_loss(make_ctx(real, fake, QuadraticCritic(), phase="generator")) is None


def test_gradient_penalty_under_bf16_autocast_is_float32_and_correct() -> None:
    real, fake = _pair((3, 4, 4))
    critic = LinearCritic(scaled((3, 4, 4), 3.0))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        penalty = GradientPenalty(GradientPenaltyConfig()).discriminator_loss(make_ctx(real, fake, critic))
    assert penalty.dtype == torch.float32
    assert penalty.item() == pytest.approx(4.0, rel=0.03)
    penalty.backward()
    assert critic.w.grad is not None and torch.isfinite(critic.w.grad).all()


class HalfTwoLayerCritic(nn.Module):
    """``w2 * sum(w1 * x)`` computed in float16, like a discriminator under fp16 autocast.

    The input gradient ``w1 * w2`` is formed in the half-precision backward, so with small
    weights it underflows there even though each weight is representable.
    """

    def __init__(self, w1: Tensor, w2: float) -> None:
        super().__init__()
        self.w1 = nn.Parameter(w1.half())
        self.w2 = nn.Parameter(torch.tensor(w2).half())

    def forward(self, x: Tensor, cond: Tensor | None = None) -> Tensor:
        return (x.half() * self.w1).flatten(1).sum(1) * self.w2


def test_input_gradient_scale_keeps_a_tiny_fp16_gradient_from_underflowing() -> None:
    # Entries of w1 * w2 are about 1e-3 * 1e-6 = 1e-9, far below float16's smallest subnormal.
    real, fake = _pair((3, 4, 4))
    w1 = scaled((3, 4, 4), 0.01)
    critic = HalfTwoLayerCritic(w1, 1e-6)
    exact = 0.5 * (critic.w2.float().item() * critic.w1.float().norm().item()) ** 2
    unscaled = R1Penalty(R1Config()).discriminator_loss(make_ctx(real, fake, critic))
    ctx = make_ctx(real, fake, critic)
    ctx.loss_scale = lambda: 2.0**15
    rescued = R1Penalty(R1Config()).discriminator_loss(ctx)
    assert rescued.item() == pytest.approx(exact, rel=0.02)
    assert unscaled.item() < 0.5 * exact


def test_input_gradient_scale_is_undone_exactly_in_float32() -> None:
    real, fake = _pair((3, 4, 4))
    critic = LinearCritic(scaled((3, 4, 4), 3.0))
    torch.manual_seed(0)
    plain = GradientPenalty(GradientPenaltyConfig()).discriminator_loss(make_ctx(real, fake, critic))
    ctx = make_ctx(real, fake, critic)
    ctx.loss_scale = lambda: 1024.0
    torch.manual_seed(0)
    assert GradientPenalty(GradientPenaltyConfig()).discriminator_loss(ctx).item() == pytest.approx(plain.item(), rel=1e-6)


# --- R1 --------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SAMPLE_SHAPES, ids=SHAPE_IDS)
def test_r1_on_a_linear_critic_is_half_the_squared_weight_norm(shape: tuple[int, ...]) -> None:
    real, fake = _pair(shape)
    critic = LinearCritic(scaled(shape, 3.0))
    penalty = R1Penalty(R1Config()).discriminator_loss(make_ctx(real, fake, critic))
    assert penalty is not None
    assert penalty.item() == pytest.approx(0.5 * 9.0, rel=1e-5)
    penalty.backward()
    torch.testing.assert_close(critic.w.grad, critic.w.detach())  # d/dw 0.5 ||w||^2 = w
    assert not real.requires_grad  # the penalty differentiates a copy, not the batch


def test_r1_is_measured_on_real_samples() -> None:
    real = torch.tensor([[3.0, 4.0], [1.0, 0.0]])
    fake = torch.zeros(2, 2)
    penalty = R1Penalty(R1Config()).discriminator_loss(make_ctx(real, fake, QuadraticCritic()))
    assert penalty is not None
    assert penalty.item() == pytest.approx(0.5 * (25.0 + 1.0) / 2)


def test_lazy_r1_skips_steps_and_scales_the_others() -> None:
    real, fake = _pair((5,))
    critic = LinearCritic(scaled((5,), 2.0))
    lazy = R1Penalty(R1Config(every=4))
    values = {step: lazy.discriminator_loss(make_ctx(real, fake, critic, d_step=step)) for step in range(9)}
    assert [step for step, v in values.items() if v is not None] == [0, 4, 8]
    for step in (0, 4, 8):
        assert values[step].item() == pytest.approx(4 * 0.5 * 4.0, rel=1e-5)
    assert lazy.generator_loss(make_ctx(real, fake, critic, phase="generator")) is None


# --- L1 --------------------------------------------------------------------------------------


def test_l1_without_mask_is_the_mean_absolute_error() -> None:
    real = torch.tensor([[1.0, -1.0], [0.5, 0.0]])
    fake = torch.tensor([[0.0, 1.0], [0.5, -1.0]], requires_grad=True)
    loss = L1Loss(L1Config())
    value = loss.generator_loss(make_ctx(real, fake, Passthrough(), phase="generator"))
    assert value.item() == pytest.approx((1 + 2 + 0 + 1) / 4)
    value.backward()
    assert fake.grad is not None and fake.grad.abs().sum() > 0
    assert loss.discriminator_loss(make_ctx(real, fake, Passthrough())) is None


def test_l1_ignores_masked_out_entries() -> None:
    real = torch.tensor([[1.0, 100.0, 0.0], [2.0, 0.0, -50.0]])
    fake = torch.tensor([[0.0, -100.0, 0.0], [0.0, 0.0, 50.0]], requires_grad=True)
    mask = torch.tensor([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
    batch = {"x": real, "mask": mask}
    value = L1Loss(L1Config()).generator_loss(make_ctx(real, fake, Passthrough(), phase="generator", batch=batch))
    assert value.item() == pytest.approx((1 + 0 + 2 + 0) / 4)  # 4 observed entries
    value.backward()
    assert fake.grad is not None
    assert fake.grad[0, 1] == 0 and fake.grad[1, 2] == 0  # missing entries get no signal


def test_l1_broadcasts_a_per_pixel_mask_over_channels() -> None:
    real = torch.zeros(1, 3, 2, 2)
    fake = torch.ones(1, 3, 2, 2)
    fake[..., 0, 0] = 9.0  # wrong only where the mask hides it
    mask = torch.tensor([[[[0, 1], [1, 1]]]], dtype=torch.bool)
    batch = {"x": real, "mask": mask}
    value = L1Loss(L1Config()).generator_loss(make_ctx(real, fake, Passthrough(), batch=batch))
    assert value.item() == pytest.approx(1.0)


def test_l1_with_nothing_observed_is_zero() -> None:
    real, fake = torch.zeros(2, 3), torch.ones(2, 3)
    batch = {"x": real, "mask": torch.zeros(2, 3)}
    value = L1Loss(L1Config()).generator_loss(make_ctx(real, fake, Passthrough(), batch=batch))
    assert value.item() == 0.0 and not math.isnan(value.item())


def test_l1_names_a_mask_of_the_wrong_shape() -> None:
    real, fake = torch.zeros(2, 3), torch.ones(2, 3)
    batch = {"x": real, "mask": torch.ones(2, 4)}
    with pytest.raises(DataError, match=r"batch\['mask'\].*\(2, 4\).*\(2, 3\)"):
        L1Loss(L1Config()).generator_loss(make_ctx(real, fake, Passthrough(), batch=batch))


# --- registry and protocol -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "params", "cls"),
    [
        ("adversarial", {"mode": "hinge"}, AdversarialLoss),
        ("gradient-penalty", {"target": 1.0}, GradientPenalty),
        ("r1", {"every": 16}, R1Penalty),
        ("l1", {}, L1Loss),
    ],
)
def test_created_through_the_registry_and_conform(name: str, params: dict, cls: type) -> None:
    obj = ganzoo.create("loss", name, **params)
    assert isinstance(obj, cls)
    assert isinstance(obj, Loss)
    for key, value in params.items():
        assert getattr(obj, key) == value


def test_registry_defaults_follow_the_references() -> None:
    adv = ganzoo.create("loss", "adversarial")
    assert (adv.mode, adv.d_reduction) == ("nonsaturating", "sum")
    assert ganzoo.create("loss", "adversarial", mode="wasserstein", d_reduction="mean").d_reduction == "mean"
    with pytest.raises(ConfigError, match="mode"):
        ganzoo.create("loss", "adversarial", mode="relativistic")
