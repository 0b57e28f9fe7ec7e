"""The training loop on toy tables and series: it learns, logs, samples and honours [train]."""

from __future__ import annotations

import io
import json
import math
import tomllib
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch

import ganzoo
from ganzoo.engine.callbacks import Callback, ProgressCallback
from ganzoo.engine.checkpoint import find_checkpoint, list_checkpoints
from ganzoo.engine.engine import Engine
from ganzoo.engine.state import TrainerState
from ganzoo.registry.registry import Registry

Experiment = Callable[..., dict[str, Any]]


class FirstSamples(Callback):
    """Samples of the untrained generator (fixed seed), for before/after comparisons."""

    def __init__(self, n: int, condition: Any = None) -> None:
        self.n, self.condition = n, condition
        self.samples: torch.Tensor | None = None
        self.steps_seen: list[int] = []

    def on_train_start(self, engine: TrainerState) -> None:
        self.steps_seen.append(engine.step)
        self.samples = engine.sampler().sample(self.n, condition=self.condition, seed=1)


def test_each_network_is_one_object_holding_its_views(toys: Registry, experiment: Experiment) -> None:
    """The loop calls ``g.forward``/``d.loss_forward``; sampling, EMA and checkpoints use the bare
    ``module``, which the public ``generator``/``discriminator`` names; callbacks need only the
    TrainerState protocol, which the engine satisfies."""
    from ganzoo.experiment.build import build_experiment

    built = build_experiment(experiment("ring", ema={"decay": 0.9}, compile=True), toys)
    frozen = next(built.discriminator.parameters()).requires_grad_(False)
    engine = Engine(built)
    assert engine.generator is engine.g.module is built.generator and engine.d.module is built.discriminator
    assert engine.g.train is engine.g.module  # one process: no DDP wrapper
    assert engine.g.forward is not engine.g.train and engine.d.loss_forward is engine.d.forward  # compiled
    assert engine.optimizers == {"generator": engine.g.optimizer, "discriminator": engine.d.optimizer}
    assert all(p is not frozen for p in engine.d.trainable)
    assert len(engine.d.trainable) == len(list(built.discriminator.parameters())) - 1
    assert engine.ema is not None and engine.ema is not engine.g.module
    members = set(TrainerState.__annotations__) | {
        name for name, value in vars(TrainerState).items()
        if not name.startswith("_") and (callable(value) or isinstance(value, property))
    }
    assert {"step", "sampler", "save_checkpoint", "epoch", "run_dir"} <= members
    assert all(hasattr(engine, name) for name in members)


def _ring_error(points: torch.Tensor, radius: float = 2.0) -> float:
    return (points.norm(dim=1) - radius).abs().mean().item()


def test_ring_of_gaussians_moves_toward_the_data(toys: Registry, experiment: Experiment, tmp_path: Path) -> None:
    before = FirstSamples(512)
    run = ganzoo.train(experiment("ring", steps=300, lr=2e-3, log_every=100), run_dir=tmp_path / "run",
                       callbacks=[before])
    after = ganzoo.load(run.directory).sample(512, seed=1)
    assert after.shape == (512, 2)
    assert _ring_error(after) < 0.6 * _ring_error(before.samples)


def _spectrum(series: torch.Tensor) -> torch.Tensor:
    return torch.fft.rfft(series.squeeze(1), dim=-1).abs().mean(0)


def test_sine_series_move_toward_the_data(toys: Registry, experiment: Experiment, tmp_path: Path) -> None:
    before = FirstSamples(256)
    run = ganzoo.train(experiment("sine", steps=300, lr=2e-3, log_every=100), run_dir=tmp_path / "run",
                       callbacks=[before])
    after = ganzoo.load(run.directory).sample(256, seed=1)
    assert after.shape == (256, 1, 32)
    real = torch.stack([toys.create("dataset", "toy-sine")[i]["x"] for i in range(256)])
    distance = lambda s: (_spectrum(s) - _spectrum(real)).abs().sum().item()  # noqa: E731
    assert distance(after) < 0.6 * distance(before.samples)


def test_label_conditional_samples_follow_their_labels(toys: Registry, experiment: Experiment, tmp_path: Path) -> None:
    labels = torch.arange(8).repeat_interleave(32)
    before = FirstSamples(256, condition=labels)
    run = ganzoo.train(experiment("label-ring", steps=300, lr=2e-3, log_every=100), run_dir=tmp_path / "run",
                       callbacks=[before])
    sampler = ganzoo.load(run.directory)
    after = sampler.sample(256, condition=labels, seed=1)
    angle = labels.float() * 2 * math.pi / 8
    centres = torch.stack([angle.cos(), angle.sin()], 1) * 2.0
    error = lambda s: (s - centres).norm(dim=1).mean().item()  # noqa: E731
    assert error(after) < 0.5 * error(before.samples)
    # drawn labels are one-hot vectors from the recorded frequencies
    drawn = sampler.conditions(16, None, torch.Generator().manual_seed(0))
    assert drawn.shape == (16, 8) and torch.equal(drawn.sum(1), torch.ones(16))


def test_paired_series_translation_improves(toys: Registry, experiment: Experiment, tmp_path: Path) -> None:
    data = toys.create("dataset", "toy-sine", paired=True)
    sources = torch.stack([data[i]["cond"] for i in range(64)])
    targets = torch.stack([data[i]["x"] for i in range(64)])
    before = FirstSamples(64, condition=sources)
    run = ganzoo.train(experiment("paired-sine", steps=150, lr=2e-3, log_every=50), run_dir=tmp_path / "run",
                       callbacks=[before])
    sampler = ganzoo.load(run.directory)
    assert sampler.generator.sample_latent(2) is None  # no noise: a translator
    after = sampler.sample(64, condition=sources)
    l1 = lambda s: (s - targets).abs().mean().item()  # noqa: E731
    assert l1(after) < 0.5 * l1(before.samples)
    train = run.metrics("train")[-1]
    assert {"loss/g/toy-bce", "loss/g/toy-l1", "loss/d/toy-bce"} <= set(train)
    assert "loss/d/toy-l1" not in train  # L1 returns None for D
    # generate from the run: conditions come from the dataset's val split
    conditions = sampler.dataset_conditions(3)
    val = toys.create("dataset", "toy-sine", paired=True, split="val")
    assert torch.equal(conditions, torch.stack([val[i]["cond"] for i in range(3)]))


def test_run_directory_contents(toys: Registry, experiment: Experiment, tmp_path: Path) -> None:
    raw = experiment("ring", steps=40, log_every=10, checkpoint_every=10, keep_checkpoints=2, sample_every=15,
                     ema={"decay": 0.9})
    run = ganzoo.train(raw, run_dir=tmp_path / "run")
    directory = run.directory
    resolved = tomllib.loads((directory / "config.toml").read_text())
    assert resolved["generator"]["params"]["out_features"] == 2  # filled from the DataSpec
    assert resolved["train"]["steps"] == 40
    manifest = json.loads((directory / "manifest.json").read_text())
    assert {"ganzoo_version", "torch_version", "python", "plugins", "seed", "git_revision", "created",
            "data_spec"} <= set(manifest)
    assert manifest["plugins"]["ganzoo-engine-toys"] == "0"
    assert manifest["data_spec"]["shape"] == [2]

    records = run.metrics()
    train = [r for r in records if r["kind"] == "train"]
    assert [r["step"] for r in train] == [10, 20, 30, 40]
    for record in train:
        assert {"epoch", "time", "loss/d", "loss/g", "loss/d/toy-bce", "loss/g/toy-bce", "lr/g", "lr/d", "it_s",
                "samples_s"} <= set(record)
        assert math.isfinite(record["loss/d"]) and record["samples_s"] == pytest.approx(32 * record["it_s"])
    epochs = [r for r in records if r["kind"] == "epoch"]
    assert [(r["epoch"], r["step"]) for r in epochs] == [(1, 16), (2, 32), (3, 40)]  # 512 // 32 = 16 steps

    assert [c.step for c in list_checkpoints(directory / "checkpoints")] == [30, 40]
    checkpoint = find_checkpoint(directory)
    names = set(checkpoint.manifest["files"])
    assert {"generator.safetensors", "discriminator.safetensors", "generator_ema.safetensors",
            "optim_generator.safetensors", "optim_generator.json", "optim_discriminator.safetensors",
            "optim_discriminator.json", "rng.safetensors", "rng.json"} == names
    assert checkpoint.manifest["components"]["generator"]["provider"] == "ganzoo-engine-toys"
    assert checkpoint.manifest["components"]["losses"][0]["name"] == "toy-bce"
    assert checkpoint.manifest["experiment"]["train"]["steps"] == 40
    assert "running_mean" in "".join(checkpoint.tensors("generator"))  # BatchNorm buffers
    samples = sorted(p.name for p in (directory / "samples").iterdir())
    assert samples == ["epoch_0001.png", "epoch_0002.png", "epoch_0003.png", "step_000015.png", "step_000030.png"]
    assert ganzoo.load(directory).checkpoint.path == checkpoint.path
    # EMA: sampling uses it by default, and it differs from the raw generator
    ema = ganzoo.load(directory).sample(8, seed=0)
    raw_g = ganzoo.load(directory, ema=False).sample(8, seed=0)
    assert not torch.equal(ema, raw_g)


def test_lr_schedule_and_optimizer_overrides_reach_the_optimisers(toys: Registry, experiment: Experiment,
                                                                   tmp_path: Path) -> None:
    raw = experiment("ring", steps=8, log_every=1, lr=1e-3,
                     schedule={"kind": "linear-decay", "unit": "step", "constant": 4, "decay": 4},
                     discriminator_optimizer={"lr": 4e-3})
    records = ganzoo.train(raw, run_dir=tmp_path / "run").metrics("train")
    factors = [1, 1, 1, 1, 4 / 5, 3 / 5, 2 / 5, 1 / 5]
    assert [r["lr/g"] for r in records] == pytest.approx([1e-3 * f for f in factors])
    assert [r["lr/d"] for r in records] == pytest.approx([4e-3 * f for f in factors])


def test_n_critic_takes_one_batch_per_critic_update(toys: Registry, experiment: Experiment, tmp_path: Path) -> None:
    seen: list[int] = []

    class Count(Callback):
        def on_step_end(self, engine: Engine) -> None:
            seen.append(engine.epoch)

    run = ganzoo.train(experiment("ring", epochs=2, n_critic=4, log_every=2), run_dir=tmp_path / "run",
                       callbacks=[Count()])
    assert run.total_steps == 2 * 16 // 4 and run.finished
    assert seen == [1, 1, 1, 1, 2, 2, 2, 2]


def test_min_epochs_lengthens_a_step_count_too_short_for_the_data(toys: Registry, experiment: Experiment) -> None:
    """16 batches per epoch, 4 per step: 2 epochs are 8 steps, so 3 steps become 8 and 10 stay 10."""
    assert ganzoo.validate(experiment("ring", steps=3, min_epochs=2, n_critic=4)).total_steps == 8
    assert ganzoo.validate(experiment("ring", steps=10, min_epochs=2, n_critic=4)).total_steps == 10
    with pytest.raises(ganzoo.ConfigError, match="min_epochs goes with steps"):
        ganzoo.validate(experiment("ring", epochs=3, min_epochs=2))
    # a length set on the command line is the length trained
    overridden = ganzoo.validate(experiment("ring", steps=3, min_epochs=2, n_critic=4), overrides=["train.steps=5"])
    assert overridden.total_steps == 5


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_mixed_precision_with_one_scaler_per_optimiser(toys: Registry, experiment: Experiment, tmp_path: Path,
                                                       precision: str) -> None:
    run = ganzoo.train(experiment("sine", steps=4, precision=precision, grad_clip=1.0, fused_optimizer=True,
                                  channels_last=True), run_dir=tmp_path / "run")
    record = run.metrics("train")[-1]
    assert math.isfinite(record["loss/d"]) and math.isfinite(record["loss/g"])
    checkpoint = find_checkpoint(run.directory)
    assert checkpoint.has("scaler") == (precision == "fp16")
    if precision == "fp16":
        assert set(checkpoint.json("scaler")) == {"generator", "discriminator"}


@pytest.mark.parametrize("precision", ["fp32", "fp16"])
def test_gradient_penalty_sees_the_discriminator_loss_scale_under_fp16(
        toys: Registry, experiment: Experiment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        precision: str) -> None:
    import ganzoo.components.losses as losses

    scales: list[float] = []
    input_gradient = losses._input_gradient

    def recording(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        scales.append(ctx.input_grad_scale)
        return input_gradient(ctx, x)

    monkeypatch.setattr(losses, "_input_gradient", recording)
    raw = experiment("ring", steps=4, precision=precision, log_every=1)
    raw["losses"] = [{"name": "adversarial", "params": {"mode": "wasserstein"}},
                     {"name": "gradient-penalty", "weight": 10.0}]
    run = ganzoo.train(raw, run_dir=tmp_path / "run")
    assert math.isfinite(run.metrics("train")[-1]["loss/d"])
    if precision == "fp32":
        assert scales == [1.0] * 4
    else:
        # GradScaler starts at 2**16; a penalty that overflows float16 there makes the scaler
        # skip that update and halve the scale, as for any other overflowing gradient.
        assert scales[0] == 2.0**16 and min(scales) < 2.0**16


def test_compile_failure_falls_back_to_eager_with_one_warning(toys: Registry, experiment: Experiment, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_compile(module: torch.nn.Module) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            raise RuntimeError("no compiler here\nsecond line")

        return call

    monkeypatch.setattr(torch, "compile", broken_compile)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = ganzoo.train(experiment("ring", steps=3, compile=True), run_dir=tmp_path / "run")
    messages = [str(w.message) for w in caught if "train.compile" in str(w.message)]
    assert len(messages) == 2  # one for G, one for D, not one per step
    assert "no compiler here" in messages[0] and "second line" not in messages[0]
    assert run.finished


def test_progress_prints_plain_lines_when_not_a_terminal(toys: Registry, experiment: Experiment,
                                                         tmp_path: Path) -> None:
    stream = io.StringIO()
    ganzoo.train(experiment("ring", steps=10, log_every=5), run_dir=tmp_path / "run",
                 callbacks=[ProgressCallback(stream)])
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("training ring: step 0/10")
    assert lines[1].startswith("step 5/10 epoch 1 loss/d=") and "it/s" in lines[1]
    assert any(line.startswith("epoch 1 done (step 10)") for line in lines)


def test_eval_hook_records_are_logged(toys: Registry, experiment: Experiment, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import ganzoo.metrics.evaluate as evaluate

    calls: list[int] = []

    def fake_eval(run_dir: Path, sampler: Any, config: Any) -> dict[str, Any]:
        calls.append(len(sampler.sample(4, seed=0)))
        return {"score": 0.5, "other": {"value": 2.0, "n": 4}}

    monkeypatch.setattr(evaluate, "evaluate_during_training", fake_eval)
    run = ganzoo.train(experiment("ring", steps=6, eval_every=3), run_dir=tmp_path / "run")
    evals = run.metrics("eval")
    assert [(r["step"], r["score"], r["other"]) for r in evals] == [(3, 0.5, 2.0), (6, 0.5, 2.0)]
    assert calls == [4, 4]


def test_failing_evaluation_warns_once_and_training_goes_on(toys: Registry, experiment: Experiment, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import ganzoo.metrics.evaluate as evaluate
    from ganzoo.registry.errors import DataError

    def failing(run_dir: Path, sampler: Any, config: Any) -> dict[str, Any]:
        raise DataError("no 'val' split in /data")

    monkeypatch.setattr(evaluate, "evaluate_during_training", failing)
    with pytest.warns(RuntimeWarning, match="evaluation failed .no 'val' split") as caught:
        run = ganzoo.train(experiment("ring", steps=6, eval_every=2), run_dir=tmp_path / "run")
    assert len([w for w in caught if "evaluation failed" in str(w.message)]) == 1
    assert run.finished and run.metrics("eval") == []


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_unavailable_device_is_a_config_error(toys: Registry, experiment: Experiment, tmp_path: Path) -> None:
    from ganzoo.registry.errors import ConfigError

    with pytest.raises(ConfigError, match="train.device: 'cuda' requested but CUDA is not available"):
        ganzoo.train(experiment("ring", device="cuda"), run_dir=tmp_path / "run")
    with pytest.raises(ConfigError, match="train.device: unknown device 'gpu7'"):
        ganzoo.train(experiment("ring", device="gpu7"), run_dir=tmp_path / "run2")


def test_many_short_epochs_report_evenly_spaced_epochs(toys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ganzoo.engine.callbacks import MAX_EPOCH_REPORTS
    from ganzoo.engine.run import train

    run = train({
        "generator": {"name": "toy-mlp"},
        "discriminator": {"name": "toy-mlp"},
        "dataset": {"name": "toy-ring", "params": {"n": 16}},
        "losses": [{"name": "toy-bce"}],
        "train": {"epochs": 50, "batch_size": 8, "progress": False, "log_every": 1000},
    }, run_dir=tmp_path / "run")
    grids = sorted(p.name for p in (run.directory / "samples").iterdir())
    assert len(grids) <= MAX_EPOCH_REPORTS + 1
    assert grids[0] == "epoch_0001.png" and grids[-1] == "epoch_0050.png"
    assert len(run.metrics("epoch")) == 50  # every epoch's losses are still logged


def test_threads_setting_applies_to_torch(toys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import torch

    from ganzoo.engine.run import train

    previous = torch.get_num_threads()
    try:
        train({
            "generator": {"name": "toy-mlp"}, "discriminator": {"name": "toy-mlp"},
            "dataset": {"name": "toy-ring", "params": {"n": 16}}, "losses": [{"name": "toy-bce"}],
            "train": {"steps": 1, "batch_size": 8, "progress": False, "threads": 3},
        }, run_dir=tmp_path / "run")
        assert torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(previous)
