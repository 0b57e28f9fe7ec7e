#!/usr/bin/env python3
"""Does each fast-path switch leave training unchanged? Losses of the first steps, compared.

Every switch (channels_last, bf16 autocast, fused Adam, torch.compile, CUDA graphs) must change
speed, not what is learned. With the same seed and data, ``ganzoo train`` runs a few steps at the
reference settings and once per switch (logging every step), and the losses of those steps are
compared with the reference's: layout, fused optimiser and compile changes only reorder
floating-point sums (tolerance ``--rtol-fp32``), bf16 rounds every matmul input to 8 mantissa bits
(``--rtol-bf16``). A run that fails is reported with its error, and ``ok`` is then false.

``cuda_graphs`` replays G and D as CUDA graphs (``train.cuda_graphs``, a GAN step calls the
compiled D three times and keeps G's output across them); it needs a CUDA device and is reported
as skipped elsewhere. It runs with ``TORCHINDUCTOR_CUDAGRAPH_OR_ERROR=1``, so a graph that
inductor would silently run without CUDA graphs falls back to eager mode with a warning naming
the reason; such warnings of every run are listed under ``fell_back``. Compare compiled variants
on models without dropout (DCGAN): compiled random ops draw other numbers than eager ones.
``fast_graphs`` (the fast path on CUDA graphs, as the throughput benchmark runs pix2pix at batch
1) is therefore run but not compared (``"compared": false``, never counted in ``ok``): it shows
that the graphs train a model with dropout, and it fills the compile caches that the benchmark's
run then reads.

Runs are separate processes; ``--jobs`` runs that many at once (a GPU has room for several small
runs, and most of each run is start-up and compilation on the CPU).

Prints one JSON document. Examples::

    python benchmarks/correctness.py --device cuda
    python benchmarks/correctness.py --cases dcgan-b64 --variants channels_last bf16 --steps 3
    python benchmarks/correctness.py --device cuda --cases dcgan-b64 --variants compile cuda_graphs --jobs 3
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from throughput import (
    CASES,
    Settings,
    child_env,
    compare_losses,
    dataset_folder,
    default_baselines,
    first_losses,
    ganzoo_command,
    read_train_records,
    run_process,
)

#: --set overrides of each switch, applied on top of the reference settings.
VARIANTS: dict[str, list[str]] = {
    "channels_last": ["train.channels_last=true"],
    "fused_optimizer": ["train.fused_optimizer=true"],
    "compile": ["train.compile=true"],
    "bf16": ["train.precision=bf16"],
    "fast": ["train.precision=bf16", "train.channels_last=true", "train.fused_optimizer=true"],
    "cuda_graphs": ["train.cuda_graphs=true"],
    "fast_graphs": [
        "train.precision=bf16",
        "train.channels_last=true",
        "train.fused_optimizer=true",
        "train.cuda_graphs=true",
    ],
}
BF16_VARIANTS = {"bf16", "fast", "fast_graphs"}
#: Variants that only a CUDA device can run; on any other device they are reported as skipped.
CUDA_VARIANTS = {"cuda_graphs", "fast_graphs"}
#: Variants whose losses are reported beside the reference's but not held to a tolerance.
UNCOMPARED = {"fast_graphs"}
#: Extra environment of a variant's process.
VARIANT_ENV = {"cuda_graphs": {"TORCHINDUCTOR_CUDAGRAPH_OR_ERROR": "1"}}
#: The engine's warning when torch.compile (or its CUDA-graph mode) gave up on a network.
FALLBACK_MARK = "using eager mode"


def runnable(variant: str, device: str) -> bool:
    """Whether ``variant`` can run on ``device`` (CUDA-only switches need ``cuda[:N]``)."""
    return variant not in CUDA_VARIANTS or device.startswith("cuda")


def fallbacks(stderr: str) -> list[str]:
    """The engine's eager-fallback warnings in a run's stderr, one line each, in order."""
    return [line.strip() for line in stderr.splitlines() if FALLBACK_MARK in line]


def run_variant(
    case_name: str,
    overrides: list[str],
    settings: Settings,
    workdir: Path,
    label: str,
    timeout: float,
) -> tuple[dict[int, dict[str, float]] | None, str | None, list[str]]:
    """First-step losses of one ``ganzoo train`` run (or the reason there are none) and the
    run's eager-fallback warnings."""
    case = CASES[case_name]
    data = dataset_folder(case, settings, workdir)
    run_dir = workdir / "runs" / f"{case_name}-{label}"
    cmd = ganzoo_command(case, False, settings, data, run_dir)
    for override in overrides:
        cmd += ["--set", override]
    env = {**child_env(settings), **VARIANT_ENV.get(label, {})}
    rc, _, err, _ = run_process(cmd, env, timeout)
    metrics = run_dir / "metrics.jsonl"
    records = read_train_records(metrics) if metrics.exists() else []
    if len(records) < settings.steps:
        tail = " | ".join(line for line in err.strip().splitlines()[-2:])
        return None, f"exit status {rc}: {tail}", fallbacks(err)
    return first_losses(records, settings.steps), None, fallbacks(err)


def check_case(
    case_name: str,
    variants: Sequence[str],
    settings: Settings,
    workdir: Path,
    args: argparse.Namespace,
) -> dict[str, Any]:
    dataset_folder(CASES[case_name], settings, workdir)  # written once, before runs share it
    to_run = [v for v in variants if runnable(v, settings.device)]
    overrides = {"fp32": [], **{variant: VARIANTS[variant] for variant in to_run}}
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {
            label: pool.submit(
                run_variant, case_name, extra, settings, workdir, label, args.timeout
            )
            for label, extra in overrides.items()
        }
        outcomes = {label: future.result() for label, future in futures.items()}
    reference, error, _ = outcomes["fp32"]
    if reference is None:
        return {"ok": False, "error": f"reference run failed: {error}"}
    checks: dict[str, Any] = {"reference_fp32": {str(k): v for k, v in reference.items()}}
    for variant in variants:
        if variant not in outcomes:
            checks[variant] = {"skipped": f"needs a CUDA device, not {settings.device}"}
            continue
        losses, error, fell_back = outcomes[variant]
        if losses is None:
            checks[variant] = {"within_tolerance": False, "error": error}
        else:
            rtol = args.rtol_bf16 if variant in BF16_VARIANTS else args.rtol_fp32
            result = compare_losses(reference, losses, rtol)
            checks[variant] = {k: result[k] for k in ("max_rel_diff", "rtol", "within_tolerance")}
            checks[variant]["losses"] = result["bf16"]  # the variant's own losses, keyed by step
        if variant in UNCOMPARED:
            checks[variant]["compared"] = False
        if fell_back:
            checks[variant]["fell_back"] = fell_back
    checks["ok"] = all(
        entry["within_tolerance"]
        for key, entry in checks.items()
        if key in VARIANTS and "skipped" not in entry and key not in UNCOMPARED
    )
    return checks


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--cases", nargs="+", choices=sorted(CASES), default=["dcgan-b64", "pix2pix-b1"]
    )
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--steps", type=int, default=3, help="steps per run, all compared")
    parser.add_argument(
        "--size", type=int, choices=(128, 256), default=256, help="pix2pix image size"
    )
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--rtol-fp32", type=float, default=1e-2)
    parser.add_argument("--rtol-bf16", type=float, default=5e-2)
    parser.add_argument("--timeout", type=float, default=600, help="seconds per run")
    parser.add_argument("--jobs", type=int, default=1, help="runs at once (default 1)")
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args(argv)
    settings = Settings(
        steps=args.steps,
        warmup=1,
        log_every=1,
        size=args.size,
        device=args.device,
        threads=args.threads,
        compile=False,
        baselines=default_baselines(),
    )
    with tempfile.TemporaryDirectory(prefix="ganzoo-correct-") as scratch:
        workdir = args.workdir or Path(scratch)
        cases = {
            name: check_case(name, args.variants, settings, workdir, args) for name in args.cases
        }
    document = {
        "check": "ganzoo-fast-path-correctness",
        "device": args.device,
        "steps": args.steps,
        "cases": cases,
        "ok": all(case["ok"] for case in cases.values()),
    }
    print(json.dumps(document, indent=2))
    return 0 if document["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
