"""benchmarks/privacy.py: the acceptance checks per row, and a smoke run on the smart-grid preset."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest


@pytest.fixture(scope="module")
def bench(load_benchmark: Callable[[str], ModuleType]) -> ModuleType:
    return load_benchmark("privacy")


def _row(generator: str, share: float, auc: float, flagged: bool) -> dict:
    entry = {"flagged": flagged}
    return {"generator": generator, "metrics": {
        "dcr_share": {"value": share, **entry}, "near_copy_rate": entry, "membership_auc": {"value": auc, **entry}}}


def test_checks_ask_flags_of_the_replay_and_ideal_values_of_the_others(bench: ModuleType) -> None:
    assert bench.checks(_row("replay", 1.0, 0.8, True)) == {"flagged": True}
    assert bench.checks(_row("replay", 0.5, 0.5, False)) == {"flagged": False}
    assert bench.checks(_row("preset", 0.52, 0.58, False)) == {"dcr_in_0.45_0.55": True, "auc_le_0.6": True}
    assert bench.checks(_row("real", 0.56, 0.61, False)) == {"dcr_in_0.45_0.55": False, "auc_le_0.6": False}


@pytest.mark.slow
def test_smoke_run_flags_the_replay_on_load_profiles(bench: ModuleType, tmp_path: Path) -> None:
    out = tmp_path / "privacy.json"
    assert bench.main(["--runs", str(tmp_path / "runs"), "--quick", "--domains", "smartgrid", "--out", str(out)]) == 0
    rows = json.loads(out.read_text())["domains"]["smartgrid"]["rows"]
    assert [(r["split"], r["generator"]) for r in rows][:3] == [("val", "preset"), ("val", "replay"), ("val", "real")]
    assert all(r["checks"]["flagged"] for r in rows if r["generator"] == "replay")
