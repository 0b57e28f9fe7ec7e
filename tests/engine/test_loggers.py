"""train.loggers: TensorBoard and MLflow receive the run as their own readers load it back."""

from __future__ import annotations

import json
import sys
import types
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from ganzoo.engine.run import train
from ganzoo.engine.tracking import record_scalars
from ganzoo.loggers.base import RunInfo, flatten_hyperparameters
from ganzoo.plugin import ComponentConfig, hookimpl
from ganzoo.plugins.manager import PluginInfo, get_manager
from ganzoo.registry.errors import ConfigError
from ganzoo.registry.registry import Registry

Experiment = Callable[..., dict[str, Any]]


def _train_records(run_dir: Path, kind: str = "train") -> list[dict[str, Any]]:
    lines = (run_dir / "metrics.jsonl").read_text().splitlines()
    return [r for r in map(json.loads, lines) if r["kind"] == kind]


def test_tensorboard_event_files_load_with_tensorboards_reader(
    toys: Registry, experiment: Experiment, tmp_path: Path
) -> None:
    pytest.importorskip("tensorboard", reason="the tensorboard extra is not installed")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    raw = experiment("ring", steps=10, loggers=["tensorboard"])  # 512 samples, batch 32: 16 steps/epoch
    run = train(raw, run_dir=tmp_path / "run")
    events = EventAccumulator(str(run.directory / "tensorboard"), size_guidance={"scalars": 0, "images": 0})
    events.Reload()
    tags = events.Tags()
    for tag in ("loss/d", "loss/g", "loss/d/toy-bce", "lr/g", "lr/d", "it_s", "samples_s", "epoch/loss/g"):
        assert tag in tags["scalars"], tag
    assert tags["images"] == ["samples"]
    assert set(events.PluginTagToContent("hparams")) >= {"_hparams_/experiment", "_hparams_/session_start_info"}

    logged = _train_records(run.directory)
    assert [e.step for e in events.Scalars("loss/d")] == [r["step"] for r in logged] == [5, 10]
    assert [e.value for e in events.Scalars("loss/d")] == pytest.approx([r["loss/d"] for r in logged])
    image = events.Images("samples")[-1]
    assert image.step == 10 and image.width > 0 and image.height > 0


def _mlflow_run(experiment: Experiment, run_dir: Path, params: dict[str, Any]) -> dict[str, str]:
    """Train the ring run with the mlflow logger in two sessions; the logger's state file."""
    raw = experiment("ring", steps=10, loggers=[{"name": "mlflow", "params": {"experiment": "toys", **params}}])
    train(raw, run_dir=run_dir, until=5)
    train(resume=run_dir)  # continues the same MLflow run
    return json.loads((run_dir / "mlflow.json").read_text())


def _check_mlflow_run(state: dict[str, str], run_dir: Path) -> None:
    """MLflow's own client reads back one run with the parameters, metrics and sample grids."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=state["tracking_uri"])
    runs = client.search_runs([client.get_experiment_by_name("toys").experiment_id])
    assert [r.info.run_id for r in runs] == [state["run_id"]]
    mlflow_run = runs[0]
    assert mlflow_run.info.status == "FINISHED" and mlflow_run.data.tags["ganzoo.status"] == "finished"
    assert mlflow_run.data.params["train.lr"] == "0.001"
    assert mlflow_run.data.params["dataset.name"] == "toy-ring"

    history = sorted(client.get_metric_history(state["run_id"], "loss/g"), key=lambda m: m.step)
    logged = _train_records(run_dir)
    assert [m.step for m in history] == [r["step"] for r in logged] == [5, 10]
    assert [m.value for m in history] == pytest.approx([r["loss/g"] for r in logged])
    artifacts = [a.path for a in client.list_artifacts(state["run_id"], "samples")]
    assert artifacts and all(a.startswith("samples/") and a.endswith(".png") for a in artifacts)


def test_mlflow_client_reads_back_metrics_params_and_resumed_steps(
    toys: Registry, experiment: Experiment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default store: a SQLite database beside the run directory, one MLflow run per run."""
    pytest.importorskip("mlflow", reason="the mlflow extra is not installed")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    state = _mlflow_run(experiment, tmp_path / "runs" / "ring", {})
    assert state["tracking_uri"] == f"sqlite:///{(tmp_path / 'runs' / 'mlflow.db').resolve().as_posix()}"
    _check_mlflow_run(state, tmp_path / "runs" / "ring")
    assert (tmp_path / "runs" / "mlartifacts").is_dir()


def test_unknown_logger_and_bad_params_fail_before_training(toys: Registry, experiment: Experiment, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"train\.loggers\.0\.name: .*tensorbord.*did you mean 'tensorboard'"):
        train(experiment("ring", loggers=["tensorbord"]), run_dir=tmp_path / "a")
    bad = {"name": "tensorboard", "params": {"flush_secs": 0}}
    with pytest.raises(ConfigError, match=r"train\.loggers\.0\.params\.flush_secs"):
        train(experiment("ring", loggers=[bad]), run_dir=tmp_path / "b")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_missing_extra_is_one_line_naming_the_extra_and_leaves_no_run_dir(
    toys: Registry, experiment: Experiment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # import fails as if not installed
    with pytest.raises(ConfigError) as raised:
        train(experiment("ring", loggers=["tensorboard"]), run_dir=tmp_path / "run")
    message = str(raised.value)
    assert message.startswith("train.loggers: tensorboard needs the tensorboard package")
    assert "pip install 'ganzoo[tensorboard]'" in message and len(message.splitlines()) == 1
    assert not (tmp_path / "run").exists()


class _RecorderConfig(ComponentConfig):
    """Records what it is told."""

    fail_in: str | None = None


class _Recorder:
    calls: list[tuple[str, Any]] = []

    def __init__(self, config: _RecorderConfig) -> None:
        self.fail_in = config.fail_in

    def _call(self, method: str, value: Any) -> None:
        if method == self.fail_in:
            raise RuntimeError(f"{method} is down")
        _Recorder.calls.append((method, value))

    def start(self, run: RunInfo, hyperparameters: Mapping[str, Any]) -> None:
        self._call("start", (run.step, run.resumed, hyperparameters["train.batch_size"]))

    def log_scalars(self, step: int, values: Mapping[str, float]) -> None:
        self._call("log_scalars", (step, sorted(values)))

    def log_image(self, step: int, name: str, image: Path) -> None:
        self._call("log_image", (step, name, image.is_file()))

    def finish(self, status: str) -> None:
        self._call("finish", status)


@hookimpl
def ganzoo_register_loggers(register: Any) -> None:
    register("recorder", _Recorder, config=_RecorderConfig)


@pytest.fixture
def recorder(toys: Registry) -> type[_Recorder]:
    module = types.ModuleType("recorder_plugin")
    module.ganzoo_register_loggers = ganzoo_register_loggers  # type: ignore[attr-defined]
    info = get_manager().add_plugin(module, PluginInfo("recorder", "recorder-plugin", "0"))
    assert info.status == "ok", info.error
    _Recorder.calls = []
    return _Recorder


def test_third_party_logger_gets_start_records_images_and_finish(
    recorder: type[_Recorder], experiment: Experiment, tmp_path: Path
) -> None:
    train(experiment("ring", steps=10, loggers=["recorder"]), run_dir=tmp_path / "run", until=5)
    train(resume=tmp_path / "run")
    methods = [m for m, _ in recorder.calls]
    assert methods.count("start") == 2 and methods.count("finish") == 2
    assert recorder.calls[0] == ("start", (0, False, 32))
    assert ("finish", "stopped") in recorder.calls and recorder.calls[-1] == ("finish", "finished")
    assert ("start", (5, True, 32)) in recorder.calls
    scalars = [value for method, value in recorder.calls if method == "log_scalars" and "it_s" in value[1]]
    assert [step for step, _ in scalars] == [5, 10]
    assert {"loss/d", "loss/g", "lr/g", "it_s", "samples_s"} <= set(scalars[0][1])
    assert ("log_image", (10, "samples", True)) in recorder.calls  # the last epoch's grid


def test_logger_failing_midway_is_reported_once_and_training_goes_on(
    recorder: type[_Recorder], experiment: Experiment, tmp_path: Path
) -> None:
    spec = {"name": "recorder", "params": {"fail_in": "log_scalars"}}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = train(experiment("ring", steps=10, loggers=[spec]), run_dir=tmp_path / "run")
    assert run.finished
    messages = [str(w.message) for w in caught if "train.loggers" in str(w.message)]
    assert messages == ["train.loggers: recorder failed in log_scalars (RuntimeError: log_scalars is down); "
                        "it logs nothing more in this run"]
    assert [m for m, _ in recorder.calls] == ["start"]

    failing_start = {"name": "recorder", "params": {"fail_in": "start"}}
    with pytest.raises(ConfigError, match=r"^train\.loggers: recorder could not start \(RuntimeError: start is down\)$"):
        train(experiment("ring", loggers=[failing_start]), run_dir=tmp_path / "other")


def test_records_and_hyperparameters_become_flat_tags() -> None:
    assert record_scalars({"kind": "train", "step": 5, "epoch": 1, "time": 0.2, "loss/d": 1.0, "it_s": 3}) == {
        "loss/d": 1.0, "it_s": 3.0,
    }
    assert record_scalars({"kind": "eval", "step": 5, "epoch": 1, "fid": 12.5}) == {"eval/fid": 12.5}
    assert record_scalars({"kind": "epoch", "step": 5, "epoch": 1, "loss/g": 0.5}) == {"epoch/loss/g": 0.5}
    flat = flatten_hyperparameters({
        "train": {"lr": 0.1, "betas": [0.5, 0.999], "ema": {"decay": 0.9}},
        "losses": [{"name": "adversarial", "weight": 1.0}],
    })
    assert flat == {"train.lr": 0.1, "train.betas": "[0.5, 0.999]", "train.ema.decay": 0.9,
                    "losses.0.name": "adversarial", "losses.0.weight": 1.0}
