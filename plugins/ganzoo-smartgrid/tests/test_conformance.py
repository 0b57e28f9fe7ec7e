"""ganzoo's conformance kit on every smart-grid generator, discriminator and dataset."""

from __future__ import annotations

from pathlib import Path

import pytest

from ganzoo.data.spec import DataSpec
from ganzoo.testing.conformance import (
    check_dataset,
    check_discriminator,
    check_generator,
    check_loss,
)

SPECS = [
    DataSpec("series", (1, 48)),
    DataSpec("series", (1, 96), condition="label", condition_shape=(20,)),
]
SMALL = {"series-conv": {"base_channels": 8}, "series-lstm": {"hidden_dim": 8}}


@pytest.mark.parametrize("spec", SPECS, ids=["unconditional", "label"])
@pytest.mark.parametrize("name", ["series-conv", "series-lstm"])
def test_models_conform(name: str, spec: DataSpec) -> None:
    check_generator(name, spec, **SMALL[name])
    check_discriminator(name, spec, **SMALL[name])


@pytest.mark.parametrize("spec", SPECS, ids=["unconditional", "label"])
def test_smooth_series_conv_options_conform(spec: DataSpec) -> None:
    check_generator("series-conv", spec, base_channels=8, upsample="linear")
    check_discriminator("series-conv", spec, base_channels=8, downsample="pool")


@pytest.mark.parametrize("spec", SPECS, ids=["unconditional", "label"])
def test_step_noise_generator_conforms(spec: DataSpec) -> None:
    check_generator("series-conv", spec, base_channels=8, upsample="linear", step_noise=True)


@pytest.mark.parametrize("spec", [*SPECS, DataSpec("series", (3, 24), condition="label", condition_shape=(5,))],
                         ids=["unconditional", "label", "multichannel"])
def test_resconv_pair_and_moments_conform(spec: DataSpec) -> None:
    check_generator("series-resconv", spec, hidden=8, mlp_hidden=16, n_blocks=2)
    check_discriminator("series-resconv", spec, hidden=8, features=16, n_blocks=1)
    check_discriminator("series-resconv", spec, hidden=8, features=16, n_blocks=0)
    check_loss("series-moments", spec)


def test_load_profiles_conforms() -> None:
    check_dataset("load-profiles", n_samples=32, n_meters=5)


def test_file_loader_conforms(lcl_original: Path) -> None:
    check_dataset("london-lcl", path=str(lcl_original), conditional=True, val_fraction=0.0, test_fraction=0.0)


def test_generic_csv_conforms_with_channels_and_conditions(lcl_original: Path) -> None:
    check_dataset("long-csv", path=str(lcl_original), meter_column="LCLid", timestamp_column="DateTime",
                  value_column=["KWH/hh (per half hour)"], condition_columns=["stdorToU"], calendar=["month"],
                  window_steps=12, val_fraction=0.0, test_fraction=0.0)


def _entries(kind: str) -> list:
    from ganzoo.plugins.manager import get_registry

    return [e for e in get_registry().entries(kind) if e.provider == "ganzoo-smartgrid"]


def test_every_component_is_built_from_its_config_object() -> None:
    from ganzoo.registry.registry import constructor_mismatch

    entries = [e for kind in ("generator", "discriminator", "dataset", "metric", "loss") for e in _entries(kind)]
    assert len(entries) == 3 + 3 + 6 + 8 + 1
    assert {e.qualified_name: constructor_mismatch(e) for e in entries} == {e.qualified_name: None for e in entries}


def test_metrics_say_what_they_apply_to_and_datasets_parse_conditions() -> None:
    from ganzoo.plugin import ConditionParsing, ConditionSampling

    labelled = DataSpec("series", (1, 48), condition="label", condition_shape=(2,),
                        meta={"conditions": {"blocks": [["class", ["a", "b"]]]}})
    for entry in _entries("metric"):
        target = entry.load()
        assert target.applies_to(DataSpec("series", (1, 48))) or target.applies_to(labelled), entry.name
        assert not target.applies_to(DataSpec("image", (3, 8, 8))), entry.name
    for entry in _entries("dataset"):
        target = entry.load()
        assert isinstance(target, ConditionParsing) and isinstance(target, ConditionSampling), entry.name
