#!/usr/bin/env python3
"""Training throughput of ganzoo against the bare-PyTorch baseline loops, measured in one run.

Why it is built this way:

* Both sides run as separate processes, interleaved (baseline, ganzoo, baseline, ganzoo ...) and
  alternating which goes first on each repeat, so a noisy shared machine hurts both alike.
* ganzoo is measured as a user runs it: ``ganzoo train --preset pix2pix|dcgan`` on image files
  this script writes (random noise; the content does not change the arithmetic). Seconds per step
  come from the ``time`` field of two logged steps in ``RUN/metrics.jsonl``, so process start-up,
  the first (warm-up) steps and data-loader start are excluded, exactly like the baseline's
  ``--warmup``. The dataset holds more than ``batch_size * steps`` files, so no epoch boundary
  (epoch log, sample grid) falls inside the measured window; decoding each file once is part of
  ganzoo's measured cost (the baselines train on one fixed in-memory batch).
* Both sides are compared on the same statistic: the mean seconds per step over the same steps
  (for the baseline, the mean of its ``sec_per_it_all``); the median is reported beside it.
* With ``train.log_every = 1`` (the default here) the reference and fast ganzoo runs also give the
  losses of their first steps: same seed, same data, fp32 against bf16.

Prints one JSON document on stdout (progress goes to stderr). Examples::

    python benchmarks/throughput.py --quick
    python benchmarks/throughput.py --cases pix2pix-b1 dcgan-b64 --steps 12 --warmup 4
    python benchmarks/throughput.py --device cuda --compile --out result.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ganzoo.files import write_json  # atomic: a reader never sees half a document

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

#: Minimum ratios the issues ask for (issue 3 and 8; see benchmarks/README.md). The fast-path
#: target is ganzoo_fast / baseline_ref: per model on this project's CPU, per case on one H100.
REFERENCE_TARGET = 0.97
FAST_TARGETS_CPU = {"pix2pix": 1.8, "dcgan": 2.5}
FAST_TARGETS_CUDA = {"pix2pix-b1": 3.0, "pix2pix-b16": 1.5, "dcgan-b64": 2.0}

#: Relative difference allowed between fp32 and bf16 losses over the first steps.
BF16_LOSS_RTOL = 0.05
LOSS_STEPS = 3
LOSS_KEYS = ("loss/d", "loss/g")


# ----------------------------------------------------------------------------- configuration
@dataclass(frozen=True)
class Case:
    """One model at one batch size."""

    model: str  # "pix2pix" | "dcgan"
    batch_size: int

    @property
    def name(self) -> str:
        return f"{self.model}-b{self.batch_size}"


CASES = {
    case.name: case
    for case in (
        Case("pix2pix", 1),
        Case("pix2pix", 16),
        Case("dcgan", 64),
        Case("dcgan", 512),
    )
}
QUICK_CASES = ("pix2pix-b1", "dcgan-b64")
VARIANTS = ("baseline_ref", "ganzoo_ref", "baseline_fast", "ganzoo_fast")


@dataclass(frozen=True)
class Settings:
    """Everything the command lines depend on."""

    steps: int
    warmup: int
    log_every: int
    size: int
    device: str
    threads: int
    compile: bool
    baselines: Path
    workers: int = 0
    python: str = sys.executable
    #: On CUDA, ganzoo's fast path adds ``train.cuda_graphs`` at batch sizes up to this one
    #: (0: never): small batches are launch-bound, which CUDA graphs address.
    cuda_graphs_max_batch: int = 0

    def cuda_graphs(self, case: Case) -> bool:
        """Whether ganzoo's fast run of ``case`` replays its networks as CUDA graphs."""
        return self.device.startswith("cuda") and case.batch_size <= self.cuda_graphs_max_batch

    @property
    def measured_steps(self) -> int:
        return self.steps - self.warmup


# ----------------------------------------------------------------------------- synthetic data
def write_noise_pngs(folder: Path, count: int, height: int, width: int, seed: int) -> Path:
    """``count`` RGB PNG files of uniform noise (written once, reused when already there)."""
    import numpy as np
    from PIL import Image

    marker = folder / ".complete"
    if marker.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for index in range(count):
        pixels = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"{index:06d}.png", compress_level=1)
    marker.write_text(str(count))
    return folder


def dataset_folder(case: Case, settings: Settings, workdir: Path) -> Path:
    """Image files for ``case``: A|B pairs (pix2pix) or single 64x64 images (DCGAN)."""
    count = case.batch_size * (settings.steps + 1)
    if case.model == "pix2pix":
        folder = workdir / "data" / f"pairs-{settings.size}-{count}"
        return write_noise_pngs(folder, count, settings.size, 2 * settings.size, seed=1)
    folder = workdir / "data" / f"images-64-{count}"
    return write_noise_pngs(folder, count, 64, 64, seed=2)


# ----------------------------------------------------------------------------- command lines
def baseline_command(case: Case, fast: bool, settings: Settings) -> list[str]:
    """The baseline script's command line (through the CUDA adapter on a GPU)."""
    script = settings.baselines / f"baseline_{case.model}.py"
    prefix = [settings.python]
    if settings.device.startswith("cuda"):
        prefix.append(str(HERE / "baseline_cuda.py"))
    cmd = [
        *prefix,
        str(script),
        "--mode",
        "train",
        "--batch-size",
        str(case.batch_size),
        "--iters",
        str(settings.measured_steps),
        "--warmup",
        str(settings.warmup),
    ]
    if case.model == "pix2pix":
        cmd += ["--size", str(settings.size)]
    if settings.threads:
        cmd += ["--threads", str(settings.threads)]
    if fast:
        cmd += ["--bf16", "--channels-last", "--fused-adam"]
        if settings.compile:
            cmd.append("--compile")
    return cmd


def ganzoo_command(
    case: Case, fast: bool, settings: Settings, data: Path, run_dir: Path
) -> list[str]:
    """``ganzoo train --preset ...`` at the reference settings or on the fast path."""
    overrides = [
        f"dataset.params.root={data}",
        f"train.batch_size={case.batch_size}",
        f"train.steps={settings.steps}",
        f"train.log_every={settings.log_every}",
        f"train.device={settings.device}",
    ]
    if settings.workers:
        overrides.append(f"train.num_workers={settings.workers}")
    if case.model == "pix2pix" and settings.size != 256:
        load = round(settings.size * 286 / 256)
        overrides += [
            f"dataset.params.image_size={settings.size}",
            f"dataset.params.load_size={load}",
        ]
    if fast:
        overrides += [
            "train.precision=bf16",
            "train.channels_last=true",
            "train.fused_optimizer=true",
        ]
        if settings.compile:
            overrides.append("train.compile=true")
        if settings.cuda_graphs(case):
            overrides.append("train.cuda_graphs=true")
    cmd = [
        settings.python,
        "-m",
        "ganzoo",
        "train",
        "--preset",
        case.model,
        "--run-dir",
        str(run_dir),
    ]
    for override in overrides:
        cmd += ["--set", override]
    return cmd


def child_env(settings: Settings) -> dict[str, str]:
    """Environment of both sides: the same thread count when one is asked for.

    ganzoo sets no thread count itself, so OpenMP's variable is how both processes get it (the
    baseline also receives ``--threads``).
    """
    env = dict(os.environ)
    if settings.threads:
        env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = str(settings.threads)
    return env


# ----------------------------------------------------------------------------- measurements
@dataclass
class Measurement:
    """Seconds per step over the measured steps of one process."""

    steps: int
    sec_per_step_mean: float
    sec_per_step_median: float
    batch_size: int
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "steps": self.steps,
            "sec_per_step_mean": round(self.sec_per_step_mean, 6),
            "sec_per_step_median": round(self.sec_per_step_median, 6),
            "img_s_mean": round(self.batch_size / self.sec_per_step_mean, 4),
            "img_s_median": round(self.batch_size / self.sec_per_step_median, 4),
            **self.extra,
        }


def parse_baseline(stdout: str, batch_size: int) -> Measurement:
    """The baseline's JSON line: mean of ``sec_per_it_all`` and its own median."""
    result = json.loads(stdout.strip().splitlines()[-1])
    times = [float(t) for t in result["sec_per_it_all"]]
    return Measurement(
        steps=len(times),
        sec_per_step_mean=sum(times) / len(times),
        sec_per_step_median=float(result["sec_per_it_median"]),
        batch_size=batch_size,
        extra={
            "it_s_median_reported": result["it_s_median"],
            "threads": result.get("threads"),
            "first_iter_s": result.get("first_iter_s"),
        },
    )


def read_train_records(metrics: Path) -> list[dict[str, Any]]:
    """``kind == "train"`` records of a metrics.jsonl, in step order.

    A line that is not JSON is skipped: a run stopped by a time limit may die mid-line, and its
    complete records still count.
    """
    records = []
    for line in metrics.read_text().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("kind") == "train":
            records.append(record)
    return sorted(records, key=lambda record: record["step"])


def parse_ganzoo(records: Sequence[dict[str, Any]], warmup: int, batch_size: int) -> Measurement:
    """Seconds per step between the logged step ``warmup`` (or the first after it) and the last."""
    window = [record for record in records if record["step"] >= warmup]
    if len(window) < 2:
        raise ValueError(f"need two logged steps at or after step {warmup}, got {len(window)}")
    first, last = window[0], window[-1]
    steps = last["step"] - first["step"]
    per_interval = [
        (later["time"] - earlier["time"]) / (later["step"] - earlier["step"])
        for earlier, later in zip(window, window[1:], strict=False)
    ]
    return Measurement(
        steps=steps,
        sec_per_step_mean=(last["time"] - first["time"]) / steps,
        sec_per_step_median=statistics.median(per_interval),
        batch_size=batch_size,
        extra={"from_step": first["step"], "to_step": last["step"]},
    )


def first_losses(
    records: Sequence[dict[str, Any]], count: int = LOSS_STEPS
) -> dict[int, dict[str, float]]:
    """Losses of the first ``count`` logged steps, keyed by step."""
    return {
        record["step"]: {key: float(record[key]) for key in LOSS_KEYS if key in record}
        for record in records[:count]
    }


def compare_losses(
    fp32: dict[int, dict[str, float]],
    bf16: dict[int, dict[str, float]],
    rtol: float = BF16_LOSS_RTOL,
) -> dict[str, Any]:
    """Largest relative difference of the losses logged at the same steps by both runs."""
    steps = sorted(set(fp32) & set(bf16))
    diffs = [
        abs(bf16[step][key] - fp32[step][key]) / max(abs(fp32[step][key]), 1e-8)
        for step in steps
        for key in LOSS_KEYS
        if key in fp32[step] and key in bf16[step]
    ]
    return {
        "steps": steps,
        "fp32": {str(step): fp32[step] for step in steps},
        "bf16": {str(step): bf16[step] for step in steps},
        "max_rel_diff": round(max(diffs), 6) if diffs else None,
        "rtol": rtol,
        "within_tolerance": bool(diffs) and max(diffs) <= rtol,
    }


# ----------------------------------------------------------------------------- summary
def aggregate(runs: Iterable[dict[str, Any]]) -> dict[str, float] | None:
    """Median over repeats of each run's images/s (mean and median statistics)."""
    good = [run for run in runs if "img_s_mean" in run]
    if not good:
        return None
    return {
        "img_s_mean": round(statistics.median(run["img_s_mean"] for run in good), 4),
        "img_s_median": round(statistics.median(run["img_s_median"] for run in good), 4),
    }


def ratio(
    numerator: dict[str, float] | None, denominator: dict[str, float] | None
) -> dict[str, float] | None:
    if numerator is None or denominator is None:
        return None
    return {
        "mean": round(numerator["img_s_mean"] / denominator["img_s_mean"], 4),
        "median": round(numerator["img_s_median"] / denominator["img_s_median"], 4),
    }


def fast_target(case: Case, device: str) -> float | None:
    """The issues' minimum for ganzoo_fast / baseline_ref (None where they set none)."""
    if device.startswith("cuda"):
        return FAST_TARGETS_CUDA.get(case.name)
    return FAST_TARGETS_CPU[case.model]


def paired_ratio(ganzoo: list[dict[str, Any]], baseline: list[dict[str, Any]]) -> float | None:
    """Median over repeats of ganzoo/baseline from the two processes run back to back.

    Drift of a shared machine's load between repeats cancels out of each pair, so this is the
    steadier statistic when repeats > 1 (runs are listed in repeat order, failures included).
    """
    pairs = [
        g["img_s_mean"] / b["img_s_mean"]
        for g, b in zip(ganzoo, baseline, strict=False)
        if "img_s_mean" in g and "img_s_mean" in b
    ]
    return round(statistics.median(pairs), 4) if pairs else None


def summarise_case(
    case: Case, runs: dict[str, list[dict[str, Any]]], device: str = "cpu"
) -> dict[str, Any]:
    """Images/s per variant, the ratios the issues ask for, and whether targets are met."""
    images = {variant: aggregate(runs.get(variant, [])) for variant in VARIANTS}
    ratios = {
        "ganzoo_ref/baseline_ref": ratio(images["ganzoo_ref"], images["baseline_ref"]),
        "ganzoo_fast/baseline_ref": ratio(images["ganzoo_fast"], images["baseline_ref"]),
        "ganzoo_fast/baseline_fast": ratio(images["ganzoo_fast"], images["baseline_fast"]),
        "baseline_fast/baseline_ref": ratio(images["baseline_fast"], images["baseline_ref"]),
    }
    for mode in ("ref", "fast"):
        same_mode = ratios[f"ganzoo_{mode}/baseline_{mode}"]
        if same_mode is not None:
            same_mode["paired_median"] = paired_ratio(
                runs.get(f"ganzoo_{mode}", []), runs.get(f"baseline_{mode}", [])
            )
    targets = {"ganzoo_ref/baseline_ref": REFERENCE_TARGET}
    fast_minimum = fast_target(case, device)
    if fast_minimum is not None:
        targets["ganzoo_fast/baseline_ref"] = fast_minimum
    return {
        "images_per_s": images,
        "ratios": ratios,
        "targets": {
            key: {
                "min": minimum,
                "met": None if ratios[key] is None else ratios[key]["mean"] >= minimum,
            }
            for key, minimum in targets.items()
        },
    }


# ----------------------------------------------------------------------------- running
def run_process(cmd: list[str], env: dict[str, str], timeout: float) -> tuple[int, str, str, float]:
    start = time.perf_counter()
    try:
        done = subprocess.run(
            cmd, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return 124, "", f"timed out after {timeout:.0f} s", time.perf_counter() - start
    return done.returncode, done.stdout, done.stderr, time.perf_counter() - start


def failure(cmd: list[str], rc: int, stderr: str) -> dict[str, Any]:
    tail = [line for line in stderr.strip().splitlines() if line.strip()][-3:]
    return {"error": f"exit status {rc}", "stderr_tail": tail, "cmd": cmd}


def run_baseline(
    case: Case, fast: bool, settings: Settings, env: dict[str, str], timeout: float
) -> dict[str, Any]:
    cmd = baseline_command(case, fast, settings)
    rc, out, err, wall = run_process(cmd, env, timeout)
    if rc != 0:
        return failure(cmd, rc, err)
    return {**parse_baseline(out, case.batch_size).to_dict(), "wall_s": round(wall, 2)}


def run_ganzoo(
    case: Case,
    fast: bool,
    settings: Settings,
    env: dict[str, str],
    timeout: float,
    data: Path,
    run_dir: Path,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    cmd = ganzoo_command(case, fast, settings, data, run_dir)
    rc, _, err, wall = run_process(cmd, env, timeout)
    metrics = run_dir / "metrics.jsonl"
    records = read_train_records(metrics) if metrics.exists() else []
    trained = bool(records) and records[-1]["step"] >= settings.steps
    if rc != 0 and not trained:
        return failure(cmd, rc, err), records
    try:
        measured = parse_ganzoo(records, settings.warmup, case.batch_size).to_dict()
    except ValueError as exc:
        return {"error": str(exc), "cmd": cmd}, records
    outcome = {**measured, "wall_s": round(wall, 2)}
    if rc != 0:
        # Every step was trained and logged; the process failed afterwards (e.g. while writing
        # the final checkpoint). The timing stands, the failure is reported beside it.
        outcome.update(failure(cmd, rc, err), error=f"exit status {rc} after the last step")
    return outcome, records


def environment(settings: Settings) -> dict[str, Any]:
    """Facts that decide how comparable two result files are."""
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "cpu": _cpu_model(),
        "device": settings.device,
        "threads": settings.threads or "torch default",
        "load_avg_start": _load_avg(),
    }
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = (
            torch.get_num_threads() if not settings.threads else settings.threads
        )
        if settings.device.startswith("cuda") and torch.cuda.is_available():
            info["gpu"] = torch.cuda.get_device_name()
    except ImportError:
        info["torch"] = None
    return info


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _load_avg() -> list[float] | None:
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return None


def log(message: str) -> None:
    print(f"[throughput] {message}", file=sys.stderr, flush=True)


def benchmark(
    cases: Sequence[Case],
    settings: Settings,
    repeats: int,
    workdir: Path,
    timeout: float,
    dry_run: bool,
    modes: Sequence[str] = ("ref", "fast"),
    on_case: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Run (or, with ``dry_run``, only plan) every case; return the cases' JSON.

    ``on_case`` gets the cases finished so far after each one, so a run stopped from outside
    (a device session's time limit) keeps what it measured.
    """
    env = child_env(settings)
    runs_root = workdir / "runs" / time.strftime("%Y%m%d-%H%M%S")
    results: dict[str, Any] = {}
    for case in cases:
        data = dataset_folder(case, settings, workdir)
        runs: dict[str, list[dict[str, Any]]] = {variant: [] for variant in VARIANTS}
        records: dict[str, list[dict[str, Any]]] = {}
        commands: dict[str, list[str]] = {}
        for repeat in range(repeats):
            for mode in modes:
                fast = mode == "fast"
                run_dir = runs_root / f"{case.name}-{mode}-r{repeat}"
                commands[f"baseline_{mode}"] = baseline_command(case, fast, settings)
                commands[f"ganzoo_{mode}"] = ganzoo_command(case, fast, settings, data, run_dir)
                if dry_run:
                    continue
                order = ("baseline", "ganzoo") if repeat % 2 == 0 else ("ganzoo", "baseline")
                for impl in order:
                    log(f"{case.name} {impl}_{mode} repeat {repeat + 1}/{repeats}")
                    if impl == "baseline":
                        outcome = run_baseline(case, fast, settings, env, timeout)
                    else:
                        outcome, logged = run_ganzoo(
                            case, fast, settings, env, timeout, data, run_dir
                        )
                        records.setdefault(mode, logged)
                    log(f"  -> {json.dumps({k: v for k, v in outcome.items() if k != 'cmd'})}")
                    runs[f"{impl}_{mode}"].append(outcome)
        entry: dict[str, Any] = {
            "model": case.model,
            "batch_size": case.batch_size,
            "image_size": settings.size if case.model == "pix2pix" else 64,
            "steps": settings.steps,
            "warmup": settings.warmup,
            "measured_steps": settings.measured_steps,
            "dataset": str(data),
            "commands": commands,
            "runs": runs,
            **summarise_case(case, runs, settings.device),
        }
        if records.get("ref") and records.get("fast"):
            entry["losses_fp32_vs_bf16"] = compare_losses(
                first_losses(records["ref"]), first_losses(records["fast"])
            )
        else:
            entry["losses_fp32_vs_bf16"] = None
        results[case.name] = entry
        if on_case is not None:
            on_case(results)
    return results


def notes(settings: Settings) -> list[str]:
    lines = [
        "ratios use images/s from the mean seconds per step over the measured steps (the 'mean' "
        "entry); the 'median' entry uses per-step medians. Across repeats each is the median.",
        "ganzoo's time includes decoding each training file once (no epoch boundary falls in the "
        "window); the baselines train on one in-memory batch.",
    ]
    if settings.device.startswith("cuda"):
        lines.append(
            "baselines run on CUDA through benchmarks/baseline_cuda.py (same model and loop "
            "code; modules/tensors moved to the GPU, autocast redirected to CUDA, timed "
            "blocks synchronised)."
        )
    else:
        lines.append(
            "CPU numbers from a shared machine are noisy: compare load_avg_start/end and "
            "prefer ratios from the same run over absolute images/s."
        )
    return lines


# ----------------------------------------------------------------------------- command line
def default_baselines() -> Path:
    """``../shared/baselines`` beside the repository when present, else the vendored copies."""
    shared = REPO.parent / "shared" / "baselines"
    return shared if (shared / "baseline_pix2pix.py").exists() else HERE / "baselines"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", nargs="+", choices=sorted(CASES), help="default: all four")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke set: pix2pix-b1 at 128 px and dcgan-b64, 6 steps (4 measured)",
    )
    parser.add_argument("--steps", type=int, help="steps per process (default 35; quick 6)")
    parser.add_argument("--warmup", type=int, help="untimed first steps (default 5; quick 2)")
    parser.add_argument(
        "--log-every",
        type=int,
        default=1,
        help="ganzoo train.log_every; must divide warmup and steps (default 1)",
    )
    parser.add_argument(
        "--size", type=int, choices=(128, 256), help="pix2pix image size (default 256)"
    )
    parser.add_argument("--repeats", type=int, default=1, help="interleaved repeats (default 1)")
    parser.add_argument(
        "--threads", type=int, default=0, help="threads for both sides (0 = torch default)"
    )
    parser.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    parser.add_argument("--compile", action="store_true", help="add torch.compile to the fast path")
    parser.add_argument(
        "--cuda-graphs-max-batch",
        type=int,
        default=0,
        help="on CUDA, add train.cuda_graphs to ganzoo's fast path at batch sizes up to this "
        "(launch-bound small batches; default 0: never)",
    )
    parser.add_argument(
        "--modes",
        nargs="+",
        choices=("ref", "fast"),
        default=["ref", "fast"],
        help="reference settings, fast path or both (default both)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="ganzoo train.num_workers (default 0, the presets'); on a GPU the decoding of "
        "large batches needs workers to keep up",
    )
    parser.add_argument("--baselines", type=Path, default=None, help="folder of baseline_*.py")
    parser.add_argument(
        "--workdir", type=Path, help="data and run folders (default: a temp folder)"
    )
    parser.add_argument("--timeout", type=float, default=900, help="seconds per process")
    parser.add_argument("--out", type=Path, help="also write the JSON document here")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="write the data and plan the commands, run nothing (numbers are null)",
    )
    args = parser.parse_args(argv)
    args.steps = args.steps or (6 if args.quick else 35)
    args.warmup = args.warmup if args.warmup is not None else (2 if args.quick else 5)
    args.size = args.size or (128 if args.quick else 256)
    if not 1 <= args.warmup < args.steps:
        parser.error("need 1 <= --warmup < --steps")
    if args.warmup % args.log_every or args.steps % args.log_every:
        parser.error("--log-every must divide both --warmup and --steps")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    names = args.cases or (QUICK_CASES if args.quick else tuple(CASES))
    settings = Settings(
        steps=args.steps,
        warmup=args.warmup,
        log_every=args.log_every,
        size=args.size,
        device=args.device,
        threads=args.threads,
        compile=args.compile,
        workers=args.workers,
        cuda_graphs_max_batch=args.cuda_graphs_max_batch,
        baselines=(args.baselines or default_baselines()).resolve(),
    )
    document: dict[str, Any] = {
        "benchmark": "ganzoo-training-throughput",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "dry_run": args.dry_run,
        "repeats": args.repeats,
        "ganzoo_num_workers": args.workers,
        "baselines": str(settings.baselines),
        "fast_path": {
            "ganzoo": "train.precision=bf16 train.channels_last=true train.fused_optimizer=true"
            + (" train.compile=true" if args.compile else "")
            + (
                f" train.cuda_graphs=true at batch <= {args.cuda_graphs_max_batch}"
                if args.cuda_graphs_max_batch and args.device.startswith("cuda")
                else ""
            ),
            "baseline": "--bf16 --channels-last --fused-adam"
            + (" --compile" if args.compile else ""),
        },
        "environment": environment(settings),
    }
    document["notes"] = notes(settings)

    def write_partial(cases: dict[str, Any]) -> None:
        if args.out:
            write_json(args.out, {**document, "cases": cases, "complete": False})

    with tempfile.TemporaryDirectory(prefix="ganzoo-bench-") as scratch:
        workdir = args.workdir or Path(scratch)
        document["cases"] = benchmark(
            [CASES[name] for name in names],
            settings,
            args.repeats,
            workdir,
            args.timeout,
            args.dry_run,
            args.modes,
            on_case=write_partial,
        )
    document["environment"]["load_avg_end"] = _load_avg()
    document["complete"] = True
    if args.out:
        write_json(args.out, document)
    print(json.dumps(document, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
