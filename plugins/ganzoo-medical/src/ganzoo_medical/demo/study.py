"""``run_demo``: train both models of the study, evaluate them, write the comparison.

Stages: train the plain GAN, train pix2pix, evaluate both on held-out patches, score the
trivial predictor on the same pairs, write each run's ``report.html``, the demo's
``compare.html`` and ``demo.json`` (timings, settings, the equivalent commands).

Output folder: ``out`` when it does not exist or is empty. Anything already there is never
touched: an existing non-empty ``out`` makes the demo write to a new sibling
``<out>-<YYYYmmdd-HHMMSS>`` and say so, so repeated demos keep every earlier result.

Threads: on a shared 2-core machine two intra-op threads collapse when another process holds a
core (measured: 2.6 s per pix2pix step with two threads at load 5 against 0.42 s with one), so
by default the demo uses only the cores the 1-minute load average leaves idle (at least one,
never more than the CPUs this process may use). ``threads`` overrides that; torch's previous
setting is restored afterwards.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ganzoo.plugin import ConfigError
from ganzoo_medical.demo.baseline import TRIVIAL_NAME
from ganzoo_medical.demo.profiles import (
    DATASET,
    FEATURE_EXTRACTOR,
    PIX2PIX_METRICS,
    PROFILES,
    Profile,
)

DEFAULT_OUT = Path("runs") / "demo"
COMPARE_FILE = "compare.html"
SUMMARY_FILE = "demo.json"


@dataclass
class DemoResult:
    """Where everything went, and the numbers."""

    out: Path
    profile: Profile
    seed: int
    threads: int
    runs: dict[str, Path] = field(default_factory=dict)
    evaluations: dict[str, dict[str, Any]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    compare_html: Path | None = None
    table: str = ""


def run_demo(
    out: str | Path = DEFAULT_OUT,
    *,
    quick: bool = False,
    seed: int = 0,
    threads: int | None = None,
    profile: Profile | None = None,
    progress: bool = True,
    log: IO[str] | None = None,
) -> DemoResult:
    """Reproduce the GAN vs pix2pix comparison into ``out`` (see module docstring).

    Args:
        out: demo folder (default ``runs/demo``).
        quick: the small profile (CI, README smoke test) instead of the default one.
        seed: seed of both runs (data order, initialisation, noise).
        threads: torch intra-op threads; default from the idle cores.
        profile: explicit sizes (tests use tiny ones); overrides ``quick``.
        progress: progress bars / lines of the training runs.
        log: where stage messages go (default stderr).
    """
    import torch

    import ganzoo
    from ganzoo.plugin import evaluate_run, write_json_atomic, write_report, write_text_atomic

    stream = log if log is not None else sys.stderr
    start = time.perf_counter()
    profile = profile or PROFILES["quick" if quick else "default"]
    folder = choose_output(Path(out), stream)
    chosen = choose_threads(threads)
    result = DemoResult(folder, profile, seed, chosen)
    experiments = profile.experiments(seed)
    stages = len(experiments) + 2
    load = _load_average()

    def stage(number: int, text: str) -> None:
        print(f"[{number}/{stages}] {text}", file=stream, flush=True)

    with torch_threads(chosen):
        print(f"ganzoo demo ({profile.name}): plain GAN vs pix2pix on {DATASET} patches -> {folder} "
              f"({chosen} thread{'s' if chosen > 1 else ''}, load {load:.1f})", file=stream, flush=True)
        if profile.caveat:
            print(f"note: {profile.caveat}", file=stream, flush=True)
        for number, experiment in enumerate(experiments, 1):
            steps = next(o for o in experiment.overrides if o.startswith("train.steps=")).split("=")[1]
            stage(number, f"training {experiment.run_name}: {experiment.title} ({steps} steps)")
            tick = time.perf_counter()
            run = ganzoo.train(preset=experiment.preset, run_dir=folder / experiment.run_name,
                        overrides=experiment.overrides, progress=progress)
            result.runs[experiment.key] = run.directory
            result.timings[f"train {experiment.run_name}"] = time.perf_counter() - tick

        stage(stages - 1, f"evaluating on held-out {DATASET} val patches")
        tick = time.perf_counter()
        for experiment in experiments:
            result.evaluations[experiment.key] = evaluate_run(
                result.runs[experiment.key], metrics=list(experiment.metrics), feature_extractor=FEATURE_EXTRACTOR,
            )
        from ganzoo_medical.demo.baseline import evaluate_trivial

        result.evaluations["trivial"] = evaluate_trivial(
            result.runs["pix2pix"], folder / TRIVIAL_NAME, metrics=PIX2PIX_METRICS,
            feature_extractor=FEATURE_EXTRACTOR,
        )
        result.timings["evaluate"] = time.perf_counter() - tick

        stage(stages, "writing reports")
        tick = time.perf_counter()
        for path in result.runs.values():
            write_report(path)
        from ganzoo_medical.demo.page import render_demo_page, render_text

        result.timings["report"] = time.perf_counter() - tick
        result.timings["total"] = time.perf_counter() - start
        result.compare_html = folder / COMPARE_FILE
        context = {"experiments": experiments, "load": load, "torch": torch.__version__}
        write_text_atomic(result.compare_html, render_demo_page(result, context))
        result.table = render_text(result)
        write_json_atomic(folder / SUMMARY_FILE, summary(result, experiments, load), default=str)
    return result


def choose_output(out: Path, stream: IO[str]) -> Path:
    """``out`` if it is new or empty, else a new timestamped sibling (announced on ``stream``)."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out}: exists and is not a directory; choose another --out")
    if not out.exists() or not any(out.iterdir()):
        return out
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate, n = out.with_name(f"{out.name}-{stamp}"), 1
    while candidate.exists():
        n += 1
        candidate = out.with_name(f"{out.name}-{stamp}-{n}")
    print(f"{out} already holds results (kept as they are); writing this demo to {candidate}",
          file=stream, flush=True)
    return candidate


def available_cpus() -> int:
    """CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _load_average() -> float:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0.0


def choose_threads(requested: int | None = None) -> int:
    """Threads for the demo: ``requested`` capped at the CPUs, else the idle cores (>= 1)."""
    cpus = available_cpus()
    if requested is not None:
        if requested < 1:
            raise ConfigError(f"--threads {requested}: must be a positive integer")
        return min(requested, cpus)
    idle = int(cpus - _load_average() + 0.5)
    return max(1, min(cpus, idle))


@contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """torch's intra-op thread count set to ``count`` inside the block, restored after it."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def summary(result: DemoResult, experiments: list[Any], load: float) -> dict[str, Any]:
    """Content of ``demo.json``: settings, timings, commands and the headline numbers."""
    import ganzoo

    return {
        "ganzoo_version": ganzoo.__version__,
        "profile": result.profile.name,
        "profile_settings": vars(result.profile),
        "seed": result.seed,
        "threads": result.threads,
        "cpus": available_cpus(),
        "load_average_at_start": round(load, 2),
        "timings_s": {k: round(v, 1) for k, v in result.timings.items()},
        "runs": {e.key: str(result.runs[e.key]) for e in experiments},
        "commands": {e.key: e.command(str(result.runs[e.key])) for e in experiments},
        "eval_files": {**{key: str(path / "eval.json") for key, path in result.runs.items()},
                       "trivial": str(result.out / TRIVIAL_NAME / "eval.json")},
        "metrics": {key: {name: entry.get("value") for name, entry in ev.get("metrics", {}).items()}
                    for key, ev in result.evaluations.items()},
    }
