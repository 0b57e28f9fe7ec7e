"""CLI basics: listing, schema, exit status 2 with one line for bad input."""

from __future__ import annotations

import json

import pytest

from ganzoo.cli.main import main


def test_list_json_shows_builtins(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    names = {(e["kind"], e["name"]) for e in entries}
    assert {("generator", "dcgan"), ("generator", "unet"), ("discriminator", "patchgan"), ("loss", "r1"), ("dataset", "paired-folders")} <= names
    assert all(e["summary"] for e in entries)


def test_list_table_with_pattern(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "loss", "*-*"]) == 0
    out = capsys.readouterr().out
    assert "gradient-penalty" in out and "adversarial" not in out


def test_plugins_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--no-plugins", "plugins", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["plugins"][0]["distribution"] == "ganzoo"
    assert data["plugins"][0]["status"] == "ok"


def test_config_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "ganzoo experiment"


def test_unknown_kind_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "gens"]) == 2  # neither a kind nor a name: most likely a misspelt kind
    err = capsys.readouterr().err
    assert "'gens' is neither a kind" in err and len(err.strip().splitlines()) == 1
    assert main(["list", "gens", "*"]) == 2
    assert "unknown kind 'gens'" in capsys.readouterr().err


@pytest.mark.parametrize("plural, kind", [("generators", "generator"), ("losses", "loss"), ("datasets", "dataset")])
def test_list_accepts_plural_kinds(plural: str, kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", plural, "--json"]) == 0
    entries = json.loads(capsys.readouterr().out)
    assert entries and {e["kind"] for e in entries} == {kind}
