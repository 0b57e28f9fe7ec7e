"""Track diversity and condition-following of a series GAN over training (a diagnostic).

Trains an experiment (preset or TOML, with ``--set`` overrides) and every ``--every`` steps
generates windows for the held-out split's own conditions, then prints one JSON line with the
independent checks of :mod:`check_series` (real = held-out windows in model space):

* ``sd_ratio``: per class, mean over steps of sd(synthetic) / sd(real), and the worst step;
* ``coverage`` / ``density`` and the share of real k-means clusters reached;
* ``recovery``: share of each class's synthetic windows that a random forest trained on real
  training windows labels with that class;
* ``disc``: a quick discriminative score (one GRU fit, ``--disc-iterations``), when asked.

Both the eval-mode sampler (what ``ganzoo generate`` uses) and, with ``--train-mode``, the
generator in training mode (batch statistics in batch-norm layers) are measured, so a gap
between the two shows up.

    python diagnose.py --preset smartgrid-cgan --every 100 --set train.steps=1200
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_series  # noqa: E402

import ganzoo  # noqa: E402
from ganzoo.engine.callbacks import Callback  # noqa: E402
from ganzoo.plugins.manager import get_registry  # noqa: E402


def class_labels(spec: Any, cond: np.ndarray | None) -> np.ndarray | None:
    """Arg-max of the condition's class block (or of the whole vector for one-hot labels)."""
    if cond is None:
        return None
    blocks = spec.meta.get("conditions", {}).get("blocks")
    if not blocks:
        return cond.argmax(1)
    start = 0
    for name, values in blocks:
        width = len(values) if isinstance(values, list) else int(values)
        if name == "class":
            return cond[:, start : start + width].argmax(1)
        start += width
    return None


def held_out(experiment: dict[str, Any], split: str) -> Any:
    params = dict(experiment["dataset"].get("params", {}))
    params["split"] = split
    return get_registry().create("dataset", experiment["dataset"]["name"], **params)


def stack(dataset: Any) -> tuple[np.ndarray, np.ndarray | None]:
    items = [dataset[i] for i in range(len(dataset))]
    x = torch.stack([it["x"] for it in items]).numpy()
    cond = torch.stack([it["cond"] for it in items]).numpy() if "cond" in items[0] else None
    return x, cond


class Diagnose(Callback):
    """Every ``every`` steps: generate for the held-out conditions and run the quick checks."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.ready = False

    def setup(self, engine: Any) -> None:
        experiment = engine.built.config.model_dump(mode="json")
        train_x, train_c = stack(engine.dataset)
        real, cond = stack(held_out(experiment, self.args.split))
        rng = np.random.default_rng(0)
        keep = rng.permutation(len(real))[: self.args.n]
        self.real, self.cond = real[keep].transpose(0, 2, 1), (cond[keep] if cond is not None else None)
        self.y = class_labels(engine.spec, self.cond)
        y_train = class_labels(engine.spec, train_c)
        self.forest = None
        if self.y is not None and len(np.unique(y_train)) > 1:
            from sklearn.ensemble import RandomForestClassifier

            sub = rng.permutation(len(train_x))[:4000]
            self.forest = RandomForestClassifier(200, random_state=0, n_jobs=1)
            self.forest.fit(train_x[sub].reshape(len(sub), -1), y_train[sub])
            acc = float((self.forest.predict(self.real.reshape(len(self.real), -1)) == self.y).mean())
            print(json.dumps({"real_forest_accuracy": round(acc, 4)}), flush=True)
        self.ready = True

    def measure(self, generator: torch.nn.Module, latent_dim_fn: Any, train_mode: bool) -> dict[str, Any]:
        was = generator.training
        generator.train(train_mode)
        torch_gen = torch.Generator().manual_seed(1)
        outs = []
        with torch.no_grad():
            cond = torch.from_numpy(self.cond) if self.cond is not None else None
            for start in range(0, len(self.real), 256):
                n = min(256, len(self.real) - start)
                z = latent_dim_fn(n, generator=torch_gen)
                c = cond[start : start + n] if cond is not None else None
                outs.append(generator(z, c))
        generator.train(was)
        fake = torch.cat(outs).numpy().transpose(0, 2, 1)
        out: dict[str, Any] = {}
        sp = check_series.spread(self.real, self.y, fake, self.y)
        out["sd_ratio"] = {k: round(v["sd_ratio_mean"], 3) for k, v in sp.items()}
        out["sd_dev_max"] = round(max(v["sd_dev_max"] for v in sp.values()), 3)
        out["profile_rmse"] = round(float(np.mean([v["mean_profile_rmse"] for v in sp.values()])), 4)
        div = check_series.diversity(self.real, fake)
        out.update({k: round(v, 3) for k, v in div.items()})
        if self.forest is not None:
            pred = self.forest.predict(fake.reshape(len(fake), -1))
            out["recovery"] = {str(c): round(float((pred[self.y == c] == c).mean()), 3) for c in np.unique(self.y)}
        if self.args.disc_iterations:
            scale = (np.float64(-1.0), np.float64(2.0))  # model space [-1, 1] -> [0, 1]
            d = check_series.discriminative(check_series.scaled(self.real, scale), check_series.scaled(fake, scale),
                                            hidden=16, layers=1, runs=1,
                                            iterations=self.args.disc_iterations, seed=0)
            out["disc"] = round(d["mean"], 3)
        return out

    def on_step_end(self, engine: Any) -> None:
        if engine.step % self.args.every and engine.step != engine.total_steps:
            return
        if not self.ready:
            self.setup(engine)
        generator = engine.ema if engine.ema is not None else engine.generator
        start = time.perf_counter()
        record = {"step": engine.step, "eval": self.measure(generator, generator.sample_latent, False)}
        if self.args.train_mode:
            record["train_mode"] = self.measure(generator, generator.sample_latent, True)
        record["seconds"] = round(time.perf_counter() - start, 1)
        record["train_time"] = round(engine._time(), 1)
        print(json.dumps(record), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("config", nargs="?", help="experiment TOML (or --preset)")
    parser.add_argument("--preset")
    parser.add_argument("--set", action="append", default=[], dest="overrides")
    parser.add_argument("--every", type=int, default=100)
    parser.add_argument("--n", type=int, default=1000, help="held-out windows compared")
    parser.add_argument("--split", default="val")
    parser.add_argument("--disc-iterations", type=int, default=0)
    parser.add_argument("--train-mode", action="store_true")
    parser.add_argument("--run-dir", default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)
    overrides = ["train.progress=false", "train.threads=1", "train.sample_every=0", *args.overrides]
    run_dir = args.run_dir or f"/tmp/diagnose-{time.strftime('%H%M%S')}"
    ganzoo.train(args.config, preset=args.preset, overrides=overrides, run_dir=run_dir, callbacks=[Diagnose(args)])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
