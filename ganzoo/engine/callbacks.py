"""Callbacks: everything around the training step that is not the step itself.

The engine calls, in this order, ``on_train_start`` once; then after every step ``on_log`` for
each record it emits (a ``train`` record at log steps, an ``epoch`` record when an epoch ends,
``eval`` records), ``on_epoch_end`` when an epoch ended, and ``on_step_end``; finally
``on_train_end``. Callbacks are the extension point for progress display, logging, samples,
checkpoints and evaluation (a ``ganzoo-rich`` package could ship a rich progress bar); there are
no per-step plugin hooks, which would cost a pluggy dispatch every step.

Callbacks must not touch the global RNGs or model state in ways that outlive the call: the
stop-and-resume guarantee relies on each step depending only on (seed, step) and the weights.
"""

from __future__ import annotations

import json
import math
import sys
import warnings
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import torch

from ganzoo.data.spec import CONDITION_KEY, SAMPLE_KEY, DataSpec
from ganzoo.engine.loader import fixed_batch
from ganzoo.engine.seed import STREAM_SAMPLES, derive_seed
from ganzoo.registry.errors import GanzooError

if TYPE_CHECKING:
    from PIL import Image

    from ganzoo.engine.engine import Engine


class Callback:
    """Base class with no-op methods; override the ones you need."""

    def on_train_start(self, engine: Engine) -> None:
        """Before the first step of this process (also after a resume)."""

    def on_log(self, engine: Engine, record: dict[str, Any]) -> None:
        """A metrics record (``kind``: train, epoch or eval) was emitted."""

    def on_epoch_end(self, engine: Engine, epoch: int) -> None:
        """1-based ``epoch`` just ended (also the partial last epoch of a finished run)."""

    def on_step_end(self, engine: Engine) -> None:
        """``engine.step`` steps are done."""

    def on_train_end(self, engine: Engine) -> None:
        """Training stopped (finished, or reached ``until``)."""


#: Epoch-end grids and console lines per run at most; runs of many short epochs (small data
#: sets) report evenly spaced epochs, always including the first and the last.
MAX_EPOCH_REPORTS = 20


def reported_epoch(engine: Engine, epoch: int) -> bool:
    """Whether ``epoch`` gets an epoch-end sample grid and console line."""
    stride = max(1, math.ceil(engine.total_epochs / MAX_EPOCH_REPORTS))
    return epoch == 1 or epoch % stride == 0 or engine.step >= engine.total_steps


def _format_losses(record: dict[str, Any]) -> str:
    return " ".join(
        f"{key}={value:.4g}" for key, value in record.items() if key.startswith("loss/") and key.count("/") == 1
    )


class ProgressCallback(Callback):
    """A tqdm bar on a terminal; plain periodic log lines when stderr is not a TTY."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.bar: Any = None

    def on_train_start(self, engine: Engine) -> None:
        if self.stream.isatty():
            from tqdm.auto import tqdm

            self.bar = tqdm(
                total=engine.total_steps,
                initial=engine.step,
                file=self.stream,
                dynamic_ncols=True,
                unit="step",
                desc=engine.config.name or "train",
            )
        else:
            print(f"training {engine.config.name or 'experiment'}: step {engine.step}/{engine.total_steps}",
                  file=self.stream, flush=True)

    def on_log(self, engine: Engine, record: dict[str, Any]) -> None:
        if self.bar is not None:
            if record["kind"] == "train":
                self.bar.set_postfix_str(f"epoch {record['epoch']} {_format_losses(record)}", refresh=False)
            return
        if record["kind"] == "train":
            line = (f"step {record['step']}/{engine.total_steps} epoch {record['epoch']} "
                    f"{_format_losses(record)} {record['it_s']:.3g} it/s")
        elif record["kind"] == "epoch":
            if not reported_epoch(engine, record["epoch"]):
                return
            line = f"epoch {record['epoch']} done (step {record['step']}): {_format_losses(record)}"
        else:
            values = " ".join(f"{k}={v:.4g}" for k, v in record.items()
                              if isinstance(v, float) and k not in ("time",))
            line = f"eval at step {record['step']}: {values}"
        print(line, file=self.stream, flush=True)

    def on_step_end(self, engine: Engine) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def on_train_end(self, engine: Engine) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class MetricsLogger(Callback):
    """Appends every record to ``metrics.jsonl`` (one JSON object per line, flushed)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file: IO[str] | None = None

    def on_train_start(self, engine: Engine) -> None:
        self.file = self.path.open("a", encoding="utf-8")

    def on_log(self, engine: Engine, record: dict[str, Any]) -> None:
        assert self.file is not None
        self.file.write(json.dumps(record) + "\n")
        self.file.flush()

    def on_train_end(self, engine: Engine) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


class CheckpointCallback(Callback):
    """Checkpoints every ``every`` steps (0: only at the end) and when training stops."""

    def __init__(self, every: int) -> None:
        self.every = every

    def on_step_end(self, engine: Engine) -> None:
        if self.every and engine.step % self.every == 0:
            engine.save_checkpoint()

    def on_train_end(self, engine: Engine) -> None:
        if engine.checkpoint_step != engine.step:
            engine.save_checkpoint()


class EvalCallback(Callback):
    """Every ``every`` steps, calls the metrics package's training-time evaluation if installed.

    The hook is ``ganzoo.metrics.evaluate.evaluate_during_training(run_dir, sampler, config)``
    returning ``{metric: float}`` (or ``{metric: {"value": float, ...}}``); without it,
    evaluation is skipped silently. An evaluation that fails with a user error (say, no
    held-out split) is reported once and switched off rather than ending the training run.
    """

    def __init__(self, run_dir: Path, every: int) -> None:
        self.run_dir = run_dir
        self.every = every
        self.hook: Any = None

    def on_train_start(self, engine: Engine) -> None:
        if not self.every:
            return
        try:
            from ganzoo.metrics.evaluate import evaluate_during_training
        except ImportError:
            return
        self.hook = evaluate_during_training

    def on_step_end(self, engine: Engine) -> None:
        if self.hook is None or engine.step % self.every:
            return
        try:
            results = self.hook(self.run_dir, engine.sampler(), engine.config)
        except GanzooError as err:  # e.g. no held-out split: keep training, say why once
            warnings.warn(f"train.eval_every: evaluation failed ({err}); no more evaluation in this run",
                          RuntimeWarning, stacklevel=2)
            self.hook = None
            return
        values = {
            name: float(value["value"] if isinstance(value, dict) else value)
            for name, value in results.items()
        }
        engine.emit({"kind": "eval", "step": engine.step, "epoch": engine.epoch, **values})


class SampleGridWriter(Callback):
    """PNG grids of samples from fixed noise and conditions, per epoch and every ``every`` steps.

    Images are tiled (paired data: rows of source | generated | target); series are drawn as
    line plots; tables as a scatter of the first two features, generated over real. The fixed
    inputs come from their own RNG stream, so writing grids never changes training.
    """

    def __init__(self, directory: Path, every: int, count: int | None = None) -> None:
        self.directory = directory
        self.every = every
        self.count = count
        self.inputs: dict[str, Any] = {}

    def on_train_start(self, engine: Engine) -> None:
        spec = engine.spec
        default = {"image": 4 if spec.condition == "paired" else 16, "series": 16, "table": 512}[spec.modality]
        count = min(self.count or default, len(engine.dataset))
        generator = torch.Generator().manual_seed(derive_seed(engine.seed, STREAM_SAMPLES))
        indices = torch.randperm(len(engine.dataset), generator=generator)[:count].tolist()
        batch = fixed_batch(engine.dataset, indices, derive_seed(engine.seed, STREAM_SAMPLES, 2))
        self.inputs = {
            "real": batch[SAMPLE_KEY],
            "cond": batch[CONDITION_KEY] if spec.condition != "none" else None,
            "seed": derive_seed(engine.seed, STREAM_SAMPLES, 1),
        }
        self.directory.mkdir(parents=True, exist_ok=True)

    def on_epoch_end(self, engine: Engine, epoch: int) -> None:
        if reported_epoch(engine, epoch):
            self.write(engine, self.directory / f"epoch_{epoch:04d}.png")

    def on_step_end(self, engine: Engine) -> None:
        if self.every and engine.step % self.every == 0:
            self.write(engine, self.directory / f"step_{engine.step:06d}.png")

    def write(self, engine: Engine, path: Path) -> Path:
        cond = self.inputs["cond"]
        fake = engine.sampler().sample(len(self.inputs["real"]), condition=cond, seed=self.inputs["seed"])
        image = render_samples(fake, engine.spec, real=self.inputs["real"], cond=cond)
        image.save(path)
        return path


# -- rendering --------------------------------------------------------------------------------
def _to_unit(x: torch.Tensor, spec: DataSpec) -> torch.Tensor:
    low, high = spec.value_range
    return ((x.float() - low) / (high - low)).clamp(0, 1)


def _rgb(x: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) in [0, 1] -> (N, 3, H, W): the first channel as grey unless C >= 3."""
    if x.shape[1] >= 3:
        return x[:, :3]
    return x[:, :1].expand(-1, 3, -1, -1)


def _tile(images: torch.Tensor, columns: int, pad: int = 2) -> torch.Tensor:
    n, c, h, w = images.shape
    rows = math.ceil(n / columns)
    canvas = torch.ones(c, rows * (h + pad) + pad, columns * (w + pad) + pad)
    for i in range(n):
        r, col = divmod(i, columns)
        canvas[:, pad + r * (h + pad) : pad + r * (h + pad) + h, pad + col * (w + pad) : pad + col * (w + pad) + w] = images[i]
    return canvas


def render_samples(
    fake: torch.Tensor, spec: DataSpec, *, real: torch.Tensor | None = None, cond: torch.Tensor | None = None
) -> Image.Image:
    """A PIL image showing ``fake`` (with sources/targets or real data where that helps)."""
    from PIL import Image

    if spec.modality == "image":
        if spec.condition == "paired" and cond is not None and real is not None:
            source = _rgb(_to_unit(cond, spec))
            rows = torch.stack([source, _rgb(_to_unit(fake, spec)), _rgb(_to_unit(real, spec))], dim=1)
            grid = _tile(rows.flatten(0, 1), columns=3)
        else:
            grid = _tile(_rgb(_to_unit(fake, spec)), columns=math.ceil(math.sqrt(len(fake))))
        array = (grid.permute(1, 2, 0) * 255).round().to(torch.uint8).numpy()
        return Image.fromarray(array, mode="RGB")
    if spec.modality == "series":
        return _plot_series(_to_unit(fake, spec))
    return _plot_table(fake, real)


_COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189)]


def _plot_series(series: torch.Tensor, width: int = 160, height: int = 64, columns: int = 4) -> Image.Image:
    from PIL import Image, ImageDraw

    rows = math.ceil(len(series) / columns)
    image = Image.new("RGB", (columns * (width + 4) + 4, rows * (height + 4) + 4), "white")
    draw = ImageDraw.Draw(image)
    for i, sample in enumerate(series):
        r, c = divmod(i, columns)
        x0, y0 = 4 + c * (width + 4), 4 + r * (height + 4)
        draw.rectangle((x0, y0, x0 + width - 1, y0 + height - 1), outline=(200, 200, 200))
        length = sample.shape[-1]
        for channel, values in enumerate(sample):
            points = [(x0 + j * (width - 1) / max(length - 1, 1), y0 + (1 - float(v)) * (height - 1))
                      for j, v in enumerate(values)]
            draw.line(points, fill=_COLOURS[channel % len(_COLOURS)], width=1)
    return image


def _plot_table(fake: torch.Tensor, real: torch.Tensor | None, size: int = 256) -> Image.Image:
    from PIL import Image, ImageDraw

    def columns(x: torch.Tensor) -> torch.Tensor:
        x = x.float().reshape(len(x), -1)
        return x[:, :2] if x.shape[1] >= 2 else torch.stack([x[:, 0], torch.linspace(0, 1, len(x))], 1)

    points = [columns(fake)] + ([columns(real)] if real is not None else [])
    both = torch.cat(points)
    low, high = both.min(0).values, both.max(0).values
    span = torch.where(high > low, high - low, torch.ones_like(high))
    image = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(image)
    for data, colour in reversed(list(zip(points, [(214, 39, 40), (160, 160, 160)], strict=False))):
        scaled = ((data - low) / span * (size - 9) + 4).tolist()
        for x, y in scaled:
            draw.ellipse((x - 1.5, size - y - 1.5, x + 1.5, size - y + 1.5), fill=colour)
    return image
