"""Experiment files: two-phase validation with dotted paths, overrides, presets, schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from ganzoo.experiment.build import validate_experiment
from ganzoo.experiment.load import parse_override, read_experiment
from ganzoo.experiment.schema import experiment_schema
from ganzoo.plugins.manager import get_registry
from ganzoo.registry.errors import ConfigError

BASE = {
    "generator": {"name": "dcgan", "params": {"latent_dim": 16}},
    "discriminator": {"name": "dcgan"},
    "dataset": {"name": "image-folder", "params": {"root": "x", "image_size": 32}},
    "losses": [{"name": "adversarial", "params": {"mode": "hinge"}}],
    "train": {"steps": 3, "batch_size": 2},
}


def _validate(raw: dict) -> None:
    validate_experiment(raw, get_registry(), source="exp.toml")


def test_valid_experiment_passes() -> None:
    config = validate_experiment(BASE, get_registry())
    assert config.train.steps == 3 and config.losses[0].weight == 1.0


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r["generator"]["params"].update(latent_dim="many"), "exp.toml: generator.params.latent_dim: Input should be a valid integer"),
        (lambda r: r["generator"]["params"].update(latnet_dim=3), "exp.toml: generator.params.latnet_dim: unknown key"),
        (lambda r: r["losses"][0]["params"].update(mode="wgan"), "exp.toml: losses.0.params.mode: Input should be"),
        (lambda r: r["train"].update(batch_sise=3), "exp.toml: train.batch_sise: unknown key"),
        (lambda r: r["train"].update(epochs=3), "give either steps or epochs"),
        (lambda r: r["dataset"]["params"].pop("root"), "exp.toml: dataset.params.root: Field required"),
        (lambda r: r["generator"].update(name="dcgna"), "exp.toml: generator.name: unknown generator 'dcgna'; did you mean 'dcgan'?"),
    ],
)
def test_errors_carry_the_dotted_path(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    import copy

    raw = copy.deepcopy(BASE)
    mutate(raw)
    with pytest.raises(ConfigError) as err:
        _validate(raw)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_overrides_set_nested_keys_and_list_items() -> None:
    raw, label = read_experiment(
        BASE,
        overrides=["train.batch_size=8", "generator.params.latent_dim=32", "losses.0.weight=0.5", "name=run a"],
        registry=get_registry(),
    )
    assert raw["train"]["batch_size"] == 8
    assert raw["generator"]["params"]["latent_dim"] == 32
    assert raw["losses"][0]["weight"] == 0.5
    assert raw["name"] == "run a"
    assert BASE["train"]["batch_size"] == 2  # the caller's mapping is untouched


def test_false_switches_a_presets_optional_table_off() -> None:
    registry = get_registry()
    raw, _ = read_experiment(None, preset="traffic-ctgan", overrides=["train.ema=false"], registry=registry)
    assert validate_experiment(raw, registry).train.ema is None
    raw, _ = read_experiment(None, preset="retina-dcgan", overrides=["train.augment=false"], registry=registry)
    assert validate_experiment(raw, registry).train.augment is None
    assert validate_experiment({**BASE, "train": {"steps": 3, "ema": {"decay": 0.9}}}, registry).train.ema.decay == 0.9
    with pytest.raises(ConfigError, match="train.ema"):
        _validate({**BASE, "train": {"steps": 3, "ema": True}})  # only false means off


@pytest.mark.parametrize("bad", ["novalue", "=3", "a..b=1"])
def test_malformed_overrides_are_rejected(bad: str) -> None:
    with pytest.raises(ConfigError, match="expected key.path=value"):
        parse_override(bad)


def test_override_index_out_of_range() -> None:
    with pytest.raises(ConfigError, match="out of range"):
        read_experiment(BASE, overrides=["losses.3.weight=1"], registry=get_registry())


def test_override_values_are_typed() -> None:
    assert parse_override("a=1")[1] == 1
    assert parse_override("a=true")[1] is True
    assert parse_override("a=[0.5, 0.9]")[1] == [0.5, 0.9]
    assert parse_override("a=some/path")[1] == "some/path"


def test_preset_reads_and_names_missing_data() -> None:
    raw, label = read_experiment(None, preset="pix2pix", registry=get_registry())
    assert label == "preset:pix2pix"
    assert raw["losses"][1] == {"name": "l1", "weight": 100.0}
    with pytest.raises(ConfigError, match="dataset.params.root: Field required"):
        validate_experiment(raw, get_registry(), source=label)


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        read_experiment(tmp_path / "nope.toml", registry=get_registry())
    bad = tmp_path / "bad.toml"
    bad.write_text("[generator\nname=1")
    with pytest.raises(ConfigError, match="invalid TOML"):
        read_experiment(bad, registry=get_registry())


def test_schema_lists_every_installed_component() -> None:
    schema = experiment_schema(get_registry())
    text = str(schema)
    for name in ("dcgan", "unet", "patchgan", "adversarial", "gradient-penalty", "aligned-pairs"):
        assert f"'{name}'" in text
    assert schema["additionalProperties"] is False


def test_a_misspelt_table_is_reported_before_the_missing_one() -> None:
    import copy

    raw = copy.deepcopy(BASE)
    raw["generatr"] = raw.pop("generator")
    with pytest.raises(ConfigError, match=r"exp.toml: generatr: unknown key; did you mean 'generator'\?; also .*\(2 errors\)"):
        _validate(raw)


def test_every_validation_error_is_listed_on_the_one_line() -> None:
    import copy

    raw = copy.deepcopy(BASE)
    raw["generatr"] = raw.pop("generator")
    raw["train"]["lr"] = "fast"
    with pytest.raises(ConfigError) as caught:
        _validate(raw)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("exp.toml: generatr: unknown key") and message.endswith("(3 errors)")
    others = message.removesuffix(" (3 errors)").split("; also ")[1:]
    assert sorted(part.split(":")[0] for part in others) == ["generator", "train.lr"]


def test_errors_of_the_file_and_of_component_params_come_together() -> None:
    import copy

    raw = copy.deepcopy(BASE)
    raw["train"]["stepz"] = 3  # phase one: the file's structure
    raw["generator"]["params"]["latnet_dim"] = 3  # phase two: a component's own parameters
    raw["losses"][0]["name"] = "adversarail"
    with pytest.raises(ConfigError) as caught:
        _validate(raw)
    parts = str(caught.value).removesuffix(" (3 errors)").removeprefix("exp.toml: ").split("; also ")
    assert [part.split(":")[0] for part in parts] == ["train.stepz", "generator.params.latnet_dim", "losses.0.name"]
    assert "did you mean 'adversarial'" in parts[2]


def test_unknown_nested_keys_suggest_fields_of_their_own_table() -> None:
    import copy

    raw = copy.deepcopy(BASE)
    raw["train"]["schedule"] = {"knd": "linear-decay"}
    with pytest.raises(ConfigError, match=r"train.schedule.knd: unknown key; did you mean 'kind'\?"):
        _validate(raw)
    raw = copy.deepcopy(BASE)
    raw["generator"]["params"]["latnet_dim"] = 3
    with pytest.raises(ConfigError, match=r"generator.params.latnet_dim: unknown key; did you mean 'latent_dim'\?"):
        _validate(raw)
