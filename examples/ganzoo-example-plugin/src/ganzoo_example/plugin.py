"""The entry point ganzoo loads: one hook per kind of component the plugin adds.

Targets are ``"module:Class"`` strings, so listing components never imports torch; the configs
are imported here because they are cheap pydantic models.
"""

from __future__ import annotations

from typing import Any

import ganzoo
from ganzoo.plugin import PresetRegister, Register

from ganzoo_example.configs import (
    MLPDiscriminatorConfig,
    MLPGeneratorConfig,
    RingCoverageConfig,
    RingsConfig,
)

#: The preset: the example's MLPs on the rings, with ganzoo's built-in adversarial loss.
RINGS_EXPERIMENT: dict[str, Any] = {
    "generator": {"name": "example-mlp", "params": {"latent_dim": 8, "hidden": 64}},
    "discriminator": {"name": "example-mlp", "params": {"hidden": 64}},
    "dataset": {"name": "rings", "params": {"n_samples": 4096}},
    "losses": [{"name": "adversarial", "params": {"mode": "nonsaturating"}}],
    "train": {"steps": 2000, "batch_size": 128, "lr": 0.001, "betas": [0.5, 0.999]},
    "eval": {"metrics": ["ring-coverage"], "n_samples": 1000},
}


@ganzoo.hookimpl
def ganzoo_register_generators(register: Register) -> None:
    register("example-mlp", "ganzoo_example.models:MLPGenerator", config=MLPGeneratorConfig)


@ganzoo.hookimpl
def ganzoo_register_discriminators(register: Register) -> None:
    register("example-mlp", "ganzoo_example.models:MLPDiscriminator", config=MLPDiscriminatorConfig)


@ganzoo.hookimpl
def ganzoo_register_datasets(register: Register) -> None:
    register("rings", "ganzoo_example.data:Rings", config=RingsConfig)


@ganzoo.hookimpl
def ganzoo_register_metrics(register: Register) -> None:
    register("ring-coverage", "ganzoo_example.metrics:RingCoverage", config=RingCoverageConfig)


@ganzoo.hookimpl
def ganzoo_register_presets(register: PresetRegister) -> None:
    register("example-rings", RINGS_EXPERIMENT, summary="Example MLP GAN on 8 Gaussians on a ring.")
