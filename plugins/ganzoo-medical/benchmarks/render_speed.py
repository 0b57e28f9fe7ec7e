"""Seconds per rendered ``retina-procedural`` sample, as one JSON object on stdout.

The procedural module documents about 10 ms per 64 px sample; this measures it instead of a test
asserting a wall time (which a loaded CI machine fails at random). Each size is warmed up once,
then ``--samples`` distinct eyes are rendered ``--repeats`` times; the median and the fastest
repeat are reported with the load average, because a shared CPU slows every repeat.

    python plugins/ganzoo-medical/benchmarks/render_speed.py
    python plugins/ganzoo-medical/benchmarks/render_speed.py --sizes 64 256 --samples 20
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from typing import Any

from ganzoo_medical.procedural import render_sample


def measure(size: int, samples: int, repeats: int) -> dict[str, Any]:
    """Per-sample seconds of ``repeats`` passes over ``samples`` eyes of the train split."""
    render_sample(0, "train", 0, size)  # warm-up: imports, scipy/numpy first-call costs
    per_sample = []
    for _ in range(repeats):
        start = time.perf_counter()
        for index in range(samples):
            render_sample(0, "train", index, size)
        per_sample.append((time.perf_counter() - start) / samples)
    return {
        "image_size": size,
        "samples": samples,
        "repeats": repeats,
        "seconds_per_sample_median": statistics.median(per_sample),
        "seconds_per_sample_min": min(per_sample),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64], help="image sizes in pixels (default 64)")
    parser.add_argument("--samples", type=int, default=10, help="eyes per repeat (default 10)")
    parser.add_argument("--repeats", type=int, default=3, help="passes per size (default 3)")
    args = parser.parse_args()
    if args.samples < 1 or args.repeats < 1:
        parser.error("--samples and --repeats must be positive")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    results = [measure(size, args.samples, args.repeats) for size in args.sizes]
    print(json.dumps({"benchmark": "retina-procedural render", "python": platform.python_version(),
                      "load_average_at_start": load, "results": results}, indent=2))


if __name__ == "__main__":
    main()
