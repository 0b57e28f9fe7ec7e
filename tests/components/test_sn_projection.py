"""Spectral normalisation on the built-in discriminators, and the projection discriminator."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import ganzoo
from ganzoo.components.configs import DCGANDiscriminatorConfig, PatchGANDiscriminatorConfig
from ganzoo.components.dcgan import DCGANDiscriminator
from ganzoo.components.patchgan import PatchGANDiscriminator
from ganzoo.components.weights import count_parameters


def _largest_singular_values(module: nn.Module) -> list[float]:
    values = []
    for layer in module.modules():
        if isinstance(layer, nn.Conv2d | nn.Linear):
            weight = layer.weight.detach().flatten(1)
            values.append(float(torch.linalg.matrix_norm(weight, ord=2)))
    return values


@pytest.mark.parametrize("factory", [
    lambda sn: DCGANDiscriminator(DCGANDiscriminatorConfig(image_size=32, base_channels=8, norm="none",
                                                           spectral_norm=sn)),
    lambda sn: PatchGANDiscriminator(PatchGANDiscriminatorConfig(in_channels=3, base_channels=8, n_layers=2,
                                                                 norm="none", spectral_norm=sn)),
])
def test_spectral_norm_makes_every_layer_1_lipschitz_with_the_same_parameters(factory) -> None:
    torch.manual_seed(0)
    plain, normed = factory(False), factory(True)
    assert count_parameters(plain) == count_parameters(normed)
    x = torch.randn(4, 3, 32, 32)
    for _ in range(30):  # power iteration converges over training-mode forwards
        normed(x)
    assert all(abs(value - 1) < 0.02 for value in _largest_singular_values(normed))
    assert not all(abs(value - 1) < 0.02 for value in _largest_singular_values(plain))
    keys = set(normed.state_dict())
    assert any(key.endswith("parametrizations.weight.original") for key in keys)
    assert any(key.endswith("_u") for key in keys)  # the power iteration is state (checkpointed)


def test_defaults_keep_the_reference_layout_so_old_checkpoints_load() -> None:
    d = ganzoo.create("discriminator", "dcgan", in_channels=3, image_size=64)
    assert count_parameters(d) == 2_765_568
    assert all("parametrizations" not in key and "embed" not in key for key in d.state_dict())
    p = ganzoo.create("discriminator", "patchgan", in_channels=6, n_layers=3)
    assert count_parameters(p) == 2_768_705 and all("parametrizations" not in key for key in p.state_dict())


def test_projection_adds_the_inner_product_of_the_label_embedding_and_pooled_features() -> None:
    torch.manual_seed(1)
    d = DCGANDiscriminator(DCGANDiscriminatorConfig(image_size=32, base_channels=8, condition_dim=5,
                                                    conditioning="projection"))
    assert d.main[0].in_channels == 3  # labels do not enter as feature maps
    d.eval()
    x = torch.randn(6, 3, 32, 32)
    labels = torch.arange(6) % 5
    y = torch.eye(5)[labels]
    with torch.no_grad():
        features = d.main[:-1](x)
        unconditional = d.main[-1](features).reshape(-1)
        expected = unconditional + (d.embed.weight.T[labels] * features.sum(dim=(2, 3))).sum(1)
        torch.testing.assert_close(d(x, y), expected)
        assert not torch.allclose(d(x, y), d(x, torch.eye(5)[(labels + 1) % 5]))
    d.train()
    d(x, y).sum().backward()
    assert d.embed.weight.grad is not None and d.embed.weight.grad.abs().sum() > 0


def test_projection_with_spectral_norm_normalises_the_embedding_too() -> None:
    d = DCGANDiscriminator(DCGANDiscriminatorConfig(image_size=32, base_channels=8, condition_dim=3,
                                                    conditioning="projection", spectral_norm=True, norm="none"))
    assert any(key.startswith("embed.parametrizations") for key in d.state_dict())
    with pytest.raises(ValueError, match="needs cond"):
        d(torch.randn(2, 3, 32, 32))
