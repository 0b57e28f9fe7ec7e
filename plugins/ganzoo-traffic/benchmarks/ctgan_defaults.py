"""Time per epoch and quality of ganzoo's CTGAN at CTGAN's published defaults.

Xu et al. (2019) and the reference library train with batch 500, 300 epochs, pac 10, embedding
128, (256, 256) networks, Adam 2e-4 betas (0.5, 0.9), weight decay 1e-6 and a gradient penalty of
10. This script trains the ``traffic-ctgan`` preset with exactly those settings on the accident
simulator (or a STATS19 file), then reports seconds per epoch and the fidelity/detection metrics
on the held-out test split, as one JSON object on stdout, so that an outside CTGAN run on the same
rows and epochs can be compared number for number.

    python plugins/ganzoo-traffic/benchmarks/ctgan_defaults.py                    # 300 epochs
    python plugins/ganzoo-traffic/benchmarks/ctgan_defaults.py --epochs 3         # timing only

With fewer than 300 epochs the JSON says so: ``seconds_per_epoch_median`` is measured over the
epochs actually run, ``projected_seconds_300_epochs`` is that median times 300 (an
extrapolation, labelled as one), and the quality numbers are those of the short run, not of
CTGAN's schedule. The load average is recorded because a shared CPU slows every epoch.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from ganzoo_traffic.configs import TableDetectionConfig, TableFidelityConfig
from ganzoo_traffic.metrics.components import TableDetection, TableFidelity

import ganzoo
from ganzoo.metrics.context import EvalContext
from ganzoo.plugins.manager import get_registry

CTGAN_EPOCHS = 300  # Xu et al. (2019) and the reference library


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=CTGAN_EPOCHS)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--pac", type=int, default=10)
    parser.add_argument("--n-rows", type=int, default=10_000, help="simulated rows (train split: 70 %%)")
    parser.add_argument("--stats19", type=Path, default=None, help="train on this STATS19 CSV instead")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--eval-samples", type=int, default=2000)
    parser.add_argument("--run-dir", type=Path, default=None)
    args = parser.parse_args()

    if args.stats19:
        data = {"name": "stats19", "params": {"path": str(args.stats19)}}
    else:
        data = {"name": "accidents-sim", "params": {"n_rows": args.n_rows, "seed": 0}}
    dataset = get_registry().create("dataset", data["name"], **data["params"])
    overrides = [  # the generator's span layout comes from the dataset's DataSpec
        f"dataset.name={data['name']}",
        *(f"dataset.params.{k}={json.dumps(v)}" for k, v in data["params"].items()),
        f"discriminator.params.pac={args.pac}",
        f"losses.1.params.pac={args.pac}",
        f"train.steps={args.epochs * max(len(dataset) // args.batch_size, 1)}",  # = epochs
        f"train.batch_size={args.batch_size}",
        f"train.device={args.device}",
        "train.progress=false",
        "train.log_every=1000000",
    ]
    run_dir = args.run_dir or Path(tempfile.mkdtemp(prefix="ctgan-defaults-")) / "run"
    load_before = os.getloadavg()
    start = time.perf_counter()
    ganzoo.train(None, preset="traffic-ctgan", run_dir=run_dir, overrides=overrides, progress=False)
    wall = time.perf_counter() - start
    epochs = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    epochs = [e for e in epochs if e.get("kind") == "epoch"]
    times = [b["time"] - a["time"] for a, b in zip([{"time": 0.0}, *epochs], epochs, strict=False)]

    sampler = ganzoo.load(run_dir)
    test = get_registry().create("dataset", data["name"], **data["params"], split="test")
    ctx = EvalContext(sampler, test, split="test", n_samples=args.eval_samples, batch_size=500)
    quality: dict[str, Any] = {}
    for metric in (TableFidelity(TableFidelityConfig()), TableDetection(TableDetectionConfig())):
        for name, value in metric.compute(ctx).items():
            quality[name] = value["value"]
    per_epoch = statistics.median(times) if times else None
    print(json.dumps({
        "benchmark": "ctgan-defaults",
        "data": data,
        "train_rows": len(dataset),
        "epochs": len(epochs),
        "complete_schedule": len(epochs) >= CTGAN_EPOCHS,
        "batch_size": args.batch_size,
        "pac": args.pac,
        "steps_per_epoch": len(dataset) // args.batch_size,
        "seconds_per_epoch_median": per_epoch,
        "seconds_per_epoch_each": times,
        f"projected_seconds_{CTGAN_EPOCHS}_epochs": per_epoch * CTGAN_EPOCHS if per_epoch else None,
        "seconds_total": wall,
        "load_average_1min_before_after": [load_before[0], os.getloadavg()[0]],
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "device": str(sampler.device) if args.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu"),
        "torch": torch.__version__,
        "python": platform.python_version(),
        f"quality_after_{len(epochs)}_epochs": quality,
        "run_dir": str(run_dir),
    }, indent=2))


if __name__ == "__main__":
    main()
