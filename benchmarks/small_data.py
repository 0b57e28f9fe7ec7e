"""Small-data benchmark: DCGAN without augmentation, with DiffAugment and with ADA, at 10 %, 25 %
and 100 % of a small real image set, scored by a held-out feature-space Frechet distance.

Data: 32x32 RGB patches of the fundus photograph that scikit-image ships
(``skimage.data.retina()``, CC0, no download), downsampled to half size. As in ganzoo-medical's
``retina-skimage`` dataset, the photograph is cut into cells of 1.5 patch sides assigned to splits
by the pattern ``(column + 3 * row) mod 5`` (0-2 train, 3 val, 4 test) and every patch lies inside
one cell, so patches of different splits share no pixel. Only cells at least 60 % inside the
field of view are used, and a patch is redrawn until half of it is. The training pool is
``--pool`` patches (100 %); 25 % and 10 % are its first quarter and tenth (nested subsets).

``--data digits``: real 1-channel images instead, the 1,797 handwritten digits scikit-learn ships
(``sklearn.datasets.load_digits``, 8x8 in 17 grey levels, no download), upsampled to 32x32 by
bicubic interpolation. A fixed shuffle (seed 0) assigns 500 to the training pool, 397 to the
extractor and 900 to the test split. Unlike fundus patches, which are crops of one texture, these
are distinct objects in ten classes, so a discriminator can memorise a small set of them: the
regime in which the DiffAugment and ADA papers report their gains.

Extractor: ganzoo ships only a random-convolution extractor offline, whose Frechet distance is
weak evidence (random features measure colour and coarse texture statistics). This benchmark
therefore also trains its own: a small CNN that learns to tell which of 16 *other* bundled
scikit-image pictures (photographs, micrographs, textures; no fundus) a 32x32 patch comes from,
at random scales and flips. Its 128-d pooled features are the ``fd_classifier`` embedding; it
never sees a fundus, so it is not tuned to the test data. Its weights are cached as safetensors in
the work folder. ``sanity`` in the output gives each extractor's distance between real patch sets
and to degraded ones (blur, noise, colour shift), so a reader can judge what a difference means.
With ``--data digits`` the same CNN learns the digit class instead, from the extractor split only
(random shifts of up to 2 px), on grey images repeated to three channels: an MNIST-style FID whose
features know digits but never saw a training or test image.

Protocol: every run trains with ``ganzoo.train`` (image-folder dataset written as PNG files,
DCGAN generator and discriminator (D with batch norm as the reference, or ``--d-norm none
--spectral-norm``), non-saturating loss, Adam 2e-4 / (0.5, 0.999), one thread),
the same steps at every fraction; checkpoints every ``--eval-every`` steps are scored with
``--n-eval`` generated samples (fixed sampling seed) against ``--n-eval`` held-out real patches
of the ``--split`` cells (``test`` for reported numbers; ``val`` for trying the script out).
The augmentation settings are fixed before any run (DiffAugment's reference policy, and
``diffaugment-tc`` without its colour op, chosen on the val cells; ADA's target 0.6 and interval
4, with ``--ada-speed-kimg`` chosen so that p can cross [0, 1] within a run, since the paper's 500
kimg is more than these runs see). One JSON document is written, and rewritten after every run,
so an interrupted benchmark continues where it stopped: runs already in it are kept (also by an
invocation that adds fractions, arms or seeds, when every other setting is the same), a run
directory holding the final checkpoint of the same experiment is scored again without training,
and an interrupted one is resumed (ganzoo's resume is exact). ``seconds`` is the training time the
engine records; ``load_before`` the load average when this invocation started or resumed the
training (null for a run only scored again).

    python benchmarks/small_data.py --out benchmarks/results/small-data.json
    python benchmarks/small_data.py --quick --out /tmp/small.json     # minutes: a smoke test
    python benchmarks/small_data.py --data digits --steps 3000 --eval-every 500 --fractions 0.1 \
        --work runs/small-digits --out benchmarks/results/small-data-digits.json  # README: all arms
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch import nn
from torch.nn import functional as F

PATCH = 32
SCALE = 0.5
CELL_FACTOR = 1.5
CELL_SPLITS = ("train", "train", "train", "val", "test")
MIN_CELL_FOV = 0.6
MIN_PATCH_FOV = 0.5
#: Bundled scikit-image pictures the extractor learns from (no fundus images).
EXTRACTOR_IMAGES = (
    "astronaut", "chelsea", "coffee", "hubble_deep_field", "immunohistochemistry", "rocket",
    "brick", "camera", "cell", "clock", "coins", "grass", "gravel", "moon", "page", "text",
)
EXTRACTOR_SCALES = (1.0, 0.7, 0.5, 0.35)
#: ``--data digits``: index ranges of scikit-learn's digits after the fixed shuffle.
DIGIT_SPLITS = {"train": (0, 500), "extractor": (500, 897), "test": (897, 1797)}
DIGIT_SHIFT = 2
#: The late-training distance averages this many last checkpoints (GAN quality oscillates).
LATE_CHECKPOINTS = 3
AUGMENTS: dict[str, dict[str, Any] | None] = {
    "none": None,
    "diffaugment": {"kind": "diffaugment", "policy": "color,translation,cutout"},
    "ada": {"kind": "ada", "target": 0.6, "interval": 4},
    # Without the colour op: the Frechet distances here are dominated by colour (see ``sanity``),
    # and ``color`` randomises brightness, saturation and contrast of reals and fakes alike.
    "diffaugment-tc": {"kind": "diffaugment", "policy": "translation,cutout"},
}
DIGITS_N_EVAL = DIGIT_SPLITS["test"][1] - DIGIT_SPLITS["test"][0]
DATA_PROTOCOL = {
    "fundus": "skimage.data.retina() at half size, 32x32 RGB patches; splits by cells (col + 3 row) mod 5",
    "digits": "sklearn.datasets.load_digits(), 8x8 grey upsampled (bicubic) to 32x32, 1 channel; shuffled "
              f"(seed 0) into {DIGIT_SPLITS}",
}
EXTRACTOR_PROTOCOL = {
    "fundus": "PatchClassifier trained here on 16 other skimage pictures (128-d)",
    "digits": "PatchClassifier trained here on the digit class of the extractor split, shifts up to "
              f"{DIGIT_SHIFT} px (128-d)",
}
#: Settings that only choose which runs an invocation adds; runs of documents that agree on all
#: other settings are comparable and are kept together, keyed by (fraction, augment, seed).
SELECTION = ("fractions", "augments", "seeds")


@dataclass(frozen=True)
class Settings:
    """What one benchmark invocation runs."""

    steps: int = 2000
    batch_size: int = 32
    base_channels: int = 32
    latent_dim: int = 100
    fractions: tuple[float, ...] = (0.1, 0.25, 1.0)
    augments: tuple[str, ...] = ("none", "diffaugment", "ada")
    seeds: tuple[int, ...] = (0, 1)
    pool: int = 500
    n_eval: int = 1000
    eval_every: int = 400
    split: str = "test"
    ada_speed_kimg: float = 20.0
    extractor_steps: int = 1500
    data_seed: int = 0
    #: the discriminator's hidden-layer normalisation and spectral norm (the reference: batch, off)
    d_norm: str = "batch"
    spectral_norm: bool = False
    #: "fundus" (RGB patches of one photograph) or "digits" (1-channel handwritten digits)
    data: str = "fundus"

    @property
    def channels(self) -> int:
        return 1 if self.data == "digits" else 3

    @property
    def tag(self) -> str:
        """Prefix of data and run folders, so that both data sets can share a work folder."""
        return "" if self.data == "fundus" else f"{self.data}-"


# -- data --------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _fundus() -> tuple[np.ndarray, np.ndarray]:
    """The half-size photograph (float32 RGB in [0, 1]) and its field-of-view mask."""
    from scipy import ndimage
    from skimage import data, morphology, transform

    image = transform.resize(data.retina(), (round(1411 * SCALE),) * 2, anti_aliasing=True).astype(np.float32)
    fov = ndimage.binary_opening(image.max(axis=2) > 0.08, structure=morphology.disk(3))
    return image, fov


def _cells(fov: np.ndarray, split: str) -> list[tuple[int, int, int, int]]:
    side = fov.shape[0]
    cell = int(np.ceil(CELL_FACTOR * PATCH))
    count = side // cell
    origin = (side - count * cell) // 2
    chosen = []
    for row in range(count):
        for col in range(count):
            y0, x0 = origin + row * cell, origin + col * cell
            if CELL_SPLITS[(col + 3 * row) % 5] == split and fov[y0 : y0 + cell, x0 : x0 + cell].mean() >= MIN_CELL_FOV:
                chosen.append((y0, x0, y0 + cell, x0 + cell))
    return chosen


def fundus_patches(split: str, n: int, seed: int) -> np.ndarray:
    """``n`` uint8 patches ``(n, 32, 32, 3)`` from the cells of ``split``."""
    image, fov = _fundus()
    cells = _cells(fov, split)
    rng = np.random.default_rng([seed, {"train": 0, "val": 3, "test": 4}[split]])
    out = np.empty((n, PATCH, PATCH, 3), dtype=np.uint8)
    for i in range(n):
        for _ in range(50):
            y0, x0, y1, x1 = cells[int(rng.integers(len(cells)))]
            top, left = y0 + int(rng.integers(0, y1 - y0 - PATCH + 1)), x0 + int(rng.integers(0, x1 - x0 - PATCH + 1))
            if fov[top : top + PATCH, left : left + PATCH].mean() >= MIN_PATCH_FOV:
                break
        out[i] = np.round(image[top : top + PATCH, left : left + PATCH] * 255).astype(np.uint8)
    return out


@functools.lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's digits at 32x32 (uint8) and their labels, in the fixed shuffled order."""
    from skimage import transform
    from sklearn.datasets import load_digits

    digits = load_digits()
    order = np.random.default_rng(0).permutation(len(digits.images))
    small = digits.images[order] / 16.0
    large = np.stack([transform.resize(image, (PATCH, PATCH), order=3, anti_aliasing=False) for image in small])
    return np.round(large.clip(0, 1) * 255).astype(np.uint8), digits.target[order]


def digit_images(split: str, n: int) -> np.ndarray:
    """The first ``n`` uint8 images ``(n, 32, 32)`` of a digits split (all of them at most)."""
    start, stop = DIGIT_SPLITS[split]
    if n > stop - start:
        raise ValueError(f"the digits {split} split has {stop - start} images, not {n}")
    return _digits()[0][start : start + n]


def real_images(settings: Settings, split: str, n: int) -> np.ndarray:
    """``n`` real images of ``split`` from the benchmark's data set (uint8, channels last for RGB)."""
    if settings.data == "digits":
        return digit_images(split, n)
    return fundus_patches(split, n, settings.data_seed)


def write_folder(patches: np.ndarray, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, patch in enumerate(patches):
        Image.fromarray(patch).save(folder / f"{i:05d}.png")
    return folder


def to_model(patches: np.ndarray) -> torch.Tensor:
    """uint8 ``(N, H, W, 3)`` or grey ``(N, H, W)`` -> float ``(N, C, H, W)`` in [-1, 1]."""
    images = torch.from_numpy(patches)
    images = images.unsqueeze(1) if images.dim() == 3 else images.permute(0, 3, 1, 2)
    return images.float() / 127.5 - 1.0


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """float ``(N, C, H, W)`` in [-1, 1] -> uint8 ``(N, C, H, W)``."""
    return ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


# -- feature extractors ------------------------------------------------------------------------
class PatchClassifier(nn.Module):
    """Four 3x3 convolutions (32-64-128-128, the last three stride 2), mean-pooled to 128 features."""

    def __init__(self, classes: int) -> None:
        super().__init__()
        widths = (3, 32, 64, 128, 128)
        self.convs = nn.ModuleList(
            nn.Conv2d(cin, cout, 3, stride=1 if i == 0 else 2, padding=1)
            for i, (cin, cout) in enumerate(zip(widths[:-1], widths[1:], strict=True))
        )
        self.norms = nn.ModuleList(nn.BatchNorm2d(c) for c in widths[1:])
        self.head = nn.Linear(widths[-1], classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        for conv, norm in zip(self.convs, self.norms, strict=True):
            x = F.relu(norm(conv(x)))
        return x.mean(dim=(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def _extractor_pyramids() -> list[list[np.ndarray]]:
    from skimage import data, transform

    pyramids = []
    for name in EXTRACTOR_IMAGES:
        image = getattr(data, name)().astype(np.float32) / 255.0
        if image.ndim == 2:
            image = np.repeat(image[..., None], 3, axis=2)
        pyramids.append([transform.rescale(image[..., :3], s, channel_axis=2, anti_aliasing=True).astype(np.float32)
                         for s in EXTRACTOR_SCALES])
    return pyramids


def _extractor_batch(pyramids: list[list[np.ndarray]], n: int, rng: np.random.Generator,
                     part: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Random patches, their picture index; ``part`` "train" draws from the left 80 % of each
    picture, "test" from the right 20 % (held out for the accuracy check)."""
    labels = rng.integers(len(pyramids), size=n)
    patches = np.empty((n, PATCH, PATCH, 3), dtype=np.float32)
    for i, label in enumerate(labels):
        image = pyramids[label][int(rng.integers(len(EXTRACTOR_SCALES)))]
        height, width = image.shape[:2]
        split = min(int(width * 0.8), width - PATCH)
        low, high = (0, split - PATCH) if part == "train" else (split, width - PATCH)
        top, left = int(rng.integers(0, height - PATCH + 1)), int(rng.integers(low, high + 1))
        patch = image[top : top + PATCH, left : left + PATCH]
        patches[i] = patch[:, ::-1] if rng.random() < 0.5 else patch
    return torch.from_numpy(patches).permute(0, 3, 1, 2) * 2 - 1, torch.from_numpy(labels)


def _digit_batch(n: int, rng: np.random.Generator, part: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Digits and their classes: "train" draws from the extractor split, shifted by up to
    ``DIGIT_SHIFT`` px (black fill), "test" from the test split, unshifted (the accuracy check);
    grey repeated to three channels, as every image is embedded."""
    images, labels = _digits()
    start, stop = DIGIT_SPLITS["extractor" if part == "train" else "test"]
    index = rng.integers(start, stop, size=n)
    padded = np.pad(images[index], ((0, 0), (DIGIT_SHIFT, DIGIT_SHIFT), (DIGIT_SHIFT, DIGIT_SHIFT)))
    shifts = rng.integers(0, 2 * DIGIT_SHIFT + 1, size=(n, 2)) if part == "train" else np.full((n, 2), DIGIT_SHIFT)
    crops = np.stack([image[y : y + PATCH, x : x + PATCH] for image, (y, x) in zip(padded, shifts, strict=True)])
    return to_model(crops).repeat(1, 3, 1, 1), torch.from_numpy(labels[index])


def _extractor_source(data: str) -> tuple[list[str], Callable[[int, np.random.Generator, str], tuple[torch.Tensor, torch.Tensor]]]:
    """The classes the extractor learns for ``data`` and its batch sampler ``(n, rng, part)``."""
    if data == "digits":
        return [str(digit) for digit in range(10)], _digit_batch
    return list(EXTRACTOR_IMAGES), functools.partial(_extractor_batch, _extractor_pyramids())


def train_extractor(steps: int, cache: Path, data: str = "fundus",
                    seed: int = 0) -> tuple[PatchClassifier, dict[str, Any]]:
    """The classifier whose features embed ``data``, trained here (or read from ``cache``, a
    safetensors file + JSON)."""
    from safetensors.torch import load_file, save_file

    classes, batches = _extractor_source(data)
    model = PatchClassifier(len(classes))
    info_path = cache.with_suffix(".json")
    if cache.is_file() and info_path.is_file():
        info = json.loads(info_path.read_text())
        if info.get("steps") == steps and info.get("seed") == seed and info.get("data", "fundus") == data:
            model.load_state_dict(load_file(cache))
            return model.eval(), info
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    start = time.perf_counter()
    model.train()
    for _ in range(steps):
        x, y = batches(128, rng, "train")
        loss = F.cross_entropy(model(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    model.eval()
    with torch.no_grad():
        x, y = batches(2000, np.random.default_rng(seed + 1), "test")
        accuracy = float((model(x).argmax(1) == y).float().mean())
    info = {"data": data, "steps": steps, "seed": seed, "classes": classes, "held_out_accuracy": accuracy,
            "chance": 1 / len(classes), "train_seconds": round(time.perf_counter() - start, 1)}
    cache.parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, cache)
    info_path.write_text(json.dumps(info, indent=2) + "\n")
    return model, info


class Embeddings:
    """Features of image batches under both extractors (uint8 in, grey repeated to RGB; numpy out)."""

    def __init__(self, classifier: PatchClassifier) -> None:
        from ganzoo.metrics.features import RandomConvFeatures

        self.classifier = classifier.eval()
        self.random_conv = RandomConvFeatures()

    @torch.no_grad()
    def __call__(self, images: torch.Tensor) -> dict[str, np.ndarray]:
        chunks: dict[str, list[np.ndarray]] = {"classifier": [], "random_conv": []}
        for batch in images.split(250):
            batch = batch.expand(-1, 3, -1, -1) if batch.shape[1] == 1 else batch
            chunks["classifier"].append(self.classifier.features(batch.float() / 127.5 - 1).numpy())
            chunks["random_conv"].append(self.random_conv(batch)[0].numpy())
        return {name: np.concatenate(parts).astype(np.float64) for name, parts in chunks.items()}


def frechet(a: np.ndarray, b: np.ndarray) -> float:
    """Frechet distance between Gaussians fitted to two feature sets (the FID formula).

    ``trace(sqrt(A B))`` is computed as the sum of square roots of the eigenvalues of the
    symmetric ``sqrt(A) B sqrt(A)``, which stays real and stable for singular covariances.
    """
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    values, vectors = np.linalg.eigh(cov_a)
    root_a = (vectors * np.sqrt(values.clip(min=0))) @ vectors.T
    middle = np.linalg.eigvalsh(root_a @ cov_b @ root_a).clip(min=0)
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * np.sqrt(middle).sum())


def fds(embed: Embeddings, images: torch.Tensor, reference: dict[str, np.ndarray]) -> dict[str, float]:
    features = embed(images)
    return {f"fd_{name}": round(frechet(features[name], reference[name]), 4) for name in reference}


def sanity(embed: Embeddings, train: np.ndarray, held_out: np.ndarray, reference: dict[str, np.ndarray],
           seed: int) -> dict[str, dict[str, float]]:
    """Each extractor's distance from the held-out patches to real and to degraded patch sets."""
    from kornia.filters import gaussian_blur2d

    real = to_model(held_out)
    rng = torch.Generator().manual_seed(seed)
    shifted = "held-out, colour shift (+0.1 red)" if real.shape[1] == 3 else "held-out, brighter (+0.1)"
    variants = {
        "real train patches": to_model(train[: len(held_out)]),
        "held-out, blurred (sigma 1 px)": gaussian_blur2d(real, (7, 7), (1.0, 1.0)),
        "held-out + noise (sd 0.1)": real + 0.1 * torch.randn(real.shape, generator=rng),
        shifted: real + torch.tensor([0.1, 0.0, 0.0][: real.shape[1]]).view(1, -1, 1, 1),
    }
    return {name: fds(embed, to_uint8(images), reference) for name, images in variants.items()}


# -- runs --------------------------------------------------------------------------------------
@dataclass
class RunResult:
    fraction: float
    n_train: int
    augment: str
    seed: int
    steps: int
    seconds: float
    load_before: float | None
    curve: list[dict[str, float]] = field(default_factory=list)
    final: dict[str, float] = field(default_factory=dict)
    late: dict[str, float] = field(default_factory=dict)
    ada_p: float | None = None


def experiment(settings: Settings, root: Path, augment: str, seed: int) -> dict[str, Any]:
    train: dict[str, Any] = {
        "steps": settings.steps, "batch_size": settings.batch_size, "lr": 2e-4, "betas": [0.5, 0.999],
        "seed": seed, "device": "cpu", "threads": 1, "progress": False, "log_every": 50,
        "checkpoint_every": settings.eval_every, "keep_checkpoints": settings.steps // settings.eval_every + 1,
        "sample_every": settings.steps,
    }
    options = AUGMENTS[augment]
    if options is not None:
        train["augment"] = dict(options, **({"speed_kimg": settings.ada_speed_kimg} if options["kind"] == "ada" else {}))
    return {
        "name": f"small-{augment}",
        "generator": {"name": "dcgan", "params": {"latent_dim": settings.latent_dim, "out_channels": settings.channels,
                                                   "base_channels": settings.base_channels}},
        "discriminator": {"name": "dcgan", "params": {"base_channels": settings.base_channels, "norm": settings.d_norm,
                                                       "spectral_norm": settings.spectral_norm,
                                                       "in_channels": settings.channels}},
        # absolute, as ganzoo stores it, so that a finished run of a relative --work is recognised
        "dataset": {"name": "image-folder", "params": {"root": os.path.abspath(root), "image_size": PATCH}},
        "losses": [{"name": "adversarial", "params": {"mode": "nonsaturating"}}],
        "train": train,
    }


def run_one(settings: Settings, work: Path, fraction: float, augment: str, seed: int,
            embed: Embeddings, reference: dict[str, np.ndarray]) -> RunResult:
    import ganzoo
    from ganzoo.engine.checkpoint import list_checkpoints

    n_train = round(settings.pool * fraction)
    root = work / "data" / f"{settings.tag}train-{n_train}"
    run_dir = work / "runs" / f"{settings.tag}f{fraction}-{augment}-s{seed}"
    raw = experiment(settings, root, augment, seed)
    checkpoints = list_checkpoints(run_dir / "checkpoints") if run_dir.is_dir() else []
    stored = checkpoints[-1].manifest["experiment"] if checkpoints else None
    load: float | None = None
    if stored is None or not _contains(stored, raw):
        shutil.rmtree(run_dir, ignore_errors=True)
        load = _load()
        ganzoo.train(raw, run_dir=run_dir)
    elif checkpoints[-1].step < settings.steps:  # interrupted: continue it (resume is exact)
        load = _load()
        ganzoo.train(resume=run_dir)
    # else: finished earlier, only scored again (scoring is deterministic)
    last = list_checkpoints(run_dir / "checkpoints")[-1]
    seconds = float(last.manifest["loop"]["elapsed"])
    result = RunResult(fraction, n_train, augment, seed, settings.steps, round(seconds, 1), load)
    for checkpoint in list_checkpoints(run_dir / "checkpoints"):
        samples = ganzoo.load(checkpoint.path).sample(settings.n_eval, seed=12345)
        result.curve.append({"step": checkpoint.step, **fds(embed, to_uint8(samples), reference)})
    result.final = {k: v for k, v in result.curve[-1].items() if k != "step"}
    last = result.curve[-LATE_CHECKPOINTS:]
    result.late = {k: round(float(np.mean([c[k] for c in last])), 4) for k in result.final}
    lines = (run_dir / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    records = [r for r in map(json.loads, filter(str.strip, lines)) if r.get("kind") == "train"]
    if records and "augment/p" in records[-1]:
        result.ada_p = records[-1]["augment/p"]
    return result


def _contains(stored: Any, wanted: Any) -> bool:
    """Whether a run's stored (resolved) experiment has every value of ``wanted``."""
    if isinstance(wanted, dict):
        return isinstance(stored, dict) and all(k in stored and _contains(stored[k], v) for k, v in wanted.items())
    if isinstance(wanted, list | tuple):
        return isinstance(stored, list | tuple) and len(stored) == len(wanted) and all(
            _contains(a, b) for a, b in zip(stored, wanted, strict=True))
    return stored == wanted


def _load() -> float:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except OSError:
        return float("nan")


def summarise(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per fraction and augmentation: the final and late-training distances of each seed and
    their mean."""
    groups: dict[tuple[float, str], list[dict[str, Any]]] = {}
    for r in results:
        groups.setdefault((r["fraction"], r["augment"]), []).append(r)
    rows = []
    for (fraction, augment), runs in sorted(groups.items()):
        row: dict[str, Any] = {"fraction": fraction, "augment": augment, "seeds": [r["seed"] for r in runs]}
        for stat in ("final", "late"):
            for key in runs[0][stat]:
                values = [r[stat][key] for r in runs]
                row[f"{stat}_{key}"] = {"mean": round(float(np.mean(values)), 3), "values": values}
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="JSON document to write")
    parser.add_argument("--work", type=Path, default=Path("runs/small-data"), help="data, runs and extractor cache")
    parser.add_argument("--steps", type=int, default=Settings.steps)
    parser.add_argument("--eval-every", type=int, default=Settings.eval_every)
    parser.add_argument("--fractions", type=float, nargs="+", default=list(Settings.fractions))
    parser.add_argument("--augments", nargs="+", choices=list(AUGMENTS), default=list(Settings.augments))
    parser.add_argument("--seeds", type=int, nargs="+", default=list(Settings.seeds))
    parser.add_argument("--split", choices=("val", "test"), default=Settings.split)
    parser.add_argument("--pool", type=int, default=Settings.pool, help="patches of the 100 %% training set")
    parser.add_argument("--ada-speed-kimg", type=float, default=Settings.ada_speed_kimg)
    parser.add_argument("--extractor-steps", type=int, default=Settings.extractor_steps)
    parser.add_argument("--d-norm", choices=("batch", "none"), default=Settings.d_norm,
                        help="the discriminator's normalisation (reference: batch)")
    parser.add_argument("--spectral-norm", action="store_true", help="spectral normalisation of D's weights")
    parser.add_argument("--data", choices=("fundus", "digits"), default=Settings.data,
                        help="fundus patches (RGB) or scikit-learn's handwritten digits (1 channel)")
    parser.add_argument("--quick", action="store_true", help="tiny settings: checks the pipeline in minutes")
    args = parser.parse_args(argv)
    if args.data == "digits" and args.split == "val":
        parser.error("--data digits has no val split (its 397 non-test held-out images train the extractor)")
    settings = Settings(steps=args.steps, eval_every=args.eval_every, fractions=tuple(args.fractions),
                        augments=tuple(args.augments), seeds=tuple(args.seeds), split=args.split, pool=args.pool,
                        ada_speed_kimg=args.ada_speed_kimg, extractor_steps=args.extractor_steps,
                        d_norm=args.d_norm, spectral_norm=args.spectral_norm, data=args.data,
                        n_eval=DIGITS_N_EVAL if args.data == "digits" else Settings.n_eval)
    if args.quick:
        settings = Settings(steps=20, eval_every=10, fractions=(0.1, 1.0), augments=settings.augments, seeds=(0,),
                            pool=200, n_eval=200, split="test" if args.data == "digits" else "val",
                            extractor_steps=20, base_channels=8, batch_size=8, data=args.data)
    torch.set_num_threads(1)
    work = args.work
    pool = real_images(settings, "train", settings.pool)
    for fraction in settings.fractions:
        n = round(settings.pool * fraction)
        folder = work / "data" / f"{settings.tag}train-{n}"
        if not folder.is_dir() or len(list(folder.glob("*.png"))) != n:
            shutil.rmtree(folder, ignore_errors=True)
            write_folder(pool[:n], folder)
    held_out = real_images(settings, settings.split, settings.n_eval)
    cache = work / f"extractor-{settings.tag}{settings.extractor_steps}.safetensors"
    classifier, extractor_info = train_extractor(settings.extractor_steps, cache, settings.data)
    embed = Embeddings(classifier)
    reference = embed(to_uint8(to_model(held_out)))
    document: dict[str, Any] = {
        "benchmark": "small_data",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": asdict(settings),
        "protocol": {
            "data": DATA_PROTOCOL[settings.data],
            "train_pool": settings.pool,
            "held_out": f"{settings.n_eval} images of the {settings.split} split (disjoint from training)",
            "generated": f"{settings.n_eval} samples per checkpoint, sampling seed 12345",
            "final": "distance at the last step; late: mean over the last "
                     f"{LATE_CHECKPOINTS} checkpoints ({settings.eval_every} steps apart)",
            "arms": AUGMENTS,
            "selection": "settings.fractions/augments/seeds are those of the latest invocation; runs holds "
                         "every run kept from earlier ones with the same other settings",
            "extractors": {"classifier": EXTRACTOR_PROTOCOL[settings.data],
                           "random_conv": "ganzoo-test-random-conv (64-d; weak evidence)"},
        },
        "extractor": extractor_info,
        "machine": {"python": platform.python_version(), "torch": torch.__version__, "cpu": platform.processor(),
                    "threads": 1},
        "sanity": sanity(embed, pool, held_out, reference, settings.data_seed),
        "runs": [],
    }
    if args.out.is_file():
        document["runs"] = comparable_runs(json.loads(args.out.read_text()), document["settings"])
    done = {(r["fraction"], r["augment"], r["seed"]) for r in document["runs"]}
    for seed in settings.seeds:
        for fraction in settings.fractions:
            for augment in settings.augments:
                if (fraction, augment, seed) in done:
                    continue
                result = run_one(settings, work, fraction, augment, seed, embed, reference)
                document["runs"].append(asdict(result))
                document["summary"] = summarise(document["runs"])
                _write(args.out, document)
                print(f"fraction {fraction} {augment:12s} seed {seed}: fd_classifier "
                      f"{result.final['fd_classifier']:.3f} fd_random_conv {result.final['fd_random_conv']:.4f} "
                      f"({result.seconds:.0f} s, load {result.load_before})", file=sys.stderr, flush=True)
    document["summary"] = summarise(document["runs"])
    _write(args.out, document)
    return 0


def comparable_runs(previous: dict[str, Any], settings: dict[str, Any]) -> list[dict[str, Any]]:
    """The runs of an earlier document that this invocation keeps: all of them when the two
    agree on every setting outside ``SELECTION`` (so adding an arm, a seed or a fraction keeps the
    earlier runs), none otherwise (their numbers would not be comparable)."""
    def fixed(values: dict[str, Any]) -> dict[str, Any]:
        # settings added later read as their defaults in older documents; tuples as lists
        complete = json.loads(json.dumps({**asdict(Settings()), **values}))
        return {k: v for k, v in complete.items() if k not in SELECTION}

    return list(previous.get("runs", [])) if fixed(previous.get("settings", {})) == fixed(settings) else []


def _write(path: Path, document: dict[str, Any]) -> None:
    from ganzoo.files import write_json

    write_json(path, document)


if __name__ == "__main__":
    raise SystemExit(main())
