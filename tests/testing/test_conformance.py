"""The conformance kit accepts every built-in and rejects broken components with a useful message."""

from __future__ import annotations

import types
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import torch
from torch import nn

import ganzoo
from ganzoo.data.spec import DataSpec
from ganzoo.plugins.manager import reset_manager
from ganzoo.registry.config import ComponentConfig
from ganzoo.testing import (
    ConformanceError,
    check_dataset,
    check_discriminator,
    check_generator,
    check_loss,
)

IMAGE = DataSpec("image", (3, 32, 32))
PAIRED = DataSpec("image", (3, 32, 32), condition="paired", condition_shape=(1, 32, 32))
LABELLED = DataSpec("image", (1, 32, 32), condition="label", condition_shape=(4,))
TABLE = DataSpec("table", (5,))
SERIES = DataSpec("series", (2, 16))


@pytest.mark.parametrize("spec", [IMAGE, LABELLED], ids=["unconditional", "label"])
def test_dcgan_pair_conforms(spec: DataSpec) -> None:
    check_generator("dcgan", spec, base_channels=8)
    check_discriminator("dcgan", spec, base_channels=8)


def test_pix2pix_pair_conforms() -> None:
    check_generator("unet", PAIRED, base_channels=8)
    check_discriminator("patchgan", PAIRED, base_channels=8)


@pytest.mark.parametrize(
    ("name", "params"),
    [("adversarial", {"mode": m}) for m in ("vanilla", "nonsaturating", "lsgan", "hinge", "wasserstein")]
    + [("gradient-penalty", {}), ("r1", {}), ("l1", {})],
)
@pytest.mark.parametrize("spec", [TABLE, SERIES, PAIRED], ids=["table", "series", "paired"])
def test_builtin_losses_conform(name: str, params: dict, spec: DataSpec) -> None:
    check_loss(name, spec, **params)


def test_image_folder_conforms(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    for i in range(3):
        Image.new("RGB", (40, 36), (i * 60, 100, 200)).save(tmp_path / f"{i}.png")
    check_dataset("image-folder", root=str(tmp_path), image_size=32)


# -- broken components ----------------------------------------------------------------------
class _Config(ComponentConfig):
    """Deliberately broken generator."""

    out_features: int = 5


class WrongShapeGenerator(nn.Module):
    def __init__(self, config: _Config) -> None:
        super().__init__()
        self.net = nn.Linear(3, config.out_features + 1)  # one feature too many

    def sample_latent(self, n, *, device="cpu", generator=None):  # type: ignore[no-untyped-def]
        return torch.randn(n, 3, device=device, generator=generator)

    def forward(self, z, cond=None):  # type: ignore[no-untyped-def]
        return self.net(z)


class UnseededGenerator(WrongShapeGenerator):
    def __init__(self, config: _Config) -> None:
        super().__init__(config.model_copy(update={"out_features": config.out_features - 1}))

    def sample_latent(self, n, *, device="cpu", generator=None):  # type: ignore[no-untyped-def]
        return torch.randn(n, 3)  # ignores the seeded generator


def _register(**targets: type) -> None:
    module = types.ModuleType("broken")

    def ganzoo_register_generators(register):  # type: ignore[no-untyped-def]
        for name, target in targets.items():
            register(name, target, config=_Config)

    module.ganzoo_register_generators = ganzoo.hookimpl(ganzoo_register_generators)  # type: ignore[attr-defined]
    reset_manager([("broken", module)], discover=False)


def test_wrong_output_shape_is_named() -> None:
    _register(wrong=WrongShapeGenerator)
    with pytest.raises(ConformanceError, match=r"generator 'wrong': forward\(z, cond\) output has shape \(4, 6\), expected \(4, 5\)"):
        check_generator("wrong", TABLE)


def test_unseeded_noise_is_named() -> None:
    _register(unseeded=UnseededGenerator)
    with pytest.raises(ConformanceError, match="sample_latent is not reproducible"):
        check_generator("unseeded", TABLE)


def test_jittered_pairs_conform_after_augment(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    for i in range(2):
        Image.new("RGB", (80, 40), (i * 90, 40, 200)).save(tmp_path / f"{i}.png")
    dataset = check_dataset("aligned-pairs", root=str(tmp_path), image_size=32, load_size=36)
    assert dataset[0]["x"].shape == (3, 36, 36)  # larger until augment crops it


class _LabelConfig(ComponentConfig):
    """Label-conditional generator that forgets its labels."""

    out_features: int = 5
    condition_dim: int = 0


class LabelBlindGenerator(WrongShapeGenerator):
    def __init__(self, config: _LabelConfig) -> None:
        super().__init__(_Config(out_features=config.out_features - 1))

    def forward(self, z, cond=None):  # type: ignore[no-untyped-def]
        return self.net(z)  # ignores cond


def test_a_generator_ignoring_its_condition_is_named() -> None:
    module = types.ModuleType("blind")

    def ganzoo_register_generators(register):  # type: ignore[no-untyped-def]
        register("blind", LabelBlindGenerator, config=_LabelConfig)

    module.ganzoo_register_generators = ganzoo.hookimpl(ganzoo_register_generators)  # type: ignore[attr-defined]
    reset_manager([("blind", module)], discover=False)
    spec = DataSpec("table", (5,), condition="label", condition_shape=(3,))
    with pytest.raises(ConformanceError, match="does not depend on the label condition"):
        check_generator("blind", spec)


class _DrawingConfig(ComponentConfig):
    """A table dataset that draws its own batches, with a bug in their width when asked."""

    wrong_width: bool = False


class DrawingTable:
    def __init__(self, config: _DrawingConfig) -> None:
        self.width = 4 if config.wrong_width else 5
        self.draws_batches = True

    def describe(self) -> DataSpec:
        return TABLE

    def __len__(self) -> int:
        return 8

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {"x": torch.full((5,), index / 8)}

    def draw_batch(self, n: int) -> dict[str, torch.Tensor]:
        return {"x": torch.rand(n, self.width)}


@contextmanager
def _only_dataset(name: str, cls: type) -> Iterator[None]:
    """The plugin manager holds one in-process plugin, registering dataset ``name`` (until exit)."""
    module = types.ModuleType(name)

    def ganzoo_register_datasets(register):  # type: ignore[no-untyped-def]
        register(name, cls, config=_DrawingConfig)

    module.ganzoo_register_datasets = ganzoo.hookimpl(ganzoo_register_datasets)  # type: ignore[attr-defined]
    reset_manager([(name, module)], discover=False)
    try:
        yield
    finally:
        reset_manager()


def test_drawn_batches_are_checked_against_the_spec() -> None:
    with _only_dataset("drawing-table", DrawingTable):
        assert check_dataset("drawing-table").draws_batches
        with pytest.raises(ConformanceError, match=r"draw_batch\(2\)\['x'\] has shape \(2, 4\), expected \(2, 5\)"):
            check_dataset("drawing-table", wrong_width=True)


class _FirstRows:
    """A curator with a bug when asked: it keeps the first candidates, one too many."""

    oversample = 2

    def __init__(self, extra: int) -> None:
        self.extra = extra

    def choose(self, samples: torch.Tensor, n: int) -> torch.Tensor:
        return torch.arange(n + self.extra)


class CuratingTable(DrawingTable):
    @classmethod
    def curator(cls, spec: DataSpec) -> _FirstRows:
        return _FirstRows(extra=int(spec.meta.get("extra", 0)))


def test_a_curators_choice_is_checked() -> None:
    with _only_dataset("curating-table", CuratingTable):
        check_dataset("curating-table")
        bad = DataSpec("table", (5,), meta={"extra": 1})
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(CuratingTable, "describe", lambda self: bad)
            with pytest.raises(ConformanceError, match=r"curator\(\)\.choose\(candidates, 2\) returned \[0, 1, 2\]"):
                check_dataset("curating-table")
