"""Read what the engine left in a run directory, for reports and comparisons.

A run may be unfinished or have crashed: a missing file gives an empty section, an unparsable
last line of ``metrics.jsonl`` (cut off mid-write) is skipped. Only a path that is not a run
directory at all is an error.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ganzoo.registry.errors import CheckpointError

_NUMBER = re.compile(r"(\d+)")
#: Keys of an eval line that are not metric values.
EVAL_META = {"kind", "step", "epoch", "time"}
#: Each network's total-loss key; its terms are logged as ``<key>/<term>``.
NETWORKS = {"generator": "loss/g", "discriminator": "loss/d"}
#: Name of a network's total loss among its curves.
TOTAL = "total"

Points = list[tuple[float, float]]


@dataclass
class RunData:
    """The readable parts of one run directory."""

    path: Path
    config: dict[str, Any] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)
    evaluation: dict[str, Any] | None = None
    epoch_grids: list[Path] = field(default_factory=list)
    step_grids: list[Path] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The run directory's name (unique among runs, unlike the experiment name)."""
        return self.path.resolve().name

    def kind(self, kind: str) -> list[dict[str, Any]]:
        """Records of one kind (``train``, ``epoch``, ``eval``)."""
        return [r for r in self.records if r.get("kind") == kind]

    def model_label(self) -> str:
        """``generator + discriminator; loss terms`` as in the experiment file."""
        gen = self.config.get("generator", {}).get("name", "?")
        disc = self.config.get("discriminator", {}).get("name", "?")
        terms = []
        for loss in self.config.get("losses", []):
            weight = loss.get("weight", 1.0)
            terms.append(loss.get("name", "?") if weight == 1 else f"{weight:g}x{loss.get('name', '?')}")
        return f"{gen} + {disc}; {' + '.join(terms) or 'no losses'}"

    def dataset_label(self) -> str:
        return str(self.config.get("dataset", {}).get("name", "?"))

    def epoch_losses(self) -> tuple[dict[str, list[tuple[float, float]]], str]:
        """Generator and discriminator loss per epoch, and where the numbers come from.

        Epoch records hold the engine's epoch means; without them, logged training steps are
        averaged per epoch (and the source says so).
        """
        epochs, source = self._epoch_records()
        series = {
            label: [(float(r["epoch"]), float(r[key])) for r in epochs if _is_number(r.get(key))]
            for label, key in NETWORKS.items()
        }
        return series, source

    def _epoch_records(self) -> tuple[list[dict[str, Any]], str]:
        """The epoch records, or per-epoch means of the logged steps when there are none."""
        epochs = self.kind("epoch")
        if epochs:
            return epochs, "epoch means"
        grouped: dict[int, list[dict[str, Any]]] = {}
        for record in self.kind("train"):
            grouped.setdefault(int(record.get("epoch", 1)), []).append(record)
        means = [
            {"epoch": e, **{k: _mean([r.get(k) for r in rs]) for k in {k for r in rs for k in r if k.startswith("loss/")}}}
            for e, rs in sorted(grouped.items())
        ]
        return means, "means of the logged steps of each epoch"

    def loss_curves(self, per: str) -> tuple[dict[str, dict[str, Points]], str]:
        """Each network's total loss and logged terms against the epoch (``per="epoch"``) or
        the step (``per="step"``), and where the numbers come from.

        Returns ``{"generator": {"total": points, "l1": points, ...}, "discriminator": {...}}``;
        terms are as they enter the objective (weight applied), so they add up to the total.
        """
        if per == "step":
            records, source, x_key = self.kind("train"), "logged training steps", "step"
        else:
            (records, source), x_key = self._epoch_records(), "epoch"
        curves: dict[str, dict[str, Points]] = {}
        for network, key in NETWORKS.items():
            terms = sorted({k for r in records for k in r if k.startswith(f"{key}/")})
            curves[network] = {
                TOTAL if k == key else k[len(key) + 1:]: [
                    (float(r[x_key]), float(r[k])) for r in records if _is_number(r.get(k)) and _is_number(r.get(x_key))
                ]
                for k in (key, *terms)
            }
            curves[network] = {label: points for label, points in curves[network].items() if points}
        return curves, source

    def loss_weights(self) -> dict[str, float]:
        """Weight of each loss term by its log name (as the engine numbers repeated names)."""
        weights: dict[str, float] = {}
        seen: dict[str, int] = {}
        for loss in self.config.get("losses", []):
            name = str(loss.get("name", "?"))
            seen[name] = seen.get(name, 0) + 1
            weights[name if seen[name] == 1 else f"{name}_{seen[name]}"] = float(loss.get("weight", 1.0))
        return weights

    def step_losses(self) -> dict[str, list[tuple[float, float]]]:
        """Every logged loss (totals and terms) against the step."""
        keys = sorted({k for r in self.kind("train") for k in r if k.startswith("loss/")})
        return {
            key: [(float(r["step"]), float(r[key])) for r in self.kind("train") if _is_number(r.get(key))]
            for key in keys
        }

    def eval_series(self) -> dict[str, list[tuple[float, float]]]:
        """Validation metrics logged during training, against the step."""
        evals = self.kind("eval")
        keys = sorted({k for r in evals for k in r if k not in EVAL_META and _is_number(r[k])})
        return {key: [(float(r["step"]), float(r[key])) for r in evals if _is_number(r.get(key))] for key in keys}

    def first_last_grids(self) -> list[tuple[str, Path]]:
        """Sample grids after the first and the last epoch (step grids when there are none)."""
        grids, unit = (self.epoch_grids, "epoch") if self.epoch_grids else (self.step_grids, "step")
        if not grids:
            return []
        first, last = grids[0], grids[-1]
        if first == last:
            return [(f"after {unit} {_number(first)} (first and last)", first)]
        return [(f"after {unit} {_number(first)} (first)", first), (f"after {unit} {_number(last)} (last)", last)]


def read_run(path: str | Path) -> RunData:
    """Read a run directory (see module docstring)."""
    path = Path(path)
    if not path.is_dir():
        raise CheckpointError(f"{path}: run directory not found")
    if not any((path / name).exists() for name in ("config.toml", "metrics.jsonl", "manifest.json")):
        raise CheckpointError(f"{path}: not a run directory (no config.toml, manifest.json or metrics.jsonl)")
    run = RunData(path)
    if (path / "config.toml").is_file():
        try:
            run.config = tomllib.loads((path / "config.toml").read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as err:
            raise CheckpointError(f"{path / 'config.toml'}: invalid TOML ({err})") from None
    run.manifest = _read_json(path / "manifest.json") or {}
    run.evaluation = _read_json(path / "eval.json")
    if (path / "metrics.jsonl").is_file():
        for line in (path / "metrics.jsonl").read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut off by a crash
            if isinstance(record, dict):
                run.records.append(record)
    samples = path / "samples"
    run.epoch_grids = sorted(samples.glob("epoch_*.png"), key=_number)
    run.step_grids = sorted(samples.glob("step_*.png"), key=_number)
    return run


def _read_json(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise CheckpointError(f"{path}: invalid JSON ({err})") from None
    return data if isinstance(data, dict) else None


def _number(path: Path) -> int:
    found = _NUMBER.findall(path.stem)
    return int(found[-1]) if found else 0


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _mean(values: list[Any]) -> float | None:
    numbers = [float(v) for v in values if _is_number(v)]
    return sum(numbers) / len(numbers) if numbers else None
