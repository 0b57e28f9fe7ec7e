#!/usr/bin/env python3
"""Peak memory of ``ganzoo generate`` for a small and a large ``-n`` on a pix2pix run.

``generate`` streams (each batch is exported as it is made), so its peak resident memory should
not grow with ``-n``: the issue asks for ``-n 5000`` within 10 % of ``-n 500`` on a 256 px
pix2pix run (before streaming, 10,000 such samples took about 16 GB).

The benchmark trains a pix2pix run for one step (U-Net + PatchGAN at ``--size`` px on the
procedural retinas of ganzoo-medical, so no data is needed), then runs ``ganzoo generate`` for
each ``-n`` in a fresh process and reads that process's peak resident set size
(``ru_maxrss``). The processes run one after the other, so load from other processes changes
their time, not their memory. Prints one JSON document::

    python benchmarks/generate_memory.py                      # 256 px, -n 500 and 5000
    python benchmarks/generate_memory.py --size 64 --small 50 --large 500   # a quick look
    python benchmarks/generate_memory.py --base-channels 8   # -n 500 vs 5000 at 256 px on a CPU
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

#: Run in a fresh process: ``ganzoo generate`` through the CLI's entry point, then its own peak
#: RSS (``ru_maxrss`` is in KiB on Linux, bytes on macOS) as the last line of stdout.
CHILD = """
import json, resource, sys, time
from ganzoo.cli.main import main
start = time.perf_counter()
code = main(sys.argv[1:])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
print(json.dumps({"exit": code, "peak_rss_mib": peak / 2**20, "seconds": time.perf_counter() - start}))
"""


def train_run(directory: Path, size: int, threads: int, channels: int) -> Path:
    """A one-step pix2pix run at ``size`` px (at 64 base channels the full-width U-Net: 54.4 M
    parameters at 256 px; fewer channels change the constant model memory, not the samples')."""
    run = directory / "run"
    overrides = [
        f"generator.params.base_channels={channels}", f"discriminator.params.base_channels={channels}",
        f"dataset.params.image_size={size}", "dataset.params.length=8", "train.batch_size=1",
        "train.steps=1", f"train.threads={threads}", "train.progress=false",
    ]
    command = [sys.executable, "-m", "ganzoo", "train", "--preset", "retina-pix2pix", "--run-dir", str(run)]
    for override in overrides:
        command += ["--set", override]
    subprocess.run(command, check=True, capture_output=True, text=True)
    return run


def measure(run: Path, n: int, out: Path, batch_size: int, threads: int) -> dict[str, Any]:
    """Peak RSS and time of ``ganzoo generate RUN -n N`` in a fresh process."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    command = [sys.executable, "-c", CHILD, "generate", str(run), "-n", str(n), "-o", str(out),
               "--batch-size", str(batch_size), "--seed", "0"]
    result = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    if report["exit"] != 0:
        raise SystemExit(f"generate -n {n} failed: {result.stderr.strip()}")
    files = sum(1 for _ in (out / "B").iterdir())
    return {"n": n, "files_in_B": files, "peak_rss_mib": round(report["peak_rss_mib"], 1),
            "seconds": round(report["seconds"], 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256, help="image size in px (default 256)")
    parser.add_argument("--small", type=int, default=500, help="the small -n (default 500)")
    parser.add_argument("--large", type=int, default=5000, help="the large -n (default 5000)")
    parser.add_argument("--batch-size", type=int, default=64, help="generate --batch-size (default 64)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--base-channels", type=int, default=64,
                        help="U-Net and PatchGAN width (default 64, the reference; 8 makes -n 5000 "
                             "affordable on a CPU: each sample's memory is the same)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ganzoo-genmem-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        run = train_run(folder, args.size, args.threads, args.base_channels)
        small = measure(run, args.small, folder / "small", args.batch_size, args.threads)
        large = measure(run, args.large, folder / "large", args.batch_size, args.threads)
    ratio = large["peak_rss_mib"] / small["peak_rss_mib"]
    print(json.dumps({
        "benchmark": "generate_memory",
        "size": args.size,
        "base_channels": args.base_channels,
        "batch_size": args.batch_size,
        "threads": args.threads,
        "small": small,
        "large": large,
        "peak_ratio_large_over_small": round(ratio, 4),
        "within_10_percent": abs(ratio - 1.0) <= 0.10,
        "total_seconds": round(time.perf_counter() - started, 1),
        "loadavg": os.getloadavg(),
        "python": platform.python_version(),
    }, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
