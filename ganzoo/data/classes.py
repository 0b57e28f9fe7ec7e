"""Class labels of an image folder with one sub-folder per class, and their way back out.

``image-folder`` with ``labels = "subfolders"`` reads ``root/<class>/...`` (the torchvision
``ImageFolder`` layout): the class of an image is its top-level folder, classes are sorted by
name, and each sample carries its class as a one-hot ``cond`` vector. The class names travel in
the DataSpec (``meta["classes"]``), so a trained run maps ``--condition label=NAME`` to a vector
and writes generated images back into one folder per class without the training data.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch

from ganzoo.data.export import export_images
from ganzoo.data.images import write_png
from ganzoo.data.spec import DataSpec
from ganzoo.registry.errors import ConfigError, DataError, did_you_mean

#: ``DataSpec.meta`` key of the class names, in label order.
CLASSES_KEY = "classes"
#: The one ``--condition`` key a class-labelled image run understands.
LABEL_KEY = "label"


def class_labels(files: Sequence[Path], root: Path) -> tuple[list[str], list[int]]:
    """Sorted class names (the top-level folders holding images) and each file's class index.

    Raises:
        DataError: for an image directly in ``root`` (it has no class) or fewer than two classes.
    """
    tops = []
    for path in files:
        parts = path.relative_to(root).parts
        if len(parts) < 2:
            raise DataError(f"{path}: labels = 'subfolders' needs every image inside a class folder of {root}")
        tops.append(parts[0])
    classes = sorted(set(tops))
    if len(classes) < 2:
        raise DataError(f"{root}: labels = 'subfolders' needs two or more class folders, found "
                        f"{', '.join(repr(c) for c in classes)}")
    index = {name: i for i, name in enumerate(classes)}
    return classes, [index[top] for top in tops]


def _classes(spec: DataSpec, text: str) -> list[str]:
    classes = spec.meta.get(CLASSES_KEY)
    if spec.condition != "label" or not isinstance(classes, list):
        raise ConfigError(f"--condition {text}: this run has no class labels "
                          "(train image-folder with labels = \"subfolders\")")
    return [str(name) for name in classes]


def parse_label(spec: DataSpec, text: str, n: int) -> torch.Tensor:
    """``"label=NAME"`` -> ``n`` one-hot vectors of class ``NAME`` (exact name, else the one
    name equal to it ignoring case).

    Raises:
        ConfigError: for another key, several labels, or an unknown class (with the classes).
    """
    classes = _classes(spec, text)
    pairs = [part.split("=", 1) for part in text.split(",")]
    keys = [key.strip() for key, _ in pairs]
    if any(key != LABEL_KEY for key in keys) or len(pairs) != 1:
        raise ConfigError(f"--condition {text}: give one class as {LABEL_KEY}=NAME "
                          f"(classes: {', '.join(classes)})")
    name = pairs[0][1].strip()
    matches = [c for c in classes if c == name] or [c for c in classes if c.lower() == name.lower()]
    if len(matches) != 1:
        raise ConfigError(f"--condition {text}: no class {name!r}{did_you_mean(name, classes)} "
                          f"(classes: {', '.join(classes)})")
    vector = torch.zeros(n, len(classes))
    vector[:, classes.index(matches[0])] = 1.0
    return vector


def export_by_class(samples: torch.Tensor, out_dir: Path, spec: DataSpec,
                    conditions: torch.Tensor | None = None) -> list[Path]:
    """PNG files in one folder per class (``OUT/<class>/sample_000000.png``), the layout the
    dataset reads, so generated images train like real ones; numbering is over all samples.
    Without labels (an unlabelled run) the images go straight into ``out_dir``."""
    classes = spec.meta.get(CLASSES_KEY)
    if conditions is None or spec.condition != "label" or not isinstance(classes, list):
        return export_images(samples, out_dir, spec)
    indices = conditions.detach().float().cpu().argmax(dim=1).tolist()
    low, high = spec.value_range
    scaled = ((samples.detach().float().cpu() - low) / (high - low)).clamp(0.0, 1.0)
    depth = 16 if spec.meta.get("bit_depth") == 16 else 8
    return [
        write_png(image, Path(out_dir) / str(classes[label]) / f"sample_{number:06d}.png", bit_depth=depth)
        for number, (image, label) in enumerate(zip(scaled, indices, strict=True))
    ]
