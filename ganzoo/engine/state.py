"""What callbacks see of the trainer: a protocol, so they do not depend on the engine itself.

[`Engine`][ganzoo.engine.engine.Engine] satisfies it; callbacks (and tests) may be driven by
anything else that does.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ganzoo.data.spec import DataSpec
    from ganzoo.engine.guard import NonFiniteError
    from ganzoo.engine.sampler import Sampler
    from ganzoo.engine.strategy import Strategy
    from ganzoo.registry.config import ExperimentConfig
    from ganzoo.registry.protocols import Dataset


class TrainerState(Protocol):
    """Progress, run and data of a training run, and the actions a callback may take.

    Attributes:
        config: the resolved experiment.
        spec: what the dataset's samples look like.
        dataset: the training data (fixed sample inputs are drawn from it).
        seed: ``train.seed``; callbacks derive their own RNG streams from it.
        strategy: the process layout (``strategy.is_main`` is the process that writes files).
        run_dir: the run directory, or ``None`` when checkpoints are off.
        step: finished steps (generator updates).
        total_steps: steps the run trains in all.
        checkpoint_step: step of the newest checkpoint of this run, if any.
        failure: why training stopped early on non-finite values
            ([`NonFiniteError`][ganzoo.engine.guard.NonFiniteError]), else ``None``; set before the
            ``on_train_end`` calls.
    """

    config: ExperimentConfig
    spec: DataSpec
    dataset: Dataset
    seed: int
    strategy: Strategy
    run_dir: Path | None
    step: int
    total_steps: int
    checkpoint_step: int | None
    failure: NonFiniteError | None

    @property
    def epoch(self) -> int:
        """1-based epoch of the last finished step."""
        ...

    @property
    def total_epochs(self) -> int:
        """Epochs the run trains in all (the last one may be partial)."""
        ...

    def sampler(self) -> Sampler:
        """A sampler over the current (EMA if trained) generator."""
        ...

    def emit(self, record: dict[str, Any]) -> None:
        """Send a metrics record to every callback."""
        ...

    def save_checkpoint(self) -> Path:
        """Write a checkpoint of the current step (every process calls it)."""
        ...

    def request_stop(self, reason: str) -> None:
        """End training after this step, with a final checkpoint (every process asks alike)."""
        ...
