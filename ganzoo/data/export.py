"""Default writers of generated samples, used by ``ganzoo generate``.

A dataset class may export in its own native format (``export`` classmethod, see
[`ganzoo.registry.protocols.Exporting`][ganzoo.registry.protocols.Exporting]); everything else falls back to PNG files for images
and one CSV for series and tables. Both use only the [`DataSpec`][ganzoo.data.spec.DataSpec] saved in the checkpoint,
so they work in a fresh process without the training data.

``ganzoo generate`` streams: it exports each batch as it is made, passing ``start``, the index of
the batch's first sample in the whole output, so files are numbered on (``sample_000064.png``)
and a CSV gets its header once and rows appended after it. An exporter that takes no ``start``
(written before it existed) still works: it gets all samples in one call ([`takes_start`][ganzoo.data.export.takes_start]).
"""

from __future__ import annotations

import csv
import inspect
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

from ganzoo.data.images import write_png
from ganzoo.data.spec import DataSpec
from ganzoo.registry.errors import DataError


def export_samples(
    samples: torch.Tensor,
    out_dir: str | Path,
    spec: DataSpec,
    conditions: torch.Tensor | None = None,
    dataset_cls: type | None = None,
    *,
    start: int = 0,
) -> list[Path]:
    """Write ``samples`` (a batch shaped like ``spec.shape``) into ``out_dir``; return the files.

    Uses ``dataset_cls.export`` when the dataset class defines one, else [`export_images`][ganzoo.data.export.export_images]
    for images and [`export_csv`][ganzoo.data.export.export_csv] for series and tables. ``start`` is the index of the first
    sample of this batch in the whole output (0 for the first or only batch); an exporter that
    does not take it can only be called with ``start == 0``.
    """
    out_dir = Path(out_dir)
    exporter = getattr(dataset_cls, "export", None)
    if exporter is not None:
        if takes_start(dataset_cls):
            return list(exporter(samples, out_dir, spec, conditions=conditions, start=start))
        if start:
            raise ValueError(f"{dataset_cls.__name__}.export takes no start index; export all samples at once")
        return list(exporter(samples, out_dir, spec, conditions=conditions))
    if spec.modality == "image":
        return export_images(samples, out_dir, spec, conditions, start=start)
    return export_csv(samples, out_dir, spec, conditions, start=start)


def takes_start(dataset_cls: type | None) -> bool:
    """Whether samples of this dataset class can be exported batch by batch: it has no
    ``export`` of its own (the default writers take ``start``) or its ``export`` takes ``start``."""
    exporter: Callable[..., object] | None = getattr(dataset_cls, "export", None)
    if exporter is None:
        return True
    try:
        parameters = inspect.signature(exporter).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "start" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def export_images(
    samples: torch.Tensor,
    out_dir: str | Path,
    spec: DataSpec,
    conditions: torch.Tensor | None = None,
    *,
    start: int = 0,
) -> list[Path]:
    """One PNG per sample (``sample_000000.png`` ..., numbered from ``start``), 16-bit when
    ``spec.meta["bit_depth"] == 16``.

    Samples are mapped from ``spec.value_range`` back to ``[0, 1]`` first. An image-to-image
    model's sources (``conditions`` of a paired or unpaired spec) are written beside what it
    made of them:
    ``A/sample_000000.png`` the source, ``B/sample_000000.png`` the generated image. That is the
    layout the ``paired-folders`` dataset reads, so synthetic pairs train like real ones, and a
    generated image is never separated from the input it belongs to.
    """
    _check_batch(samples, spec)
    out_dir = Path(out_dir)
    if conditions is None or spec.condition not in ("paired", "unpaired"):
        return _write_pngs(samples, out_dir, spec, start)
    if tuple(conditions.shape) != (samples.shape[0], *spec.condition_shape):
        raise ValueError(
            f"sources of shape {tuple(conditions.shape)} for {samples.shape[0]} samples; "
            f"expected {(samples.shape[0], *spec.condition_shape)}"
        )
    return _write_pngs(conditions, out_dir / "A", spec, start) + _write_pngs(samples, out_dir / "B", spec, start)


def _write_pngs(images: torch.Tensor, out_dir: Path, spec: DataSpec, start: int) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    low, high = spec.value_range
    scaled = ((images.detach().float().cpu() - low) / (high - low)).clamp(0.0, 1.0)
    depth = 16 if spec.meta.get("bit_depth") == 16 else 8
    return [
        write_png(image, out_dir / f"sample_{index:06d}.png", bit_depth=depth)
        for index, image in enumerate(scaled, start=start)
    ]


def export_csv(
    samples: torch.Tensor,
    out_dir: str | Path,
    spec: DataSpec,
    conditions: torch.Tensor | None = None,
    *,
    start: int = 0,
) -> list[Path]:
    """Write ``samples.csv``: one row per sample, its values flattened, with a header (rows
    are appended to the file without a header when ``start > 0``).

    The header comes from ``spec.meta["columns"]`` when present (one name per flattened value,
    or for series one name per channel, expanded to ``name_t``); otherwise ``f0, f1 ...``
    (tables) or ``c0_t0, c0_t1 ...`` (series). Label conditions, when given as an ``(N, K)``
    batch, are appended as ``cond_0 ... cond_{K-1}`` (names from ``spec.meta["condition_names"]``).
    """
    _check_batch(samples, spec)
    rows = samples.detach().float().cpu().reshape(samples.shape[0], -1)
    header = _columns(spec)
    if conditions is not None:
        labels = conditions.detach().float().cpu().reshape(conditions.shape[0], -1)
        if labels.shape[0] != rows.shape[0]:
            raise ValueError(f"{labels.shape[0]} conditions for {rows.shape[0]} samples")
        names = spec.meta.get("condition_names") or [f"cond_{i}" for i in range(labels.shape[1])]
        header += [str(name) for name in names]
        rows = torch.cat([rows, labels], dim=1)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "samples.csv"
    with path.open("a" if start else "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        if not start:
            writer.writerow(header)
        writer.writerows([f"{value:.7g}" for value in row] for row in rows.tolist())
    return [path]


def _columns(spec: DataSpec) -> list[str]:
    width = 1
    for size in spec.shape:
        width *= size
    given: Sequence[Any] | None = spec.meta.get("columns")
    if given:
        names = [str(name) for name in given]
        if len(names) == width:
            return names
        if spec.modality == "series" and len(names) == spec.shape[0]:
            return [f"{name}_{t}" for name in names for t in range(spec.shape[1])]
        raise DataError(
            f"spec.meta['columns'] has {len(names)} names but a sample has {width} values "
            f"(shape {spec.shape})"
        )
    if spec.modality == "series":
        return [f"c{c}_t{t}" for c in range(spec.shape[0]) for t in range(spec.shape[1])]
    return [f"f{i}" for i in range(width)]


def _check_batch(samples: torch.Tensor, spec: DataSpec) -> None:
    if tuple(samples.shape[1:]) != spec.shape:
        raise ValueError(f"samples of shape {tuple(samples.shape[1:])} do not match the spec {spec.shape}")
