"""benchmarks/privacy_calibration.py: the summary arithmetic, the refusal, and a tiny run."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from ganzoo.plugins.manager import get_registry
from ganzoo.registry.errors import ConfigError


@pytest.fixture(scope="module")
def bench(load_benchmark: Callable[[str], ModuleType]) -> ModuleType:
    return load_benchmark("privacy_calibration")


def test_summary_averages_each_role_assignment_over_seeds(bench: ModuleType) -> None:
    rows = [{"train": t, "held_out": h, "generated": g, "share": share, "sd": 0.02}
            for (t, h, g) in bench.ASSIGNMENTS for share in (0.40, 0.50)]
    result = bench.summary(rows)
    assert [e["mean_share"] for e in result["per_assignment"]] == pytest.approx([0.45] * 6)
    assert all(e["seeds"] == 2 and e["se"] == pytest.approx(0.05) for e in result["per_assignment"])
    assert result["outside_band"] == 6 and result["rows"] == 12
    assert result["mean_reported_sd"] == pytest.approx(0.02)


def test_datasets_whose_splits_cannot_be_redrawn_are_refused(bench: ModuleType) -> None:
    with pytest.raises(ConfigError, match="image-folder.*no seed parameter"):
        bench.experiment("dcgan", 0, [], get_registry())


def test_tiny_run_scores_every_role_assignment_of_every_seed(bench: ModuleType, tmp_path: Path) -> None:
    out = tmp_path / "calibration.json"
    assert bench.main(["--seeds", "0", "1", "--n-samples", "6", "--set", "dataset.params.length=10",
                       "--set", "dataset.params.image_size=16", "--out", str(out)]) == 0
    document = json.loads(out.read_text())
    rows = document["rows"]
    assert len(rows) == 12 and {r["seed"] for r in rows} == {0, 1}
    first = rows[0]
    assert (first["train"], first["held_out"], first["generated"]) == ("train", "val", "test")
    assert (first["n_train"], first["n_held_out"], first["n_generated"]) == (10, 6, 10)
    assert all(0.0 <= r["share"] <= 1.0 and r["sd"] > 0 for r in rows)
    assert len(document["summary"]["per_assignment"]) == 6
