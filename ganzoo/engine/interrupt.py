"""Ctrl-C and SIGTERM stop training at the next step boundary, with a checkpoint.

Without this, interrupting a run loses every step since its last checkpoint (the default is a
checkpoint at the end only), and a scheduler's SIGTERM before preemption kills the process
outright. With it, the first signal lets the current step finish, the engine ends training as
``--until`` would (callbacks' ``on_train_end``: the checkpoint, the metrics), and then raises
[`TrainingInterrupted`][ganzoo.engine.interrupt.TrainingInterrupted], a ``KeyboardInterrupt``, so callers still see an interruption.
The checkpoint sits on a step boundary, so resuming it continues exactly as an uninterrupted run.

The first signal puts the previous handlers back, so a second Ctrl-C interrupts at once (the
checkpoint write is atomic: an interrupted write leaves no checkpoint, never a broken one).
Handlers are installed only in the main thread, only over Python's defaults (an application
that set its own keeps it), and only for single-process training: under torchrun each process
gets the signal at a different step, and stopping them apart would leave the others waiting in
a collective.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

#: Signals that request a stop, and the handler each must still have for ganzoo to take it over.
_DEFAULTS = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL}


class StopRequest:
    """Which signal asked training to stop, if any."""

    def __init__(self) -> None:
        self.signum: int | None = None

    @property
    def requested(self) -> bool:
        return self.signum is not None


class TrainingInterrupted(KeyboardInterrupt):
    """Training stopped on a signal after writing its state; ``str()`` says how to continue."""

    def __init__(self, signum: int, step: int, total: int, checkpoint: Path | None, run_dir: Path | None) -> None:
        message = f"{signal.Signals(signum).name}: stopped at step {step}/{total}; "
        if checkpoint is None:
            message += "no checkpoint written"
        else:
            message += f"checkpoint {checkpoint}; continue with: ganzoo train --resume {run_dir}"
        super().__init__(message)
        self.signum, self.step, self.checkpoint = signum, step, checkpoint


@contextmanager
def stop_on_signals(enabled: bool = True) -> Iterator[StopRequest]:
    """Turn SIGINT/SIGTERM into a [`StopRequest`][ganzoo.engine.interrupt.StopRequest] for the duration of the block."""
    request = StopRequest()
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield request
        return
    taken = {s: signal.getsignal(s) for s, default in _DEFAULTS.items() if signal.getsignal(s) is default}

    def restore() -> None:
        for signum, previous in taken.items():
            signal.signal(signum, previous)
        taken.clear()

    def handle(signum: int, frame: FrameType | None) -> None:
        request.signum = signum
        restore()
        print(f"\nganzoo: {signal.Signals(signum).name}: stopping after this step and writing a checkpoint "
              "(Ctrl-C again to abort at once)", file=sys.stderr, flush=True)

    for signum in taken:
        signal.signal(signum, handle)
    try:
        yield request
    finally:
        restore()
