"""The report's Privacy section: each result against its reference, and a verdict in words."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ganzoo.report.privacy import privacy_section
from ganzoo.report.report import write_report

PROTOCOL = {"split": "val", "train_split": "train", "n_real": 100, "n_train": 700, "n_fake": 700,
            "distance": "RMS difference", "seed": 0}


def _evaluation(share: float, auc: float, near: float, flagged: bool) -> dict[str, Any]:
    return {"metrics": {
        "l1": {"value": 0.1},
        "dcr_share": {"value": share, "sd": 0.01, "ideal": 0.5, "flagged": flagged, **PROTOCOL},
        "near_copy_rate": {"value": near, "sd": 0.01, "holdout_rate": 0.05, "flagged": flagged, **PROTOCOL},
        "membership_auc": {"value": auc, "sd": 0.02, "ideal": 0.5, "flagged": flagged, **PROTOCOL},
    }}


def test_a_flagged_run_says_so_and_names_the_results() -> None:
    html = "".join(privacy_section(_evaluation(0.97, 0.81, 0.99, True)))
    assert "<h2>Privacy</h2>" in html and "Signs of memorisation" in html
    assert "dcr_share, near_copy_rate, membership_auc" in html
    assert "held-out 0.05" in html and "ideal 0.5" in html and "l1" not in html
    assert "Held-out split val (100 samples), training split train (700 samples), 700 generated" in html


def test_a_clean_run_and_a_run_without_privacy_results() -> None:
    assert "No sign of memorisation" in "".join(privacy_section(_evaluation(0.51, 0.52, 0.05, False)))
    assert privacy_section({"metrics": {"l1": {"value": 0.1}}}) == [] and privacy_section(None) == []


def test_the_report_shows_the_section_after_the_evaluation(make_run: Callable[..., Path]) -> None:
    run = make_run("r")
    data = json.loads((run / "eval.json").read_text())
    data["metrics"].update(_evaluation(0.5, 0.5, 0.05, False)["metrics"])
    (run / "eval.json").write_text(json.dumps(data))
    html = write_report(run).read_text()
    assert html.index("<h2>Final evaluation</h2>") < html.index("<h2>Privacy</h2>")
