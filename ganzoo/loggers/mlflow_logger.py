"""The ``mlflow`` logger: one MLflow run per ganzoo run, continued when the run is resumed.

Needs ``pip install 'ganzoo[mlflow]'`` (mlflow-skinny plus the SQL libraries of its local
database). Without a tracking URI (parameter or ``$MLFLOW_TRACKING_URI``) the runs of a folder
share the SQLite database ``mlflow.db`` beside them (``runs/mlflow.db``, artifacts in
``runs/mlartifacts``): ``mlflow ui --backend-store-uri sqlite:///runs/mlflow.db`` shows them.
MLflow's plain-folder store (``./mlruns``) cannot be the default: MLflow 3 refuses it unless
``MLFLOW_ALLOW_FILE_STORE=true``, and it keeps each metric in a file named after its key, so
``loss/d`` (a file) and ``loss/d/adversarial`` (inside a folder of that name) cannot both exist.

The MLflow run id is kept in ``RUN/mlflow.json``, so ``ganzoo train --resume RUN`` logs into the
same MLflow run; parameters are logged when the MLflow run is created (MLflow refuses to change
them later).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ganzoo.files import write_json
from ganzoo.loggers.base import RunInfo
from ganzoo.loggers.configs import MLflowLoggerConfig
from ganzoo.loggers.tensorboard_logger import missing_extra

#: File in the run directory that remembers the MLflow run of a ganzoo run.
STATE_FILE = "mlflow.json"
#: MLflow takes at most 100 parameters per batch.
PARAMS_PER_BATCH = 100


def default_tracking_uri(run_dir: Path) -> str:
    """``$MLFLOW_TRACKING_URI``, else the SQLite database beside the run directory."""
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{(run_dir.parent / 'mlflow.db').as_posix()}"


class MLflowLogger:
    """Parameters, metrics and sample grids of a run in MLflow."""

    def __init__(self, config: MLflowLoggerConfig) -> None:
        try:
            from mlflow.tracking import MlflowClient
        except ImportError as err:
            raise missing_extra("mlflow", "mlflow-skinny", "mlflow", err) from None
        self._client_class = MlflowClient
        self.config = config
        self.client: Any = None
        self.run_id: str | None = None

    def start(self, run: RunInfo, hyperparameters: Mapping[str, Any]) -> None:
        uri = self.config.tracking_uri or default_tracking_uri(run.run_dir)
        self.client = self._client_class(tracking_uri=uri)
        state_path = run.run_dir / STATE_FILE
        state = json.loads(state_path.read_text(encoding="utf-8")) if state_path.is_file() else {}
        if run.resumed and state.get("tracking_uri") == uri and state.get("run_id"):
            self.run_id = state["run_id"]
            self.client.update_run(self.run_id, status="RUNNING")
            return
        experiment_id = self._experiment_id(self.config.experiment or run.name, uri)
        created = self.client.create_run(
            experiment_id, run_name=run.run_dir.name, tags={"ganzoo.run_dir": str(run.run_dir)}
        )
        self.run_id = created.info.run_id
        self._log_params(hyperparameters)
        write_json(state_path, {"tracking_uri": uri, "run_id": self.run_id})

    def _experiment_id(self, name: str, uri: str) -> str:
        experiment = self.client.get_experiment_by_name(name)
        if experiment is not None:
            return str(experiment.experiment_id)
        location = None
        if uri.startswith("sqlite:///") and self.config.tracking_uri is None:
            location = (Path(uri.removeprefix("sqlite:///")).parent / "mlartifacts").resolve().as_uri()
        return str(self.client.create_experiment(name, artifact_location=location))

    def _log_params(self, hyperparameters: Mapping[str, Any]) -> None:
        from mlflow.entities import Param

        params = [Param(key, str(value)) for key, value in hyperparameters.items()]
        for start in range(0, len(params), PARAMS_PER_BATCH):
            self.client.log_batch(self.run_id, params=params[start : start + PARAMS_PER_BATCH])

    def log_scalars(self, step: int, values: Mapping[str, float]) -> None:
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        metrics = [Metric(key, float(value), now, step) for key, value in values.items()]
        self.client.log_batch(self.run_id, metrics=metrics)

    def log_image(self, step: int, name: str, image: Path) -> None:
        if self.config.images:
            self.client.log_artifact(self.run_id, str(image), artifact_path=name)

    def finish(self, status: str) -> None:
        if self.client is None or self.run_id is None:
            return
        self.client.set_tag(self.run_id, "ganzoo.status", status)
        self.client.set_terminated(self.run_id, "FINISHED")
        self.client = None
