"""What a loss needs of the data, checked before step one.

Some losses are only meaningful on some data: L1 compares each generated sample with *its* real
counterpart, which exists only for paired data; on unpaired images it would pull every output
towards an unrelated photograph and train without a word of complaint. A loss class says what
it needs with the class attribute ``requires`` (see [`Loss`][ganzoo.registry.protocols.Loss]),
a set of words:

* ``"paired"``: a real target for every generated sample (``DataSpec.condition == "paired"``);
* ``"labelled"``: label conditions (``DataSpec.condition == "label"``);
* ``"image"``, ``"series"``, ``"table"``: that modality;
* any other word: a key every training sample carries besides ``x`` and ``cond``
  (``"mask"`` for incomplete rows, ``"cond_target"`` ...).

A loss without ``requires`` works on any data. The check runs when the experiment is built,
so ``ganzoo train`` and ``ganzoo validate`` refuse the combination before anything is written.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from ganzoo.data.spec import DataSpec
from ganzoo.registry.errors import IncompatibleComponentsError

MODALITIES = ("image", "series", "table")


def requirements(loss: Any) -> frozenset[str]:
    """The words of ``loss``'s ``requires`` attribute (empty when it has none)."""
    declared = getattr(loss, "requires", ())
    if isinstance(declared, str):
        return frozenset({declared})
    return frozenset(str(word) for word in declared)


def unmet(word: str, spec: DataSpec, sample_keys: Collection[str], dataset: str) -> str | None:
    """``"needs ..., but dataset ... "`` when the data lacks ``word``; ``None`` when it has it."""
    if word == "paired":
        if spec.condition == "paired":
            return None
        return (f"needs paired data (a real target for every generated sample), but dataset {dataset!r} is "
                f"{_condition_text(spec)}")
    if word == "labelled":
        if spec.condition == "label":
            return None
        return f"needs labelled data (label conditions), but dataset {dataset!r} is {_condition_text(spec)}"
    if word in MODALITIES:
        if spec.modality == word:
            return None
        return f"needs {word} data, but dataset {dataset!r} has {spec.modality} samples"
    if word in sample_keys:
        return None
    return (f"needs samples with a {word!r} entry, but those of dataset {dataset!r} have only "
            f"{', '.join(sorted(sample_keys))}")


def check_loss_requirements(losses: Iterable[tuple[str, Any]], spec: DataSpec, sample_keys: Collection[str],
                            dataset: str) -> None:
    """Raise [`IncompatibleComponentsError`][ganzoo.registry.errors.IncompatibleComponentsError] for the first ``(name, loss)`` whose
    requirements ``dataset`` (its DataSpec and the keys of a sample) does not meet."""
    for index, (name, loss) in enumerate(losses):
        for word in sorted(requirements(loss)):
            problem = unmet(word, spec, sample_keys, dataset)
            if problem is not None:
                raise IncompatibleComponentsError(
                    f"losses.{index}: loss {name!r} {problem}; remove the loss or choose data it fits"
                )


def _condition_text(spec: DataSpec) -> str:
    return {"none": "unconditional (no paired targets, no labels)", "paired": "paired",
            "label": "label-conditional"}[spec.condition]
