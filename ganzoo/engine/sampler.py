"""Sampling from a trained generator, rebuilt from a checkpoint alone.

[`load`][ganzoo.engine.sampler.load] reads the checkpoint manifest (generator name, provider and resolved parameters,
the DataSpec), creates the generator through the plugin registry and loads its safetensors
weights: no experiment file, dataset or training code is needed, and nothing is unpickled. A
checkpoint whose generator comes from a plugin that is not installed says which one.

[`Sampler.sample`][ganzoo.engine.sampler.Sampler.sample] returns all samples as one tensor; [`Sampler.stream`][ganzoo.engine.sampler.Sampler.stream] yields them
batch by batch, so ``ganzoo generate`` holds a bounded number of samples whatever ``-n`` is.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import torch
from torch import nn

from ganzoo.data.spec import CONDITION_KEY, SAMPLE_KEY, DataSpec
from ganzoo.engine.checkpoint import Checkpoint, find_checkpoint
from ganzoo.engine.loader import fixed_batch
from ganzoo.notices import muted_notices, progress_bar
from ganzoo.registry.errors import CheckpointError, ConfigError, GanzooError
from ganzoo.registry.protocols import ConditionSampling, Curating, Curator
from ganzoo.registry.registry import Registry

#: Samples whose noise and conditions `Sampler.stream` draws at a time: fixed, so the
#: samples of a seed do not depend on the batch size, and small, so memory stays bounded. Up to
#: this many samples, ``stream`` draws exactly what `Sampler.sample` draws.
DRAW_BLOCK = 64

#: ``source(start, count, rng)``: the conditions of samples ``start .. start + count - 1``
#: (``rng`` draws any random part), for `Sampler.stream`.
ConditionSource = Callable[[int, int, "torch.Generator | None"], Any]


@dataclass
class Generated:
    """One batch from [`Sampler.stream`][ganzoo.engine.sampler.Sampler.stream]: samples ``start ..`` and their conditions."""

    start: int
    samples: torch.Tensor
    conditions: torch.Tensor | None


class Sampler:
    """A generator plus the DataSpec of its samples.

    Attributes:
        generator: the ``nn.Module`` (kept in eval mode while sampling).
        spec: what one sample looks like (modality, shape, value range, condition kind, meta).
        dataset_cls: the dataset class of the run (for native export), or ``None``.
        checkpoint: the checkpoint it was loaded from, if any.
    """

    def __init__(
        self,
        generator: nn.Module,
        spec: DataSpec,
        *,
        dataset_cls: type | None = None,
        device: str | torch.device = "cpu",
        checkpoint: Checkpoint | None = None,
        batch_size: int = 64,
    ) -> None:
        self.generator = generator
        self.spec = spec
        self.dataset_cls = dataset_cls
        self.device = torch.device(device)
        self.checkpoint = checkpoint
        self.batch_size = batch_size

    @property
    def directions(self) -> tuple[str, ...]:
        """The generator's directions (``("AtoB", "BtoA")`` for CycleGAN; empty when one-way)."""
        return tuple(getattr(self.generator, "directions", ()))

    def _direction(self, direction: str | None) -> tuple[str, ...]:
        """The extra ``forward`` argument for ``direction`` (none for the first direction)."""
        if direction is None:
            return ()
        if direction not in self.directions:
            if not self.directions:
                raise ConfigError(f"direction {direction!r}: this generator translates one way only")
            raise ConfigError(f"direction {direction!r}: this generator has {', '.join(self.directions)}")
        return () if direction == self.directions[0] else (direction,)

    def shapes(self, direction: str | None = None) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """``(source shape, sample shape)`` in ``direction``: the reverse one swaps the two."""
        if self._direction(direction):
            return self.spec.shape, self.spec.condition_shape
        return self.spec.condition_shape, self.spec.shape

    def sample(self, n: int, condition: Any = None, seed: int | None = None, *,
               progress: IO[str] | None = None, direction: str | None = None) -> torch.Tensor:
        """``n`` samples on the CPU, shaped ``(n, *spec.shape)``, in ``spec.value_range``.

        ``condition``: ``None`` for unconditional models; the ``(n, *condition_shape)`` source
        batch for paired and unpaired models (required); for label-conditional models a ``(n, K)`` label
        vector, ``n`` class indices, one class index for all, or ``None`` to draw labels (from
        ``spec.meta["label_frequencies"]`` when the dataset recorded them, else uniformly).
        ``seed`` makes noise and drawn labels reproducible; without it the global RNG is used.
        ``progress``: a stream (a terminal's stderr) to draw a progress bar on, for the long
        batches of a large generator on a CPU. ``direction``: for a two-way generator, translate
        the other way (``"BtoA"``: ``condition`` holds samples shaped like ``spec.shape``, the
        output is shaped like ``spec.condition_shape``).
        """
        if n < 1:
            raise ConfigError(f"number of samples must be positive, got {n}")
        extra = self._direction(direction)
        rng = torch.Generator().manual_seed(seed) if seed is not None else None
        cond = self.conditions(n, condition, rng, direction=direction)
        latent = self.generator.sample_latent(n, device="cpu", generator=rng)
        was_training = self.generator.training
        self.generator.eval()
        try:
            with torch.no_grad(), progress_bar(progress, n, "sampling") as bar:
                chunks = []
                for start in range(0, n, self.batch_size):
                    stop = min(start + self.batch_size, n)
                    z = latent[start:stop].to(self.device) if latent is not None else None
                    c = cond[start:stop].to(self.device) if cond is not None else None
                    chunks.append(self.generator(z, c, *extra).float().cpu())
                    bar.update(stop - start)
        finally:
            self.generator.train(was_training)
        return torch.cat(chunks)

    def stream(self, n: int, source: ConditionSource | None = None, seed: int | None = None, *,
               progress: IO[str] | None = None, direction: str | None = None) -> Iterator[Generated]:
        """``n`` samples in batches of ``batch_size``, each yielded before the next is made.

        At most ``max(batch_size, DRAW_BLOCK)`` samples (with their noise and conditions) are
        held at once. ``source`` gives the conditions of each block of samples (paired sources,
        parsed ``--condition`` text); without one, label-conditional models draw labels as
        [`conditions`][ganzoo.engine.sampler.Sampler.conditions] does. With ``seed``, conditions and noise come from two generators
        seeded with it, drawn [`DRAW_BLOCK`][ganzoo.engine.sampler.DRAW_BLOCK] samples at a time: the output does not depend
        on ``batch_size``, and up to ``DRAW_BLOCK`` samples equals [`sample`][ganzoo.engine.sampler.Sampler.sample]'s.
        ``direction``: as for [`sample`][ganzoo.engine.sampler.Sampler.sample].

        Without ``source``, a dataset class that curates ([`Curating`][ganzoo.registry.protocols.Curating])
        changes this: each block of ``DRAW_BLOCK`` samples is chosen from ``oversample`` times as
        many candidates and yielded as one batch.
        """
        if n < 1:
            raise ConfigError(f"number of samples must be positive, got {n}")
        extra = self._direction(direction)
        curator = self.curator() if source is None else None
        was_training = self.generator.training
        self.generator.eval()
        try:
            with progress_bar(progress, n, "sampling") as bar:
                if curator is None:
                    draws = _Draws(self, n, source, seed, direction)
                    for start in range(0, n, self.batch_size):
                        count = min(self.batch_size, n - start)
                        z, cond = draws.take(count)
                        yield Generated(start, self._forward(z, cond, extra), cond)
                        bar.update(count)
                else:
                    yield from self._curated(n, curator, seed, extra, bar)
        finally:
            self.generator.train(was_training)

    def curator(self) -> Curator | None:
        """The curator that chooses [`stream`][ganzoo.engine.sampler.Sampler.stream]'s freely drawn samples: the
        dataset class's ([`Curating`][ganzoo.registry.protocols.Curating]), ``None`` when it does not curate."""
        return self.dataset_cls.curator(self.spec) if isinstance(self.dataset_cls, Curating) else None

    def _curated(self, n: int, curator: Curator, seed: int | None, extra: tuple, bar: Any) -> Iterator[Generated]:
        """[`stream`][ganzoo.engine.sampler.Sampler.stream]'s blocks when a curator chooses among ``oversample`` candidates per sample."""
        factor = curator.oversample
        if not isinstance(factor, int) or factor < 2:
            raise ConfigError(f"{self.dataset_cls.__name__}.curator: oversample must be an integer >= 2, got {factor!r}")
        draws = _Draws(self, n * factor, None, seed)
        for start in range(0, n, DRAW_BLOCK):
            count = min(DRAW_BLOCK, n - start)
            z, cond = draws.take(count * factor)
            out = self._forward(z, cond, extra)
            keep = torch.as_tensor(curator.choose(out, count), dtype=torch.long)
            if keep.shape != (count,):
                raise ConfigError(f"{self.dataset_cls.__name__}.curator chose {tuple(keep.shape)} samples, expected ({count},)")
            yield Generated(start, out[keep], cond[keep] if cond is not None else None)
            bar.update(count)

    def _forward(self, z: torch.Tensor | None, cond: torch.Tensor | None, extra: tuple) -> torch.Tensor:
        """The generator's output for one batch of noise and conditions, in slices of ``batch_size``, on the CPU."""
        total = len(z) if z is not None else len(cond)  # type: ignore[arg-type]
        parts = []
        with torch.no_grad():
            for i in range(0, total, self.batch_size):
                zi = z[i:i + self.batch_size].to(self.device) if z is not None else None
                ci = cond[i:i + self.batch_size].to(self.device) if cond is not None else None
                parts.append(self.generator(zi, ci, *extra).float().cpu())
        return parts[0] if len(parts) == 1 else torch.cat(parts)

    def conditions(self, n: int, condition: Any = None, rng: torch.Generator | None = None, *,
                   direction: str | None = None) -> torch.Tensor | None:
        """The condition batch [`sample`][ganzoo.engine.sampler.Sampler.sample] uses for ``condition`` (see there)."""
        kind = self.spec.condition
        if kind == "none":
            if condition is not None:
                raise ConfigError("this generator is unconditional; do not pass a condition")
            return None
        if kind in ("paired", "unpaired"):
            source_shape = self.shapes(direction)[0]
            if condition is None:
                raise ConfigError(f"this generator translates sources of shape {source_shape}; pass condition=")
            cond = torch.as_tensor(condition, dtype=torch.float32)
            if tuple(cond.shape) != (n, *source_shape):
                raise ConfigError(f"condition has shape {tuple(cond.shape)}, expected {(n, *source_shape)}")
            return cond
        classes = self.spec.condition_dim
        if condition is None and isinstance(self.dataset_cls, ConditionSampling):
            # the dataset knows its label structure (e.g. several one-hot blocks)
            return torch.as_tensor(self.dataset_cls.sample_conditions(self.spec, n, rng), dtype=torch.float32)
        if condition is None:
            frequencies = self.spec.meta.get("label_frequencies")
            if isinstance(frequencies, (list, tuple)) and len(frequencies) == classes:
                weights = torch.tensor(frequencies, dtype=torch.float64)
            else:
                weights = torch.ones(classes, dtype=torch.float64)
            labels = torch.multinomial(weights, n, replacement=True, generator=rng)
            return nn.functional.one_hot(labels, classes).float()
        cond = torch.as_tensor(condition)
        if not cond.is_floating_point():
            labels = cond.expand(n) if cond.dim() == 0 else cond
            if labels.shape != (n,) or labels.min() < 0 or labels.max() >= classes:
                raise ConfigError(f"labels must be {n} class indices in 0..{classes - 1}")
            return nn.functional.one_hot(labels.long(), classes).float()
        if tuple(cond.shape) != (n, classes):
            raise ConfigError(f"label vectors have shape {tuple(cond.shape)}, expected {(n, classes)}")
        return cond.float()

    def dataset_conditions(self, n: int, *, split: str = "val", direction: str | None = None) -> torch.Tensor:
        """The first ``n`` conditions (cycling) of the run's dataset, rebuilt from the manifest.

        Paired and unpaired models need real sources. When the dataset config has a ``split``
        field, the ``split`` subset is used (``val`` by default: sources the model did not train
        on); if that subset cannot be built (said on stderr), or there is no such field, the
        training data is used. In the reverse ``direction`` of a two-way generator the sources are
        the samples (``x``) of the dataset.
        """
        return self.dataset_sources(split=split, direction=direction)(0, n, None)

    def dataset_sources(self, *, split: str = "val", direction: str | None = None) -> ConditionSource:
        """[`dataset_conditions`][ganzoo.engine.sampler.Sampler.dataset_conditions] as a [`ConditionSource`][ganzoo.engine.sampler.ConditionSource] for [`stream`][ganzoo.engine.sampler.Sampler.stream] (the
        dataset is built once; each call collates only the sources it is asked for)."""
        key = SAMPLE_KEY if self._direction(direction) else CONDITION_KEY
        if self.checkpoint is None:
            raise CheckpointError("this sampler was not loaded from a checkpoint; pass conditions explicitly")
        from ganzoo.experiment.paths import locate_data
        from ganzoo.plugins.manager import get_registry

        registry = get_registry()
        component = dict(self.checkpoint.manifest["components"]["dataset"])
        component["params"] = dict(component.get("params", {}))
        locate_data({"dataset": component}, self.checkpoint.path.parent.parent, registry)  # run dir
        params = component["params"]
        dataset = None
        if "split" in params and params["split"] != split:
            try:
                dataset = build_from_manifest(
                    registry, "dataset", {**component, "params": {**params, "split": split}}, self.checkpoint
                )
            except GanzooError as err:  # said, not silent: the sources are then data it trained on
                print(f"ganzoo: warning: {self.checkpoint.path}: no {split!r} split of the run's dataset ({err}); "
                      "translating sources of its training data", file=sys.stderr)
                dataset = None
        if dataset is None:
            dataset = build_from_manifest(registry, "dataset", component, self.checkpoint)
        if len(dataset) == 0:
            raise CheckpointError(f"{self.checkpoint.path}: the run's dataset is empty; pass conditions explicitly")

        def sources(start: int, count: int, rng: torch.Generator | None) -> torch.Tensor:
            indices = [i % len(dataset) for i in range(start, start + count)]
            return fixed_batch(dataset, indices, seed=0)[key].float()

        return sources

    def export(self, samples: torch.Tensor, out_dir: str | Path, conditions: torch.Tensor | None = None,
               *, start: int = 0, direction: str | None = None) -> list[Path]:
        """Write ``samples`` in the dataset's native format (PNG, CSV, ...) into ``out_dir``;
        ``start``: index of the first of them in the whole output (a batch of [`stream`][ganzoo.engine.sampler.Sampler.stream]).

        Translations in the reverse ``direction`` are handed to the exporter with the roles the
        DataSpec gives their domains: the sources (domain B) as samples, the translations
        (domain A) as conditions, so images land in ``B/`` and ``A/`` by domain, never mixed up.
        """
        from ganzoo.data.export import export_samples

        if self._direction(direction) and conditions is not None:
            samples, conditions = conditions, samples
        return export_samples(samples, Path(out_dir), self.spec, conditions, self.dataset_cls, start=start)


class _Draws:
    """Noise and conditions for [`Sampler.stream`][ganzoo.engine.sampler.Sampler.stream], drawn in blocks of [`DRAW_BLOCK`][ganzoo.engine.sampler.DRAW_BLOCK]
    samples and handed out in slices of any size."""

    def __init__(self, sampler: Sampler, n: int, source: ConditionSource | None, seed: int | None,
                 direction: str | None = None) -> None:
        self.sampler, self.n, self.source, self.direction = sampler, n, source, direction
        self.cond_rng = torch.Generator().manual_seed(seed) if seed is not None else None
        self.noise_rng = torch.Generator().manual_seed(seed) if seed is not None else None
        self.drawn = 0  # samples drawn so far
        self.block: tuple[torch.Tensor | None, torch.Tensor | None] = (None, None)
        self.size = self.offset = 0  # the current block's size and how much of it is handed out

    def take(self, count: int) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        zs, conds = [], []
        while count:
            if self.offset == self.size:
                self._next_block()
            k = min(count, self.size - self.offset)
            z, cond = self.block
            zs.append(z[self.offset:self.offset + k] if z is not None else None)
            conds.append(cond[self.offset:self.offset + k] if cond is not None else None)
            self.offset += k
            count -= k
        return _cat(zs), _cat(conds)

    def _next_block(self) -> None:
        size = min(DRAW_BLOCK, self.n - self.drawn)
        raw = self.source(self.drawn, size, self.cond_rng) if self.source is not None else None
        cond = self.sampler.conditions(size, raw, self.cond_rng, direction=self.direction)  # validates, or draws labels
        z = self.sampler.generator.sample_latent(size, device="cpu", generator=self.noise_rng)
        self.block, self.size, self.offset = (z, cond), size, 0
        self.drawn += size


def _cat(parts: list[torch.Tensor | None]) -> torch.Tensor | None:
    if parts[0] is None:
        return None
    return parts[0] if len(parts) == 1 else torch.cat(parts)  # type: ignore[arg-type]


def load(
    path: str | Path,
    *,
    ema: bool | None = None,
    device: str | torch.device = "cpu",
    registry: Registry | None = None,
) -> Sampler:
    """A [`Sampler`][ganzoo.engine.sampler.Sampler] from a run directory (its newest complete checkpoint) or a checkpoint.

    ``ema``: ``None`` uses the EMA generator when the checkpoint has one; ``True`` requires it;
    ``False`` uses the raw generator.
    """
    checkpoint = find_checkpoint(path)
    if registry is None:
        from ganzoo.plugins.manager import get_registry

        registry = get_registry()
    manifest = checkpoint.manifest
    try:
        spec = DataSpec.from_dict(manifest["data_spec"])
        component = manifest["components"]["generator"]
    except (KeyError, TypeError, ValueError) as err:
        raise CheckpointError(f"{checkpoint.path}: manifest lacks {err}") from None
    has_ema = checkpoint.has("generator_ema")
    if ema and not has_ema:
        raise CheckpointError(f"{checkpoint.path}: no EMA generator in this checkpoint")
    stem = "generator_ema" if has_ema and ema is not False else "generator"
    generator = build_from_manifest(registry, "generator", component, checkpoint)
    checkpoint.load_module(generator, stem)
    generator.to(device).eval()
    return Sampler(
        generator,
        spec,
        dataset_cls=dataset_class(registry, manifest["components"].get("dataset", {})),
        device=device,
        checkpoint=checkpoint,
    )


def _entry_name(registry: Registry, kind: str, component: Mapping[str, Any]) -> str:
    """``provider:name`` when that provider is installed, else the bare name."""
    qualified = f"{component.get('provider', '')}:{component['name']}"
    try:
        registry.get(kind, qualified)
        return qualified
    except GanzooError:
        return component["name"]


def build_from_manifest(registry: Registry, kind: str, component: Mapping[str, Any], checkpoint: Checkpoint) -> Any:
    """Create the component a manifest describes (resolved params), explaining what is missing;
    a rebuild, so without the notices the component gave when the run was trained."""
    from ganzoo.experiment.build import build_component

    name = _entry_name(registry, kind, component)
    try:
        registry.get(kind, name)
    except GanzooError:
        provider = component.get("provider") or "an unknown distribution"
        version = f" {component['version']}" if component.get("version") else ""
        raise CheckpointError(
            f"{checkpoint.path}: needs {kind} {component['name']!r} from {provider}{version}, "
            "which is not installed"
        ) from None
    try:
        with muted_notices():
            return build_component(registry, kind, name, component.get("params", {}))
    except GanzooError as err:
        raise CheckpointError(f"{checkpoint.path}: cannot rebuild {kind} {component['name']!r}: {err}") from None


def dataset_class(registry: Registry, component: Mapping[str, Any]) -> type | None:
    """The dataset class of a run (for ``export``), or ``None`` when it cannot be imported."""
    if not component.get("name"):
        return None
    try:
        target = registry.get("dataset", _entry_name(registry, "dataset", component)).load()
    except GanzooError:
        return None
    return target if isinstance(target, type) else None
