"""``ganzoo evaluate`` on a run no plugin metric applies to: the privacy metrics run, and an empty
plan says why and how to choose metrics."""

from __future__ import annotations

import json
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch

import ganzoo
from ganzoo.cli.main import main
from ganzoo.data.spec import DataSpec
from ganzoo.plugins.manager import PluginManager
from ganzoo.registry.config import ComponentConfig

pytest_plugins = ["ganzoo.testing.pytest_plugin"]

SPEC = DataSpec("table", (2,))


class RowsConfig(ComponentConfig):
    """Eight table rows of zeros."""

    split: str = "train"


class Rows:
    def __init__(self, config: RowsConfig) -> None:
        self.rows = torch.zeros(8, 2)

    def describe(self) -> DataSpec:
        return SPEC

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"x": self.rows[i]}


class GapConfig(ComponentConfig):
    """A plugin metric for series only: not run on a table run."""


class Gap:
    def __init__(self, config: GapConfig) -> None:
        pass

    @staticmethod
    def applies_to(spec: DataSpec) -> bool:
        return spec.modality == "series"

    def compute(self, ctx: Any) -> dict[str, dict[str, Any]]:
        gap = (ctx.real().x.mean(0) - ctx.generated().mean(0)).norm().item()
        return {"gap": {"value": gap, "better": "lower", **ctx.protocol()}}


class ImageOnly:
    """A plugin metric that says it is for images: not run on a table run."""

    def __init__(self, config: GapConfig) -> None:
        pass

    @staticmethod
    def applies_to(spec: DataSpec) -> bool:
        return spec.modality == "image"

    def compute(self, ctx: Any) -> dict[str, dict[str, Any]]:
        raise AssertionError("must not run on table data")


class ZeroSampler:
    spec = SPEC

    def sample(self, n: int, condition: torch.Tensor | None = None, seed: int | None = None) -> torch.Tensor:
        return torch.zeros(n, 2)


@pytest.fixture
def run(tmp_path: Path, ganzoo_plugins: Callable[..., PluginManager], monkeypatch: pytest.MonkeyPatch) -> Path:
    plugin = types.SimpleNamespace(
        ganzoo_register_datasets=ganzoo.hookimpl(lambda register: register("zero-rows", Rows, config=RowsConfig)),
        ganzoo_register_metrics=ganzoo.hookimpl(lambda register: [
            register("row-gap", Gap, config=GapConfig), register("image-only", ImageOnly, config=GapConfig)
        ]),
    )
    ganzoo_plugins(("ganzoo-rows", plugin), discover=False)
    monkeypatch.setattr(ganzoo, "load", lambda path, **kw: ZeroSampler())
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.toml").write_text(
        'name = "rows"\n[generator]\nname = "dcgan"\n[discriminator]\nname = "dcgan"\n'
        '[dataset]\nname = "zero-rows"\n[[losses]]\nname = "adversarial"\n[train]\ndevice = "cpu"\n'
    )
    return run


def test_without_an_applicable_plugin_metric_the_privacy_metrics_run(run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(run)]) == 0
    out = capsys.readouterr().out

    assert "dcr_share" in out and "membership_auc" in out and "note:" not in out
    report = json.loads((run / "eval.json").read_text())
    assert set(report["metrics"]) == {"dcr_share", "exact_copy_rate", "near_copy_rate", "membership_auc"}
    assert "note" not in report


def test_an_empty_eval_metrics_list_prints_and_writes_a_note(run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (run / "config.toml").write_text((run / "config.toml").read_text() + "[eval]\nmetrics = []\n")
    assert main(["evaluate", str(run)]) == 0
    out = capsys.readouterr().out

    assert "metric  value" not in out and "---" not in out  # no empty table
    (note,) = [line for line in out.splitlines() if line.startswith("note: ")]
    assert note.startswith("note: [eval] metrics is empty") and "--metrics" in note
    report = json.loads((run / "eval.json").read_text())
    assert report["metrics"] == {}
    assert report["note"] == note.removeprefix("note: ")


def test_a_chosen_metric_runs_without_the_note(run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(run), "--metrics", "row-gap", "--n-samples", "8"]) == 0
    out = capsys.readouterr().out
    assert "gap" in out and "note:" not in out
    report = json.loads((run / "eval.json").read_text())
    assert report["metrics"]["gap"]["value"] == 0.0 and "note" not in report


def test_metrics_scoped_to_other_data_are_counted_not_offered() -> None:
    from ganzoo.metrics.configs import EvalConfig
    from ganzoo.metrics.evaluate import no_metric_note
    from ganzoo.registry.registry import Entry, Registry

    registry = Registry()
    registry.add(Entry("metric", "image-only", "ganzoo-images", ImageOnly, GapConfig))
    note = no_metric_note(SPEC, EvalConfig(), registry)
    assert "the installed plugin metric is for other data" in note and "image-only" not in note
