"""How varied are an image run's samples? Pixel spread, distinct nearest training images, DCR share.

A GAN that collapses to a few kinds of sample can pass a look at one sample grid and still make
the privacy metrics uninformative: its DCR share becomes a handful of draws (a large ``sd``). This
script scores finished image runs on three numbers, each beside the same number for real images:

* ``spread``: the per-pixel standard deviation across ``--n`` samples (values in [0, 1]),
  averaged over pixels and channels; ``pooled``: the same after 8 x 8 average pooling (layout
  and colour, not texture);
* ``distinct``: how many different training images are the pixel-space nearest neighbour of
  the ``--n`` samples (of the first 1,000 training images, as many as the privacy metrics
  take): about as many as for ``--n``
  held-out images (the ``real`` row) for a generator as varied as the data, 1 for a collapsed one;
* ``dcr_share`` ± ``sd``: the ``dcr`` metric against ``--split`` with ``--dcr-samples`` held-out
  images, in the offline random-convolution features (``docs/guide/privacy.md``).

``--batch-stats`` also samples with batch normalisation using each sampled batch's statistics
instead of its running averages (does evaluation-mode sampling cost diversity?).

    python benchmarks/sample_diversity.py runs/retina-dcgan runs/other --out diversity.json
    python benchmarks/sample_diversity.py runs/retina-dcgan --batch-stats --grid

Run with ``OMP_NUM_THREADS=1`` on a shared CPU.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import ganzoo
import torch
from ganzoo.metrics.evaluate import evaluate_run, held_out_dataset, run_config, training_dataset
from ganzoo.metrics.features import RANDOM_CONV
from ganzoo.metrics.privacy.metrics import MAX_TRAIN
from ganzoo.plugins.manager import get_registry
from ganzoo.registry.errors import GanzooError
from PIL import Image


def diversity(images: torch.Tensor, train: torch.Tensor) -> dict[str, float | int]:
    """Spread, pooled spread and distinct nearest training images of ``images`` (both in [-1, 1])."""
    unit = (images + 1) / 2
    nearest = torch.cdist(images.flatten(1), train.flatten(1)).argmin(1)
    return {
        "spread": round(unit.std(0).mean().item(), 4),
        "pooled": round(torch.nn.functional.avg_pool2d(unit, 8).std(0).mean().item(), 4),
        "distinct": int(nearest.unique().numel()),
    }


def with_batch_statistics(sampler: Any) -> Any:
    """The sampler with every batch-norm layer of its generator normalising by the batch at hand."""
    for module in sampler.generator.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.running_mean = module.running_var = None
            module.track_running_stats = False
    return sampler


def grid(images: torch.Tensor, path: Path, side: int = 8) -> None:
    """The first ``side**2`` images as one PNG (fewer when there are fewer)."""
    side = min(side, int(len(images) ** 0.5))
    x = ((images[: side * side] + 1) / 2).clamp(0, 1)
    c, h, w = x.shape[1:]
    tiles = x.reshape(side, side, c, h, w).permute(0, 3, 1, 4, 2).reshape(side * h, side * w, c)
    Image.fromarray((tiles * 255).round().byte().squeeze(-1).numpy()).save(path)


def first_images(dataset: Any, n: int) -> torch.Tensor:
    """The first ``n`` images of a dataset (all when it has fewer)."""
    return torch.stack([dataset[i]["x"] for i in range(min(n, len(dataset)))])


def score(run: Path, args: argparse.Namespace) -> dict[str, Any]:
    """One run's rows: held-out real images (the reference), then the samples of each sampling mode."""
    config, registry = run_config(run), get_registry()
    dataset = training_dataset(config, registry)[0]()
    if dataset.describe().modality != "image":
        raise GanzooError(f"{run}: this script scores image runs; it makes {dataset.describe().modality} samples")
    train = first_images(dataset, MAX_TRAIN["image"])
    held_out, split, _ = held_out_dataset(config, registry, args.split)
    result: dict[str, Any] = {"run": str(run), "n": args.n, "n_train": len(train),
                              f"real ({split})": diversity(first_images(held_out, args.n), train)}
    for mode in ("eval", "batch") if args.batch_stats else ("eval",):
        sampler = ganzoo.load(run)
        if mode == "batch":
            sampler = with_batch_statistics(sampler)
        images = sampler.sample(args.n, seed=args.seed)
        dcr_metric = {"name": "dcr", "params": {"max_holdout": args.dcr_samples}}
        report = evaluate_run(run, metrics=[dcr_metric], split=args.split, feature_extractor=RANDOM_CONV,
                              sampler=sampler, write=False)
        dcr = report["metrics"]["dcr_share"]
        result[mode] = {**diversity(images, train), "dcr_share": dcr["value"], "dcr_sd": dcr["sd"],
                        "dcr_protocol": {k: dcr[k] for k in ("n_train", "n_real", "n_fake", "split")}}
        if args.grid:
            grid(images, run / f"diversity-grid-{mode}.png")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runs", nargs="+", type=Path, help="finished image runs")
    parser.add_argument("--n", type=int, default=256, help="samples for spread and distinct nearest images")
    parser.add_argument("--dcr-samples", type=int, default=1024, help="held-out images for the DCR share")
    parser.add_argument("--split", default="val", help="held-out split of the DCR share")
    parser.add_argument("--seed", type=int, default=0, help="sampling seed")
    parser.add_argument("--batch-stats", action="store_true", help="also sample with batch statistics in batch norm")
    parser.add_argument("--grid", action="store_true", help="write diversity-grid-<mode>.png into each run")
    parser.add_argument("--out", type=Path, help="write the JSON document here too")
    args = parser.parse_args(argv)
    try:
        rows = [score(run, args) for run in args.runs]
    except GanzooError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    document = json.dumps({"ganzoo_version": ganzoo.__version__, "torch": torch.__version__, "rows": rows}, indent=1)
    print(document)
    if args.out:
        args.out.write_text(document + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
