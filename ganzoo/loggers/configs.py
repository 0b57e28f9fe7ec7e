"""Parameters of the built-in loggers (pydantic only: ``ganzoo list`` must not import trackers)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, PositiveInt

from ganzoo.registry.config import ComponentConfig


class TensorBoardLoggerConfig(ComponentConfig):
    """TensorBoard event files: losses, learning rates, throughput, sample grids, hyperparameters."""

    log_dir: Path = Field(
        Path("tensorboard"),
        description="Folder of the event files; a relative path is taken from the run directory.",
    )
    flush_secs: PositiveInt = Field(10, description="Seconds between writes of buffered events to disk.")
    images: bool = Field(True, description="Log the sample grids as images.")


class MLflowLoggerConfig(ComponentConfig):
    """MLflow tracking: parameters, metrics and sample grids of each run (local database by default)."""

    tracking_uri: str | None = Field(
        None,
        description="MLflow tracking URI; default: $MLFLOW_TRACKING_URI, else the SQLite database "
        "mlflow.db beside the run directory (shared by the runs in that folder).",
    )
    experiment: str | None = Field(None, description="MLflow experiment; default: the experiment's name.")
    images: bool = Field(True, description="Store the sample grids as run artifacts.")
