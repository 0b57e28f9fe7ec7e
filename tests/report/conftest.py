"""A synthetic run directory, shaped like the engine's, built in tmp_path."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

CONFIG = """name = "{name}"

[generator]
name = "unet"

[discriminator]
name = "patchgan"

[dataset]
name = "paired-folders"

[dataset.params]
root = "data"

[[losses]]
name = "adversarial"
weight = 1.0

[[losses]]
name = "l1"
weight = 100.0

[train]
epochs = {epochs}
"""


def _eval_entry(value: float, better: str, n: int = 16, split: str = "val") -> dict[str, Any]:
    return {"value": value, "sd": 0.01, "better": better, "n_real": n, "n_fake": n, "split": split,
            "feature_extractor": "none (pixels)", "seed": 0}


@pytest.fixture
def make_run(tmp_path: Path) -> Callable[..., Path]:
    """``make_run(name, epochs=3, l1=0.1, ...)`` writes a run directory and returns it."""

    def build(name: str, *, epochs: int = 3, l1: float | None = 0.1, ssim: float = 0.5,
              n: int = 16, grids: bool = True, evaluated: bool = True, eval_lines: bool = True) -> Path:
        run = tmp_path / "runs" / name
        (run / "samples").mkdir(parents=True)
        (run / "config.toml").write_text(CONFIG.format(name=name, epochs=epochs))
        (run / "manifest.json").write_text(json.dumps({
            "ganzoo_version": "0.1.0", "torch_version": "2.13.0", "python": "3.11", "plugins": {},
            "seed": 0, "git_revision": None, "created": "2026-01-01T00:00:00",
            "data_spec": {"modality": "image", "shape": [3, 32, 32], "condition": "paired"},
        }))
        lines = []
        step = 0
        for epoch in range(1, epochs + 1):
            for _ in range(2):
                step += 1
                lines.append({"kind": "train", "step": step, "epoch": epoch, "time": step * 0.1,
                              "loss/d": 1.0 / step, "loss/g": 2.0 + 1.0 / step,
                              "loss/g/l1": 0.5 / step, "loss/g/adversarial": 1.5})
            lines.append({"kind": "epoch", "epoch": epoch, "step": step, "loss/d": 1.0 / epoch,
                          "loss/g": 2.0 + 1.0 / epoch, "time": step * 0.1})
            if eval_lines:
                lines.append({"kind": "eval", "step": step, "epoch": epoch, "l1": 0.3 / epoch, "ssim": 0.2 * epoch})
            if grids:
                colour = (40 * epoch, 20, 200 - 40 * epoch)
                Image.new("RGB", (24, 16), colour).save(run / "samples" / f"epoch_{epoch:04d}.png")
        text = "\n".join(json.dumps(line) for line in lines) + "\n{\"kind\": \"train\", \"st"  # cut-off last line
        (run / "metrics.jsonl").write_text(text)
        if evaluated:
            metrics = {"ssim": _eval_entry(ssim, "higher", n)}
            if l1 is not None:
                metrics["l1"] = _eval_entry(l1, "lower", n)
            (run / "eval.json").write_text(json.dumps({
                "run": name, "evaluated": "2026-01-01T01:00:00", "ganzoo_version": "0.1.0", "split": "val",
                "metrics": metrics,
                "skipped": [{"metric": "fid, kid", "reason": "no Inception weights"}],
            }))
        return run

    return build
