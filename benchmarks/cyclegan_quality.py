#!/usr/bin/env python3
"""ganzoo's CycleGAN against the bare reference loop: held-out quality and speed at equal steps.

Why it is built this way:

* Data the project never tuned on, shipped by a PyPI package: scikit-image's
  ``immunohistochemistry()`` photograph (512 x 512, DAB-brown and haematoxylin-blue stains) is
  domain A; domain B is the same kind of tissue "virtually restained" to an H&E-like look
  (colour deconvolution with ``rgb2hed``, the DAB amount drawn as eosin pink by ``hed2rgb``),
  a stain-transfer task CycleGAN is used for in pathology. Training patches of A come from the
  left half of the top three quarters, those of B from the right half (different tissue, no
  pairs), held-out patches from the bottom quarter (pixel-disjoint from both).
* Because B is a known function of A, held-out translations have a ground truth even though
  training never sees a pair: ``|G_AB(a) - restain(a)|`` and ``|G_BA(restain(a)) - a|``.
* Same networks, losses, pool, loop order, schedule and data on both sides: ganzoo runs
  ``ganzoo train --preset cyclegan`` as a user would (``--set`` only shrinks sizes and steps);
  the baseline is ``baselines/baseline_cyclegan.py``, written from the reference code. The two
  differ only in their random streams (initial weights, crops, pairing, pool draws), which is
  what the seeds sample.
* Quality, on held-out patches: that L1 error (in [-1, 1] units) of both directions; the
  Frechet distance between features of translated A -> B patches and held-out B patches (and
  B -> A against A), with ganzoo's offline random convolutional extractor
  (``ganzoo-test-random-conv``: deterministic, weight-free; numbers are comparable within this
  benchmark only, not with published FIDs); and the held-out cycle error
  ``|G_BA(G_AB(a)) - a|``. Two references frame them: the untranslated source patches (what
  doing nothing scores) and, for the distances, the training patches of the target domain.
* Speed: seconds per step from ganzoo's logged ``time`` after ``--warmup`` steps and the
  baseline's per-step times over the same steps, both including their data preparation (the
  baseline crops tensors in memory; ganzoo runs its loader and kornia augmentation, and decodes
  each file once, in its first epoch). The long quality runs are timed too, but a shared
  machine's load drifts over minutes, so the speed verdict comes from ``--speed-pairs`` short
  runs of each side back to back, alternating which goes first: the median of the per-pair
  ratios cancels the drift.

Prints one JSON document (``--out`` also writes it). Example::

    python benchmarks/cyclegan_quality.py --steps 800 --seeds 0 1 --out benchmarks/results/cpu-cyclegan.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
BASELINE = HERE / "baselines" / "baseline_cyclegan.py"
EXTRACTOR = "ganzoo-test-random-conv"


# --------------------------------------------------------------------------- data
def domains() -> dict[str, np.ndarray]:
    """The IHC photograph (A) and its H&E-like restaining (B), uint8 RGB of the same tissue."""
    from skimage import data
    from skimage.color import hed2rgb, rgb2hed

    ihc = data.immunohistochemistry()
    stains = rgb2hed(ihc)  # haematoxylin, eosin, DAB
    restained = np.stack([stains[..., 0], stains[..., 2], np.zeros_like(stains[..., 0])], axis=-1)
    he = (np.clip(hed2rgb(restained), 0, 1) * 255).round().astype(np.uint8)
    return {"A": ihc, "B": he}


def make_data(root: Path, *, size: int, load_size: int, n_train: int, seed: int) -> dict[str, int]:
    """``root/trainA`` and ``root/trainB``: random ``load_size`` patches of the top 3/4, A from the
    left half and B from the right half; ``root/testA`` and ``root/testB``: the same ``size``
    patches of the bottom 1/4 (stride ``size // 2``) in both stains. Returns the counts."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    images = domains()
    height, width = images["A"].shape[:2]
    split_row, half = height * 3 // 4, width // 2
    counts = {}
    for domain, image in images.items():
        train, test = root / f"train{domain}", root / f"test{domain}"
        train.mkdir(parents=True, exist_ok=True)
        test.mkdir(parents=True, exist_ok=True)
        left = 0 if domain == "A" else half
        for i in range(n_train):
            y = rng.integers(0, split_row - load_size + 1)
            x = left + rng.integers(0, half - load_size + 1)
            Image.fromarray(image[y : y + load_size, x : x + load_size]).save(train / f"{i:04d}.png")
        stride, index = size // 2, 0
        for y in range(split_row, height - size + 1, stride):
            for x in range(0, width - size + 1, stride):
                Image.fromarray(image[y : y + size, x : x + size]).save(test / f"{index:04d}.png")
                index += 1
        counts[f"train{domain}"], counts[f"test{domain}"] = n_train, index
    return counts


def load_folder(folder: Path, size: int) -> Any:
    """All images of ``folder`` as a ``(N, 3, size, size)`` tensor in [-1, 1] (centre crops)."""
    import torch
    from PIL import Image

    images = []
    for path in sorted(folder.glob("*.png")):
        array = np.asarray(Image.open(path), dtype=np.float32)
        top, left = (array.shape[0] - size) // 2, (array.shape[1] - size) // 2
        images.append(array[top : top + size, left : left + size].transpose(2, 0, 1))
    return torch.from_numpy(np.stack(images)) / 127.5 - 1.0


# --------------------------------------------------------------------------- runs
def ganzoo_command(args: argparse.Namespace, data: Path, run_dir: Path, seed: int, steps: int) -> list[str]:
    half = steps // 2
    sets = {
        "dataset.params.root": str(data),
        "dataset.params.image_size": args.size,
        "dataset.params.load_size": args.load_size,
        "generator.params.network.params.base_channels": args.ngf,
        "generator.params.network.params.n_blocks": args.n_blocks,
        "discriminator.params.network.params.base_channels": args.ndf,
        "train.steps": steps,
        "train.seed": seed,
        "train.threads": args.threads,
        "train.log_every": 1,
        "train.progress": "false",
        "train.schedule": f"{{kind='linear-decay', unit='step', constant={half}, decay={steps - half}}}",
    }
    command = [sys.executable, "-m", "ganzoo", "train", "--preset", "cyclegan", "--run-dir", str(run_dir)]
    for key, value in sets.items():
        command += ["--set", f"{key}={value}"]
    return command


def baseline_command(args: argparse.Namespace, data: Path, out: Path, seed: int, steps: int) -> list[str]:
    return [
        sys.executable, str(BASELINE), "--data-a", str(data / "trainA"), "--data-b", str(data / "trainB"),
        "--size", str(args.size), "--load-size", str(args.load_size), "--ngf", str(args.ngf), "--ndf", str(args.ndf),
        "--n-blocks", str(args.n_blocks), "--iters", str(steps), "--warmup", "0",
        "--decay-start", str(steps // 2), "--seed", str(seed), "--threads", str(args.threads), "--save", str(out),
    ]


def _run(command: list[str], threads: int) -> tuple[str, float]:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    print("$ " + " ".join(command), file=sys.stderr)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"command failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout, time.perf_counter() - start


def ganzoo_seconds_per_step(run_dir: Path, warmup: int) -> list[float]:
    times = {}
    for line in (run_dir / "metrics.jsonl").read_text().splitlines():
        record = json.loads(line)
        if record.get("kind") == "train":
            times[record["step"]] = record["time"]
    steps = sorted(s for s in times if s >= warmup)
    return [times[b] - times[a] for a, b in zip(steps, steps[1:], strict=False)]


def timed(impl: str, args: argparse.Namespace, data: Path, out: Path, seed: int, steps: int) -> tuple[list[float], float]:
    """Train one side; ``(seconds of each step after the warm-up, wall seconds)``."""
    if impl == "ganzoo":
        _, wall = _run(ganzoo_command(args, data, out, seed, steps), args.threads)
        return ganzoo_seconds_per_step(out, args.warmup), wall
    stdout, wall = _run(baseline_command(args, data, out, seed, steps), args.threads)
    return json.loads(stdout.strip().splitlines()[-1])["sec_per_it_all"][args.warmup:], wall


def speed_pairs(args: argparse.Namespace, data: Path, work: Path) -> dict[str, Any]:
    """Short runs of both sides back to back; ratios of mean seconds per step, ganzoo/baseline."""
    ratios, pairs = [], []
    for i in range(args.speed_pairs):
        order = ("baseline", "ganzoo") if i % 2 == 0 else ("ganzoo", "baseline")
        means = {}
        for impl in order:
            per_step, _ = timed(impl, args, data, work / f"speed-{impl}-{i}", 100 + i, args.speed_steps)
            means[impl] = statistics.mean(per_step)
        pairs.append({"first": order[0], **{f"{k}_sec_per_step": v for k, v in means.items()}})
        ratios.append(means["ganzoo"] / means["baseline"])
    return {"steps": args.speed_steps, "pairs": pairs, "ratios": ratios,
            "median_ratio_ganzoo_over_baseline": statistics.median(ratios)}


def ganzoo_translators(run_dir: Path) -> tuple[Any, Any]:
    import ganzoo

    generator = ganzoo.load(run_dir).generator
    return (lambda x: generator.ab(None, x)), (lambda x: generator.ba(None, x))


def baseline_translators(folder: Path, args: argparse.Namespace) -> tuple[Any, Any]:
    from safetensors.torch import load_file

    spec = importlib.util.spec_from_file_location("baseline_cyclegan", BASELINE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    nets = []
    for name in ("G_A", "G_B"):
        net = module.ResnetGenerator(3, 3, args.ngf, args.n_blocks)
        net.load_state_dict(load_file(folder / f"{name}.safetensors"))
        nets.append(net.eval())
    return nets[0], nets[1]


# --------------------------------------------------------------------------- quality
def features(images: Any) -> np.ndarray:
    """Random-conv features of ``(N, 3, H, W)`` images in [-1, 1]."""
    import torch
    from ganzoo.metrics.features import RandomConvFeatures

    extractor = RandomConvFeatures(seed=0)
    uint8 = ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    with torch.no_grad():
        return extractor(uint8)[0].double().numpy()


def frechet(a: np.ndarray, b: np.ndarray) -> float:
    from scipy import linalg

    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = linalg.sqrtm(cov_a @ cov_b)
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * np.real(root)))


def quality(ab: Any, ba: Any, test: dict[str, Any], real_features: dict[str, np.ndarray]) -> dict[str, float]:
    import torch

    with torch.no_grad():
        fake_b, fake_a = ab(test["A"]), ba(test["B"])
        rec_a, rec_b = ba(fake_b), ab(fake_a)
    return {
        "l1_AtoB": float((fake_b - test["B"]).abs().mean()),
        "l1_BtoA": float((fake_a - test["A"]).abs().mean()),
        "fd_AtoB": frechet(features(fake_b), real_features["B"]),
        "fd_BtoA": frechet(features(fake_a), real_features["A"]),
        "cycle_l1_A": float((rec_a - test["A"]).abs().mean()),
        "cycle_l1_B": float((rec_b - test["B"]).abs().mean()),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=800)
    p.add_argument("--seeds", type=int, nargs="*", default=[0, 1], help="quality runs per side (none: speed only)")
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--load-size", type=int, default=36)
    p.add_argument("--ngf", type=int, default=16)
    p.add_argument("--ndf", type=int, default=16)
    p.add_argument("--n-blocks", type=int, default=6)
    p.add_argument("--n-train", type=int, default=256, help="training patches per domain")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--warmup", type=int, default=5, help="steps left out of the speed numbers")
    p.add_argument("--speed-pairs", type=int, default=4, help="back-to-back short runs of both sides")
    p.add_argument("--speed-steps", type=int, default=60, help="steps of each short run")
    p.add_argument("--work", type=Path, help="folder for data and runs (default: a temporary one)")
    p.add_argument("--out", type=Path, help="also write the JSON document here")
    args = p.parse_args(argv)

    load_start = os.getloadavg()
    work = args.work or Path(tempfile.mkdtemp(prefix="ganzoo-cyclegan-"))
    data = work / "data"
    counts = make_data(data, size=args.size, load_size=args.load_size, n_train=args.n_train, seed=1234)
    test = {d: load_folder(data / f"test{d}", args.size) for d in "AB"}
    real_features = {d: features(test[d]) for d in "AB"}
    train_crops = {d: load_folder(data / f"train{d}", args.size) for d in "AB"}
    references = {
        "untranslated": {"l1_AtoB": float((test["A"] - test["B"]).abs().mean()),
                         "l1_BtoA": float((test["B"] - test["A"]).abs().mean()),
                         "fd_AtoB": frechet(features(test["A"]), real_features["B"]),
                         "fd_BtoA": frechet(features(test["B"]), real_features["A"])},
        "real_train_patches": {"fd_AtoB": frechet(features(train_crops["B"]), real_features["B"]),
                               "fd_BtoA": frechet(features(train_crops["A"]), real_features["A"])},
    }
    results: dict[str, list[dict[str, Any]]] = {"ganzoo": [], "baseline": []}
    for i, seed in enumerate(args.seeds):
        order = ("baseline", "ganzoo") if i % 2 == 0 else ("ganzoo", "baseline")
        for impl in order:
            out = work / f"{impl}-seed{seed}"
            per_step, wall = timed(impl, args, data, out, seed, args.steps)
            ab, ba = ganzoo_translators(out) if impl == "ganzoo" else baseline_translators(out, args)
            entry = {"seed": seed, "wall_s": round(wall, 1), "sec_per_step_mean": statistics.mean(per_step),
                     "sec_per_step_median": statistics.median(per_step), **quality(ab, ba, test, real_features)}
            results[impl].append(entry)
            print(json.dumps({impl: entry}), file=sys.stderr)
    speed = speed_pairs(args, data, work) if args.speed_pairs else None
    summary = {
        impl: {key: statistics.mean(r[key] for r in runs) for key in runs[0] if key != "seed"}
        for impl, runs in results.items() if runs
    }
    document = {
        "benchmark": "cyclegan_quality",
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "protocol": {
            "data": "skimage.data.immunohistochemistry (A) and its H&E-like restaining (B), 512x512 RGB; "
                    "train A from rows < 384 and columns < 256, train B from rows < 384 and columns >= 256, "
                    "held-out patches (both stains of the same tissue) from rows >= 384",
            "counts": counts, "size": args.size, "load_size": args.load_size, "steps": args.steps,
            "seeds": args.seeds, "networks": f"resnet {args.n_blocks} blocks ngf {args.ngf}, patchgan ndf {args.ndf}, "
                                              "instance norm", "batch_size": 1,
            "schedule": f"constant {args.steps // 2} steps, then linear decay", "pool": 50,
            "losses": "lsgan + 10 cycle + 5 identity", "extractor": EXTRACTOR, "threads": args.threads,
            "warmup_steps_excluded": args.warmup,
        },
        "references": references,
        "runs": results,
        "speed": speed,
        "mean": summary,
        "load_average_1min_start_end": [round(load_start[0], 2), round(os.getloadavg()[0], 2)],
        "machine": {"python": platform.python_version(), "cpu_count": os.cpu_count(),
                    "torch": __import__("torch").__version__},
    }
    text = json.dumps(document, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
