"""Built-in networks: reference parameter counts, shapes, conditioning, init, and output
equivalence with the bare-PyTorch baselines (same weights -> same outputs)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
import torch
from torch import nn

import ganzoo
from ganzoo.components.configs import (
    DCGANDiscriminatorConfig,
    DCGANGeneratorConfig,
    PatchGANDiscriminatorConfig,
    UNetGeneratorConfig,
)
from ganzoo.components.dcgan import DCGANDiscriminator, DCGANGenerator
from ganzoo.components.patchgan import PatchGANDiscriminator
from ganzoo.components.unet import UNetGenerator
from ganzoo.components.weights import count_parameters, init_gan_weights
from ganzoo.registry.protocols import Discriminator, Generator

#: The bare-PyTorch reference scripts, vendored in the repository (tests/benchmarks keeps them
#: byte-identical to the originals where those are available), so the equivalence tests run
#: on every machine.
BASELINES = Path(__file__).resolve().parents[2] / "benchmarks" / "baselines"


def _baseline(name: str) -> ModuleType:
    """Import a baseline script by path (it is a script, not part of an installed package)."""
    path = BASELINES / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_ganzoo_test_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _randomise(module: nn.Module, seed: int) -> None:
    """Give every parameter and buffer O(1)-scale random values, so that outputs of a deep
    network stay far from zero and from tanh saturation: a wiring difference then shows."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in module.state_dict().items():
            if not t.is_floating_point():
                continue
            if name.endswith("running_var"):
                t.copy_(torch.rand(t.shape, generator=g) + 0.5)
            elif t.dim() > 1:  # conv weight: variance-preserving scale
                t.copy_(torch.randn(t.shape, generator=g) / (t[0].numel() ** 0.5))
            elif name.endswith("weight"):  # norm scale
                t.copy_(torch.rand(t.shape, generator=g) + 0.5)
            else:  # biases, running means
                t.copy_(torch.randn(t.shape, generator=g) * 0.1)


def _assert_informative(out: torch.Tensor) -> None:
    """Guard against equivalence tests that pass because everything is ~0 or saturated."""
    assert out.std() > 0.05
    assert (out.abs() < 0.99).float().mean() > 0.5


# --------------------------------------------------------------------------- reference counts
@pytest.mark.parametrize(
    ("kind", "name", "params", "expected"),
    [
        ("generator", "dcgan", {"latent_dim": 100, "out_channels": 3, "image_size": 64}, 3_576_704),
        ("discriminator", "dcgan", {"in_channels": 3, "image_size": 64}, 2_765_568),
        ("generator", "unet", {"in_channels": 3, "out_channels": 3, "image_size": 256}, 54_413_955),
        ("discriminator", "patchgan", {"in_channels": 6, "n_layers": 3}, 2_768_705),
    ],
)
def test_registry_builds_reference_networks(
    kind: str, name: str, params: dict, expected: int
) -> None:
    model = ganzoo.create(kind, name, **params)
    assert count_parameters(model) == expected
    assert isinstance(model, Generator if kind == "generator" else Discriminator)


def test_defaults_are_the_reference_configurations() -> None:
    assert count_parameters(DCGANGenerator(DCGANGeneratorConfig())) == 3_576_704
    assert count_parameters(DCGANDiscriminator(DCGANDiscriminatorConfig())) == 2_765_568
    assert count_parameters(PatchGANDiscriminator(PatchGANDiscriminatorConfig())) == 2_768_705


def test_patchgan_gives_a_30x30_map_at_256() -> None:
    d = PatchGANDiscriminator(PatchGANDiscriminatorConfig(in_channels=6, n_layers=3)).eval()
    with torch.no_grad():
        out = d(torch.randn(1, 3, 256, 256), torch.randn(1, 3, 256, 256))
    assert out.shape == (1, 1, 30, 30)


# --------------------------------------------------------------------------- DCGAN
@pytest.mark.parametrize("size", [32, 64, 128])
def test_dcgan_shapes(size: int) -> None:
    g = DCGANGenerator(DCGANGeneratorConfig(latent_dim=16, out_channels=1, image_size=size, base_channels=8))
    d = DCGANDiscriminator(DCGANDiscriminatorConfig(in_channels=1, image_size=size, base_channels=8))
    z = g.sample_latent(2)
    assert z.shape == (2, 16, 1, 1)
    x = g(z)
    assert x.shape == (2, 1, size, size)
    assert x.abs().max() <= 1
    assert d(x).shape == (2,)


@pytest.mark.parametrize(("size", "widest"), [(32, 4), (64, 8), (128, 8), (256, 8)])
def test_dcgan_widest_layer_is_capped_at_8x_base(size: int, widest: int) -> None:
    base = 4
    g = DCGANGenerator(DCGANGeneratorConfig(image_size=size, base_channels=base, latent_dim=8))
    d = DCGANDiscriminator(DCGANDiscriminatorConfig(image_size=size, base_channels=base))
    g_convs = [m for m in g.modules() if isinstance(m, nn.ConvTranspose2d)]
    d_convs = [m for m in d.modules() if isinstance(m, nn.Conv2d)]
    stages = size.bit_length() - 1 - 2  # log2(size) - 2 hidden stages
    assert len(g_convs) == len(d_convs) == stages + 1
    assert max(c.out_channels for c in g_convs) == widest * base
    assert max(c.out_channels for c in d_convs) == widest * base
    assert g_convs[-2].out_channels == d_convs[0].out_channels == base


def test_dcgan_sample_latent_follows_the_generator() -> None:
    g = DCGANGenerator(DCGANGeneratorConfig(latent_dim=5, image_size=32, base_channels=4))
    a = g.sample_latent(3, generator=torch.Generator().manual_seed(1))
    b = g.sample_latent(3, generator=torch.Generator().manual_seed(1))
    assert a.shape == (3, 5, 1, 1)
    assert torch.equal(a, b)
    assert g(a.flatten(1)).shape == g(a).shape  # (N, latent) is accepted too


def test_dcgan_label_conditioning_changes_outputs() -> None:
    torch.manual_seed(0)
    g = DCGANGenerator(DCGANGeneratorConfig(
        latent_dim=8, out_channels=3, image_size=32, base_channels=8, condition_dim=4
    )).eval()
    d = DCGANDiscriminator(DCGANDiscriminatorConfig(in_channels=3, image_size=32, base_channels=8, condition_dim=4)).eval()
    assert g.main[0].in_channels == 12
    assert d.main[0].in_channels == 7
    z = g.sample_latent(2)
    y0 = torch.eye(4)[[0, 0]]
    y1 = torch.eye(4)[[1, 1]]
    with torch.no_grad():
        x0, x1 = g(z, y0), g(z, y1)
        assert x0.shape == (2, 3, 32, 32)
        assert not torch.allclose(x0, x1)
        assert d(x0, y0).shape == (2,)
        assert not torch.allclose(d(x0, y0), d(x0, y1))


def test_dcgan_refuses_missing_extra_or_misshaped_conditions() -> None:
    g = DCGANGenerator(DCGANGeneratorConfig(latent_dim=8, image_size=32, base_channels=4, condition_dim=3))
    d = DCGANDiscriminator(DCGANDiscriminatorConfig(image_size=32, base_channels=4))
    z = g.sample_latent(2)
    with pytest.raises(ValueError, match="condition_dim=3"):
        g(z)
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        g(z, torch.zeros(2, 5))
    with pytest.raises(ValueError, match="unconditional"):
        d(torch.zeros(2, 3, 32, 32), torch.zeros(2, 3))
    with pytest.raises(ValueError, match="32, 32"):
        d(torch.zeros(2, 3, 64, 64))
    with pytest.raises(ValueError, match="sample_latent"):
        g(None)


@pytest.mark.parametrize(
    ("norm", "norm_type", "biased"),
    [
        ("batch", nn.BatchNorm2d, False),
        ("instance", nn.InstanceNorm2d, True),
        ("none", None, True),
    ],
)
def test_dcgan_discriminator_norms(norm: str, norm_type: type | None, biased: bool) -> None:
    d = DCGANDiscriminator(DCGANDiscriminatorConfig(image_size=32, base_channels=4, norm=norm))
    norms = [m for m in d.modules() if isinstance(m, (nn.BatchNorm2d, nn.InstanceNorm2d))]
    assert len(norms) == (0 if norm_type is None else 2)
    assert all(type(m) is norm_type for m in norms)
    convs = [m for m in d.modules() if isinstance(m, nn.Conv2d)]
    assert all((c.bias is not None) == biased for c in convs)
    assert d(torch.randn(3, 3, 32, 32)).shape == (3,)


# --------------------------------------------------------------------------- U-Net
@pytest.mark.parametrize("size", [32, 64])
def test_unet_shapes(size: int) -> None:
    g = UNetGenerator(UNetGeneratorConfig(in_channels=1, out_channels=3, image_size=size, base_channels=4))
    assert g.sample_latent(2) is None
    out = g(None, torch.randn(2, 1, size, size))
    assert out.shape == (2, 3, size, size)
    assert out.abs().max() <= 1


@pytest.mark.parametrize(("size", "dropouts"), [(32, 0), (64, 1), (128, 2), (256, 3), (1024, 5)])
def test_unet_depth_and_dropout_follow_pix2pix(size: int, dropouts: int) -> None:
    g = UNetGenerator(UNetGeneratorConfig(image_size=size, base_channels=2))
    depth = size.bit_length() - 1
    assert len(g.enc) == depth
    assert len(g.dec) == depth - 1
    drops = [m for m in g.modules() if isinstance(m, nn.Dropout)]
    assert len(drops) == dropouts  # pix2pix: num_downs - 5 blocks
    assert all(m.p == 0.5 for m in drops)
    assert not any(
        isinstance(m, nn.Dropout)
        for m in UNetGenerator(UNetGeneratorConfig(image_size=size, base_channels=2, dropout=False)).modules()
    )


def test_unet_bias_only_with_instance_norm() -> None:
    batch = UNetGenerator(UNetGeneratorConfig(image_size=32, base_channels=4, norm="batch"))
    inst = UNetGenerator(UNetGeneratorConfig(image_size=32, base_channels=4, norm="instance"))
    body = [
        m
        for m in batch.modules()
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)) and m is not batch.head
    ]
    assert all(m.bias is None for m in body)
    assert batch.head.bias is not None
    assert all(
        m.bias is not None for m in inst.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))
    )
    assert not any(isinstance(m, nn.BatchNorm2d) for m in inst.modules())
    assert inst(None, torch.randn(1, 3, 32, 32)).shape == (1, 3, 32, 32)


def test_unet_needs_a_source_image() -> None:
    g = UNetGenerator(UNetGeneratorConfig(image_size=32, base_channels=4))
    with pytest.raises(ValueError, match="cond"):
        g(torch.randn(1, 3, 32, 32))
    with pytest.raises(ValueError, match="multiples of 32"):
        g(None, torch.randn(1, 3, 48, 48))


# --------------------------------------------------------------------------- PatchGAN
def test_patchgan_puts_the_source_before_the_image() -> None:
    d = PatchGANDiscriminator(PatchGANDiscriminatorConfig(in_channels=4, base_channels=4)).eval()
    src, img = torch.randn(2, 1, 64, 64), torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        out = d(img, src)
        assert torch.equal(out, d.net(torch.cat([src, img], 1)))
        assert out.shape == (2, 1, 6, 6)
    with pytest.raises(ValueError, match="in_channels=4"):
        d(img)
    with pytest.raises(ValueError, match="paired source image"):
        d(img, torch.zeros(2, 1))


@pytest.mark.parametrize(("n_layers", "side"), [(1, 30), (2, 14), (3, 6)])
def test_patchgan_layers(n_layers: int, side: int) -> None:
    d = PatchGANDiscriminator(PatchGANDiscriminatorConfig(in_channels=3, base_channels=4, n_layers=n_layers))
    strides = [m.stride[0] for m in d.modules() if isinstance(m, nn.Conv2d)]
    assert strides == [2] * n_layers + [1, 1]
    assert d(torch.randn(1, 3, 64, 64)).shape == (1, 1, side, side)


# --------------------------------------------------------------------------- init and counting
def test_init_follows_the_references() -> None:
    torch.manual_seed(0)
    g = UNetGenerator(UNetGeneratorConfig(image_size=64))
    with torch.no_grad():
        convs = torch.cat(
            [
                m.weight.flatten()
                for m in g.modules()
                if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))
            ]
        )
        scales = torch.cat([m.weight for m in g.modules() if isinstance(m, nn.BatchNorm2d)])
        shifts = torch.cat([m.bias for m in g.modules() if isinstance(m, nn.BatchNorm2d)])
    assert abs(convs.mean().item()) < 1e-3
    assert convs.std().item() == pytest.approx(0.02, rel=0.01)
    assert scales.mean().item() == pytest.approx(1.0, abs=2e-3)
    assert scales.std().item() == pytest.approx(0.02, rel=0.1)
    assert torch.count_nonzero(shifts) == 0
    assert torch.count_nonzero(g.head.bias) == 0


def test_init_gan_weights_covers_linear_and_refuses_negative_std() -> None:
    net = nn.Sequential(
        nn.Linear(400, 300), nn.Conv1d(4, 4, 3), nn.GroupNorm(2, 4), nn.InstanceNorm2d(4)
    )
    init_gan_weights(net, std=0.5)
    assert net[0].weight.std().item() == pytest.approx(0.5, rel=0.02)
    assert torch.count_nonzero(net[0].bias) == 0
    assert torch.count_nonzero(net[1].bias) == 0
    assert not torch.equal(net[2].weight, torch.ones(4))
    with pytest.raises(ValueError, match="std"):
        init_gan_weights(net, std=-1.0)


def test_count_parameters_can_skip_frozen_ones() -> None:
    net = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    net[0].requires_grad_(False)
    assert count_parameters(net) == 8 + 3
    assert count_parameters(net, trainable_only=True) == 3


@pytest.mark.parametrize(
    "factory",
    [
        lambda: DCGANGenerator(DCGANGeneratorConfig(image_size=48)),
        lambda: DCGANDiscriminator(DCGANDiscriminatorConfig(image_size=512)),
        lambda: UNetGenerator(UNetGeneratorConfig(image_size=16)),
        lambda: UNetGenerator(UNetGeneratorConfig(image_size=32, norm="none")),
        lambda: DCGANDiscriminator(DCGANDiscriminatorConfig(image_size=32, norm="layer")),
        lambda: PatchGANDiscriminator(PatchGANDiscriminatorConfig(n_layers=0)),
    ],
)
def test_invalid_direct_construction_is_refused(factory) -> None:
    with pytest.raises(ValueError):
        factory()


# --------------------------------------------------------------------------- equivalence with the baselines
def _copy_and_compare(
    ours: nn.Module, theirs: nn.Module, run_ours, run_theirs, seed: int
) -> torch.Tensor:
    _randomise(theirs, seed)
    ours.load_state_dict(theirs.state_dict())  # strict: same names and shapes
    ours.eval()
    theirs.eval()
    with torch.no_grad():
        a, b = run_ours(), run_theirs()
    torch.testing.assert_close(a, b)
    return a


def test_dcgan_matches_the_baseline_layer_for_layer() -> None:
    ref = _baseline("baseline_dcgan")
    torch.manual_seed(0)
    g, d = DCGANGenerator(DCGANGeneratorConfig()), DCGANDiscriminator(DCGANDiscriminatorConfig())
    rg, rd = ref.DCGANGenerator(100, 64, 3), ref.DCGANDiscriminator(64, 3)
    z = torch.randn(4, 100, 1, 1)
    x = _copy_and_compare(g, rg, lambda: g(z), lambda: rg(z.clone()), seed=1)
    _assert_informative(x)
    images = torch.randn(4, 3, 64, 64)
    logits = _copy_and_compare(
        d, rd, lambda: d(images), lambda: rd.main[:-1](images.clone()).reshape(-1), seed=2
    )
    assert logits.std() > 0.05
    with torch.no_grad():  # the reference's probabilities are the sigmoid of our logits
        torch.testing.assert_close(torch.sigmoid(d(images)), rd(images.clone()))
    # training mode (batch statistics) agrees too
    g.train()
    rg.train()
    with torch.no_grad():
        torch.testing.assert_close(g(z), rg(z.clone()))


def test_unet_and_patchgan_match_the_baseline() -> None:
    ref = _baseline("baseline_pix2pix")
    torch.manual_seed(0)
    g = UNetGenerator(UNetGeneratorConfig(in_channels=3, out_channels=3, image_size=64, base_channels=8))
    rg = ref.UNet256(3, 3, ngf=8, downs=6)
    d = PatchGANDiscriminator(PatchGANDiscriminatorConfig(in_channels=6, base_channels=8))
    rd = ref.PatchGAN(6, ndf=8)
    src, tgt = torch.randn(2, 3, 64, 64), torch.randn(2, 3, 64, 64)
    out = _copy_and_compare(g, rg, lambda: g(None, src), lambda: rg(src.clone()), seed=3)
    _assert_informative(out)
    logits = _copy_and_compare(
        d, rd, lambda: d(tgt, src), lambda: rd(torch.cat([src, tgt], 1)), seed=4
    )
    assert logits.std() > 0.05


# --------------------------------------------------------------------------- channels_last
@pytest.mark.parametrize("name", ["dcgan-g", "dcgan-d", "unet", "patchgan"])
def test_channels_last_gives_the_same_outputs(name: str) -> None:
    torch.manual_seed(0)
    nets = {
        "dcgan-g": (
            DCGANGenerator(DCGANGeneratorConfig(latent_dim=8, image_size=32, base_channels=8, condition_dim=2)),
            (2, 8, 1, 1),
            True,
        ),
        "dcgan-d": (
            DCGANDiscriminator(DCGANDiscriminatorConfig(image_size=32, base_channels=8, condition_dim=2)),
            (2, 3, 32, 32),
            True,
        ),
        "unet": (UNetGenerator(UNetGeneratorConfig(image_size=32, base_channels=8)), (2, 3, 32, 32), False),
        "patchgan": (PatchGANDiscriminator(PatchGANDiscriminatorConfig(in_channels=6, base_channels=8)), (2, 3, 32, 32), False),
    }
    net, shape, labels = nets[name]
    _randomise(net, seed=5)
    net.eval()
    x = torch.randn(shape)
    cond = torch.eye(2)[[0, 1]] if labels else torch.randn(shape)

    def run(module: nn.Module, inp: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return module(None, c) if name == "unet" else module(inp, c)

    expected = run(net, x, cond)
    net.to(memory_format=torch.channels_last)
    cl = torch.channels_last
    got = run(
        net, x.contiguous(memory_format=cl), cond if labels else cond.contiguous(memory_format=cl)
    )
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)
