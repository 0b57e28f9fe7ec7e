"""The trivial predictor: answer every vessel mask with the mean training image.

A validation error means little without the error of a model that learned nothing about the
input. The mean of the training images (pixel by pixel) is the best constant answer under a
squared error and a strong one under L1 and SSIM on smooth fundus patches, so pix2pix has to
beat it to show that it uses the vessel mask. It is scored by the very same code as the
pix2pix run: [`ganzoo.plugin.evaluate_run`][ganzoo.metrics.evaluate.evaluate_run] (what ``ganzoo evaluate`` runs) on the pix2pix
run directory with a stand-in sampler, hence the same held-out pairs, sample counts, seed and
metric settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ganzoo
from ganzoo.plugin import SAMPLE_KEY, DataError, DataSpec, read_run

if TYPE_CHECKING:
    import torch  # imported where it is used, so that importing the demo (and ``ganzoo --help``) stays light

#: Directory (and row label) of the trivial predictor inside the demo folder.
TRIVIAL_NAME = "trivial-mean-image"
TRIVIAL_TITLE = "trivial predictor: mean training image"


class MeanImageSampler:
    """A "generator" that returns one fixed image whatever the condition (the SamplerLike protocol)."""

    def __init__(self, image: torch.Tensor, spec: DataSpec) -> None:
        if tuple(image.shape) != spec.shape:
            raise ValueError(f"mean image has shape {tuple(image.shape)}, the run makes {spec.shape}")
        self.image = image
        self.spec = spec

    def sample(self, n: int, condition: torch.Tensor | None = None, seed: int | None = None) -> torch.Tensor:
        return self.image.expand(n, *self.image.shape).clone()


def mean_training_image(run_dir: Path) -> tuple[torch.Tensor, int]:
    """Pixel-wise mean of the run's training samples, as the dataset yields them (no augmentation).

    Returns the image (in the DataSpec's value range) and the number of training samples used.
    """
    import torch

    table = read_run(run_dir).config.get("dataset")
    if not isinstance(table, dict) or "name" not in table:
        raise DataError(f"{run_dir / 'config.toml'}: no [dataset] table with a name")
    params = {**table.get("params", {}), "split": "train"}
    dataset = ganzoo.create("dataset", table["name"], **params)
    total = torch.zeros(())
    for i in range(len(dataset)):
        total = total + dataset[i][SAMPLE_KEY].float()
    return total / len(dataset), len(dataset)


def evaluate_trivial(
    pix2pix_run: Path,
    out_dir: Path,
    *,
    metrics: Sequence[str],
    feature_extractor: str | None,
) -> dict[str, Any]:
    """Score the mean training image of ``pix2pix_run`` like the run itself; write ``out_dir``.

    ``out_dir`` receives ``eval.json`` (with a ``predictor`` entry saying what was scored) and
    ``mean_image.png``.
    """
    from ganzoo.plugin import evaluate_run, write_json_atomic, write_png

    spec = ganzoo.load(pix2pix_run).spec
    image, count = mean_training_image(pix2pix_run)
    report = evaluate_run(
        pix2pix_run,
        metrics=list(metrics),
        feature_extractor=feature_extractor,
        sampler=MeanImageSampler(image, spec),
        write=False,
    )
    report["run"] = TRIVIAL_NAME
    report["predictor"] = {
        "kind": "mean training image",
        "description": f"pixel-wise mean of the {count} training samples of run {pix2pix_run.name}, "
        "returned for every input mask",
        "n_train": count,
        "scored_like": str(pix2pix_run),
    }
    report.pop("checkpoint", None)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_json_atomic(out_dir / "eval.json", report, default=str)
    low, high = spec.value_range
    write_png((image - low) / (high - low), out_dir / "mean_image.png")
    return report
