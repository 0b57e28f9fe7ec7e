"""Losses declare what they need of the data (``requires``) and are refused before step one on
data that lacks it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ganzoo.data.spec import DataSpec
from ganzoo.experiment.build import build_experiment
from ganzoo.experiment.requirements import requirements, unmet
from ganzoo.registry.errors import IncompatibleComponentsError
from ganzoo.registry.registry import Registry

Experiment = Callable[..., dict[str, Any]]


def test_l1_is_refused_on_unpaired_data_and_accepted_on_paired(toys: Registry, experiment: Experiment) -> None:
    raw = experiment("ring")
    raw["losses"].append({"name": "l1", "weight": 100.0})
    with pytest.raises(IncompatibleComponentsError, match=r"^losses\.1: loss 'l1' needs paired data .* but dataset "
                                                          r"'toy-ring' is unconditional"):
        build_experiment(raw, toys)
    paired = {**experiment("ring"), "generator": {"name": "toy-conv"}, "discriminator": {"name": "toy-conv"},
              "dataset": {"name": "toy-sine", "params": {"paired": True}}}
    paired["losses"].append({"name": "l1", "weight": 100.0})
    assert [term.name for term in build_experiment(paired, toys).losses] == ["toy-bce", "l1"]


@pytest.mark.parametrize(
    "requires, problem",
    [
        ({"labelled"}, "needs labelled data (label conditions), but dataset 'd' is unconditional (no paired targets, "
                         "no labels)"),
        ({"series"}, "needs series data, but dataset 'd' has table samples"),
        ("mask", "needs samples with a 'mask' entry, but those of dataset 'd' have only x"),
        ({"table"}, None),
        ((), None),
    ],
)
def test_requirement_words(requires: Any, problem: str | None) -> None:
    class Loss:
        pass

    Loss.requires = requires  # type: ignore[attr-defined]
    spec = DataSpec("table", (2,))
    found = [unmet(word, spec, {"x"}, "d") for word in requirements(Loss)]
    assert found == ([problem] if requires else [])
