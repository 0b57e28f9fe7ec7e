"""CycleGAN's networks: the ResNet generator, the instance-norm PatchGAN and the two-way pairs.

Reference counts and layer-for-layer equivalence with the bare-PyTorch CycleGAN baseline
(``benchmarks/baselines/baseline_cyclegan.py``, written from junyanz/pytorch-CycleGAN-and-pix2pix).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
import torch
from torch import nn

import ganzoo
from ganzoo.components.configs import ResnetGeneratorConfig
from ganzoo.components.resnet import ResnetGenerator
from ganzoo.components.weights import count_parameters
from ganzoo.registry.errors import ConfigError
from ganzoo.registry.protocols import Discriminator, Generator

BASELINE = Path(__file__).resolve().parents[2] / "benchmarks" / "baselines" / "baseline_cyclegan.py"


@pytest.fixture(scope="module")
def reference() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_ganzoo_test_baseline_cyclegan", BASELINE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _randomise(module: nn.Module, seed: int) -> None:
    """O(1)-scale random weights, so a wiring difference shows in the outputs."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for t in module.state_dict().values():
            scale = 1 / t[0].numel() ** 0.5 if t.dim() > 1 else 0.1
            t.copy_(torch.randn(t.shape, generator=g) * scale)


@pytest.mark.parametrize(
    ("kind", "name", "params", "expected"),
    [
        ("generator", "resnet", {}, 11_378_179),  # resnet_9blocks, ngf 64, 3 -> 3
        ("generator", "resnet", {"n_blocks": 6}, 7_837_699),  # resnet_6blocks
        ("discriminator", "patchgan", {"in_channels": 3, "norm": "instance"}, 2_764_737),
        ("generator", "cyclegan", {}, 2 * 11_378_179),
        ("discriminator", "cyclegan", {}, 2 * 2_764_737),
    ],
)
def test_reference_parameter_counts(kind: str, name: str, params: dict, expected: int) -> None:
    model = ganzoo.create(kind, name, **params)
    assert count_parameters(model) == expected
    assert isinstance(model, Generator if kind == "generator" else Discriminator)


def test_resnet_and_instance_patchgan_match_the_baseline(reference: ModuleType) -> None:
    ours = ganzoo.create("generator", "resnet", in_channels=1, out_channels=3, base_channels=8, n_blocks=2)
    theirs = reference.ResnetGenerator(1, 3, ngf=8, n_blocks=2)
    _randomise(theirs, 1)
    ours.load_state_dict(theirs.state_dict())  # strict: same names and shapes
    source = torch.randn(2, 1, 32, 32)
    with torch.no_grad():
        out = ours(None, source)
        torch.testing.assert_close(out, theirs(source))
    assert out.shape == (2, 3, 32, 32) and out.std() > 0.05

    d = ganzoo.create("discriminator", "patchgan", in_channels=3, base_channels=8, norm="instance")
    rd = reference.NLayerDiscriminator(3, ndf=8)
    _randomise(rd, 2)
    d.load_state_dict({k.replace("model.", "net.", 1): v for k, v in rd.state_dict().items()})
    images = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(d(images), rd(images))


def test_resnet_initialisation_and_biases_follow_the_reference() -> None:
    torch.manual_seed(0)
    net = ResnetGenerator(ResnetGeneratorConfig())
    convs = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    weights = torch.cat([m.weight.flatten() for m in convs])
    assert abs(weights.std().item() - 0.02) < 1e-3 and abs(weights.mean().item()) < 1e-3
    assert all(m.bias is not None and not m.bias.any() for m in convs)  # instance norm: biased, zero
    batch = ResnetGenerator(ResnetGeneratorConfig(norm="batch"))
    biased = [m for m in batch.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)) and m.bias is not None]
    assert len(biased) == 1  # only the output convolution, as upstream


def test_resnet_options_change_the_layers() -> None:
    dropout = ResnetGenerator(ResnetGeneratorConfig(n_blocks=2, dropout=True))
    assert sum(isinstance(m, nn.Dropout) for m in dropout.modules()) == 2
    zero = ResnetGenerator(ResnetGeneratorConfig(n_blocks=1, padding="zero", base_channels=4))
    assert sum(isinstance(m, nn.ReflectionPad2d) for m in zero.modules()) == 2  # stem and head only
    with torch.no_grad():
        assert zero(None, torch.randn(1, 3, 12, 20)).shape == (1, 3, 12, 20)


@pytest.mark.parametrize("source", [None, torch.zeros(1, 3, 30, 32), torch.zeros(1, 1, 32, 32)])
def test_resnet_needs_a_source_divisible_by_four(source: torch.Tensor | None) -> None:
    net = ResnetGenerator(ResnetGeneratorConfig(n_blocks=1, base_channels=4))
    with pytest.raises(ValueError, match="ResnetGenerator"):
        net(None, source)


def test_two_way_pairs_translate_and_judge_by_direction() -> None:
    g = ganzoo.create("generator", "cyclegan", in_channels=1, out_channels=3,
                      network={"name": "resnet", "params": {"base_channels": 4, "n_blocks": 1}})
    d = ganzoo.create("discriminator", "cyclegan", in_channels=3, source_channels=1,
                      network={"name": "patchgan", "params": {"base_channels": 4, "norm": "instance"}})
    assert g.directions == d.directions == ("AtoB", "BtoA")
    assert (g.ab.in_channels, g.ab.out_channels, g.ba.in_channels, g.ba.out_channels) == (1, 3, 3, 1)
    assert (d.b.in_channels, d.a.in_channels) == (3, 1)
    a, b = torch.randn(2, 1, 32, 32), torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        torch.testing.assert_close(g(None, a), g.ab(None, a))
        torch.testing.assert_close(g(None, b, "BtoA"), g.ba(None, b))
        torch.testing.assert_close(d(b), d.b(b))
        torch.testing.assert_close(d(a, None, "BtoA"), d.a(a))
        with pytest.raises(ValueError, match="directions AtoB, BtoA"):
            g(None, a, "AtoC")
    assert g.sample_latent(2) is None


def test_two_way_pairs_take_any_registered_network_and_pass_sizes_on() -> None:
    g = ganzoo.create("generator", "cyclegan", in_channels=3, out_channels=3, image_size=32,
                      network={"name": "unet", "params": {"base_channels": 4}})
    assert g.ab.image_size == g.ba.image_size == 32


@pytest.mark.parametrize(
    ("network", "message"),
    [
        ({"name": "resnt"}, "generator.params.network: .*did you mean 'resnet'"),
        ({"name": "resnet", "params": {"n_blockz": 2}}, "params.n_blockz: unknown key"),
        ({"name": "resnet", "params": {"in_channels": 1}}, "set channels on the two-way generator itself"),
    ],
)
def test_two_way_config_checks_the_sub_network(network: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ganzoo.create("generator", "cyclegan", network=network)
