"""Cycle and identity losses, and the LossContext pieces they stand on (translate, cached)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import ganzoo
from ganzoo.engine.context import LossContext
from ganzoo.registry.errors import ConfigError
from ganzoo.registry.protocols import Loss


class Scale(nn.Module):
    """A two-way "generator": A -> B multiplies by a, B -> A by b; counts its passes."""

    directions = ("AtoB", "BtoA")

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Parameter(torch.tensor(2.0))
        self.b = nn.Parameter(torch.tensor(0.25))
        self.passes = 0

    def forward(self, z: None, cond: torch.Tensor, direction: str | None = None) -> torch.Tensor:
        self.passes += 1
        return cond * (self.b if direction == "BtoA" else self.a)


def _view(phase: str, direction: str, g: Scale, a: torch.Tensor, b: torch.Tensor, cache: dict) -> LossContext:
    """The engine's view of the batch ``{x: b, cond: a}`` in ``direction``."""
    real, source = (b, a) if direction == "AtoB" else (a, b)
    fake = g(None, source, None if direction == "AtoB" else direction)
    return LossContext(phase, real, fake, source, {"x": b, "cond": a}, lambda x, c=None: x.sum((1, 2)),  # type: ignore[arg-type]
                       direction=direction, directions=g.directions, generator=g, cache=cache)


def test_cycle_is_the_reference_round_trip_in_each_view() -> None:
    g, cycle = Scale(), ganzoo.create("loss", "cycle")
    assert isinstance(cycle, Loss)
    a, b = torch.randn(2, 1, 4), torch.randn(2, 1, 4)
    cache: dict = {}
    forward = _view("generator", "AtoB", g, a, b, cache)
    torch.testing.assert_close(cycle.generator_loss(forward), F.l1_loss(a * 2.0 * 0.25, a))  # loss_cycle_A
    reverse = _view("generator", "BtoA", g, a, b, cache)
    torch.testing.assert_close(cycle.generator_loss(reverse), F.l1_loss(b * 0.25 * 2.0, b))  # loss_cycle_B
    assert cycle.discriminator_loss(forward) is None
    # the gradient reaches both translators through the round trip
    g2 = Scale()
    loss = cycle.generator_loss(_view("generator", "AtoB", g2, a + 1, b, {}))
    loss.backward()
    assert g2.a.grad is not None and g2.b.grad is not None and g2.a.grad != 0 and g2.b.grad != 0


def test_identity_maps_target_samples_through_their_own_direction() -> None:
    g, identity = Scale(), ganzoo.create("loss", "identity")
    a, b = torch.randn(2, 1, 4), torch.randn(2, 1, 4)
    torch.testing.assert_close(identity.generator_loss(_view("generator", "AtoB", g, a, b, {})),
                               F.l1_loss(b * 2.0, b))  # loss_idt_A = |G_A(B) - B|
    torch.testing.assert_close(identity.generator_loss(_view("generator", "BtoA", g, a, b, {})),
                               F.l1_loss(a * 0.25, a))  # loss_idt_B = |G_B(A) - A|
    wide = LossContext("generator", torch.zeros(2, 3, 4), torch.zeros(2, 3, 4), torch.zeros(2, 1, 4), {},
                       lambda x, c=None: x, generator=g)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="'identity' needs sources shaped like the samples"):
        identity.generator_loss(wide)


def test_cycle_refuses_a_one_way_generator() -> None:
    ctx = LossContext("generator", torch.zeros(1, 1), torch.zeros(1, 1), torch.zeros(1, 1), {}, lambda x, c=None: x)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="'cycle' needs a two-way generator"):
        ganzoo.create("loss", "cycle").generator_loss(ctx)


def test_cached_generator_passes_run_once_and_come_back_detached_for_the_discriminator() -> None:
    g = Scale()
    a, b = torch.randn(2, 1, 4), torch.randn(2, 1, 4)
    cache: dict = {}
    d_view = _view("discriminator", "AtoB", g, a, b, cache)
    g_view = _view("generator", "AtoB", g, a, b, cache)
    passes = g.passes
    first = d_view.cached("rebuilt", lambda: d_view.translate(d_view.fake, "BtoA"))
    second = g_view.cached("rebuilt", lambda: g_view.translate(g_view.fake, "BtoA"))
    assert g.passes == passes + 1
    assert not first.requires_grad and second.requires_grad
    assert d_view.reverse_direction == "BtoA" and _view("generator", "BtoA", g, a, b, {}).reverse_direction == "AtoB"
    with pytest.raises(ValueError, match="got 'CtoD'"):
        g_view.translate(a, "CtoD")
