"""Evaluate a run: pick the metrics, build the held-out data, compute, write ``RUN/eval.json``.

Which metrics run: the experiment's ``[eval] metrics`` (or ``--metrics``), else a default per
modality and condition: paired images get paired L1/PSNR/SSIM; image runs get FID and KID when
Inception weights (or an explicit offline feature extractor) are given and are otherwise
*skipped with a note* rather than silently dropped; plugin metrics join when their class's
``applies_to(spec)`` (part of the [`Metric`][ganzoo.registry.protocols.Metric] protocol) returns
true; ``ganzoo evaluate`` adds the privacy metrics ([`ganzoo.metrics.privacy`][ganzoo.metrics.privacy]), which
compare generated samples with the training data and are *skipped with their reason* when the
run has no held-out data. When nothing applies, the report carries a ``note`` saying so and how
to choose metrics, instead of an unexplained empty result.

Held-out data: the run's dataset rebuilt with ``split="val"`` (then ``"test"``) when its config
has a ``split`` field (``[eval] split`` chooses one, or pools several: ``"val+test"``), random
flips switched off; a run without held-out data is evaluated on its
training data and every result says so (``split: "train"`` and a ``note``). Training data: the
run's dataset as configured, with the same augmentation switched off, built only when a metric
asks for it (``EvalContext.train``).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from torch.utils.data import ConcatDataset

from ganzoo.data.spec import HELD_OUT_KEY
from ganzoo.files import write_json
from ganzoo.metrics.configs import EvalConfig
from ganzoo.metrics.context import EvalContext, HeldOutRequired, SamplerLike
from ganzoo.metrics.privacy import PRIVACY_METRICS, privacy_applies
from ganzoo.notices import muted_notices
from ganzoo.registry.config import ComponentSpec, ExperimentConfig, validate_model
from ganzoo.registry.errors import CheckpointError, ConfigError, DataError, GanzooError
from ganzoo.registry.protocols import SplitGroups
from ganzoo.registry.registry import Registry

CORE_PROVIDER = "ganzoo"
FIDELITY_DEFAULTS = ("fid", "kid")
HELD_OUT_SPLITS = ("val", "test")
#: Joins held-out splits pooled by ``[eval] split`` (``"val+test"``).
POOL = "+"

#: One planned metric: (registered name, params, explicitly requested by the user).
Planned = tuple[str, dict[str, Any], bool]
#: A metric asked for: its name, or ``{"name": ..., "params": {...}}`` as in ``[eval] metrics``.
MetricRequest = str | Mapping[str, Any] | ComponentSpec


# -- reading a run ---------------------------------------------------------------------------------
def run_config(run_dir: str | Path) -> ExperimentConfig:
    """The resolved experiment of a run directory (errors name the directory or file), its data
    paths pointing at data that exists ([`ganzoo.experiment.paths.locate_data`][ganzoo.experiment.paths.locate_data])."""
    from ganzoo.experiment.load import read_toml
    from ganzoo.experiment.paths import locate_data
    from ganzoo.plugins.manager import get_registry

    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise CheckpointError(f"{run_dir}: run directory not found")
    path = run_dir / "config.toml"
    if not path.is_file():
        raise CheckpointError(f"{run_dir}: not a run directory (no config.toml)")
    raw = read_toml(path)
    locate_data(raw, run_dir, get_registry())
    return validate_model(ExperimentConfig, raw, source=str(path))


def eval_config(config: ExperimentConfig, **overrides: Any) -> EvalConfig:
    """The ``[eval]`` table validated (errors name ``eval.<key>``), with non-None overrides.

    Without an explicit ``inception_weights``, the weights ``ganzoo weights fetch inception``
    cached are used ([`ganzoo.metrics.download`][ganzoo.metrics.download]).
    """
    from ganzoo.metrics.download import cached_weights

    data = dict(config.eval)
    data.update({k: v for k, v in overrides.items() if v is not None})
    cfg: EvalConfig = validate_model(EvalConfig, data, prefix="eval")
    if cfg.inception_weights is None and (cached := cached_weights()) is not None:
        cfg = cfg.model_copy(update={"inception_weights": cached})
    return cfg


def held_out_dataset(
    config: ExperimentConfig, registry: Registry, split: str | None = None
) -> tuple[Any, str, str | None]:
    """Build ``(dataset, split name, note)`` of the run's held-out data (see module docstring).

    ``split`` may pool held-out splits, ``"val+test"``: a small real data set's few validation
    samples give the privacy tests little power, and pooling them with the test samples adds
    every sample the model never saw (the training split cannot be pooled in).
    """
    name = config.dataset.name
    params, fields = _evaluation_params(config, registry)
    if "split" not in fields:
        if split not in (None, "train"):
            raise ConfigError(f"eval.split: dataset {name!r} has no splits (no 'split' parameter)")
        note = None if split == "train" else f"dataset {name!r} has no held-out split; evaluated on training data"
        return _rebuild(registry, name, params), "train", note
    train_split = str(params.get("split", fields["split"].default))
    if split:
        parts = [_split(registry, name, params, part) for part in _pooled_splits(split, train_split)]
        return (parts[0] if len(parts) == 1 else _pool(parts)), split, None
    errors = []
    for candidate in HELD_OUT_SPLITS:
        try:
            return _rebuild(registry, name, {**params, "split": candidate}), candidate, None
        except GanzooError as err:
            errors.append(f"{candidate}: {err}")
    note = f"dataset {name!r} has no 'val' or 'test' split; evaluated on the {train_split!r} split"
    return _rebuild(registry, name, params), train_split, note


def _pooled_splits(split: str, train_split: str) -> list[str]:
    """The split names of ``[eval] split`` (one, or several joined by ``+``), checked."""
    parts = [part.strip() for part in split.split(POOL)]
    if len(parts) == 1:
        return parts
    if "" in parts or len(set(parts)) != len(parts):
        raise ConfigError(f"eval.split: {split!r}: name each split once, joined by '{POOL}' (e.g. 'val{POOL}test')")
    if train_split in parts:
        raise ConfigError(f"eval.split: {split!r} pools the training split {train_split!r} into the held-out data")
    return parts


def _pool(parts: list[Any]) -> ConcatDataset:
    """Held-out splits as one dataset, keeping their [`SplitGroups`][ganzoo.registry.protocols.SplitGroups]
    when every split has them."""
    pooled = ConcatDataset(parts)
    groups = [part.split_groups if isinstance(part, SplitGroups) else None for part in parts]
    if all(names is not None for names in groups):
        pooled.split_groups = [name for names in groups for name in names]  # type: ignore[attr-defined]
    return pooled


def _split(registry: Registry, name: str, params: Mapping[str, Any], split: str) -> Any:
    """The dataset's split ``split``; a one-line error naming it when the dataset has none such."""
    try:
        return _rebuild(registry, name, {**params, "split": split})
    except GanzooError as err:
        raise DataError(f"eval.split: cannot build split {split!r} of dataset {name!r} ({err})") from err


def training_dataset(config: ExperimentConfig, registry: Registry) -> tuple[Callable[[], Any], str]:
    """``(build, split name)`` of the data the run trained on, without random augmentation."""
    name = config.dataset.name
    params, fields = _evaluation_params(config, registry)
    split = str(params.get("split", fields["split"].default)) if "split" in fields else "train"
    return (lambda: _rebuild(registry, name, params)), split


def checked_against_manifest(build: Callable[[], Any], run_dir: Path) -> Callable[[], Any]:
    """``build``, whose dataset must be the one the run trained on as far as its manifest tells: as
    many samples (``data.samples.train``), held-out samples chosen the same way (the DataSpec's
    ``held_out`` phrase). An edited data file or a dataset default changed since training would
    otherwise have the privacy metrics compare with samples the model never saw, and the held-out
    split overlap the training data, without a word."""
    def checked() -> Any:
        dataset = build()
        try:
            manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
            trained, meta = manifest["data"]["samples"]["train"], manifest["data_spec"].get("meta", {})
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return dataset  # a manifest without these (older runs): nothing to compare with
        if len(dataset) != trained:
            raise DataError(f"{run_dir}: the training data rebuilt for evaluation has {len(dataset):,} samples, the "
                            f"run trained on {trained:,}: its data or the dataset's defaults changed since training; "
                            "restore them (or set the parameter in config.toml) or train again")
        then, now = (phrase or "drawn like the training samples"
                     for phrase in (meta.get(HELD_OUT_KEY), dataset.describe().meta.get(HELD_OUT_KEY)))
        if then != now:
            raise DataError(f"{run_dir}: the dataset rebuilt for evaluation holds out samples unlike when the run "
                            f"trained ({then} then, {now} now): its defaults changed since training; set its split "
                            "parameter in config.toml as it was, or train again")
        return dataset
    return checked


def _rebuild(registry: Registry, name: str, params: Mapping[str, Any]) -> Any:
    """The run's dataset built again to read its data, without the training-start notices (rows
    held out, column kinds) that the user saw when the run trained."""
    with muted_notices():
        return registry.create("dataset", name, **params)


def _evaluation_params(config: ExperimentConfig, registry: Registry) -> tuple[dict[str, Any], dict[str, Any]]:
    """The run's dataset parameters for evaluation, and the dataset config's fields."""
    entry = registry.get("dataset", config.dataset.name)
    assert entry.config is not None
    fields = entry.config.model_fields
    params = dict(config.dataset.params)
    # evaluation data without random augmentation: no flips, and no resize-then-crop jitter
    # (whose items are larger than the model's size until training crops them)
    if "flip" in fields:
        params["flip"] = False
    if "load_size" in fields:
        params["load_size"] = None
    return params, dict(fields)


def resolve_device(device: str | None, config: ExperimentConfig) -> str:
    """``[eval] device`` or the run's ``train.device``; ``auto`` becomes cuda when available."""
    import torch

    chosen = device or config.train.device
    if chosen == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return chosen


# -- choosing metrics --------------------------------------------------------------------------------
def plan_metrics(
    spec: Any, cfg: EvalConfig, registry: Registry, requested: Sequence[MetricRequest] | None = None, *,
    privacy: bool = False,
) -> tuple[list[Planned], list[dict[str, Any]]]:
    """Metrics to compute and metrics skipped (each ``{"metric", "reason"}``, plus ``"applies":
    False`` for those of ``[eval] metrics`` that do not apply); ``privacy`` adds the privacy
    metrics to the default plan (``ganzoo evaluate``, not in-training validation)."""
    if requested is not None:
        return [_requested(item) for item in requested], []
    if cfg.metrics is not None:
        return _applicable([_requested(item) for item in cfg.metrics], spec, registry)
    planned, skipped = [], []
    if spec.modality == "image":
        if spec.condition == "paired":
            planned.append(("paired-image", {}, False))
        if cfg.inception_weights or cfg.feature_extractor:
            planned += [(name, {}, False) for name in FIDELITY_DEFAULTS]
        else:
            skipped.append({
                "metric": ", ".join(FIDELITY_DEFAULTS),
                "reason": "no Inception weights: run `ganzoo weights fetch inception` once, or pass "
                "--inception-weights PATH (or --feature-extractor ganzoo-test-random-conv for "
                "non-standard numbers)",
            })
    for entry in registry.entries("metric"):
        if entry.provider == CORE_PROVIDER or any(p[0] == entry.name for p in planned):
            continue
        try:
            if entry.load().applies_to(spec):
                planned.append((entry.qualified_name, {}, False))
        except Exception as err:  # a broken plugin metric must not stop the others
            skipped.append({"metric": entry.qualified_name, "reason": f"cannot check it: {err}"})
    if privacy and privacy_applies(spec):
        planned += [(name, {}, False) for name in PRIVACY_METRICS]
    return planned, skipped


def _applicable(planned: list[Planned], spec: Any, registry: Registry) -> tuple[list[Planned], list[dict[str, Any]]]:
    """The experiment's ``[eval] metrics`` that apply to the run's data, and the others as skipped
    entries marked ``"applies": False``: a preset's list travels to data it was not written for
    (``smartgrid-cgan``'s per-class metrics on a CSV without classes). Metrics asked for with
    ``--metrics`` run as asked."""
    kept, left_out = [], []
    for item in planned:
        if registry.get("metric", item[0]).load().applies_to(spec):
            kept.append(item)
        else:
            left_out.append({"metric": item[0], "reason": f"does not apply to this run's {_data_kind(spec)} data",
                             "applies": False})
    return kept, left_out


def _requested(item: MetricRequest) -> Planned:
    """A metric asked for by name, or as ``{"name": ..., "params": {...}}`` as ``[eval] metrics`` lists it."""
    if isinstance(item, str):
        return item, {}, True
    spec = item if isinstance(item, ComponentSpec) else validate_model(ComponentSpec, item, "metrics")
    return spec.name, dict(spec.params), True


def no_metric_note(spec: Any, cfg: EvalConfig, registry: Registry) -> str:
    """Why nothing was computed, and how to choose metrics (for an empty plan)."""
    how = 'choose metrics with [eval] metrics = ["NAME", ...] in the experiment or ganzoo evaluate RUN --metrics NAME'
    if cfg.metrics is not None:
        return f"[eval] metrics is empty: nothing to compute; {how}"
    kind = _data_kind(spec)
    provided = [e for e in registry.entries("metric") if e.provider != CORE_PROVIDER]
    if provided:  # each said through applies_to that it is not for this data
        which = "the installed plugin metric is" if len(provided) == 1 else f"the {len(provided)} installed plugin metrics are"
        offer = f"{which} for other data (ganzoo list metric)"
    else:
        offer = "no installed plugin provides metrics (ganzoo list metric)"
    return f"no metric ran: no registered metric applies to {kind} data by default; {offer}; {how}"


def _data_kind(spec: Any) -> str:
    """``series`` or ``series (label-conditional)``: what a metric's ``applies_to`` decides on, in words."""
    return spec.modality if spec.condition == "none" else f"{spec.modality} ({spec.condition}-conditional)"


def compute_metrics(
    ctx: EvalContext, planned: Sequence[Planned], registry: Registry
) -> tuple[dict[str, dict[str, Any]], list[dict[str, str]]]:
    """Run ``planned`` metrics. Errors of explicitly requested metrics propagate; failures of
    default plugin metrics are recorded as skipped so one broken plugin spoils nothing else, as
    are default metrics that need held-out data the run does not have."""
    results: dict[str, dict[str, Any]] = {}
    skipped: list[dict[str, str]] = []
    for name, params, explicit in planned:
        try:
            metric = registry.create("metric", name, **params)
            values = metric.compute(ctx)
        except HeldOutRequired as err:
            if explicit:
                raise
            skipped.append({"metric": name, "reason": str(err)})
            continue
        except Exception as err:
            if explicit or registry.get("metric", name).provider == CORE_PROVIDER:
                raise
            skipped.append({"metric": name, "reason": f"failed: {type(err).__name__}: {err}"})
            continue
        for key, entry in values.items():
            if not isinstance(entry, Mapping) or "value" not in entry:
                raise GanzooError(f"metric {name!r} returned {key!r} without a 'value'")
            result_key = key if key not in results else f"{name}/{key}"
            results[result_key] = {"metric": name, **_json_safe(dict(entry))}
    return results, skipped


def _json_safe(entry: dict[str, Any]) -> dict[str, Any]:
    """Floats as JSON numbers; a NaN or infinite value becomes ``None`` with a note."""
    out = {}
    for key, value in entry.items():
        if isinstance(value, float) and not math.isfinite(value):
            out[key] = None
            out.setdefault("note", f"{key} was {value}")
        else:
            out[key] = value
    return out


# -- entry points ------------------------------------------------------------------------------------
def evaluate_run(
    run_dir: str | Path,
    *,
    metrics: Sequence[MetricRequest] | None = None,
    n_samples: int | None = None,
    inception_weights: str | Path | None = None,
    feature_extractor: str | None = None,
    device: str | None = None,
    split: str | None = None,
    sampler: SamplerLike | None = None,
    write: bool = True,
) -> dict[str, Any]:
    """Evaluate a finished run; returns (and by default writes) the content of ``RUN/eval.json``.

    ``metrics`` names the metrics to run, each by name or as ``{"name": "dcr", "params":
    {"max_holdout": 256}}``; default: the run's ``[eval] metrics``, else every metric that applies.
    """
    import ganzoo
    from ganzoo.plugins.manager import get_registry

    run_dir = Path(run_dir)
    config = run_config(run_dir)
    cfg = eval_config(
        config, n_samples=n_samples, inception_weights=inception_weights,
        feature_extractor=feature_extractor, device=device, split=split,
    )
    registry = get_registry()
    device_name = resolve_device(cfg.device, config)
    if sampler is None:
        sampler = ganzoo.load(run_dir, device=device_name)
    planned, skipped = plan_metrics(sampler.spec, cfg, registry, metrics, privacy=True)
    dataset, split_name, note = held_out_dataset(config, registry, cfg.split)
    build_train, train_split = training_dataset(config, registry)
    build_train = checked_against_manifest(build_train, run_dir)
    ctx = EvalContext(
        sampler, dataset, split=split_name, n_samples=cfg.n_samples, batch_size=cfg.batch_size,
        device=device_name, seed=cfg.seed,
        inception_weights=cfg.inception_weights, feature_extractor=cfg.feature_extractor, note=note,
        train_data=build_train, train_split=train_split,
    )
    results, failed = compute_metrics(ctx, planned, registry)
    report: dict[str, Any] = {
        "run": config.name or run_dir.name,
        "evaluated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "ganzoo_version": ganzoo.__version__,
        "split": split_name,
        "n_samples": cfg.n_samples,
        "seed": cfg.seed,
        "metrics": results,
        "skipped": skipped + failed,
    }
    if not planned:
        report["note"] = no_metric_note(sampler.spec, cfg, registry)
    if getattr(sampler, "checkpoint", None) is not None:
        report["checkpoint"] = str(getattr(sampler.checkpoint, "path", sampler.checkpoint))
    if write:
        write_json(run_dir / "eval.json", report, default=str)
    return report


_training_data: dict[tuple[str, str, str | None], tuple[Any, str, str | None]] = {}


def evaluate_during_training(
    run_dir: str | Path, sampler: SamplerLike, config: ExperimentConfig | Mapping[str, Any]
) -> dict[str, float]:
    """Validation for the engine (every ``train.eval_every`` steps): ``{result name: value}``.

    Uses ``[eval] n_samples_during_training`` samples; default fidelity metrics without weights
    are left out silently (the final ``ganzoo evaluate`` reports why). The held-out dataset is
    built once per run and reused; global RNG states are left as they were.
    """
    from ganzoo.plugins.manager import get_registry

    if not isinstance(config, ExperimentConfig):
        config = validate_model(ExperimentConfig, dict(config))
    cfg = eval_config(config)
    registry = get_registry()
    planned, _ = plan_metrics(sampler.spec, cfg, registry)
    key = (str(Path(run_dir).resolve()), json.dumps(config.dataset.model_dump(mode="json"), sort_keys=True), cfg.split)
    if key not in _training_data:
        _training_data.clear()
        _training_data[key] = held_out_dataset(config, registry, cfg.split)
    dataset, split_name, note = _training_data[key]
    build_train, train_split = training_dataset(config, registry)
    ctx = EvalContext(
        sampler, dataset, split=split_name, n_samples=cfg.n_samples_during_training,
        batch_size=cfg.batch_size, device=resolve_device(cfg.device, config), seed=cfg.seed,
        inception_weights=cfg.inception_weights, feature_extractor=cfg.feature_extractor, note=note,
        train_data=build_train, train_split=train_split,
    )
    results, _ = compute_metrics(ctx, planned, registry)
    return {name: entry["value"] for name, entry in results.items() if entry["value"] is not None}
