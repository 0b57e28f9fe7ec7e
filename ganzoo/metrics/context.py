"""EvalContext: everything a metric needs, and nothing it has to rebuild itself.

A metric gets real held-out data, generated data that matches it, and the options of the
evaluation (sample counts, device, seed, feature extractor, Inception weights). Real and
generated samples are drawn once and cached, so several metrics of one evaluation see the very
same samples and the protocol they report is the same one. Metrics that compare generated data
with what the model was trained on (the privacy metrics) also get the training data
([`EvalContext.train`][ganzoo.metrics.context.EvalContext.train]) and refuse to run when the
held-out data is the training data ([`EvalContext.require_held_out`][ganzoo.metrics.context.EvalContext.require_held_out]).

Generated data follows the real data's conditions: for paired data the held-out sources are
translated (and compared with their true targets), for label-conditional data the held-out labels
are used (so class frequencies match), otherwise ``n_samples`` unconditional samples are drawn.
Everything is seeded, and the global RNG states (torch, numpy, random) are restored afterwards,
so validation during training does not change the training run.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch

from ganzoo.data.spec import CONDITION_KEY, SAMPLE_KEY, DataSpec
from ganzoo.registry.errors import DataError
from ganzoo.registry.protocols import SplitGroups

#: How curated samples were generated, as every result of a curating run states it.
CURATED = "curated: chosen by the dataset's curator among oversampled free draws, as ganzoo generate writes them"


class SamplerLike(Protocol):
    """What evaluation needs from ``ganzoo.load(run)``'s Sampler."""

    spec: DataSpec

    def sample(self, n: int, condition: torch.Tensor | None = None, seed: int | None = None) -> torch.Tensor: ...


class HeldOutRequired(DataError):
    """A metric needs held-out data, and this evaluation's real data is the training data.

    Raised by [`EvalContext.require_held_out`][ganzoo.metrics.context.EvalContext.require_held_out]. A metric asked for by name
    fails with it; one that runs by default is recorded as skipped with its message.
    """


@dataclass(frozen=True)
class RealSet:
    """Real samples (and their conditions) chosen for one evaluation: held-out or training data."""

    x: torch.Tensor
    cond: torch.Tensor | None
    split: str
    #: Samples in the split, of which ``x`` is a subset when fewer.
    available: int
    #: The group of each sample when the split held out whole groups
    #: ([`SplitGroups`][ganzoo.registry.protocols.SplitGroups]), else ``None``.
    groups: tuple[str, ...] | None = None


class EvalContext:
    """Sampler, held-out data and options of one evaluation.

    Args:
        sampler: generates samples (``sample(n, condition=None, seed=None)``, ``spec``).
        data: a map-style dataset of held-out samples (``{"x", "cond"?}`` items), or a callable
            returning one (built on first use).
        split: name of the split ``data`` comes from (``val``, ``test``, ``train``); reported.
        n_samples: maximum number of real samples [`real`][ganzoo.metrics.context.EvalContext.real] gives
            by default (and number of unconditional generated ones).
        batch_size: generation batch size.
        device: where metrics run their networks.
        seed: seeds the real-subset choice and the generation.
        inception_weights: safetensors file of the Inception weights (FID/KID/IS/PR).
        feature_extractor: default feature extractor of the fidelity metrics.
        note: a remark about the data that every result carries (e.g. "no held-out split").
        train_data: the data the model was trained on (a dataset, or a callable returning one,
            built on first use), for [`train`][ganzoo.metrics.context.EvalContext.train]; ``None``
            when the evaluation has none.
        train_split: name of the split ``train_data`` comes from; when ``split`` is the same
            name, the held-out data is the training data.
    """

    def __init__(
        self,
        sampler: SamplerLike,
        data: Any,
        *,
        split: str = "val",
        n_samples: int = 1000,
        batch_size: int = 32,
        device: str = "cpu",
        seed: int = 0,
        inception_weights: str | Path | None = None,
        feature_extractor: str | None = None,
        note: str | None = None,
        train_data: Any = None,
        train_split: str = "train",
    ) -> None:
        self.sampler = sampler
        self._data = data
        self.split = split
        self.n_samples = int(n_samples)
        self.batch_size = int(batch_size)
        self.device = device
        self.seed = int(seed)
        self.inception_weights = Path(inception_weights) if inception_weights else None
        self.feature_extractor = feature_extractor
        self.note = note
        self._train_data = train_data
        self.train_split = train_split
        self._cache: dict[Any, Any] = {}
        self._curates: bool | None = None

    @property
    def spec(self) -> DataSpec:
        """The DataSpec of the generated samples (saved in the checkpoint)."""
        return self.sampler.spec

    @property
    def data(self) -> Any:
        """The held-out dataset (built on first access when given as a callable)."""
        self._data = _built(self._data)
        return self._data

    @property
    def held_out(self) -> bool:
        """Whether the real data is held out (its split is not the one the model trained on)."""
        return self.split != self.train_split

    def require_held_out(self, metric: str) -> None:
        """Raise [`HeldOutRequired`][ganzoo.metrics.context.HeldOutRequired] naming ``metric`` when the real data is the training data."""
        if not self.held_out:
            raise HeldOutRequired(
                f"{metric} compares generated samples with training and held-out samples, but this "
                f"evaluation's real data is the training split ({self.split!r}); give the dataset a "
                "'val' or 'test' split (image folders: dataset.params.val_fraction = 0.1) or choose "
                "one with [eval] split"
            )

    def cached(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per evaluation (metrics share feature passes through this)."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    # -- data -----------------------------------------------------------------------------------
    def real(self, n: int | None = None) -> RealSet:
        """Up to ``n`` (default ``n_samples``) held-out samples, a seeded random subset when there are more."""
        count = self.n_samples if n is None else int(n)
        return self.cached(("real", count), lambda: self._load(self.data, self.split, count))

    def generated(self) -> torch.Tensor:
        """Generated samples matching [`real`][ganzoo.metrics.context.EvalContext.real] (same conditions, same count when conditional),
        or, when the sampler [`curates`][ganzoo.metrics.context.EvalContext.curates], ``n_samples`` curated ones."""
        return self.cached("generated", self._generate)

    @property
    def curates(self) -> bool:
        """Whether freely drawn samples are chosen by the dataset's curator, so that evaluation scores
        what ``ganzoo generate`` writes ([`Sampler.curator`][ganzoo.engine.sampler.Sampler.curator];
        samplers without that method, such as [`ReplayingSampler`][ganzoo.testing.replay.ReplayingSampler], never curate)."""
        if self._curates is None:
            curator = getattr(self.sampler, "curator", None)
            self._curates = callable(curator) and curator() is not None
        return self._curates

    def train(self, n: int) -> RealSet:
        """Up to ``n`` samples of the training data, a seeded random subset when there are more.

        Loaded once per ``n`` and evaluation; [`DataError`][ganzoo.registry.errors.DataError] when
        the evaluation was given no training data.
        """
        if self._train_data is None:
            raise DataError("this evaluation has no training data (EvalContext(train_data=...))")

        def load() -> RealSet:
            self._train_data = _built(self._train_data)
            return self._load(self._train_data, self.train_split, n)

        return self.cached(("train", int(n)), load)

    def generate(self, n: int, cond: torch.Tensor | None = None) -> torch.Tensor:
        """``n`` new samples (not cached): with ``cond`` (one row per sample) for paired or
        label-conditional models, else the sampler's own draw (labels at the training frequencies),
        curated when the sampler [`curates`][ganzoo.metrics.context.EvalContext.curates].

        Seeded like [`generated`][ganzoo.metrics.context.EvalContext.generated] (batch ``i`` uses seed ``seed + i``); the
        global RNG states are left as they were.
        """
        total = len(cond) if cond is not None else int(n)
        with preserved_rng(self.seed), torch.no_grad():
            if cond is None and self.curates:
                stream = self.sampler.stream(total, None, seed=self.seed)  # type: ignore[attr-defined]
                batches = [batch.samples for batch in stream]
            else:
                batches = [
                    self.sampler.sample(min(self.batch_size, total - start), seed=self.seed + i,
                                        condition=cond[start : start + self.batch_size] if cond is not None else None)
                    for i, start in enumerate(range(0, total, self.batch_size))
                ]
        fake = torch.cat([batch.detach().float().cpu() for batch in batches])
        if tuple(fake.shape[1:]) != self.spec.shape:
            raise DataError(f"the sampler returned samples of shape {tuple(fake.shape[1:])}, expected {self.spec.shape}")
        return fake

    def protocol(self, **extra: Any) -> dict[str, Any]:
        """The facts every result reports: sample counts, split, seed (plus ``extra``)."""
        out: dict[str, Any] = {
            "n_real": len(self.real().x),
            "n_fake": len(self.generated()),
            "split": self.split,
            "seed": self.seed,
        }
        if self.curates:
            out["generation"] = CURATED
        if self.note:
            out["note"] = self.note
        out.update(extra)
        return out

    def to_unit(self, x: torch.Tensor) -> torch.Tensor:
        """Samples rescaled from the DataSpec's value range to [0, 1] (float32, CPU)."""
        low, high = self.spec.value_range
        return ((x.detach().float().cpu() - low) / (high - low)).clamp(0, 1)

    def _load(self, data: Any, split: str, n: int) -> RealSet:
        total = len(data)
        if total == 0:
            raise DataError(f"the {split} split of the dataset is empty")
        gen = torch.Generator().manual_seed(self.seed)
        if total > n:
            indices = sorted(torch.randperm(total, generator=gen)[:n].tolist())
        else:
            indices = list(range(total))
        with preserved_rng(self.seed):
            items = [data[i] for i in indices]
        x = torch.stack([torch.as_tensor(item[SAMPLE_KEY]) for item in items]).float()
        if tuple(x.shape[1:]) != self.spec.shape:
            raise DataError(
                f"the {split} data has samples of shape {tuple(x.shape[1:])} but the model makes {self.spec.shape}"
            )
        cond = None
        if self.spec.condition != "none":
            if CONDITION_KEY not in items[0]:
                raise DataError(f"the {split} data has no {CONDITION_KEY!r} for a conditional model")
            cond = torch.stack([torch.as_tensor(item[CONDITION_KEY]) for item in items]).float()
        groups = data.split_groups if isinstance(data, SplitGroups) else None
        return RealSet(x, cond, split, total, None if groups is None else tuple(str(groups[i]) for i in indices))

    def _generate(self) -> torch.Tensor:
        return self.generate(self.n_samples, None if self.curates else self.real().cond)


def _built(data: Any) -> Any:
    """A dataset given as a callable (built on first use), built; a dataset as it is."""
    if callable(data) and not hasattr(data, "__getitem__"):
        return data()
    return data


@contextlib.contextmanager
def preserved_rng(seed: int) -> Iterator[None]:
    """Seed torch, numpy and random inside the block; restore their global states after it."""
    py_state, np_state = random.getstate(), np.random.get_state()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        random.seed(seed)
        np.random.seed(seed % 2**32)
        try:
            yield
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)
