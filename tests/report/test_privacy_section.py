"""The report's Privacy section: each result against its reference, and a verdict in words."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from ganzoo.metrics.privacy.figures import closest_pairs
from ganzoo.report.privacy import privacy_section
from ganzoo.report.report import write_report

PROTOCOL = {"split": "val", "train_split": "train", "n_real": 100, "n_train": 700, "n_fake": 700,
            "distance": "RMS difference", "seed": 0}


def _evaluation(share: float, auc: float, near: float, flagged: bool) -> dict[str, Any]:
    return {"metrics": {
        "l1": {"value": 0.1},
        "dcr_share": {"value": share, "sd": 0.01, "ideal": 0.5, "flagged": flagged, **PROTOCOL},
        "near_copy_rate": {"value": near, "sd": 0.01, "holdout_rate": 0.05, "flagged": flagged, "count": 693,
                           "training_share": 0.98, "training_share_sd": 0.01, **PROTOCOL},
        "membership_auc": {"value": auc, "sd": 0.02, "ideal": 0.5, "flagged": flagged, **PROTOCOL},
    }}


def test_a_flagged_run_says_so_and_names_the_results() -> None:
    html = "".join(privacy_section(_evaluation(0.97, 0.81, 0.99, True)))
    assert "<h2>Privacy</h2>" in html and "Signs of memorisation" in html
    assert "dcr_share, near_copy_rate, membership_auc" in html
    assert "held-out 0.05; DCR share of the close samples 0.98" in html and "ideal 0.5" in html and "l1" not in html
    assert "Held-out split val (100 samples), training split train (700 samples), 700 generated" in html


def test_a_clean_run_and_a_run_without_privacy_results() -> None:
    assert "No sign of memorisation" in "".join(privacy_section(_evaluation(0.51, 0.52, 0.05, False)))
    assert privacy_section({"metrics": {"l1": {"value": 0.1}}}) == [] and privacy_section(None) == []


def test_held_out_samples_chosen_unlike_the_training_ones_are_explained() -> None:
    evaluation = _evaluation(0.58, 0.58, 0.05, False)
    assert "not drawn like the training samples" not in "".join(privacy_section(evaluation))
    for entry in evaluation["metrics"].values():
        entry["held_out"] = "the latest windows (split by time)"
    html = "".join(privacy_section(evaluation))
    assert "The held-out samples are the latest windows (split by time), not drawn like the training samples" in html
    assert "hold out samples drawn like the training ones (a random split" in html


def test_the_report_shows_the_section_after_the_evaluation(make_run: Callable[..., Path]) -> None:
    run = make_run("r")
    data = json.loads((run / "eval.json").read_text())
    data["metrics"].update(_evaluation(0.5, 0.5, 0.05, False)["metrics"])
    (run / "eval.json").write_text(json.dumps(data))
    html = write_report(run).read_text()
    assert html.index("<h2>Final evaluation</h2>") < html.index("<h2>Privacy</h2>")


def test_the_report_shows_the_closest_training_images_beside_the_generated_ones(
    make_run: Callable[..., Path],
) -> None:
    gen = torch.Generator().manual_seed(0)
    train = torch.rand(12, 3, 8, 8, generator=gen) * 2 - 1
    index = np.arange(10) % 12
    synthetic = train[index] + 0.01
    figure, pairs = closest_pairs(synthetic, train, np.linspace(0.1, 1.0, 10)[::-1].copy(), index, (-1.0, 1.0))
    assert [pair["generated"] for pair in pairs] == [9, 8, 7, 6, 5, 4, 3, 2]  # nearest first, eight shown
    assert all(pair["training"] == pair["generated"] % 12 for pair in pairs)
    image = Image.open(io.BytesIO(base64.b64decode(figure["png_base64"])))
    assert image.mode == "RGB" and image.height > image.width / 8  # two rows of eight, enlarged from 8 px

    run = make_run("r")
    data = json.loads((run / "eval.json").read_text())
    entry = _evaluation(0.99, 0.9, 1.0, True)["metrics"]["near_copy_rate"]
    data["metrics"]["near_copy_rate"] = {**entry, "figure": figure, "closest_pairs": pairs}
    (run / "eval.json").write_text(json.dumps(data))
    html = write_report(run).read_text()
    assert "Generated images closest to a training image (top) and that training image (bottom)" in html
    assert f'src="data:image/png;base64,{figure["png_base64"]}"' in html


def test_a_share_that_rests_on_few_draws_says_so() -> None:
    evaluation = _evaluation(0.53, 0.49, 0.0, False)
    evaluation["metrics"]["dcr_share"].update(independent_draws=28.4, sd=0.095, n_fake=1000)
    html = "".join(privacy_section(evaluation))
    assert "rests on about 28 independent draws (sd 0.095)" in html and "few kinds" in html
    evaluation["metrics"]["dcr_share"]["distance_ratio"] = 2.19  # far from the data: hubs, not few kinds
    html = "".join(privacy_section(evaluation))
    assert "they lie 2.2 times as far from the training samples as held-out samples do" in html
    assert "few kinds" not in html
    evaluation["metrics"]["dcr_share"]["independent_draws"] = 500.0
    assert "independent draws" not in "".join(privacy_section(evaluation))


def test_results_from_a_few_held_out_samples_are_said_to_have_little_power() -> None:
    evaluation = _evaluation(0.42, 0.55, 0.0, False)
    assert "little power" not in "".join(privacy_section(evaluation))
    evaluation["metrics"]["dcr_share"].update(sd=0.21, n_real=4)
    evaluation["metrics"]["membership_auc"].update(sd=0.15, n_real=4)
    html = "".join(privacy_section(evaluation))
    assert "With 4 held-out samples these tests have little power (dcr_share sd 0.21, membership_auc sd 0.15)" in html
    assert "--split val+test" in html  # fewer held-out than training samples: more held-out ones help
    for entry in evaluation["metrics"].values():
        entry.update(n_real=4, n_train=4)
    html = "".join(privacy_section(evaluation))
    assert "--split val+test" not in html and "The 4 training samples compared limit them as much" in html


def test_a_comparison_with_part_of_the_training_split_says_copying_shows_only_in_part() -> None:
    evaluation = _evaluation(0.58, 0.57, 0.2, False)
    assert "raise max_train" not in "".join(privacy_section(evaluation))
    for entry in evaluation["metrics"].values():
        entry["n_training_split"] = 58_400
    html = "".join(privacy_section(evaluation))
    assert "The privacy results compared generated samples with 700 of the 58,400 training samples" in html
    assert "raise max_train to compare with all of them.</p>" in html
