#!/usr/bin/env python3
"""Peak memory and time of the privacy metrics' nearest-neighbour pass, for growing set sizes.

The privacy metrics compare every generated sample with every training and held-out sample
(``ganzoo.metrics.privacy.analysis.neighbours``), in blocks of at most ``BLOCK`` distances. Their
memory should not grow with the number of generated samples: before the block results were
written into tensors allocated ahead of the loop, a pass over 58,400 x 58,400 smart-meter days
grew to 17 GB and was killed. Each size runs in a fresh process on Gaussian "series" of
``--steps`` values (the distance of the series modality), with as many generated as training
samples (the metrics' default) and an eighth as many held-out ones; the child reports its peak
resident set size (``ru_maxrss``). Prints one JSON document::

    OMP_NUM_THREADS=1 python benchmarks/privacy_memory.py                  # 10,000 to 40,000
    OMP_NUM_THREADS=1 python benchmarks/privacy_memory.py --sizes 2000 4000  # a quick look
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
from typing import Any

#: Run in a fresh process: one neighbours() pass, then its peak RSS (KiB on Linux) and seconds.
CHILD = """
import json, resource, sys, time
import torch
from ganzoo.metrics.privacy.analysis import neighbours
from ganzoo.metrics.privacy.distances import SeriesDistance
n, steps = int(sys.argv[1]), int(sys.argv[2])
gen = torch.Generator().manual_seed(0)
train, holdout, synthetic = (torch.randn(m, 1, steps, generator=gen) for m in (n, max(2, n // 8), n))
distance = SeriesDistance(train)
start = time.perf_counter()
neighbours(distance.embed(train), distance.embed(holdout), distance.embed(synthetic), distance)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
print(json.dumps({"peak_rss_mib": round(peak / 2**20, 1), "seconds": round(time.perf_counter() - start, 1)}))
"""


def measure(n: int, steps: int) -> dict[str, Any]:
    """One pass with ``n`` training and ``n`` generated samples, in a fresh process."""
    done = subprocess.run([sys.executable, "-c", CHILD, str(n), str(steps)], check=True, capture_output=True, text=True)
    return {"n_train": n, "n_synthetic": n, "n_holdout": max(2, n // 8), **json.loads(done.stdout.splitlines()[-1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 20_000, 40_000],
                        help="training (= generated) sample counts, one fresh process each")
    parser.add_argument("--steps", type=int, default=48, help="values per series (48: a day of half hours)")
    args = parser.parse_args()
    import torch

    rows = [measure(n, args.steps) for n in args.sizes]
    print(json.dumps({"benchmark": "privacy_memory", "torch": torch.__version__, "machine": platform.machine(),
                      "steps": args.steps, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
