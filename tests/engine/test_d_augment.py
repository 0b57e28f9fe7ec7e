"""``train.augment`` in the loop: D sees augmented images, ADA adapts p, and resume stays exact."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

import ganzoo
from ganzoo.data.augment_options import ADAConfig
from ganzoo.data.spec import DataSpec
from ganzoo.engine.augment import AdaptiveAugment, build_augment
from ganzoo.engine.checkpoint import find_checkpoint
from ganzoo.engine.context import LossContext
from ganzoo.engine.run import train
from ganzoo.engine.strategy import SingleDevice
from ganzoo.registry.config import TrainConfig
from ganzoo.registry.errors import ConfigError
from ganzoo.registry.registry import Registry

CPU = SingleDevice(torch.device("cpu"))
IMAGES = DataSpec("image", (3, 8, 8))
PAIRED = DataSpec("image", (3, 8, 8), condition="paired", condition_shape=(3, 8, 8))
LABELLED = DataSpec("image", (3, 8, 8), condition="label", condition_shape=(4,))


def _image_experiment(root: Path, augment: dict[str, Any] | None) -> dict[str, Any]:
    if not root.exists():
        root.mkdir(parents=True)
        rng = np.random.default_rng(0)
        for i in range(8):
            Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(root / f"{i}.png")
    train_table: dict[str, Any] = {"steps": 6, "batch_size": 4, "device": "cpu", "progress": False,
                                   "log_every": 1, "deterministic": True, "checkpoint_every": 3}
    if augment is not None:
        train_table["augment"] = augment
    return {
        "name": "aug",
        "generator": {"name": "dcgan", "params": {"latent_dim": 8, "base_channels": 4}},
        "discriminator": {"name": "dcgan", "params": {"base_channels": 4}},
        "dataset": {"name": "image-folder", "params": {"root": str(root), "image_size": 32}},
        "losses": [{"name": "adversarial"}, {"name": "r1", "weight": 0.1}],
        "train": train_table,
    }


@pytest.mark.parametrize("augment", [
    {"kind": "diffaugment"},
    {"kind": "ada", "p": 0.5, "interval": 2, "speed_kimg": 0.1},
])
def test_stop_and_resume_with_augmentation_is_bit_identical(augment: dict[str, Any], tmp_path: Path) -> None:
    raw = _image_experiment(tmp_path / "img", augment)
    full = ganzoo.train(raw, run_dir=tmp_path / "full")
    ganzoo.train(raw, run_dir=tmp_path / "half", until=3)  # mid-way through an ADA interval
    resumed = train(resume=tmp_path / "half")
    a, b = find_checkpoint(full.directory), find_checkpoint(resumed.directory)
    for stem in ("generator", "discriminator", "optim_discriminator"):
        ta, tb = a.tensors(stem), b.tensors(stem)
        assert all(torch.equal(ta[key], tb[key]) for key in ta), stem
    plain = ganzoo.train(_image_experiment(tmp_path / "img", None), run_dir=tmp_path / "plain")
    d_plain = find_checkpoint(plain.directory).tensors("discriminator")
    assert not all(torch.equal(d_plain[key], a.tensors("discriminator")[key]) for key in d_plain)
    if augment["kind"] == "ada":
        assert a.json("augment") == b.json("augment")
        p_values = [record["augment/p"] for record in full.metrics("train")]
        assert p_values[0] == 0.5 and len(set(p_values)) > 1
        assert p_values == [record["augment/p"] for record in resumed.metrics("train")]


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[torch.Tensor, torch.Tensor | None]] = []

    def __call__(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        self.calls.append((x, cond))
        return x.flatten(1).mean(1)


def _augment(spec: DataSpec, **options: Any) -> Any:
    return build_augment(TrainConfig(augment={"kind": "diffaugment", **options}), spec, CPU, 4)


def test_paired_sources_get_the_samples_transform_and_labels_pass_unchanged() -> None:
    x = torch.rand(4, 3, 8, 8) * 2 - 1
    recorder = _Recorder()
    _augment(PAIRED).view(recorder, 0, "discriminator")(x, x.clone())
    seen_x, seen_cond = recorder.calls[0]
    assert torch.equal(seen_x, seen_cond) and not torch.equal(seen_x, x)
    labels = torch.eye(4)
    _augment(LABELLED).view(recorder, 0, "discriminator")(x, labels)
    assert recorder.calls[1][1] is labels


def test_a_two_way_discriminator_gets_its_side_through_the_augmented_view() -> None:
    sides: list[str | None] = []

    def two_way(x: torch.Tensor, cond: torch.Tensor | None = None, direction: str | None = None) -> torch.Tensor:
        sides.append(direction)
        return x.flatten(1).mean(1)

    view = _augment(IMAGES).view(two_way, 0, "discriminator")
    view(torch.rand(4, 3, 8, 8), None, "BtoA")
    view(torch.rand(4, 3, 8, 8))
    assert sides == ["BtoA", None]


def test_each_update_and_phase_draws_its_own_reproducible_augmentation() -> None:
    x = torch.rand(4, 3, 8, 8) * 2 - 1
    augment, recorder = _augment(IMAGES), _Recorder()

    def seen(d_step: int, phase: str, calls: int = 1) -> list[torch.Tensor]:
        view: Callable[..., torch.Tensor] = augment.view(recorder, d_step, phase)
        for _ in range(calls):
            view(x)
        return [call[0] for call in recorder.calls[-calls:]]

    first, again = seen(5, "discriminator"), seen(5, "discriminator")
    assert torch.equal(first[0], again[0])
    assert not torch.equal(first[0], seen(5, "generator")[0])
    assert not torch.equal(first[0], seen(6, "discriminator")[0])
    real, fake = seen(7, "discriminator", calls=2)  # real and fake batch of one update differ
    assert not torch.equal(real, fake)


def _observe(ada: AdaptiveAugment, logits: torch.Tensor | None, times: int) -> None:
    for _ in range(times):
        ctx = LossContext("discriminator", torch.zeros(4, 3, 8, 8), torch.zeros(4, 3, 8, 8), None, {},
                          lambda x, cond=None: logits)
        if logits is not None:
            _ = ctx.d_real
        ada.observe(ctx)


def test_ada_raises_p_while_d_is_sure_of_the_reals_and_lowers_it_otherwise() -> None:
    config = ADAConfig(kind="ada", target=0.6, interval=4, speed_kimg=0.1, p=0.5)
    ada = AdaptiveAugment(config, IMAGES, global_batch=5, strategy=CPU, seed=0, channels_last=False)
    step = 4 * 5 / 100  # interval * batch / (speed_kimg * 1000)
    unsure = torch.tensor([1.0, 2.0, -3.0, -1.0, 1.0])  # E[sign] = 0.2
    _observe(ada, unsure, 3)
    assert ada.p == 0.5 and ada.log() == {"augment/p": 0.5}  # mid-interval: nothing yet
    _observe(ada, unsure, 1)
    assert ada.p == pytest.approx(0.5 - step) and ada.log()["augment/rt"] == pytest.approx(0.2)
    _observe(ada, torch.ones(5), 8)
    assert ada.p == pytest.approx(0.5 + step)
    _observe(ada, torch.ones(5), 2)
    state = ada.state_dict(CPU)
    again = AdaptiveAugment(config, IMAGES, global_batch=5, strategy=CPU, seed=0, channels_last=False)
    again.load_state_dict(state)
    for tracker in (ada, again):
        _observe(tracker, torch.ones(5), 2)
        assert tracker.p == pytest.approx(0.5 + 2 * step)
        _observe(tracker, torch.ones(5), 8)
        assert tracker.p == 1.0
        _observe(tracker, -torch.ones(5), 40)
        assert tracker.p == 0.0


def test_augment_needs_images_and_ada_needs_the_real_logits(toys: Registry, experiment: Any) -> None:
    raw = experiment("ring", steps=1)
    raw["train"]["augment"] = {"kind": "diffaugment"}
    with pytest.raises(ConfigError, match="train.augment: diffaugment transforms images; this dataset gives"):
        ganzoo.train(raw)
    ada = AdaptiveAugment(ADAConfig(kind="ada"), IMAGES, global_batch=4, strategy=CPU, seed=0, channels_last=False)
    with pytest.raises(ConfigError, match="no loss term of this experiment scored the real batch"):
        _observe(ada, None, 1)
