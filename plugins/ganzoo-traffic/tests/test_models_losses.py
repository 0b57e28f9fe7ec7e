"""Generator activations, the packed critic and the loss terms."""

from __future__ import annotations

import pytest
import torch
from ganzoo_traffic.configs import (
    ConditionalCEConfig,
    CTGANGeneratorConfig,
    MaskedGradientPenaltyConfig,
    MaskedWassersteinConfig,
    PacGANDiscriminatorConfig,
    TargetClassifierConfig,
)
from ganzoo_traffic.losses import (
    ConditionalCrossEntropy,
    MaskedGradientPenalty,
    MaskedWasserstein,
    TargetClassifier,
)
from ganzoo_traffic.models import CTGANGenerator, PacGANDiscriminator

import ganzoo
from ganzoo.engine.context import LossContext
from ganzoo.registry.errors import ConfigError

SPANS = [["tanh", 1], ["softmax", 3], ["softmax", 2], ["tanh", 1]]


def test_generator_applies_tanh_and_gumbel_softmax_per_span() -> None:
    torch.manual_seed(0)
    g = CTGANGenerator(CTGANGeneratorConfig(latent_dim=8, hidden=[16, 16], out_features=7, condition_dim=5, spans=SPANS))
    out = g(g.sample_latent(12), torch.eye(5)[torch.randint(5, (12,))])
    assert out.shape == (12, 7)
    assert out[:, [0, 6]].abs().max() < 1
    torch.testing.assert_close(out[:, 1:4].sum(1), torch.ones(12))
    torch.testing.assert_close(out[:, 4:6].sum(1), torch.ones(12))
    assert (out[:, 1:4].max(1).values > 0.5).float().mean() > 0.7  # tau 0.2: nearly one-hot


def test_seeded_latent_fixes_the_gumbel_choices() -> None:
    g = CTGANGenerator(CTGANGeneratorConfig(latent_dim=8, hidden=[16], out_features=7, spans=SPANS)).eval()
    z = g.sample_latent(50, generator=torch.Generator().manual_seed(3))
    assert z.shape == (50, 8 + 5)  # Gaussian part + one Gumbel entry per one-hot output
    torch.testing.assert_close(z, g.sample_latent(50, generator=torch.Generator().manual_seed(3)))
    with torch.no_grad():
        torch.manual_seed(0)
        a = g(z)
        torch.manual_seed(1)  # the global RNG no longer matters
        assert torch.equal(a, g(z))
        other = z.clone()
        other[:, 8:] = g.sample_latent(50, generator=torch.Generator().manual_seed(4))[:, 8:]
        assert not torch.equal(a[:, 1:6].argmax(1), g(other)[:, 1:6].argmax(1))  # same logits, new draws
        assert g(z[:, :8]).shape == (50, 7)  # Gaussian noise alone: Gumbel noise drawn globally
    try:
        g(z[:, :10])
    except ValueError as err:
        assert "expected 8 or 13" in str(err)
    else:
        raise AssertionError("expected ValueError")


def test_generator_config_rejects_layout_that_does_not_cover_output() -> None:
    with pytest.raises(ConfigError, match=r"generator\.params: .*spans cover 7 outputs, expected out_features = 9"):
        ganzoo.create("generator", "ctgan", out_features=9, spans=SPANS)
    # out_features left to the DataSpec: the layout is checked once it is filled in
    assert CTGANGeneratorConfig(spans=SPANS).spans is not None


def test_pacgan_scores_each_row_with_its_pack_and_pads() -> None:
    torch.manual_seed(0)
    d = PacGANDiscriminator(PacGANDiscriminatorConfig(in_features=4, condition_dim=2, hidden=[8], pac=3)).eval()
    x, cond = torch.randn(6, 4), torch.eye(2)[torch.tensor([0, 1, 0, 1, 0, 1])]
    scores = d(x, cond)
    assert scores.shape == (6,)
    assert torch.equal(scores[0], scores[2]) and torch.equal(scores[3], scores[5])
    assert d(x[:4], cond[:4]).shape == (4,)  # 4 rows: padded to 6, padding dropped
    assert torch.equal(d(x[:4], cond[:4])[:3], scores[:3])
    assert sum(p.numel() for p in d.net[0].parameters()) == (4 + 2) * 3 * 8 + 8


def _ctx(phase: str, real: torch.Tensor, fake: torch.Tensor, batch: dict, critic) -> LossContext:
    return LossContext(phase, real, fake, None, {"x": real, **batch}, critic)  # type: ignore[arg-type]


def test_masked_wasserstein_ignores_unobserved_entries() -> None:
    critic = torch.nn.Linear(3, 1)
    score = lambda x, cond: critic(x).squeeze(1)  # noqa: E731
    real = torch.tensor([[1.0, 0.0, 2.0], [0.5, 0.0, 1.0]])
    mask = torch.tensor([[1.0, 0.0, 1.0], [1.0, 0.0, 1.0]])
    fake = torch.randn(2, 3)
    other = fake.clone()
    other[:, 1] = 100.0  # differs only where the real rows are unobserved
    loss = MaskedWasserstein(MaskedWassersteinConfig())
    a = loss.discriminator_loss(_ctx("discriminator", real, fake, {"mask": mask}, score))
    b = loss.discriminator_loss(_ctx("discriminator", real, other, {"mask": mask}, score))
    torch.testing.assert_close(a, b)
    unmasked = loss.discriminator_loss(_ctx("discriminator", real, other, {}, score))
    assert not torch.allclose(a, unmasked)


def test_gradient_penalty_is_per_pack_for_a_linear_critic() -> None:
    torch.manual_seed(0)
    d = PacGANDiscriminator(PacGANDiscriminatorConfig(in_features=2, hidden=[], pac=2))
    with torch.no_grad():
        d.net[0].weight.copy_(torch.tensor([[3.0, 0.0, 0.0, 4.0]]))  # pack gradient norm 5
    ctx = _ctx("discriminator", torch.randn(4, 2), torch.randn(4, 2), {}, d)
    penalty = MaskedGradientPenalty(MaskedGradientPenaltyConfig(pac=2)).discriminator_loss(ctx)
    torch.testing.assert_close(penalty, torch.tensor(16.0))  # (5 - 1)^2


def test_conditional_ce_rewards_the_requested_category() -> None:
    target = torch.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]])  # second row: no condition
    good = torch.tensor([[0.0, 0.9, 0.1], [1.0, 0.0, 0.0]])
    bad = torch.tensor([[0.9, 0.05, 0.05], [1.0, 0.0, 0.0]])
    loss = ConditionalCrossEntropy(ConditionalCEConfig())
    make = lambda fake: _ctx("generator", fake, fake, {"cond_target": target}, None)  # noqa: E731
    assert loss.generator_loss(make(good)) < loss.generator_loss(make(bad))
    torch.testing.assert_close(loss.generator_loss(make(good)), -torch.log(torch.tensor(0.9)) / 2)
    assert loss.discriminator_loss(make(good)) is None


def test_target_classifier_learns_real_rows_and_judges_generated_ones() -> None:
    torch.manual_seed(0)
    # rows: [feature, outcome one-hot (2)]; the outcome is 1 exactly when the feature is positive
    feature = torch.randn(256, 1)
    real = torch.cat([feature, torch.nn.functional.one_hot((feature[:, 0] > 0).long(), 2).float()], dim=1)
    loss = TargetClassifier(TargetClassifierConfig(target_span=(1, 2), hidden=[16], lr=1e-2))
    for _ in range(200):
        assert loss.discriminator_loss(LossContext("discriminator", real, real, None, {}, lambda x, c: x)) is None
    consistent = LossContext("generator", real, real.clone().requires_grad_(True), None, {}, lambda x, c: x)
    swapped = LossContext("generator", real, real[:, [0, 2, 1]].clone().requires_grad_(True), None, {},
                          lambda x, c: x)
    good, bad = loss.generator_loss(consistent), loss.generator_loss(swapped)
    assert good < 0.2 < 1.0 < bad  # a generated outcome that contradicts the features costs
    before = [p.grad.clone() for p in loss.net.parameters()]
    bad.backward()
    assert swapped.fake.grad[:, 0].abs().sum() > 0  # the gradient reaches the generated features
    assert all(torch.equal(p.grad, g) for p, g in zip(loss.net.parameters(), before, strict=True))  # judge untouched
    idle = TargetClassifier(TargetClassifierConfig())  # no outcome column: the term does nothing
    assert idle.generator_loss(consistent) is None and idle.discriminator_loss(consistent) is None


def test_conditional_ce_with_tau_is_the_cross_entropy_of_the_noisy_logits() -> None:
    torch.manual_seed(0)
    logits = torch.randn(6, 3, requires_grad=True)
    gumbel = -torch.empty(6, 3).exponential_().log()
    fake = torch.cat([torch.zeros(6, 1), torch.softmax((logits + gumbel) / 0.2, dim=1)], dim=1)
    asked = torch.tensor([0, 1, 2, 0, 1, 2])
    target = torch.zeros(6, 4)
    target[torch.arange(6), 1 + asked] = 1.0
    target[5] = 0.0  # a row without a condition adds nothing
    loss = ConditionalCrossEntropy(ConditionalCEConfig(tau=0.2, spans=[["tanh", 1], ["softmax", 3]]))
    value = loss.generator_loss(LossContext("generator", fake, fake, None, {"cond_target": target}, lambda x, c: x))
    expected = torch.nn.functional.cross_entropy(logits[:5] + gumbel[:5], asked[:5], reduction="sum") / 6
    torch.testing.assert_close(value, expected)
    with pytest.raises(ConfigError, match="tau needs the row's spans"):
        ConditionalCrossEntropy(ConditionalCEConfig(tau=0.2))


def test_gradient_penalty_on_a_share_of_the_packs_uses_the_first_packs() -> None:
    torch.manual_seed(0)
    d = PacGANDiscriminator(PacGANDiscriminatorConfig(in_features=2, hidden=[8], pac=2, dropout=0.0))
    real, fake = torch.randn(8, 2), torch.randn(8, 2)
    torch.manual_seed(1)
    half = MaskedGradientPenalty(MaskedGradientPenaltyConfig(pac=2, share=0.5)).discriminator_loss(
        _ctx("discriminator", real, fake, {}, d))
    torch.manual_seed(1)
    first = MaskedGradientPenalty(MaskedGradientPenaltyConfig(pac=2)).discriminator_loss(
        _ctx("discriminator", real[:4], fake[:4], {}, d))
    torch.testing.assert_close(half, first)


def test_gumbel_noise_has_the_gumbel_distribution() -> None:
    from ganzoo_traffic.models import gumbel_noise

    draws = gumbel_noise(400, 500, "cpu", torch.Generator().manual_seed(0))
    assert draws.shape == (400, 500) and torch.isfinite(draws).all()
    # Gumbel(0, 1): mean = Euler-Mascheroni constant, variance pi^2 / 6, P(G <= 0) = 1 / e
    assert abs(draws.mean().item() - 0.5772) < 0.01
    assert abs(draws.var().item() - torch.pi**2 / 6) < 0.03
    assert abs((draws <= 0).float().mean().item() - 1 / torch.e) < 0.005
