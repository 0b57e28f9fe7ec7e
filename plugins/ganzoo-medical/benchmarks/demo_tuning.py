"""Tune ``ganzoo demo`` without touching its held-out patches: a validation subset of training cells.

``retina-skimage`` assigns every cell of the photograph to train, val or test. This script moves
every fourth training cell into a tuning-validation split (``val`` here) and trains on the other
three quarters, so the demo's settings can be chosen by measurement while its own val and test
cells stay unseen. It runs the demo's experiments (``ganzoo_medical.demo.profiles``) with extra
``--set`` overrides and prints one JSON line per run:

    python plugins/ganzoo-medical/benchmarks/demo_tuning.py data
    python plugins/ganzoo-medical/benchmarks/demo_tuning.py pix2pix --profile default --set train.steps=400
    python plugins/ganzoo-medical/benchmarks/demo_tuning.py gan --profile quick --set train.lr=1e-4

``data`` scores fixed predictors (no training): the mean training image, the best per-pixel
answer from the mask (mean vessel / mean background colour of the training patches), and an
oracle that knows each patch's mean colour, on raw and illumination-flattened patches. ``gan``
reports how varied the last samples are (``spread``: per-pixel standard deviation across 64
samples; ``texture``: mean within-image standard deviation), next to the same numbers for the
tuning-validation patches; a collapsed GAN has a spread near zero. Use one thread
(``OMP_NUM_THREADS=1``) on a shared machine and note the load.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch
from ganzoo_medical.demo.baseline import evaluate_trivial
from ganzoo_medical.demo.profiles import PROFILES, Experiment, Profile
from ganzoo_medical.skimage_retina import RetinaSkimage

import ganzoo

#: Every TUNE_EVERY-th training cell (in grid order) becomes a tuning-validation cell.
TUNE_EVERY = 4


@contextmanager
def tuning_split() -> Iterator[None]:
    """Inside the block ``train`` = 3/4 of the training cells, ``val`` = the other quarter."""
    original = RetinaSkimage.cells

    def cells(self: RetinaSkimage, split: str | None = None) -> list[tuple[int, int, int, int]]:
        split = split or self.split
        if split not in ("train", "val"):
            return original(self, split)
        train = original(self, "train")
        keep = (lambda i: i % TUNE_EVERY == 0) if split == "val" else (lambda i: i % TUNE_EVERY != 0)
        return [c for i, c in enumerate(train) if keep(i)]

    RetinaSkimage.cells = cells  # type: ignore[method-assign]
    try:
        yield
    finally:
        RetinaSkimage.cells = original  # type: ignore[method-assign]


def _stack(dataset: RetinaSkimage) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    items = [dataset[i] for i in range(len(dataset))]
    x = (torch.stack([i["x"] for i in items]) + 1) / 2
    return x, torch.stack([i["cond"] for i in items]) > 0, torch.stack([i["fov"] for i in items])


def data_report(size: int, scale: float) -> list[dict]:
    """Fixed predictors on the tuning split, raw and flattened."""
    from ganzoo.metrics.image import paired_scores

    rows = []
    for flatten in (False, True):
        params = {"image_size": size, "scale": scale, "paired": True, "flatten": flatten}
        x, mask, fov = _stack(ganzoo.create("dataset", "retina-skimage", length=512, split="train", **params))
        xv, maskv, fovv = _stack(ganzoo.create("dataset", "retina-skimage", length=256, split="val", **params))
        v, vv = (mask & (fov > 0)).float(), maskv.float()
        b = (~mask).float() * fov
        vessel = (x * v).sum((0, 2, 3)) / v.sum((0, 2, 3))
        background = (x * b).sum((0, 2, 3)) / b.sum((0, 2, 3))
        two_class = (vv * vessel[None, :, None, None] + (1 - vv) * background[None, :, None, None]) * fovv
        patch_mean = (xv * fovv).sum((2, 3), keepdim=True) / fovv.sum((2, 3), keepdim=True).clamp(min=1)
        for name, pred in (("mean training image", x.mean(0).expand_as(xv)),
                           ("per-pixel from mask (vessel/background colour)", two_class),
                           ("oracle: each patch's own mean colour", patch_mean * fovv)):
            s = paired_scores(pred, xv)
            rows.append({"flatten": flatten, "predictor": name, "n_val": len(xv),
                         **{k: round(float(t.mean()), 4) for k, t in s.items()}})
    return rows


def train_and_score(experiment: Experiment, extra: list[str], out: Path) -> dict:
    """Train one experiment with ``extra`` overrides on the tuning split; score it there."""
    from ganzoo.plugin import evaluate_run, read_run

    tick = time.perf_counter()
    run = ganzoo.train(preset=experiment.preset, run_dir=out / experiment.run_name,
                       overrides=[*experiment.overrides, *extra], progress=False)
    seconds = time.perf_counter() - tick
    result: dict = {"run": experiment.key, "overrides": list(experiment.overrides[7:]) + extra, "train_s": round(seconds, 1),
                    "load": os.getloadavg()[0], "steps": run.step}
    if experiment.key == "pix2pix":
        ev = evaluate_run(run.directory, metrics=["paired-image"], feature_extractor=None, write=False)
        trivial = evaluate_trivial(run.directory, out / "trivial", metrics=["paired-image"], feature_extractor=None)
        for name in ("l1", "psnr", "ssim"):
            result[name] = round(ev["metrics"][name]["value"], 4)
            result[f"trivial_{name}"] = round(trivial["metrics"][name]["value"], 4)
    else:
        fake = (ganzoo.load(run.directory).sample(64, seed=0) + 1) / 2
        params = {**read_run(run.directory).config["dataset"]["params"], "split": "val", "length": 64, "paired": True}
        real = _stack(ganzoo.create("dataset", "retina-skimage", **params))[0]
        for label, batch in (("fake", fake), ("real", real)):
            result[f"{label}_spread"] = round(float(batch.std(0).mean()), 4)
            result[f"{label}_texture"] = round(float(batch.flatten(2).std(2).mean()), 4)
            result[f"{label}_mean_rgb"] = [round(float(c), 3) for c in batch.mean((0, 2, 3))]
        last = sorted((run.directory / "samples").glob("epoch_*.png"))[-1]
        result["last_grid"] = str(last)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("data", "pix2pix", "gan"))
    parser.add_argument("--profile", default="default", choices=sorted(PROFILES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="extra train override")
    parser.add_argument("--profile-set", action="append", default=[], metavar="FIELD=VALUE",
                        help="change a Profile field (pix2pix_steps=400, gan_batch=32, ...)")
    parser.add_argument("--keep", metavar="DIR", help="keep the runs in DIR (default: a temporary folder)")
    args = parser.parse_args(argv)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    fields = {f.name: f.type for f in dataclasses.fields(Profile)}
    changes = {}
    for item in args.profile_set:
        key, value = item.split("=", 1)
        kind = {"int": int, "float": float, "bool": lambda v: v.lower() == "true"}.get(str(fields[key]), str)
        changes[key] = kind(value)
    profile = dataclasses.replace(PROFILES[args.profile], **changes)
    with tuning_split():
        if args.what == "data":
            for row in data_report(profile.image_size, profile.scale):
                print(json.dumps(row), flush=True)
            return 0
        experiment = next(e for e in profile.experiments(args.seed) if e.key == args.what)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(args.keep) if args.keep else Path(tmp)
            print(json.dumps(train_and_score(experiment, args.set, out)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
