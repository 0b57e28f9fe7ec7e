"""Spectral normalisation on the built-in discriminators, and the projection discriminator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

import ganzoo
from ganzoo.components.configs import DCGANDiscriminatorConfig, PatchGANDiscriminatorConfig
from ganzoo.components.dcgan import DCGANDiscriminator
from ganzoo.components.patchgan import PatchGANDiscriminator
from ganzoo.components.weights import count_parameters
from ganzoo.registry.errors import ConfigError


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


@pytest.mark.parametrize(("image_size", "condition_dim"), [(32, 1), (64, 7)])
def test_projection_scores_one_logit_per_sample_and_checks_the_labels(image_size: int, condition_dim: int) -> None:
    d = ganzoo.create("discriminator", "dcgan", image_size=image_size, base_channels=4,
                      condition_dim=condition_dim, conditioning="projection")
    assert d.embed.weight.shape == (8 * 4 if image_size == 64 else 4 * 4, condition_dim)
    x = torch.randn(3, 3, image_size, image_size)
    assert d(x, torch.eye(condition_dim)[[0, 0, 0]]).shape == (3,)
    with pytest.raises(ValueError, match="DCGANDiscriminator"):
        d(x, torch.zeros(3, condition_dim + 1))


def test_projection_without_labels_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"conditioning = 'projection' needs class labels.*labels = 'subfolders'"):
        ganzoo.create("discriminator", "dcgan", image_size=32, conditioning="projection")
    rng = np.random.default_rng(0)
    for i in range(2):
        Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(tmp_path / f"{i}.png")
    raw = {
        "generator": {"name": "dcgan", "params": {"latent_dim": 4, "base_channels": 4}},
        "discriminator": {"name": "dcgan", "params": {"base_channels": 4, "conditioning": "projection"}},
        "dataset": {"name": "image-folder", "params": {"root": str(tmp_path), "image_size": 32}},
        "losses": [{"name": "adversarial"}],
        "train": {"steps": 1, "batch_size": 2, "device": "cpu", "progress": False},
    }
    with pytest.raises(ConfigError, match="needs class labels"):
        ganzoo.train(raw, run_dir=tmp_path / "run")


def test_spectral_norm_state_round_trips_and_the_power_iteration_continues_exactly() -> None:
    def build(seed: int) -> PatchGANDiscriminator:
        torch.manual_seed(seed)
        return PatchGANDiscriminator(PatchGANDiscriminatorConfig(in_channels=3, base_channels=4, n_layers=2,
                                                                 norm="none", spectral_norm=True))

    x = torch.randn(2, 3, 32, 32)
    first = build(0)
    for _ in range(3):
        first(x)
    again = build(1)  # other weights and other u, v until the state is loaded
    again.load_state_dict(first.state_dict())
    for _ in range(2):  # training-mode forwards advance u and v identically
        torch.testing.assert_close(first(x), again(x), rtol=0, atol=0)
    state_a, state_b = first.state_dict(), again.state_dict()
    assert all(torch.equal(state_a[key], state_b[key]) for key in state_a)
    first.eval()
    again.eval()
    with torch.no_grad():
        assert torch.equal(first(x), again(x))
