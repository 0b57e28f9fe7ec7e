"""One training process of the distributed tests: ``torchrun ... worker.py SPEC.json``.

The spec lists operations run in order: ``{"train": {train() keyword arguments}}`` or
``{"copy": [src, dst]}`` (rank 0 copies a run directory, e.g. to resume a stopped run twice).
After each ``train`` every process saves its generator and discriminator parameters to
``OUT/<op>-rank<r>.safetensors`` and what it saw (run directory, step, world size) to
``OUT/<op>-rank<r>.json``, so the test compares processes and runs afterwards.

The process group is initialised here (gloo, env:// from torchrun) and left to the engine as
an existing group, so several ``train`` calls share it. The CLI smoke test covers the path in
which the engine creates the group itself.

The tests also import this file and call :func:`run` in the pytest process for single-process
references (no torchrun variables: the engine picks its single-device strategy).
"""

from __future__ import annotations

import gc
import importlib.util
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from safetensors.torch import save_file

from ganzoo.engine.callbacks import Callback
from ganzoo.engine.engine import Engine
from ganzoo.engine.run import train

TOYS_PATH = Path(__file__).parents[1] / "engine" / "toys.py"
TOYS_MODULE = "ganzoo_engine_toys"


class Capture(Callback):
    """Saves this process's parameters and view of the run when training stops."""

    def __init__(self, out: Path, name: str) -> None:
        self.out, self.name = out, name

    def on_train_end(self, engine: Engine) -> None:
        rank = engine.strategy.rank
        tensors = {f"generator.{k}": v.detach().cpu().contiguous() for k, v in engine.generator.named_parameters()}
        tensors |= {f"discriminator.{k}": v.detach().cpu().contiguous()
                    for k, v in engine.discriminator.named_parameters()}
        save_file(tensors, str(self.out / f"{self.name}-rank{rank}.safetensors"))
        info = {"run_dir": str(engine.run_dir), "step": engine.step, "world_size": engine.strategy.world_size,
                "rank": rank, "device": str(engine.device), "global_batch": engine.global_batch}
        (self.out / f"{self.name}-rank{rank}.json").write_text(json.dumps(info))


def register_toys() -> None:
    """Register the toy plugin of tests/engine (imported by path, as the engine tests do)."""
    from ganzoo.plugins.manager import reset_manager

    if TOYS_MODULE not in sys.modules:
        spec = importlib.util.spec_from_file_location(TOYS_MODULE, TOYS_PATH)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[TOYS_MODULE] = module
        spec.loader.exec_module(module)
    toys = sys.modules[TOYS_MODULE]
    reset_manager(plugins=[(toys.DISTRIBUTION, toys)], discover=False)


def run(ops: list[dict[str, Any]], out: Path) -> None:
    """Execute ``ops`` (see the module docstring) in this process."""
    out.mkdir(parents=True, exist_ok=True)
    for index, op in enumerate(ops):
        if "copy" in op:
            src, dst = op["copy"]
            if not dist.is_initialized() or dist.get_rank() == 0:
                shutil.copytree(src, dst)
            if dist.is_initialized():
                dist.barrier()
            continue
        kwargs = dict(op["train"])
        name = kwargs.pop("name", str(index))
        train(**kwargs, callbacks=[Capture(out, name)])


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    torch.set_num_threads(1)
    register_toys()
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        dist.init_process_group("gloo")
    try:
        run(spec["ops"], Path(spec["out"]))
    finally:
        if dist.is_initialized():
            gc.collect()  # as ganzoo's own DDP strategy does: the DDP wrappers go before the group
            dist.destroy_process_group()


if __name__ == "__main__":
    main()
