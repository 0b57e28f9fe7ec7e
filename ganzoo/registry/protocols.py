"""Structural types every component satisfies.

The protocols list only methods, so ``isinstance`` checks work on ``nn.Module`` subclasses
(whose parameters and submodules are invisible to `inspect.getattr_static`). They are
checked once, when a component is created through the registry; behaviour (shapes, gradient
flow, determinism) is checked by [`ganzoo.testing`][ganzoo.testing].
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import torch

    from ganzoo.data.spec import DataSpec
    from ganzoo.engine.context import LossContext
    from ganzoo.loggers.base import RunInfo
    from ganzoo.metrics.context import EvalContext


@runtime_checkable
class Generator(Protocol):
    """Maps noise and/or a condition to a batch of samples.

    ``sample_latent`` returns the noise for ``n`` samples (``None`` for generators that take
    no noise, such as pix2pix's U-Net whose randomness is dropout). ``forward`` receives that
    noise and the batch condition (``None`` when unconditional).
    """

    def sample_latent(
        self, n: int, *, device: torch.device | str = "cpu", generator: torch.Generator | None = None
    ) -> torch.Tensor | None: ...

    def forward(self, z: torch.Tensor | None, cond: torch.Tensor | None = None) -> torch.Tensor: ...


@runtime_checkable
class Discriminator(Protocol):
    """Scores samples (with their condition); returns raw logits of any shape per sample.

    A PatchGAN returns an ``N x 1 x H x W`` map, a DCGAN discriminator ``N``. Losses reduce
    over all non-batch dimensions, so both work with every adversarial loss.
    """

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor: ...


@runtime_checkable
class Loss(Protocol):
    """A weighted term of the discriminator and/or generator objective.

    Each method returns a scalar tensor, or ``None`` when the loss does not contribute to that
    network's objective (L1 only shapes the generator; a gradient penalty only the
    discriminator). The engine multiplies by the experiment's ``weight`` and sums the terms.

    Optional class attribute ``requires``: a set of words naming what the loss needs of the data
    (``"paired"``, ``"labelled"``, ``"image"``, ``"series"``, ``"table"``, or a key every sample
    carries such as ``"mask"``); an experiment whose data lacks one is refused before step one
    ([`ganzoo.experiment.requirements`][ganzoo.experiment.requirements]). Without it a loss is taken to work on any data.
    ``L1Loss.requires = frozenset({"paired"})``.
    """

    def discriminator_loss(self, ctx: LossContext) -> torch.Tensor | None: ...

    def generator_loss(self, ctx: LossContext) -> torch.Tensor | None: ...


@runtime_checkable
class Dataset(Protocol):
    """A map-style dataset of training samples plus the description of one sample.

    ``__getitem__`` returns a dict with at least ``"x"`` (and ``"cond"`` for conditional data);
    each value is a tensor in the ranges [`describe`][ganzoo.registry.protocols.Dataset.describe] promises.
    """

    def describe(self) -> DataSpec: ...

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]: ...


@runtime_checkable
class Augmenting(Protocol):
    """Optional: a dataset that also augments whole training batches on the device.

    The engine calls ``augment`` on every training batch, under the step's seeded RNG, so a
    resumed run sees the same augmentations. Paired datasets apply identical geometric
    parameters to ``x`` and ``cond``.
    """

    def augment(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]: ...


@runtime_checkable
class BatchDrawing(Protocol):
    """Optional: a dataset that draws each training batch itself.

    CTGAN's training-by-sampling picks every row through a sampled condition, so a batch taken
    from the epoch's permutation would only be thrown away (a tenth of a tabular step). When
    ``draws_batches`` is true the engine calls ``draw_batch(n)`` instead of fetching from the
    DataLoader, under the step's seeded RNG (a resumed run draws the same rows), and does not
    call ``augment`` on the result. An epoch still counts ``len(dataset) // batch_size`` steps.
    """

    draws_batches: bool

    def draw_batch(self, n: int) -> dict[str, torch.Tensor]: ...


@runtime_checkable
class SplitGroups(Protocol):
    """Optional: a dataset whose split assigned whole groups of samples to one side: the days of
    one smart meter, the images of one patient.

    ``split_groups[i]`` names sample ``i``'s group (``None``: samples were assigned one by one).
    A group's samples are then all training samples or none are, so the privacy metrics count a
    group, not a sample, as one draw in their standard errors: a membership attack against 20
    held-out meters has the uncertainty of 20 households, not of their 7,300 days.
    """

    split_groups: Sequence[str] | None


@runtime_checkable
class Exporting(Protocol):
    """Optional: a dataset class that writes generated samples in their native format.

    Called on the *class* (``export`` is a classmethod or staticmethod) with the DataSpec saved
    in the checkpoint, so generation needs neither the training data nor the dataset's
    arguments. Without it, images are written as PNG and other modalities as CSV.

    ``ganzoo generate`` streams, calling ``export`` once per batch with ``start``, the index of
    the batch's first sample in the whole output: number files from it, and append to a file
    that ``start == 0`` created (writing its header only then). An ``export`` without the
    ``start`` parameter still works, called once with every sample (held in memory).
    """

    def export(
        self,
        samples: torch.Tensor,
        out_dir: Path,
        spec: DataSpec,
        conditions: torch.Tensor | None = None,
        start: int = 0,
    ) -> list[Path]: ...


@runtime_checkable
class ConditionSampling(Protocol):
    """Optional: a dataset class that draws label conditions for unconditioned generation.

    A classmethod (or staticmethod) working from the checkpoint's DataSpec alone:
    ``sample_conditions`` gives ``n`` valid condition vectors (e.g. one one-hot per label block,
    at the training frequencies) when ``ganzoo generate`` is given no ``--condition``. Without
    it, the sampler draws one-hot labels at ``spec.meta["label_frequencies"]`` (else uniformly).
    """

    def sample_conditions(self, spec: DataSpec, n: int, generator: torch.Generator | None = None) -> torch.Tensor: ...


class Curator(Protocol):
    """Chooses, block by block, which generated samples to keep (see [`Curating`][ganzoo.registry.protocols.Curating])."""

    #: candidates generated per kept sample (at least 2)
    oversample: int

    def choose(self, samples: torch.Tensor, n: int) -> torch.Tensor:
        """Indices of the ``n`` of ``samples`` to keep; may remember earlier blocks' choices."""
        ...


@runtime_checkable
class Curating(Protocol):
    """Optional: a dataset class that curates freely drawn generated samples.

    A classmethod (or staticmethod) working from the checkpoint's DataSpec alone: ``curator``
    returns a fresh [`Curator`][ganzoo.registry.protocols.Curator] (or ``None``: keep every
    sample). When [`Sampler.stream`][ganzoo.engine.sampler.Sampler.stream] draws the conditions
    itself (``ganzoo generate`` without ``--condition``), it generates ``oversample`` candidates
    per sample, block by block, and keeps those the curator chooses; a table dataset uses this to
    give the generated rows the training data's column frequencies. Samples asked for with
    explicit conditions are never curated (the conditions fix what they must be).
    """

    def curator(self, spec: DataSpec) -> Curator | None: ...


@runtime_checkable
class ConditionParsing(Protocol):
    """Optional: a dataset class that parses ``ganzoo generate --condition`` text.

    A classmethod (or staticmethod): ``parse_condition(spec, "severity=1", n)`` returns the
    ``(n, K)`` condition vectors the text asks for; ``generator`` draws any part the text leaves
    open, reproducibly. Without it, ``--condition`` is refused for the run.
    """

    def parse_condition(
        self, spec: DataSpec, text: str, n: int, generator: torch.Generator | None = None
    ) -> torch.Tensor: ...


@runtime_checkable
class Metric(Protocol):
    """Scores a trained run; returns named values, each with its protocol.

    ``applies_to(spec)`` (a staticmethod or classmethod: it is asked before the metric is built)
    says whether the metric can score data described by ``spec``; ``ganzoo evaluate`` runs every
    metric that applies when the experiment chooses none. ``compute`` receives an
    [`EvalContext`][ganzoo.metrics.context.EvalContext] (held-out real data, generated samples, the
    DataSpec) and returns ``{name: {"value": float, ...protocol}}``; each result says which
    direction is better (``"better": "lower" | "higher"``) and the facts of its protocol
    (``ctx.protocol()``: sample counts, split, seed).
    """

    def applies_to(self, spec: DataSpec) -> bool: ...

    def compute(self, ctx: EvalContext) -> dict[str, dict[str, Any]]: ...


@runtime_checkable
class Logger(Protocol):
    """Sends a training run to an experiment tracker (TensorBoard, MLflow, W&B, ...).

    Listed in ``train.loggers``; built once per training session (a resumed run builds it
    again), in the process that writes files. ``start`` receives the
    [`RunInfo`][ganzoo.loggers.base.RunInfo] (run directory, name, first step, whether it is a
    resume) and the experiment's hyperparameters flattened to ``{"train.lr": 0.0002, ...}``
    (values are bool, int, float or str). ``log_scalars`` gets every metrics record as
    ``{tag: value}`` at its step: losses (``loss/d``, ``loss/g/<term>``), learning rates
    (``lr/g``), throughput (``it_s``, ``samples_s``), epoch means (``epoch/...``) and
    in-training evaluation (``eval/...``). ``log_image`` gets each sample grid as the PNG file
    written in ``RUN/samples``. ``finish`` is called when training stops, with ``"finished"``
    (all steps done) or ``"stopped"`` (``--until``, early stopping, Ctrl-C).

    A logger that raises while logging is reported once and switched off; training goes on.
    """

    def start(self, run: RunInfo, hyperparameters: Mapping[str, Any]) -> None: ...

    def log_scalars(self, step: int, values: Mapping[str, float]) -> None: ...

    def log_image(self, step: int, name: str, image: Path) -> None: ...

    def finish(self, status: str) -> None: ...


PROTOCOLS: dict[str, type] = {
    "generator": Generator,
    "discriminator": Discriminator,
    "loss": Loss,
    "dataset": Dataset,
    "metric": Metric,
    "logger": Logger,
}
