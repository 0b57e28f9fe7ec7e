#!/usr/bin/env python3
"""How fast can a bf16 fast path be on this CPU? An upper bound from where the time goes.

The issue's CPU targets (fast path ≥ 1.8× pix2pix, ≥ 2.5× DCGAN over the fp32 reference loop)
presume a CPU whose bf16 matrix units are much faster than its fp32 ones (Intel AMX). Whether a
target is reachable on *this* CPU is a measurable question: profile the baseline loop on the fast
path (bf16 autocast + channels_last + fused Adam, D frozen in the G step, which ganzoo also
does), and add up the time of the convolution kernels alone. Any loop that trains the same
networks with the same convolutions at the same precision spends at least that long per step,
so ``reference step time / convolution time`` bounds its speedup, however cheap everything else
is made (casts, optimiser, normalisation, data).

It also reports which oneDNN kernels ran (``ONEDNN_VERBOSE``), to show that the bf16 kernels
are the native ones (``avx512_core_bf16``, ``amx``) and not a reference fallback.

Prints one JSON document::

    python benchmarks/cpu_ceiling.py --threads 2
    python benchmarks/cpu_ceiling.py --cases dcgan-b64 --steps 5
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import torch
from torch.profiler import ProfilerActivity, profile

from throughput import default_baselines

HERE = Path(__file__).resolve().parent

#: Operators whose self time is convolution arithmetic (forward, both backward passes,
#: transposed convolutions, which PyTorch runs inside ``aten::_convolution``).
CONV_OPS = {
    "aten::convolution_backward",
    "aten::mkldnn_convolution",
    "aten::_convolution",
    "aten::mkldnn_convolution_transpose",
    "aten::convolution_overrideable",
}
CAST_OPS = {"aten::copy_", "aten::_to_copy"}
OPTIMISER_OPS = {
    "aten::_fused_adam_",
    "aten::_foreach_add_",
    "aten::_foreach_mul_",
    "aten::_foreach_addcmul_",
    "aten::_foreach_addcdiv_",
    "aten::_foreach_sqrt",
    "aten::_foreach_div_",
    "aten::_foreach_lerp_",
}

CASES: dict[str, dict[str, Any]] = {
    "pix2pix-b1": {"model": "pix2pix", "kwargs": {"batch_size": 1, "size": 256}},
    "dcgan-b64": {"model": "dcgan", "kwargs": {"batch_size": 64}},
}


def load_baseline(folder: Path, model: str) -> ModuleType:
    """Import ``baseline_<model>.py`` from ``folder`` without touching ``sys.path``."""
    path = folder / f"baseline_{model}.py"
    spec = importlib.util.spec_from_file_location(f"baseline_{model}", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file executes
    spec.loader.exec_module(module)
    return module


def trainer(module: ModuleType, case: dict[str, Any], fast: bool, freeze_d: bool) -> Any:
    """The baseline's trainer at the reference settings or on the fast path."""
    cls = next(obj for name, obj in vars(module).items() if name.endswith("Trainer"))
    options: dict[str, Any] = dict(case["kwargs"])
    if fast:
        options.update(bf16=True, channels_last=True, fused_adam=True)
    if "freeze_d" in cls.__init__.__code__.co_varnames:
        options["freeze_d"] = freeze_d
    return cls(**options)


def seconds_per_step(step: Any, steps: int, warmup: int) -> float:
    """Median wall time of one training step."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def breakdown(step: Any, steps: int) -> dict[str, float]:
    """Self CPU seconds per step, grouped into convolution, casts, optimiser and the rest."""
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            step()
    groups = {"convolution": 0.0, "casts": 0.0, "optimiser": 0.0, "other": 0.0}
    for event in prof.key_averages():
        seconds = event.self_cpu_time_total / 1e6 / steps
        if event.key in CONV_OPS:
            groups["convolution"] += seconds
        elif event.key in CAST_OPS:
            groups["casts"] += seconds
        elif event.key in OPTIMISER_OPS:
            groups["optimiser"] += seconds
        else:
            groups["other"] += seconds
    return {name: round(value, 5) for name, value in groups.items()}


def onednn_kernels(baselines: Path, case_name: str, threads: int) -> list[str]:
    """Names of the oneDNN convolution kernels one fast-path step runs (a fresh process)."""
    code = (
        "import sys, torch; sys.path.insert(0, sys.argv[1]); import cpu_ceiling as c;"
        f"torch.set_num_threads({threads});"
        f"case = c.CASES[{case_name!r}]; m = c.load_baseline(c.Path(sys.argv[2]), case['model']);"
        "t = c.trainer(m, case, fast=True, freeze_d=True); t.step()"
    )
    env = dict(os.environ, ONEDNN_VERBOSE="1")
    done = subprocess.run(
        [sys.executable, "-c", code, str(HERE), str(baselines)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    return conv_kernels(done.stdout)


def conv_kernels(verbose_log: str) -> list[str]:
    """``primitive:implementation:propagation`` of each (de)convolution in a oneDNN verbose log."""
    kernels = set()
    for line in verbose_log.splitlines():
        fields = line.split(",")
        # onednn_verbose,v1,primitive,exec,cpu,<primitive>,<implementation>,<propagation>,...
        if len(fields) > 7 and fields[3] == "exec" and "conv" in fields[5]:
            kernels.add(f"{fields[5]}:{fields[6]}:{fields[7]}")
    return sorted(kernels)


def measure(
    baselines: Path, case_name: str, steps: int, warmup: int, threads: int
) -> dict[str, Any]:
    case = CASES[case_name]
    module = load_baseline(baselines, case["model"])
    torch.manual_seed(0)
    reference = seconds_per_step(
        trainer(module, case, fast=False, freeze_d=False).step, steps, warmup
    )
    fast = trainer(module, case, fast=True, freeze_d=True)
    fast_step = seconds_per_step(fast.step, steps, warmup)
    groups = breakdown(fast.step, steps)
    total = sum(groups.values())
    return {
        "reference_s_per_step": round(reference, 5),
        "fast_s_per_step": round(fast_step, 5),
        "fast_speedup": round(reference / fast_step, 3),
        "fast_profile_s_per_step": groups,
        "fast_profile_share": {k: round(v / total, 3) for k, v in groups.items()},
        # The profiler's own overhead inflates every group a little, so this bound is if
        # anything too low; the wall-time ratio below is the one to quote.
        "bound_if_only_convolutions_remained": round(reference / groups["convolution"], 3),
        "onednn_conv_kernels": onednn_kernels(baselines, case_name, threads),
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", nargs="+", choices=sorted(CASES), default=sorted(CASES))
    parser.add_argument("--steps", type=int, default=5, help="timed and profiled steps")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="0 = torch default")
    parser.add_argument("--baselines", type=Path, default=None, help="folder of baseline_*.py")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    baselines = args.baselines or default_baselines()
    document = {
        "benchmark": "ganzoo-cpu-ceiling",
        "environment": {
            "torch": torch.__version__,
            "python": platform.python_version(),
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "threads": torch.get_num_threads(),
            "load_avg": list(os.getloadavg()),
        },
        "cases": {
            name: measure(baselines, name, args.steps, args.warmup, torch.get_num_threads())
            for name in args.cases
        },
    }
    print(json.dumps(document, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
