"""The adversarial training loop: discriminator update(s), then a generator update.

One step (``engine.step`` counts finished steps, i.e. generator updates):

1. re-seed the global RNGs from ``(seed, step)`` so noise, dropout and augmentation of a step
   do not depend on what ran before it (exact resume);
2. ``n_critic`` times: take the next batch (its position in the data is a function of the step,
   see [`ganzoo.engine.loader`][ganzoo.engine.loader]), let the dataset ``augment`` it (or let a
   [`BatchDrawing`][ganzoo.registry.protocols.BatchDrawing] dataset draw the batch), generate ``G(z, cond)`` with
   fresh noise, and update D on the weighted sum of every loss's ``discriminator_loss`` with one
   backward. Each critic update draws its own real batch, as WGAN-GP and CTGAN do;
3. update G on the weighted sum of every ``generator_loss``, reusing the last fake with its
   graph (as the DCGAN and pix2pix references do) and with D's parameters frozen;
4. update the EMA generator.

The condition kinds need no special cases: ``G(G.sample_latent(n), cond)`` covers noise only
(``cond`` is ``None``), paired translation (no noise, ``cond`` is the source) and labels (both),
and ``D(x, cond)`` sees the condition the same way.

Losses are logged as detached device tensors summed per interval and per epoch; the host reads
them only at log steps, so the loop issues no synchronisation between logs.

Several processes (``torchrun``; see [`ganzoo.engine.strategy`][ganzoo.engine.strategy]): G and D are wrapped in
DistributedDataParallel for the training passes only. Each process takes its slice of the
global batch ([`ganzoo.engine.loader`][ganzoo.engine.loader]) and of the global batch's latent noise, drawn from a
generator seeded by ``(seed, step)`` alone, so N processes with batch B compute what one process
with batch N*B would. Three GAN details: the G step runs D's forward under ``no_sync`` (D's
parameters are frozen there, so D's reducer must not wait for gradients); sampling, EMA and
checkpoints use the unwrapped modules, never a DDP forward without its backward (each
[`Network`][ganzoo.engine.network.Network] names these views apart); logged losses are averaged
over processes at log time (every process calls the engine's collectives at the same steps;
[`ganzoo.engine.run.train`][ganzoo.engine.run.train] gives the callbacks that write files to rank 0 only).
"""

from __future__ import annotations

import contextlib
import copy
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ganzoo.data.spec import SAMPLE_KEY
from ganzoo.engine.augment import build_augment
from ganzoo.engine.callbacks import Callback
from ganzoo.engine.checkpoint import (
    CHECKPOINTS_DIR,
    Checkpoint,
    checkpoint_name,
    load_optimizer,
    module_tensors,
    optimizer_tensors,
    prune_checkpoints,
    write_checkpoint,
)
from ganzoo.engine.context import LossContext, Phase
from ganzoo.engine.directions import StepPass, Translation
from ganzoo.engine.guard import NonFiniteError, NonFiniteGuard
from ganzoo.engine.interrupt import TrainingInterrupted, stop_on_signals
from ganzoo.engine.loader import check_batch_fits, make_loader, to_device
from ganzoo.engine.network import Network, build_network, place
from ganzoo.engine.optim import lr_factor, set_lr
from ganzoo.engine.pool import load_pools, pools_state
from ganzoo.engine.sampler import Sampler
from ganzoo.engine.seed import capture_rng, noise_seed, restore_rng, seed_step
from ganzoo.engine.strategy import SingleDevice, Strategy, resolve_device
from ganzoo.experiment.build import Built, resolved_dict
from ganzoo.registry.errors import CheckpointError, ConfigError, describe_error
from ganzoo.registry.protocols import Augmenting, BatchDrawing


class _Sums:
    """Running sums of detached scalars on the device, read back with one sync."""

    def __init__(self) -> None:
        self.sums: dict[str, torch.Tensor] = {}
        self.counts: dict[str, int] = {}

    def add(self, key: str, value: torch.Tensor) -> None:
        if key in self.sums:
            self.sums[key] += value
            self.counts[key] += 1
        else:
            self.sums[key] = value.clone()
            self.counts[key] = 1

    def totals(self, strategy: Strategy) -> list[float]:
        """The sums, averaged over processes (one collective; every process must call it)."""
        return strategy.all_reduce_mean(torch.stack(list(self.sums.values()))).tolist()

    def means(self, strategy: Strategy) -> dict[str, float]:
        if not self.sums:
            return {}
        totals = self.totals(strategy)
        return {key: total / self.counts[key] for key, total in zip(self.sums, totals, strict=True)}

    def clear(self) -> None:
        self.sums.clear()
        self.counts.clear()

    def state(self, strategy: Strategy) -> dict[str, Any]:
        totals = self.totals(strategy) if self.sums else []
        return {"sums": dict(zip(self.sums, totals, strict=True)), "counts": dict(self.counts)}

    def load(self, state: Mapping[str, Any], device: torch.device) -> None:
        self.sums = {k: torch.tensor(v, dtype=torch.float32, device=device) for k, v in state["sums"].items()}
        self.counts = {k: int(v) for k, v in state["counts"].items()}


def _autocast_factory(precision: str, device: torch.device) -> Callable[[], contextlib.AbstractContextManager[Any]]:
    """Makes the mixed-precision context of ``train.precision`` (a no-op for fp32)."""
    if precision == "fp32":
        return contextlib.nullcontext
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    return partial(torch.autocast, device_type=device.type, dtype=dtype)


def _term_keys(names: Sequence[str]) -> list[str]:
    """Log keys of the loss terms: the loss name, numbered when a name repeats."""
    keys, seen = [], {}
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        keys.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return keys


class Engine:
    """Trains the components of a [`Built`][ganzoo.experiment.build.Built] experiment.

    Args:
        built: the checked experiment (components, dataset, spec, resolved config).
        run_dir: where checkpoints go (``run_dir/checkpoints``); ``None`` disables them.
        callbacks: see [`ganzoo.engine.callbacks`][ganzoo.engine.callbacks] (all run in every process).
        manifest: extra JSON for every checkpoint manifest (versions, plugins).
        strategy: single device (default, from ``train.device``) or DDP.
    """

    def __init__(
        self,
        built: Built,
        *,
        run_dir: Path | None = None,
        callbacks: Sequence[Callback] = (),
        manifest: Mapping[str, Any] | None = None,
        strategy: Strategy | None = None,
    ) -> None:
        self.built = built
        self.config = built.config
        self.train_config = train = built.config.train
        self.spec = built.spec
        self.dataset = built.dataset
        self.losses = list(built.losses)
        self.run_dir = run_dir
        self.callbacks = list(callbacks)
        self.manifest_extra = dict(manifest or {})
        self.seed = train.seed
        self.strategy = strategy if strategy is not None else SingleDevice(resolve_device(train.device))
        self.device = self.strategy.device
        self._check_device_options()
        self._build_networks()
        self._prepare_step()
        self._count_steps()
        self._d_augment = build_augment(train, self.spec, self.strategy, self.global_batch)
        self._reset_progress()

    def _build_networks(self) -> None:
        """G, D (each with its optimiser, scaler and forward views) and the EMA copy of G.

        The EMA copy is taken from the placed G before any DDP wrapper exists; G's wrapper is
        built before D's in every process (DDP construction is a collective).
        """
        train = self.train_config
        generator = place(self.built.generator, train, self.device)
        discriminator = place(self.built.discriminator, train, self.device)
        for term in self.losses:
            if isinstance(term.module, nn.Module):
                term.module.to(self.device)
        self.ema: nn.Module | None = None
        if train.ema is not None:
            self.ema = copy.deepcopy(generator).requires_grad_(False).eval()
        self.g = build_network("generator", generator, train, self.strategy)
        self.d = build_network("discriminator", discriminator, train, self.strategy)

    def _prepare_step(self) -> None:
        """What every step reuses: precision context, noise generator, augmentation, log keys."""
        self._autocast = _autocast_factory(self.train_config.precision, self.device)
        # Latent noise of the global batch, shared by every process (see the module docstring).
        self._noise = torch.Generator(device=self.device)
        self._augment = self.dataset.augment if isinstance(self.dataset, Augmenting) else None
        drawing = isinstance(self.dataset, BatchDrawing) and self.dataset.draws_batches
        self._draw = self.dataset.draw_batch if drawing else None
        self._guard = NonFiniteGuard(self.train_config.nonfinite, self.strategy,
                                     scaled=self.train_config.precision == "fp16")
        keys = _term_keys([term.name for term in self.losses])
        if self.train_config.fake_pool and self.strategy.distributed:
            raise ConfigError("train.fake_pool: each process would keep its own pool, which checkpoints do not "
                              "hold; use it in single-process training")
        self.translation = Translation(
            self.g.module, self.d.module, (self.config.generator.name, self.config.discriminator.name), self.spec,
            [term.directions for term in self.losses], keys, self.train_config.fake_pool,
        )
        self._d_keys = [[f"loss/d/{key}" for key in term_keys] for term_keys in self.translation.keys]
        self._g_keys = [[f"loss/g/{key}" for key in term_keys] for term_keys in self.translation.keys]

    def _count_steps(self) -> None:
        """Global batch, batches per epoch and the run's total steps."""
        train = self.train_config
        self.world_size = self.strategy.world_size
        self.global_batch = train.batch_size * self.world_size
        check_batch_fits(train.batch_size, self.world_size, len(self.dataset))
        self.batches_per_epoch = len(self.dataset) // self.global_batch
        def steps_of(epochs: int) -> int:
            return max(1, epochs * self.batches_per_epoch // train.n_critic)

        self.total_steps = train.steps or steps_of(train.epochs)
        if train.min_epochs:
            self.total_steps = max(self.total_steps, steps_of(train.min_epochs))

    def _reset_progress(self) -> None:
        """Step 0: no checkpoint, no time spent, empty loss sums."""
        self.step = 0
        self.checkpoint_step: int | None = None
        self.last_checkpoint: Path | None = None
        self.elapsed = 0.0
        self._interval, self._epoch_sums = _Sums(), _Sums()
        self._lr_factor: float | None = None
        self._clock = time.perf_counter()
        self._last_log = (self.step, self._clock)  # step and clock of the last train record
        self.stop_reason: str | None = None  # set by request_stop (early stopping)
        self.failure: NonFiniteError | None = None  # why training stopped early, if it did

    def _check_device_options(self) -> None:
        train, device = self.train_config, self.device
        if train.sync_batchnorm and device.type != "cuda":
            raise ConfigError(
                f"train.sync_batchnorm: SyncBatchNorm needs CUDA devices, this run trains on {device.type}; "
                "set train.sync_batchnorm = false"
            )
        if train.cuda_graphs:
            if device.type != "cuda":
                raise ConfigError(
                    f"train.cuda_graphs: CUDA graphs need a CUDA device, this run trains on {device.type}; "
                    "set train.cuda_graphs = false"
                )
            if self.strategy.distributed:
                raise ConfigError("train.cuda_graphs: only for single-process training (it targets small "
                                  "launch-bound batches on one GPU); set it to false under torchrun")

    # -- the networks by their public names -------------------------------------------------
    @property
    def networks(self) -> dict[str, Network]:
        """``{role: Network}`` in update order (G first, as checkpoints list them)."""
        return {"generator": self.g, "discriminator": self.d}

    @property
    def generator(self) -> nn.Module:
        """The bare generator (unwrapped, uncompiled)."""
        return self.g.module

    @property
    def discriminator(self) -> nn.Module:
        """The bare discriminator (unwrapped, uncompiled)."""
        return self.d.module

    @property
    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        """``{role: optimiser}``."""
        return {role: network.optimizer for role, network in self.networks.items()}

    # -- progress bookkeeping --------------------------------------------------------------
    def epoch_index(self, step: int) -> int:
        """0-based epoch of the first batch of 0-based ``step``."""
        return step * self.train_config.n_critic // self.batches_per_epoch

    @property
    def epoch(self) -> int:
        """1-based epoch of the last finished step (1 before the first step)."""
        return self.epoch_index(max(self.step - 1, 0)) + 1

    @property
    def total_epochs(self) -> int:
        return math.ceil(self.total_steps * self.train_config.n_critic / self.batches_per_epoch)

    def _time(self) -> float:
        return self.elapsed + time.perf_counter() - self._clock

    def emit(self, record: dict[str, Any]) -> None:
        """Send a metrics record to every callback."""
        for callback in self.callbacks:
            callback.on_log(self, record)

    def sampler(self) -> Sampler:
        """A sampler over the current (EMA if trained) generator.

        It samples in eval mode, so its batch size does not change results; at least 16 keeps
        evaluations of batch-1 experiments (pix2pix) from running one sample per forward pass.
        """
        generator = self.ema if self.ema is not None else self.g.module
        return Sampler(generator, self.spec, dataset_cls=type(self.dataset), device=self.device,
                       batch_size=max(self.train_config.batch_size, 16))

    # -- the loop --------------------------------------------------------------------------
    def fit(self, until: int | None = None) -> None:
        """Train up to ``until`` steps (default: the configured total), then stop.

        Single-process training stops early on Ctrl-C or SIGTERM: the current step finishes,
        training ends as it would at ``until`` (checkpoint included), then
        [`TrainingInterrupted`][ganzoo.engine.interrupt.TrainingInterrupted] is raised.
        """
        train = self.train_config
        stop = self.total_steps if until is None else min(until, self.total_steps)
        loader = make_loader(
            self.dataset,
            train.batch_size,
            self.seed,
            start_batch=self.step * train.n_critic,
            num_workers=train.num_workers,
            pin_memory=self.device.type == "cuda",
            rank=self.strategy.rank,
            world_size=self.world_size,
        )
        # a dataset that draws its own batches never reads the loader (built for its checks)
        batches = iter(loader) if self._draw is None else iter(())
        self._clock = time.perf_counter()
        self._last_log = (self.step, self._clock)
        self._resumed_from = self.step if self.step > 0 else None
        self._guard.start(self.step)
        for callback in self.callbacks:
            callback.on_train_start(self)
        with stop_on_signals(enabled=self.world_size == 1) as signalled:
            try:
                while self.step < stop and not signalled.requested and self.stop_reason is None:
                    epoch_before = self.epoch_index(self.step)
                    self._train_step(batches)
                    if self.step % train.log_every == 0 or self.step == stop:
                        record = self._guard.annotate(self._train_record())
                        self.emit(record)
                        self._guard.check_interval(self.step, record, self._guarded_modules(), self.last_checkpoint)
                    if self.step == self.total_steps or self.epoch_index(self.step) != epoch_before:
                        self._end_epoch(epoch_before + 1)
                    for callback in self.callbacks:
                        callback.on_step_end(self)
            except NonFiniteError as err:  # the end callbacks still run; no checkpoint is written
                self.failure = err
            finally:
                del batches  # shuts down loader workers
                self.elapsed = self._time()
                self._clock = time.perf_counter()
            for callback in self.callbacks:
                callback.on_train_end(self)
        if self.failure is not None:
            raise self.failure
        if signalled.signum is not None:
            raise TrainingInterrupted(signalled.signum, self.step, self.total_steps, self.last_checkpoint, self.run_dir)

    def request_stop(self, reason: str) -> None:
        """End training after the current step, as ``until`` would (final checkpoint included).

        Every process must ask at the same step (callbacks decide on values broadcast from rank 0).
        """
        self.stop_reason = reason

    def _train_record(self) -> dict[str, Any]:
        """The ``train`` record of the interval since the last one.

        Reading the losses waits for the device to finish the interval's steps, so the clock is
        read after it: on a GPU the host runs ahead of the kernels it launches, and a time taken
        before the wait would count launches, not finished steps (``time``, ``it_s``).
        """
        losses = self._interval.means(self.strategy)
        if self.step % self.train_config.log_every == 0:
            # a record at another step (``until``) is a partial interval: its sums carry on into the
            # checkpoint, so the next log step after a resume averages what an unbroken run would
            self._interval.clear()
        now = time.perf_counter()
        rate = (self.step - self._last_log[0]) / max(now - self._last_log[1], 1e-9)
        self._last_log = (self.step, now)
        record: dict[str, Any] = {"kind": "train", "step": self.step, "epoch": self.epoch,
                                  "time": round(self._time(), 3)}
        if self._resumed_from is not None:  # this interval starts at the resume, not a log step
            record["resumed_from"], self._resumed_from = self._resumed_from, None
        record.update(losses)
        record["lr/g"] = self.g.optimizer.param_groups[0]["lr"]
        record["lr/d"] = self.d.optimizer.param_groups[0]["lr"]
        if self._d_augment is not None:
            record.update(self._d_augment.log())
        record["it_s"] = rate
        record["samples_s"] = rate * self.global_batch
        return record

    def _end_epoch(self, epoch: int) -> None:
        losses = self._epoch_sums.means(self.strategy)  # waits for the device, as in _train_record
        self._epoch_sums.clear()
        record: dict[str, Any] = {"kind": "epoch", "epoch": epoch, "step": self.step,
                                  "time": round(self._time(), 3)}
        record.update(losses)
        self.emit(record)
        for callback in self.callbacks:
            callback.on_epoch_end(self, epoch)

    def _apply_lr(self, step: int) -> None:
        schedule = self.train_config.schedule
        if schedule.unit == "epoch":
            factor = lr_factor(schedule, self.epoch_index(step), self.total_epochs)
        else:
            factor = lr_factor(schedule, step, self.total_steps)
        if factor != self._lr_factor:
            for network in self.networks.values():
                set_lr(network.optimizer, network.base_lr * factor)
            self._lr_factor = factor

    def _next_batch(self, batches: Iterator[dict[str, Any]]) -> dict[str, Any]:
        if self._draw is not None:
            return to_device(self._draw(self.train_config.batch_size), self.device,
                             channels_last=self.train_config.channels_last)
        batch = to_device(next(batches), self.device)
        if self._augment is not None:
            batch = self._augment(batch)
        if self.train_config.channels_last:  # after augment, which may return contiguous copies
            batch = to_device(batch, self.device, channels_last=True)
        return batch

    def _latent(self, n: int) -> torch.Tensor | None:
        """This process's slice of the latent noise of the global batch."""
        z = self.g.module.sample_latent(n * self.world_size, device=self.device, generator=self._noise)
        if z is None or self.world_size == 1:
            return z
        return z[self.strategy.rank * n : (self.strategy.rank + 1) * n]

    def _train_step(self, batches: Iterator[dict[str, Any]]) -> None:
        step = self.step
        n_critic = self.train_config.n_critic
        seed_step(self.seed, step, self.device, self.strategy.rank)
        self._noise.manual_seed(noise_seed(self.seed, step))
        if self.train_config.cuda_graphs:
            torch.compiler.cudagraph_mark_step_begin()
        self._apply_lr(step)
        if self.train_config.update_order == "generator-first":  # n_critic is 1 (checked by the config)
            last = self._generate(self._next_batch(batches), keep_graph=True, d_step=step)
            self._update_generator(last)
            self._update_discriminator(last)
        else:
            for k in range(n_critic):
                # only the last fake feeds the generator update
                last = self._generate(self._next_batch(batches), keep_graph=k == n_critic - 1, d_step=step * n_critic + k)
                self._update_discriminator(last)
            self._update_generator(last)
        self.step = step + 1
        if self.ema is not None:
            self._update_ema()

    def _generate(self, batch: dict[str, Any], *, keep_graph: bool, d_step: int) -> StepPass:
        """The fakes of every trained direction for ``batch`` (with their graph if ``keep_graph``)."""
        latent = self._latent(batch[SAMPLE_KEY].shape[0])
        with self._autocast(), torch.set_grad_enabled(keep_graph):
            return self.translation.generate(self.g.forward, batch, latent, d_step)

    def _contexts(self, phase: Phase, step_pass: StepPass) -> dict[str | None, LossContext]:
        loss_scale = self._d_loss_scale() if phase == "discriminator" else None
        return self.translation.contexts(phase, step_pass, generator=self.g.forward,
                                         discriminator=self._d_view(step_pass.d_step, phase), step=self.step,
                                         loss_scale=loss_scale)

    def _d_view(self, d_step: int, phase: Phase) -> Callable[..., torch.Tensor]:
        """What the losses call as D: its loss view, behind ``train.augment``'s transform if any."""
        if self._d_augment is None:
            return self.d.loss_forward
        return self._d_augment.view(self.d.loss_forward, d_step, phase)

    def _update_discriminator(self, step_pass: StepPass) -> None:
        contexts = self._contexts("discriminator", step_pass)
        with self._autocast():
            total = self._objective("discriminator", contexts, "discriminator_loss", self._d_keys, "loss/d")
        self._guard.update("discriminator", self.d, total, self.train_config.grad_clip)
        if self._d_augment is not None and total is not None:
            for ctx in contexts.values():
                self._d_augment.observe(ctx)

    def _update_generator(self, step_pass: StepPass) -> None:
        with self.d.frozen():
            contexts = self._contexts("generator", step_pass)
            # D is frozen here: its DDP reducer must not expect gradients from this backward.
            with self._autocast(), self.strategy.no_sync(self.d.train):
                total = self._objective("generator", contexts, "generator_loss", self._g_keys, "loss/g")
            self._guard.update("generator", self.g, total, self.train_config.grad_clip)

    def _objective(self, phase: Phase, contexts: Mapping[str | None, LossContext], method: str,
                   keys: list[list[str]], total_key: str) -> torch.Tensor | None:
        """The weighted sum of every term in every direction it trains (one context each),
        recorded for the logs; ``None`` when no term contributes, or when skip mode drops a
        non-finite one (under fp16 the scaler gets it, unrecorded; see
        [`NonFiniteGuard`][ganzoo.engine.guard.NonFiniteGuard])."""
        total: torch.Tensor | None = None
        terms = []
        for term, term_keys, directions in zip(self.losses, keys, self.translation.term_directions, strict=True):
            if term.weight == 0:
                continue
            for direction, key in zip(directions, term_keys, strict=True):
                value = getattr(term.module, method)(contexts[direction])
                if value is None:
                    continue
                if term.weight != 1.0:
                    value = value * term.weight
                terms.append((key, value))
                total = value if total is None else total + value
        if total is None:
            if phase == "generator":
                raise ConfigError("losses: no loss term contributes to the generator objective")
            return None
        if not self._guard.admits(phase, total):
            return total if self.networks[phase].scaler is not None else None
        for key, value in terms:
            self._record(key, value)
        self._record(total_key, total)
        return total

    def _record(self, key: str, value: torch.Tensor) -> None:
        detached = value.detach().float()
        self._interval.add(key, detached)
        self._epoch_sums.add(key, detached)

    def _d_loss_scale(self) -> Callable[[], float] | None:
        """What reads D's fp16 loss scale, handed to the losses: reading it syncs, so only a
        gradient penalty calls it."""
        return self.d.scaler.get_scale if self.d.scaler is not None else None

    @torch.no_grad()
    def _update_ema(self) -> None:
        assert self.ema is not None and self.train_config.ema is not None
        ema_params, params = list(self.ema.parameters()), list(self.g.module.parameters())
        if self.step <= self.train_config.ema.start_step:
            torch._foreach_copy_(ema_params, params)
        else:
            torch._foreach_lerp_(ema_params, params, 1.0 - self.train_config.ema.decay)
        for ema_buffer, buffer in zip(self.ema.buffers(), self.g.module.buffers(), strict=True):
            ema_buffer.copy_(buffer)

    def _guarded_modules(self) -> dict[str, nn.Module]:
        """What the non-finite guard checks: G, D and the EMA generator."""
        modules = {role: network.module for role, network in self.networks.items()}
        if self.ema is not None:
            modules["generator EMA"] = self.ema
        return modules

    # -- checkpoints -------------------------------------------------------------------------
    def components_manifest(self) -> dict[str, Any]:
        """``{role: {name, provider, version, params}}`` and the loss list, for manifests."""
        resolved = resolved_dict(self.config)
        providers = self.built.providers
        components: dict[str, Any] = {}
        for role in ("generator", "discriminator", "dataset"):
            provider, version = providers.get(role, ("", ""))
            components[role] = {"name": resolved[role]["name"], "provider": provider, "version": version,
                                "params": resolved[role].get("params", {})}
        components["losses"] = []
        for loss in resolved["losses"]:
            provider, version = providers.get(f"loss:{loss['name']}", ("", ""))
            components["losses"].append({**loss, "provider": provider, "version": version})
        return components

    def save_checkpoint(self) -> Path:
        """Write ``run_dir/checkpoints/step_XXXXXX`` and prune old ones (keep-last-k).

        Every process calls it (the epoch's loss sums are averaged over processes); rank 0
        writes. The bare modules are stored, so a checkpoint does not depend on the world size.
        """
        if self.run_dir is None:
            raise CheckpointError("this engine has no run directory to write checkpoints to")
        unlogged = self._interval.means(self.strategy) if self._interval.sums else {}
        self._guard.check_state(self.step, unlogged, self._guarded_modules(), self.last_checkpoint)
        root = self.run_dir / CHECKPOINTS_DIR
        epoch_sums = self._epoch_sums.state(self.strategy)
        interval_sums = self._interval.state(self.strategy)
        augment = self._d_augment.state_dict(self.strategy) if self._d_augment is not None else {}
        if not self.strategy.is_main:
            self.checkpoint_step, self.last_checkpoint = self.step, root / checkpoint_name(self.step)
            return self.last_checkpoint
        tensors: dict[str, dict[str, torch.Tensor]] = {}
        aliases: dict[str, dict[str, str]] = {}
        jsons: dict[str, Any] = {}
        modules = {role: network.module for role, network in self.networks.items()}
        if self.ema is not None:
            modules["generator_ema"] = self.ema
        for stem, module in modules.items():
            tensors[stem], aliases[stem] = module_tensors(module)
        for role, network in self.networks.items():
            tensors[f"optim_{role}"], jsons[f"optim_{role}"] = optimizer_tensors(network.optimizer, network.module)
        scalers = {role: network.scaler.state_dict() for role, network in self.networks.items()
                   if network.scaler is not None}
        if scalers:
            jsons["scaler"] = scalers
        tensors["rng"], jsons["rng"] = capture_rng()
        if self.translation.pools:
            tensors["fake_pool"], jsons["fake_pool"] = pools_state(self.translation.pools)
        if augment:
            jsons["augment"] = augment
        manifest = {
            "step": self.step,
            "epoch": self.epoch,
            "seed": self.seed,
            "total_steps": self.total_steps,
            "world_size": self.world_size,
            "experiment": resolved_dict(self.config),
            "data_spec": self.spec.to_dict(),
            "components": self.components_manifest(),
            **self.manifest_extra,
            "loop": {"elapsed": self._time(), "epoch_sums": epoch_sums, "interval_sums": interval_sums},
            "callbacks": {cb.state_key: cb.state_dict() for cb in self.callbacks if getattr(cb, "state_key", None)},
        }
        path = write_checkpoint(root, self.step, tensors=tensors, jsons=jsons, manifest=manifest, aliases=aliases)
        prune_checkpoints(root, self.train_config.keep_checkpoints)
        self.checkpoint_step, self.last_checkpoint = self.step, path
        return path

    def restore(self, checkpoint: Checkpoint) -> None:
        """Load every state a checkpoint holds; training continues at ``checkpoint.step``.

        A state file whose content is not what ganzoo wrote (a hand-edited or corrupted JSON of
        the right size) is a [`CheckpointError`][ganzoo.registry.errors.CheckpointError] naming the checkpoint.
        """
        try:
            self._load_states(checkpoint)
        except (KeyError, IndexError, TypeError, ValueError, AttributeError, RuntimeError) as err:
            raise CheckpointError(f"{checkpoint.path}: damaged checkpoint state ({describe_error(err)})") from None

    def _load_states(self, checkpoint: Checkpoint) -> None:
        for role, network in self.networks.items():
            checkpoint.load_module(network.module, role)
        if self.ema is not None:
            if checkpoint.has("generator_ema"):
                checkpoint.load_module(self.ema, "generator_ema")
            else:
                self.ema.load_state_dict(self.g.module.state_dict())
        for role, network in self.networks.items():
            stem = f"optim_{role}"
            load_optimizer(network.optimizer, network.module, checkpoint.tensors(stem), checkpoint.json(stem),
                           what=str(checkpoint.path / stem))
        scalers = {role: network.scaler for role, network in self.networks.items() if network.scaler is not None}
        if scalers and checkpoint.has("scaler"):
            for role, state in checkpoint.json("scaler").items():
                scalers[role].load_state_dict(state)
        restore_rng(checkpoint.tensors("rng"), checkpoint.json("rng"))
        if self.translation.pools and checkpoint.has("fake_pool"):
            load_pools(self.translation.pools, checkpoint.tensors("fake_pool"), checkpoint.json("fake_pool"),
                       device=self.device, what=str(checkpoint.path / "fake_pool"))
        if self._d_augment is not None and checkpoint.has("augment"):
            self._d_augment.load_state_dict(checkpoint.json("augment"))
        loop = checkpoint.manifest.get("loop", {})
        self.elapsed = float(loop.get("elapsed", 0.0))
        if "epoch_sums" in loop:
            self._epoch_sums.load(loop["epoch_sums"], self.device)
        if "interval_sums" in loop:
            self._interval.load(loop["interval_sums"], self.device)
        states = checkpoint.manifest.get("callbacks", {})
        for callback in self.callbacks:
            if getattr(callback, "state_key", None) in states:
                callback.load_state_dict(states[callback.state_key])
        self.step = checkpoint.step
        self.checkpoint_step, self.last_checkpoint = checkpoint.step, checkpoint.path
        self._lr_factor = None

