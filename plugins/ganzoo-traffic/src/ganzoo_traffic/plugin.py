"""ganzoo-traffic's entry point: registers its components through ganzoo's hooks.

Targets are ``"module:Class"`` strings and configs are torch-free, so ``ganzoo list`` imports
neither torch nor pandas from this plugin.
"""

from __future__ import annotations

from importlib import resources

from ganzoo.plugin import PresetRegister, Register, hookimpl
from ganzoo_traffic import configs as c


@hookimpl
def ganzoo_register_generators(register: Register) -> None:
    register("ctgan", "ganzoo_traffic.models:CTGANGenerator", config=c.CTGANGeneratorConfig)


@hookimpl
def ganzoo_register_discriminators(register: Register) -> None:
    register("pacgan", "ganzoo_traffic.models:PacGANDiscriminator", config=c.PacGANDiscriminatorConfig)


@hookimpl
def ganzoo_register_losses(register: Register) -> None:
    register("conditional-ce", "ganzoo_traffic.losses:ConditionalCrossEntropy", config=c.ConditionalCEConfig)
    register("target-classifier", "ganzoo_traffic.losses:TargetClassifier", config=c.TargetClassifierConfig)
    register("masked-wasserstein", "ganzoo_traffic.losses:MaskedWasserstein", config=c.MaskedWassersteinConfig)
    register(
        "masked-gradient-penalty",
        "ganzoo_traffic.losses:MaskedGradientPenalty",
        config=c.MaskedGradientPenaltyConfig,
    )


@hookimpl
def ganzoo_register_datasets(register: Register) -> None:
    register("accidents-sim", "ganzoo_traffic.data.dataset:AccidentsSim", config=c.AccidentsSimConfig)
    register("stats19", "ganzoo_traffic.data.dataset:Stats19", config=c.Stats19Config)
    register("us-accidents", "ganzoo_traffic.data.dataset:USAccidents", config=c.USAccidentsConfig)
    register("table-csv", "ganzoo_traffic.data.dataset:TableCSV", config=c.TableCSVConfig)


@hookimpl
def ganzoo_register_metrics(register: Register) -> None:
    register("table-fidelity", "ganzoo_traffic.metrics.components:TableFidelity", config=c.TableFidelityConfig)
    register("table-detection", "ganzoo_traffic.metrics.components:TableDetection", config=c.TableDetectionConfig)
    register(
        "table-augmentation",
        "ganzoo_traffic.metrics.components:TableAugmentation",
        config=c.TableAugmentationConfig,
    )


@hookimpl
def ganzoo_register_presets(register: PresetRegister) -> None:
    presets = resources.files("ganzoo_traffic") / "presets"
    register(
        "traffic-ctgan",
        str(presets / "traffic-ctgan.toml"),
        summary="CTGAN on accidents-sim: ctgan + pacgan (pac 10) + WGAN-GP + conditional CE, batch 500.",
    )
