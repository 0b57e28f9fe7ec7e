"""What a logger is told about the run it tracks (torch-free, so plugins import it cheaply)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class RunInfo:
    """The run a [`Logger`][ganzoo.registry.protocols.Logger] tracks.

    Attributes:
        run_dir: the run directory (absolute).
        name: the experiment's name (``name`` in the experiment file, else the file's stem).
        step: the step training starts from (0, or the checkpoint's step when resumed).
        total_steps: steps the run trains in all.
        seed: ``train.seed``.
    """

    run_dir: Path
    name: str
    step: int
    total_steps: int
    seed: int

    @property
    def resumed(self) -> bool:
        """True when this session continues a run from a checkpoint."""
        return self.step > 0


Scalar = bool | int | float | str


def flatten_hyperparameters(experiment: Mapping[str, Any]) -> dict[str, Scalar]:
    """The resolved experiment as ``{"train.lr": 0.0002, "losses.0.name": "adversarial", ...}``.

    Trackers take flat scalar parameters; lists of scalars become their TOML-like text
    (``"[0.5, 0.999]"``), lists of tables are numbered.
    """
    flat: dict[str, Scalar] = {}

    def visit(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                visit(f"{prefix}.{key}" if prefix else str(key), item)
        elif isinstance(value, (list, tuple)) and any(isinstance(item, Mapping) for item in value):
            for index, item in enumerate(value):
                visit(f"{prefix}.{index}", item)
        elif isinstance(value, (list, tuple)):
            flat[prefix] = "[" + ", ".join(str(item) for item in value) + "]"
        elif isinstance(value, (bool, int, float, str)):
            flat[prefix] = value
        elif value is not None:
            flat[prefix] = str(value)

    visit("", experiment)
    return flat
