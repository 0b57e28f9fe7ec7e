"""The ``tensorboard`` logger: event files that ``tensorboard --logdir runs`` shows.

Written with `torch.utils.tensorboard.SummaryWriter` (needs the ``tensorboard`` package:
``pip install 'ganzoo[tensorboard]'``). A resumed run writes a new event file in the same folder
and purges the events logged after its checkpoint, so the curves have no doubled tail.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ganzoo.loggers.base import RunInfo
from ganzoo.loggers.configs import TensorBoardLoggerConfig
from ganzoo.registry.errors import ConfigError

#: Scalars the hyperparameter table shows next to each run (always logged).
HPARAM_METRICS = ("loss/d", "loss/g")


def missing_extra(name: str, package: str, extra: str, err: ImportError) -> ConfigError:
    """The one-line error of a logger whose optional dependency is not installed."""
    return ConfigError(
        f"train.loggers: {name} needs the {package} package ({err}); install it with pip install 'ganzoo[{extra}]'"
    )


class TensorBoardLogger:
    """Scalars, sample grids and hyperparameters in TensorBoard event files."""

    def __init__(self, config: TensorBoardLoggerConfig) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as err:
            raise missing_extra("tensorboard", "tensorboard", "tensorboard", err) from None
        self._writer_class = SummaryWriter
        self.config = config
        self.writer: Any = None

    def start(self, run: RunInfo, hyperparameters: Mapping[str, Any]) -> None:
        from torch.utils.tensorboard.summary import hparams

        log_dir = run.run_dir / self.config.log_dir
        self.writer = self._writer_class(
            log_dir=str(log_dir), flush_secs=self.config.flush_secs, purge_step=run.step if run.resumed else None
        )
        metrics = dict.fromkeys(HPARAM_METRICS, float("nan"))
        for summary in hparams(dict(hyperparameters), metrics):
            self.writer.file_writer.add_summary(summary)

    def log_scalars(self, step: int, values: Mapping[str, float]) -> None:
        for tag, value in values.items():
            self.writer.add_scalar(tag, value, step)

    def log_image(self, step: int, name: str, image: Path) -> None:
        if not self.config.images:
            return
        import numpy as np
        from PIL import Image

        with Image.open(image) as png:
            pixels = np.asarray(png.convert("RGB"))
        self.writer.add_image(name, pixels, step, dataformats="HWC")

    def finish(self, status: str) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
