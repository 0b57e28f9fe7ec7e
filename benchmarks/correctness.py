#!/usr/bin/env python3
"""Does each fast-path switch leave training unchanged? Losses of the first steps, compared.

Every switch (channels_last, bf16 autocast, fused Adam, torch.compile) must change speed, not
what is learned. With the same seed and data, ``ganzoo train`` runs a few steps at the reference
settings and once per switch (logging every step), and the losses of those steps are compared
with the reference's: layout, fused optimiser and compile changes only reorder floating-point sums
(tolerance ``--rtol-fp32``), bf16 rounds every matmul input to 8 mantissa bits (``--rtol-bf16``).
A run that fails is reported with its error, and ``ok`` is then false.

Prints one JSON document. Examples::

    python benchmarks/correctness.py --device cuda
    python benchmarks/correctness.py --cases dcgan-b64 --variants channels_last bf16 --steps 3
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
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
}
BF16_VARIANTS = {"bf16", "fast"}


def run_variant(
    case_name: str,
    overrides: list[str],
    settings: Settings,
    workdir: Path,
    label: str,
    timeout: float,
) -> tuple[dict[int, dict[str, float]] | None, str | None]:
    """First-step losses of one ``ganzoo train`` run, or the reason there are none."""
    case = CASES[case_name]
    data = dataset_folder(case, settings, workdir)
    run_dir = workdir / "runs" / f"{case_name}-{label}"
    cmd = ganzoo_command(case, False, settings, data, run_dir)
    for override in overrides:
        cmd += ["--set", override]
    rc, _, err, _ = run_process(cmd, child_env(settings), timeout)
    metrics = run_dir / "metrics.jsonl"
    records = read_train_records(metrics) if metrics.exists() else []
    if len(records) < settings.steps:
        tail = " | ".join(line for line in err.strip().splitlines()[-2:])
        return None, f"exit status {rc}: {tail}"
    return first_losses(records, settings.steps), None


def check_case(
    case_name: str,
    variants: Sequence[str],
    settings: Settings,
    workdir: Path,
    args: argparse.Namespace,
) -> dict[str, Any]:
    reference, error = run_variant(case_name, [], settings, workdir, "fp32", args.timeout)
    if reference is None:
        return {"ok": False, "error": f"reference run failed: {error}"}
    checks: dict[str, Any] = {"reference_fp32": {str(k): v for k, v in reference.items()}}
    for variant in variants:
        losses, error = run_variant(
            case_name, VARIANTS[variant], settings, workdir, variant, args.timeout
        )
        if losses is None:
            checks[variant] = {"within_tolerance": False, "error": error}
            continue
        rtol = args.rtol_bf16 if variant in BF16_VARIANTS else args.rtol_fp32
        result = compare_losses(reference, losses, rtol)
        checks[variant] = {k: result[k] for k in ("max_rel_diff", "rtol", "within_tolerance")}
        checks[variant]["losses"] = result["bf16"]  # the variant's own losses, keyed by step
    checks["ok"] = all(
        entry["within_tolerance"] for key, entry in checks.items() if key in VARIANTS
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
