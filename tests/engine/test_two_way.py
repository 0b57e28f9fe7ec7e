"""Two-way translation through the one loop: directions, views, shared generator passes, the
fake pool and the generator-first update order, with a toy plugin's own two-way networks and
with the built-in ``cyclegan`` pair wrapped around a toy's one-way networks."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

import ganzoo
from ganzoo.engine.callbacks import Callback
from ganzoo.engine.context import LossContext
from ganzoo.engine.engine import Engine
from ganzoo.engine.pool import FakePool
from ganzoo.engine.run import train
from ganzoo.experiment.build import build_experiment
from ganzoo.plugin import ComponentConfig, ConfigError, Register, hookimpl
from ganzoo.plugins.manager import reset_manager
from ganzoo.registry.registry import Registry

Experiment = Callable[..., dict[str, Any]]


# -- a plugin's own two-way networks (what a third party would write) ----------------------------
class TwoWayConfig(ComponentConfig):
    """Two 1-D convolutions, one per direction."""

    in_channels: int = 1
    out_channels: int = 1


class TwoWayGenerator(nn.Module):
    directions = ("AtoB", "BtoA")
    calls: dict[str, int] = {}

    def __init__(self, config: TwoWayConfig) -> None:
        super().__init__()
        self.nets = nn.ModuleDict({
            "AtoB": nn.Conv1d(config.in_channels, config.out_channels, 3, padding=1),
            "BtoA": nn.Conv1d(config.out_channels, config.in_channels, 3, padding=1),
        })

    def sample_latent(self, n: int, *, device: Any = "cpu", generator: Any = None) -> None:
        return None

    def forward(self, z: Any, cond: torch.Tensor | None = None, direction: str | None = None) -> torch.Tensor:
        direction = direction or "AtoB"
        TwoWayGenerator.calls[direction] = TwoWayGenerator.calls.get(direction, 0) + 1
        return torch.tanh(self.nets[direction](cond))


class BlindConfig(ComponentConfig):
    """One linear critic per domain."""

    in_channels: int = 1
    source_channels: int = 1
    length: int = 32


class BlindDiscriminator(nn.Module):
    """Fails if it is ever shown the (unaligned) source."""

    directions = ("AtoB", "BtoA")

    def __init__(self, config: BlindConfig) -> None:
        super().__init__()
        self.judges = nn.ModuleDict({
            "AtoB": nn.Linear(config.in_channels * config.length, 1),
            "BtoA": nn.Linear(config.source_channels * config.length, 1),
        })

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None, direction: str | None = None) -> torch.Tensor:
        assert cond is None, "an unpaired source reached the discriminator"
        return self.judges[direction or "AtoB"](x.flatten(1)).squeeze(1)


class OrderConfig(ComponentConfig):
    """Records the order of the phases."""


class PhaseRecorder:
    phases: list[str] = []

    def __init__(self, config: OrderConfig) -> None:
        pass

    def discriminator_loss(self, ctx: LossContext) -> None:
        PhaseRecorder.phases.append("d")

    def generator_loss(self, ctx: LossContext) -> None:
        PhaseRecorder.phases.append("g")


class _Plugin:
    @staticmethod
    @hookimpl
    def ganzoo_register_generators(register: Register) -> None:
        register("toy-two-way", TwoWayGenerator, config=TwoWayConfig)

    @staticmethod
    @hookimpl
    def ganzoo_register_discriminators(register: Register) -> None:
        register("toy-blind", BlindDiscriminator, config=BlindConfig)

    @staticmethod
    @hookimpl
    def ganzoo_register_losses(register: Register) -> None:
        register("toy-order", PhaseRecorder, config=OrderConfig)


@pytest.fixture
def registry(toys: Registry) -> Registry:
    """The toys plus this file's plugin (the ``toys`` fixture restores the default manager)."""
    engine_toys = sys.modules["ganzoo_engine_toys"]  # imported by the toys fixture
    manager = reset_manager(plugins=[("ganzoo-engine-toys", engine_toys), ("two-way-toys", _Plugin)], discover=False)
    assert not manager.failures(), manager.failures()[0].error
    return manager.registry


def _raw(experiment: Experiment, **train_options: Any) -> dict[str, Any]:
    raw = experiment("sine", **{"steps": 4, "batch_size": 8, "deterministic": True, **train_options})
    raw["generator"] = {"name": "toy-two-way"}
    raw["discriminator"] = {"name": "toy-blind"}
    raw["dataset"]["params"] = {"unpaired": True, "n": 64}
    raw["losses"] = [{"name": "toy-bce"}, {"name": "cycle", "weight": 10.0}, {"name": "identity", "weight": 5.0}]
    return raw


class Records(Callback):
    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def on_log(self, engine: Engine, record: dict[str, Any]) -> None:
        self.records.append(record)


def _fit(raw: dict[str, Any], registry: Registry) -> tuple[Engine, list[dict[str, Any]]]:
    records = Records()
    engine = Engine(build_experiment(raw, registry), callbacks=[records])
    engine.fit()
    return engine, [r for r in records.records if r["kind"] == "train"]


def test_every_term_trains_every_direction_once_per_step(registry: Registry, experiment: Experiment) -> None:
    TwoWayGenerator.calls = {}
    engine, records = _fit(_raw(experiment, log_every=4), registry)
    record = records[-1]
    for term in ("toy-bce", "cycle", "identity"):
        for direction in ("AtoB", "BtoA"):
            assert f"loss/g/{term}/{direction}" in record
    assert {"loss/d/toy-bce/AtoB", "loss/d/toy-bce/BtoA"} <= record.keys()
    assert "loss/d/cycle/AtoB" not in record  # generator-only terms
    # per step and direction: the fake, the other view's cycle and the identity mapping; the fakes
    # made for the discriminator phase are reused by the generator phase (+ 1: the build's dry run)
    assert TwoWayGenerator.calls == {"AtoB": 3 * 4 + 1, "BtoA": 3 * 4 + 1}
    # one optimiser over both translators, one over both judges
    g_params = {id(p) for group in engine.g.optimizer.param_groups for p in group["params"]}
    d_params = {id(p) for group in engine.d.optimizer.param_groups for p in group["params"]}
    assert g_params == {id(p) for p in engine.generator.parameters()} and len(g_params) == 4
    assert d_params == {id(p) for p in engine.discriminator.parameters()} and len(d_params) == 4


def test_a_term_can_be_limited_to_some_directions(registry: Registry, experiment: Experiment) -> None:
    raw = _raw(experiment, log_every=4)
    raw["losses"][2]["directions"] = ["BtoA"]
    _, records = _fit(raw, registry)
    assert "loss/g/identity/BtoA" in records[-1] and "loss/g/identity/AtoB" not in records[-1]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: raw["losses"][0].update(directions=["AtoC"]), "losses.0.directions: 'AtoC' is not a direction"),
        (lambda raw: raw["losses"][0].update(directions=[]), "losses.0.directions: empty"),
        (lambda raw: raw["dataset"]["params"].update(unpaired=False), "translates two ways .* no source domain"),
        (lambda raw: raw["train"].update(update_order="generator-first", n_critic=2), "set n_critic = 1"),
    ],
)
def test_direction_mistakes_fail_before_training(registry: Registry, experiment: Experiment,
                                                 change: Callable[[dict[str, Any]], None], message: str) -> None:
    raw = _raw(experiment)
    change(raw)
    with pytest.raises(ConfigError, match=message):
        Engine(build_experiment(raw, registry))


def test_a_one_way_discriminator_judges_only_the_first_direction(registry: Registry, experiment: Experiment) -> None:
    raw = _raw(experiment)
    raw["discriminator"] = {"name": "toy-conv"}
    with pytest.raises(ConfigError, match="judges one domain.*'BtoA'"):
        _fit(raw, registry)
    raw["losses"][0]["directions"] = ["AtoB"]
    _, records = _fit(raw, registry)
    assert "loss/d/toy-bce/AtoB" in records[-1]


def test_cycle_needs_a_two_way_generator(registry: Registry, experiment: Experiment) -> None:
    raw = experiment("paired-sine", steps=1)
    raw["losses"].append({"name": "cycle"})
    with pytest.raises(ConfigError, match="'cycle' needs a two-way generator"):
        _fit(raw, registry)


def test_generator_first_updates_g_before_d(registry: Registry, experiment: Experiment) -> None:
    raw = _raw(experiment, steps=2)
    raw["losses"].append({"name": "toy-order", "directions": ["AtoB"]})
    for order, expected in (("discriminator-first", "dgdg"), ("generator-first", "gdgd")):
        PhaseRecorder.phases = []
        raw["train"]["update_order"] = order
        _fit(raw, registry)
        assert "".join(PhaseRecorder.phases) == expected


def test_the_pool_fills_then_swaps_half_the_time() -> None:
    pool = FakePool(4)
    torch.manual_seed(0)
    first = torch.arange(4.0).view(4, 1)
    assert torch.equal(pool.query(first), first)  # filling: the new samples themselves
    new = 10.0 + torch.arange(400.0)
    served = torch.cat([pool.query(value.view(1, 1)) for value in new]).flatten()
    swapped = served != new
    assert 0.4 < swapped.float().mean() < 0.6  # a stored sample about half of the time
    assert (served[swapped] < new[swapped]).all()  # ... always an earlier one
    assert pool.count == 4 and len(set(pool.images.flatten().tolist())) == 4
    images, count = pool.state()
    twin = FakePool(4)
    twin.load(images, count, what="test")
    torch.manual_seed(1)
    a = pool.query(torch.full((3, 1), -1.0))
    torch.manual_seed(1)
    assert torch.equal(a, twin.query(torch.full((3, 1), -1.0)))
    with pytest.raises(ganzoo.plugin.CheckpointError, match="pool takes 2"):
        FakePool(2).load(images, count, what="test")


def test_the_pool_replaces_the_discriminator_fakes(registry: Registry, experiment: Experiment) -> None:
    seen: list[torch.Tensor] = []

    class Spy(Callback):
        def on_step_end(self, engine: Engine) -> None:
            seen.append(engine.translation.pools["AtoB"].count)

    raw = _raw(experiment, steps=3, fake_pool=20)
    engine = Engine(build_experiment(raw, registry), callbacks=[Spy()])
    engine.fit()
    assert seen == [8, 16, 20]  # batches of 8 fill a pool of 20
    assert engine.translation.pools.keys() == {"AtoB", "BtoA"}


def test_the_cyclegan_pair_wraps_any_registered_network(registry: Registry, experiment: Experiment) -> None:
    raw = _raw(experiment, steps=2)
    raw["generator"] = {"name": "cyclegan", "params": {"network": {"name": "toy-conv"}}}
    raw["discriminator"] = {"name": "cyclegan", "params": {"network": {"name": "toy-conv"}}}
    engine, records = _fit(raw, registry)
    assert {"loss/d/toy-bce/BtoA", "loss/g/cycle/BtoA"} <= records[-1].keys()
    assert engine.generator.ab.in_channels == engine.generator.ba.in_channels == 1


def test_sampling_and_export_in_both_directions(registry: Registry, experiment: Experiment, tmp_path: Path) -> None:
    raw = _raw(experiment, steps=2)
    train(raw, run_dir=tmp_path / "run")
    sampler = ganzoo.load(tmp_path / "run", registry=registry)
    assert sampler.directions == ("AtoB", "BtoA")
    sources = sampler.dataset_conditions(3, direction="BtoA")
    torch.testing.assert_close(sampler.sample(3, condition=sources, direction="BtoA"),
                               torch.tanh(sampler.generator.nets["BtoA"](sources)).detach())
    with pytest.raises(ConfigError, match="has AtoB, BtoA"):
        sampler.sample(3, condition=sources, direction="CtoD")
    with pytest.raises(ConfigError, match="expected"):
        sampler.sample(3, condition=torch.zeros(3, 2, 32), direction="BtoA")
