"""ganzoo-smartgrid's entry point: registers datasets, models, metrics and the preset.

Targets are ``"module:Class"`` strings so that ``ganzoo list`` imports neither torch nor pandas.
"""

from __future__ import annotations

from importlib import resources

from ganzoo.plugin import PresetRegister, Register, hookimpl
from ganzoo_smartgrid import configs as c

_DATA = "ganzoo_smartgrid.datasets"
_MODELS = "ganzoo_smartgrid.models"
_METRICS = "ganzoo_smartgrid.metrics.components"


@hookimpl
def ganzoo_register_datasets(register: Register) -> None:
    register("load-profiles", f"{_DATA}:LoadProfiles", config=c.LoadProfilesConfig)
    register("london-lcl", f"{_DATA}:LondonLCL", config=c.LCLConfig)
    register("uci-electricity", f"{_DATA}:UCIElectricity", config=c.UCIElectricityConfig)
    register("uci-household", f"{_DATA}:UCIHousehold", config=c.UCIHouseholdConfig)
    register("long-csv", f"{_DATA}:LongCSV", config=c.LongCSVConfig)
    register("wide-csv", f"{_DATA}:WideCSV", config=c.WideCSVConfig)


@hookimpl
def ganzoo_register_generators(register: Register) -> None:
    register("series-conv", f"{_MODELS}:SeriesConvGenerator", config=c.SeriesConvGeneratorConfig)
    register("series-lstm", f"{_MODELS}:SeriesRNNGenerator", config=c.SeriesRNNGeneratorConfig)
    register("series-resconv", "ganzoo_smartgrid.resconv:ResConvGenerator", config=c.ResConvGeneratorConfig)


@hookimpl
def ganzoo_register_discriminators(register: Register) -> None:
    register("series-conv", f"{_MODELS}:SeriesConvDiscriminator", config=c.SeriesConvDiscriminatorConfig)
    register("series-lstm", f"{_MODELS}:SeriesRNNDiscriminator", config=c.SeriesRNNDiscriminatorConfig)
    register("series-resconv", "ganzoo_smartgrid.resconv:ResConvDiscriminator", config=c.ResConvDiscriminatorConfig)


@hookimpl
def ganzoo_register_losses(register: Register) -> None:
    register("series-moments", "ganzoo_smartgrid.losses:SeriesMoments", config=c.SeriesMomentsConfig)


@hookimpl
def ganzoo_register_metrics(register: Register) -> None:
    register("timegan-discriminative", f"{_METRICS}:DiscriminativeScore", config=c.DiscriminativeScoreConfig)
    register("timegan-predictive", f"{_METRICS}:PredictiveScore", config=c.PredictiveScoreConfig)
    register("kmeans-agreement", f"{_METRICS}:KMeansAgreement", config=c.KMeansAgreementConfig)
    register("forecast-tstr", f"{_METRICS}:ForecastTSTR", config=c.ForecastConfig)
    register("load-statistics", f"{_METRICS}:LoadStatistics", config=c.LoadStatisticsConfig)
    register("condition-recovery", f"{_METRICS}:ConditionRecovery", config=c.ConditionRecoveryConfig)
    register("class-profiles", f"{_METRICS}:ClassProfiles", config=c.ClassProfilesConfig)
    register("coverage", f"{_METRICS}:Coverage", config=c.CoverageConfig)


@hookimpl
def ganzoo_register_presets(register: PresetRegister) -> None:
    register("smartgrid-cgan", str(resources.files("ganzoo_smartgrid") / "presets" / "smartgrid-cgan.toml"),
             summary="Label-conditional 1-D conv WGAN-GP on BDEW load profiles (30 min), CPU-friendly.")
