"""Finding one's way: ``ganzoo list PATTERN`` across kinds and ``ganzoo show KIND NAME``."""

from __future__ import annotations

import json

import pytest

from ganzoo.cli.main import main
from ganzoo.components.configs import DCGANGeneratorConfig


def test_list_pattern_without_kind_searches_every_kind(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "dc*", "--json"]) == 0
    found = {(e["kind"], e["name"]) for e in json.loads(capsys.readouterr().out)}
    assert {("generator", "dcgan"), ("discriminator", "dcgan"), ("preset", "dcgan")} <= found
    assert all(name.startswith("dc") for _, name in found)


def test_list_plain_name_and_empty_pattern(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "patchgan", "--json"]) == 0
    assert [(e["kind"], e["name"]) for e in json.loads(capsys.readouterr().out)] == [("discriminator", "patchgan")]
    assert main(["list", "zz*", "--json"]) == 0  # a pattern that matches nothing is an empty answer
    assert json.loads(capsys.readouterr().out) == []


def test_show_generator_dcgan(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "generator", "dcgan"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("generator dcgan  (provider: ganzoo")
    row = next(line for line in out.splitlines() if line.startswith("latent_dim"))
    assert row.split(None, 4)[1:] == ["int", "(>", "0)", "100      Noise dimension (nz)."]
    assert "image_size *" in out and "filled from the dataset" in out
    assert 'use: [generator] name = "dcgan"' in out


def test_show_json_matches_the_config(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "generators", "ganzoo:dcgan", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["kind"], info["name"], info["provider"]) == ("generator", "dcgan", "ganzoo")
    params = {p["name"]: p for p in info["parameters"]}
    assert list(params) == list(DCGANGeneratorConfig.model_fields)
    defaults = DCGANGeneratorConfig()
    assert all(params[name]["default"] == getattr(defaults, name) for name in params)
    assert params["condition_dim"]["type"] == "int (>= 0)" and params["condition_dim"]["from_data"]


def test_show_required_parameter_and_preset(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "dataset", "image-folder", "--json"]) == 0
    root = next(p for p in json.loads(capsys.readouterr().out)["parameters"] if p["name"] == "root")
    assert (root["name"], root["required"], root["default"]) == ("root", True, None)
    assert main(["show", "preset", "pix2pix", "--json"]) == 0
    preset = json.loads(capsys.readouterr().out)
    assert preset["experiment"]["generator"]["name"] == "unet" and "parameters" not in preset


def test_show_unknown_name_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "generator", "dcgn"]) == 2
    err = capsys.readouterr().err
    assert "did you mean 'dcgan'" in err and len(err.strip().splitlines()) == 1
