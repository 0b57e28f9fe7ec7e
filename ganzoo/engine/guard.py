"""The non-finite guard: a diverging run stops, and its last finite checkpoint survives.

A NaN or an infinity in a loss spreads to every weight within a step or two, and a run that goes
on writes checkpoints of garbage that keep-last-k pruning then prefers to the good ones. The
guard looks where the host reads the device anyway, so a healthy run pays one extra reduction
per logged interval and per checkpoint:

* every logged interval: the interval's loss means (one NaN or Inf in any step of the interval
  shows in its sum) and the parameters and buffers of G, D and the EMA generator (the largest
  magnitude per tensor, read back in one sync);
* before every checkpoint: the same, including the steps since the last log. A non-finite
  state is never written, and old checkpoints are pruned only after a new one is written, so
  the newest finite checkpoint is never pruned in favour of a non-finite one.

``train.nonfinite`` chooses what happens:

* ``"stop"`` (default): the run stops with [`NonFiniteError`][ganzoo.engine.guard.NonFiniteError], one line naming the step,
  the loss term (or tensor) and the last finite checkpoint. No checkpoint is written at the
  stop; ``ganzoo train`` exits with status [`EXIT_NONFINITE`][ganzoo.engine.guard.EXIT_NONFINITE].
* ``"skip"``: an update whose objective or gradients are not finite is not applied (one host
  sync per update, so only on request); its losses are left out of the logged means, and the
  ``train`` records count the skipped updates (``skipped/d``, ``skipped/g``). Weights that
  became non-finite anyway, or [`MAX_CONSECUTIVE_SKIPS`][ganzoo.engine.guard.MAX_CONSECUTIVE_SKIPS] skipped updates of one network in
  a row, stop the run as in ``"stop"``.

Under fp16 the GradScaler keeps deciding as it always does, in both modes: it skips updates with
non-finite gradients and lowers its scale, so an overflow early in training (the scale starts at
2**16) is routine, not divergence. The guard therefore checks each fp16 objective as it comes
(the scaler waits for the device on every update anyway), leaves a non-finite one out of the
logged means, counts it as skipped and hands it to the scaler; only non-finite weights or
[`MAX_CONSECUTIVE_SKIPS`][ganzoo.engine.guard.MAX_CONSECUTIVE_SKIPS] overflows in a row stop an fp16 run.

``metrics.jsonl`` stays JSON either way: [`json_record`][ganzoo.engine.guard.json_record] writes ``null`` for a non-finite
value and names the keys under ``"nonfinite"``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from ganzoo.registry.errors import GanzooError

if TYPE_CHECKING:
    from pathlib import Path

    from ganzoo.engine.network import Network
    from ganzoo.engine.strategy import Strategy

#: Exit status of ``ganzoo train`` when training stopped on a non-finite loss or weight (2 is
#: kept for bad input, so scripts can tell a diverged run from a mistyped command).
EXIT_NONFINITE = 3

#: Record key listing the keys whose values were not finite (written as ``null``).
NONFINITE_KEY = "nonfinite"

#: Record keys counting the updates skipped in an interval, per network (skip mode and fp16).
SKIPPED_KEYS = {"discriminator": "skipped/d", "generator": "skipped/g"}

#: Skipped updates of one network in a row after which the run counts as diverged: the GradScaler
#: halves its scale per overflow, so 50 in a row take it from 2**16 below 1e-10.
MAX_CONSECUTIVE_SKIPS = 50


class NonFiniteError(GanzooError):
    """Training produced NaN or Inf; the message names the step, the culprit and the checkpoint."""

    exit_code = EXIT_NONFINITE


def json_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """``record`` with every non-finite float replaced by ``None`` and the keys listed under
    [`NONFINITE_KEY`][ganzoo.engine.guard.NONFINITE_KEY] (JSON has no NaN or Infinity; ``json.dumps`` would write bare ``NaN``)."""
    clean = dict(record)
    bad = [key for key, value in record.items() if isinstance(value, float) and not math.isfinite(value)]
    for key in bad:
        clean[key] = None
    if bad:
        clean[NONFINITE_KEY] = bad
    return clean


def nonfinite_losses(values: Mapping[str, Any]) -> str | None:
    """``"loss/d/adversarial = NaN, ..."`` for the loss keys of ``values`` holding NaN or Inf,
    naming single terms (``loss/d/adversarial``) rather than the totals they add up to
    (``loss/d``); ``None`` when all are finite."""
    bad = [key for key, value in values.items()
           if key.startswith("loss/") and isinstance(value, float) and not math.isfinite(value)]
    named = [key for key in bad if key.count("/") > 1] or bad
    if not named:
        return None
    return ", ".join(f"{key} = {_value_text(values[key])}" for key in named)


def _extremes(tensors: list[torch.Tensor]) -> torch.Tensor:
    """Each tensor's largest and smallest value, ``(2, len(tensors))``: finite exactly when the
    tensor is (NaN propagates through both reductions, either infinity reaches one, nothing
    overflows). Two plain reductions read memory about four times faster on a CPU than the
    infinity norm (``torch._foreach_norm``), which matters for a 57 M-parameter U-Net checked at
    every log line."""
    return torch.stack([torch.stack([t.detach().amax(), t.detach().amin()]).float() for t in tensors], dim=1)


def nonfinite_tensor(modules: Mapping[str, nn.Module]) -> str | None:
    """``"<role> parameter <name>"`` of the first floating-point parameter or buffer holding NaN or
    Inf, else ``None``: every tensor's extremes, stacked and read back once."""
    named = [
        (f"{role} {'parameter' if is_param else 'buffer'} {name}", tensor)
        for role, module in modules.items()
        for is_param, items in ((True, module.named_parameters()), (False, module.named_buffers()))
        for name, tensor in items
        if tensor.is_floating_point() and tensor.numel() > 0
    ]
    if not named:
        return None
    finite = torch.isfinite(_extremes([tensor for _, tensor in named])).all(dim=0).cpu()
    if bool(finite.all()):
        return None
    return named[int((~finite).nonzero()[0])][0]


def gradients_finite(parameters: list[nn.Parameter]) -> bool:
    """Whether every gradient of ``parameters`` is finite (one sync)."""
    grads = [p.grad for p in parameters if p.grad is not None]  # _extremes detaches
    if not grads:
        return True
    return bool(torch.isfinite(_extremes(grads)).all())


class NonFiniteGuard:
    """Checks an engine's losses and weights; see the module docstring.

    Args:
        mode: ``train.nonfinite``: ``"stop"`` or ``"skip"``.
        strategy: the process layout; under torchrun the processes agree on every verdict (a
            process that skipped an update alone would leave the others waiting in DDP).
        scaled: the networks train under fp16 with GradScalers.
    """

    def __init__(self, mode: str, strategy: Strategy, *, scaled: bool = False) -> None:
        self.skipping = mode == "skip"
        self.counting = self.skipping or scaled  # each update's objective is checked
        self.strategy = strategy
        self.checked_step = 0  # losses of the steps up to here are known to be finite
        self.skipped = dict.fromkeys(SKIPPED_KEYS, 0)  # in the current interval
        self.in_a_row = dict.fromkeys(SKIPPED_KEYS, 0)

    def start(self, step: int) -> None:
        """Training (re)starts after ``step`` finished steps, all of them checked."""
        self.checked_step = step

    # -- skipping -------------------------------------------------------------------------------
    def admits(self, phase: str, total: torch.Tensor) -> bool:
        """Whether ``total``, the objective of one ``phase`` update, is finite.

        Without skip mode or fp16 always true, without a sync (the log and checkpoint checks
        catch non-finite values). Otherwise false for a non-finite objective, counted as a
        skipped update.
        """
        if not self.counting:
            return True
        flag = torch.isfinite(total.detach()).float().reshape(1)
        if self.strategy.distributed:
            flag = self.strategy.all_reduce_mean(flag)
        if bool(flag.item() == 1.0):
            self.in_a_row[phase] = 0
            return True
        self._skipped(phase)
        return False

    def _skipped(self, phase: str) -> None:
        self.skipped[phase] += 1
        self.in_a_row[phase] += 1

    def update(self, phase: str, network: Network, total: torch.Tensor | None, clip: float | None) -> None:
        """Apply ``network``'s update on ``total`` unless skip mode drops it.

        ``total`` is ``None`` when no term contributes or [`admits`][ganzoo.engine.guard.NonFiniteGuard.admits] refused it; under fp16
        a refused objective still goes to the GradScaler, which skips the step and lowers its
        scale as it does for any overflow.
        """
        if total is None:
            return
        if not network.update(total, clip, skip_nonfinite=self.skipping):
            self._skipped(phase)

    def annotate(self, record: dict[str, Any]) -> dict[str, Any]:
        """Add the interval's skipped-update counts to a ``train`` record (skip mode, fp16)."""
        if self.counting:
            for phase, key in SKIPPED_KEYS.items():
                record[key] = self.skipped[phase]
        return record

    # -- checks ---------------------------------------------------------------------------------
    def check_interval(self, step: int, record: Mapping[str, Any], modules: Mapping[str, nn.Module],
                       last_checkpoint: Path | None) -> None:
        """After a ``train`` record: raise [`NonFiniteError`][ganzoo.engine.guard.NonFiniteError] on a non-finite loss mean or
        weight, or after [`MAX_CONSECUTIVE_SKIPS`][ganzoo.engine.guard.MAX_CONSECUTIVE_SKIPS] skipped updates in a row."""
        self._check_finite(step, record, modules, last_checkpoint)
        for phase, count in self.in_a_row.items():
            if count >= MAX_CONSECUTIVE_SKIPS:
                self._stop(step, f"the last {count} {phase} updates were skipped (non-finite objective or "
                           "gradients)", last_checkpoint)
        self.skipped = dict.fromkeys(SKIPPED_KEYS, 0)
        self.checked_step = step

    def check_state(self, step: int, unlogged: Mapping[str, float], modules: Mapping[str, nn.Module],
                    last_checkpoint: Path | None) -> None:
        """Before a checkpoint: raise [`NonFiniteError`][ganzoo.engine.guard.NonFiniteError] rather than let a non-finite state
        be written (``unlogged``: the loss means of the steps since the last record)."""
        self._check_finite(step, unlogged, modules, last_checkpoint)

    def _check_finite(self, step: int, losses: Mapping[str, Any], modules: Mapping[str, nn.Module],
                      last_checkpoint: Path | None) -> None:
        """Stop on the first non-finite loss mean in ``losses``, then on the first non-finite weight."""
        culprit = nonfinite_losses(losses)
        if culprit is not None:
            self._stop(step, f"non-finite loss {culprit} {self._since(step)}", last_checkpoint)
        culprit = nonfinite_tensor(modules)
        if culprit is not None:
            self._stop(step, f"{culprit} is not finite {self._since(step)}", last_checkpoint)

    def _since(self, step: int) -> str:
        """``(it went non-finite in steps a-b)``: the steps since the last check."""
        steps = f"step {step}" if step - self.checked_step <= 1 else f"steps {self.checked_step + 1}-{step}"
        return f"(it went non-finite in {steps})"

    def _stop(self, step: int, what: str, last_checkpoint: Path | None) -> None:
        kept = (f"the last finite checkpoint is {last_checkpoint}" if last_checkpoint is not None
                else "no checkpoint was written before (train.checkpoint_every keeps earlier ones)")
        raise NonFiniteError(
            f"step {step}: {what}; training stopped, {kept}; start a new run "
            "with a lower train.lr or a train.grad_clip, or resume with --set train.nonfinite=skip to drop such "
            "updates"
        )


def _value_text(value: float) -> str:
    return "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
