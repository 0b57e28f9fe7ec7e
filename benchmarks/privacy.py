"""Do the privacy metrics flag a memorising generator, and pass the domain presets? Bundled data.

For each domain preset (``retina-dcgan`` and ``retina-pix2pix``, ``smartgrid-cgan``,
``traffic-ctgan``) the preset is trained on its bundled data (or an existing run is reused), then
the privacy metrics
(``dcr``, ``training-copies``, ``membership-inference``) score three generators, each against
the ``val`` and the ``test`` split:

* ``preset``: the trained generator's samples as it makes them (labels drawn by the sampler);
* ``curated`` (only where the run's dataset curates, as ganzoo-traffic's tables do): the rows
  ``ganzoo generate`` writes without ``--condition``, chosen among ``oversample`` candidates
  ([`Curating`][ganzoo.registry.protocols.Curating]), which is what ``ganzoo evaluate`` scores
  for such runs; judged like ``preset``;
* ``replay``: [`ReplayingSampler`][ganzoo.testing.replay.ReplayingSampler], training samples plus
  Gaussian noise (sd ``--noise`` of each channel's or column's training sd): a memorising
  generator that must be flagged;
* ``real``: samples of the *other* held-out split replayed without noise (``test`` rows when
  scoring against ``val``, and the other way round): an ideal generator that never saw the
  training data, the calibration of the 0.5 ideals.

Checks printed per row: ``replay`` flagged by all of DCR share, near-copy rate and membership AUC;
``preset`` and ``real`` with DCR share in 0.45-0.55 and membership AUC <= 0.6. Results (values,
sds, protocol) are written as one JSON document.

    python benchmarks/privacy.py --runs runs/privacy                    # train what is missing, then score
    python benchmarks/privacy.py --runs runs/privacy --domains smartgrid --out smartgrid.json
    python benchmarks/privacy.py --runs runs/privacy --domains medical medical-pix2pix
    python benchmarks/privacy.py --runs /tmp/p --quick                  # smoke run: 20 training steps
    python benchmarks/privacy.py --runs runs/seed1 --domains medical --set dataset.params.seed=1

``--set KEY=VALUE`` (repeatable, as ``ganzoo train --set``) overrides the experiment of every
trained preset, e.g. the dataset seed, which draws other training and held-out splits; the
scores then read the run's own data. A reused run must have been trained with the same values
(it is refused otherwise), so give each setting its own ``--runs`` folder.

Train with ``OMP_NUM_THREADS=1`` on a shared CPU (``train.threads = 1`` is set for the runs).
Images are compared in the features of ``--feature-extractor`` (default: the evaluation's choice,
Inception when its weights are cached, else ``ganzoo-test-random-conv``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import ganzoo
import torch
from ganzoo.experiment.load import parse_override, read_toml
from ganzoo.metrics.evaluate import evaluate_run, held_out_dataset, run_config
from ganzoo.metrics.privacy import PRIVACY_METRICS
from ganzoo.plugins.manager import get_registry
from ganzoo.registry.errors import ConfigError, GanzooError
from ganzoo.testing import ReplayingSampler

PRESETS = {"medical": "retina-dcgan", "medical-pix2pix": "retina-pix2pix", "smartgrid": "smartgrid-cgan",
           "traffic": "traffic-ctgan"}
SPLITS = ("val", "test")
OTHER = {"val": "test", "test": "val"}
RESULTS = ("dcr_share", "exact_copy_rate", "near_copy_rate", "membership_auc")


def train(preset: str, run_dir: Path, quick: bool, settings: list[str]) -> float:
    """Train ``preset`` with the ``--set`` overrides ``settings`` into ``run_dir`` unless a finished
    run is there (which must agree with ``settings``); returns the seconds it took."""
    if (run_dir / "checkpoints").is_dir():
        check_reused(run_dir, settings)
        return 0.0
    overrides = ["train.threads=1"] + (["train.steps=20", "train.log_every=10"] if quick else []) + settings
    start = time.perf_counter()
    ganzoo.train(preset=preset, run_dir=run_dir, overrides=overrides)
    return time.perf_counter() - start


def check_reused(run_dir: Path, settings: list[str]) -> None:
    """Refuse to reuse a run whose stored experiment differs from a ``--set`` override: its scores
    would be reported as the override's (say, another dataset seed's)."""
    stored = read_toml(run_dir / "config.toml")
    for setting in settings:
        path, value = parse_override(setting)
        node: Any = stored
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        if node != value:
            raise ConfigError(f"{run_dir}: trained with {'.'.join(path)}={node!r}, not --set {setting}; "
                              "give another --runs folder")


class UncuratedSampler:
    """A trained run's samples as the generator makes them: ``sample`` only, so evaluation cannot
    curate them ([`EvalContext.curates`][ganzoo.metrics.context.EvalContext.curates])."""

    def __init__(self, sampler: Any) -> None:
        self.sampler, self.spec = sampler, sampler.spec

    def sample(self, n: int, condition: Any = None, seed: int | None = None) -> Any:
        return self.sampler.sample(n, condition=condition, seed=seed)


def score(run_dir: Path, split: str, generator: str, noise: float, extractor: str | None) -> dict[str, Any]:
    """The privacy results of one generator against one held-out split."""
    sampler = None  # "curated": the run's own sampler, which evaluation curates as `ganzoo generate` does
    if generator == "preset":
        sampler = UncuratedSampler(ganzoo.load(run_dir))
    elif generator == "replay":
        sampler = ReplayingSampler.for_run(run_dir, noise=noise)
    elif generator == "real":
        dataset, name, _ = held_out_dataset(run_config(run_dir), get_registry(), OTHER[split])
        assert name == OTHER[split]
        sampler = ReplayingSampler(dataset, noise=0.0)
    start = time.perf_counter()
    report = evaluate_run(run_dir, metrics=list(PRIVACY_METRICS), split=split, sampler=sampler,
                          feature_extractor=extractor, write=False)
    metrics = {name: {k: v for k, v in entry.items() if k not in ("figure", "closest_pairs")}
               for name, entry in report["metrics"].items()}
    return {"split": split, "generator": generator, "seconds": round(time.perf_counter() - start, 1),
            "metrics": metrics}


def checks(row: dict[str, Any]) -> dict[str, bool]:
    """The acceptance checks of issue 18 for one row."""
    m = row["metrics"]
    if row["generator"] == "replay":
        return {"flagged": all(m[name]["flagged"] for name in ("dcr_share", "near_copy_rate", "membership_auc"))}
    return {"dcr_in_0.45_0.55": 0.45 <= m["dcr_share"]["value"] <= 0.55,
            "auc_le_0.6": m["membership_auc"]["value"] <= 0.6}


def line(domain: str, row: dict[str, Any]) -> str:
    m = row["metrics"]
    near = m["near_copy_rate"]
    close_share = "n/a" if near.get("training_share_sd") is None else f"{near['training_share']:.2f}"
    cells = [
        f"{m['dcr_share']['value']:.3f} ± {m['dcr_share']['sd']:.3f}",
        f"{m['exact_copy_rate']['value']:.3f} ({m['exact_copy_rate']['holdout_rate']:.3f})",
        f"{m['near_copy_rate']['value']:.3f} ({m['near_copy_rate']['holdout_rate']:.3f}; close DCR {close_share})",
        f"{m['membership_auc']['value']:.3f} ± {m['membership_auc']['sd']:.3f}",
        ", ".join(f"{k}={'yes' if v else 'NO'}" for k, v in row["checks"].items()),
    ]
    return f"| {domain} | {row['split']} | {row['generator']} | " + " | ".join(cells) + " |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=Path, required=True, help="folder of the preset runs (trained when missing)")
    parser.add_argument("--domains", nargs="+", choices=sorted(PRESETS), default=sorted(PRESETS))
    parser.add_argument("--noise", type=float, default=0.02,
                        help="replay noise sd, fraction of each channel's (column's) training sd")
    parser.add_argument("--feature-extractor", help="image features (default: the evaluation's choice)")
    parser.add_argument("--quick", action="store_true", help="train 20 steps only (smoke run; presets not judged)")
    parser.add_argument("--out", type=Path, help="write the JSON document here (default: stdout only)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="settings",
                        help="experiment override for every trained preset, as `ganzoo train --set` "
                             "(repeatable; e.g. dataset.params.seed=1); a reused run must agree with it")
    args = parser.parse_args(argv)
    try:
        for setting in args.settings:
            parse_override(setting)
        return run(args)
    except GanzooError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace) -> int:
    """Train what is missing, score every row, print the table and write the JSON document."""

    document: dict[str, Any] = {"ganzoo_version": ganzoo.__version__, "torch": torch.__version__, "git_revision": _revision(),
                                "noise": args.noise, "quick": args.quick, "set": args.settings,
                                "domains": {}}
    print("| domain | split | generator | DCR share ± sd | exact copies (held-out) | near copies (held-out; close DCR) "
          "| membership AUC ± sd | checks |\n|---|---|---|---|---|---|---|---|")
    for domain in args.domains:
        preset = PRESETS[domain]
        run_dir = args.runs / preset
        seconds = train(preset, run_dir, args.quick, args.settings)
        rows = []
        curates = ganzoo.load(run_dir).curator() is not None  # as `ganzoo generate` would
        generators = ("preset", "curated", "replay", "real") if curates else ("preset", "replay", "real")
        for split in SPLITS:
            for generator in generators:
                row = score(run_dir, split, generator, args.noise, args.feature_extractor)
                row["checks"] = checks(row)
                rows.append(row)
                print(line(domain, row), flush=True)
        protocol = {k: v for k, v in rows[0]["metrics"]["dcr_share"].items()
                    if k in ("n_train", "n_real", "n_fake", "distance", "generation", "feature_extractor", "seed")}
        document["domains"][domain] = {"preset": preset, "run": str(run_dir), "train_seconds": round(seconds, 1),
                                       "protocol": protocol, "rows": rows}
    text = json.dumps(document, indent=2)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    failed = [(d, r["split"], r["generator"]) for d, v in document["domains"].items() for r in v["rows"]
              if not all(r["checks"].values()) and not (args.quick and r["generator"] == "preset")]
    print(f"checks failed: {failed}" if failed else "all checks passed", file=sys.stderr)
    return 1 if failed else 0


def _revision() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
                             cwd=Path(__file__).parent)
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip()


if __name__ == "__main__":
    raise SystemExit(main())
