"""Checkpoint files: exact round trips, atomic writes, discovery and pruning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from torch import nn

from ganzoo.engine.checkpoint import (
    MANIFEST,
    find_checkpoint,
    list_checkpoints,
    load_optimizer,
    module_tensors,
    optimizer_tensors,
    prune_checkpoints,
    write_checkpoint,
)
from ganzoo.registry.errors import CheckpointError


class _Tied(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Linear(4, 4, bias=False)
        self.out = nn.Linear(4, 4, bias=False)
        self.out.weight = self.embed.weight
        self.norm = nn.BatchNorm1d(4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.norm(self.embed(x)))


def _trained(fused: bool) -> tuple[_Tied, torch.optim.Optimizer]:
    torch.manual_seed(0)
    model = _Tied()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2, betas=(0.5, 0.9), fused=fused)
    for _ in range(3):
        opt.zero_grad()
        model(torch.randn(8, 4)).square().mean().backward()
        opt.step()
    return model, opt


def _save(root: Path, step: int, model: nn.Module, opt: torch.optim.Optimizer) -> Path:
    weights, aliases = module_tensors(model)
    state, meta = optimizer_tensors(opt, model)
    return write_checkpoint(
        root,
        step,
        tensors={"model": weights, "optim": state},
        jsons={"optim": meta},
        manifest={"step": step},
        aliases={"model": aliases},
    )


@pytest.mark.parametrize("fused", [False, True])
def test_model_and_optimizer_roundtrip_exactly(tmp_path: Path, fused: bool) -> None:
    model, opt = _trained(fused)
    path = _save(tmp_path, 3, model, opt)
    assert sorted(p.name for p in path.iterdir()) == sorted(
        [MANIFEST, "model.safetensors", "optim.safetensors", "optim.json"]
    )
    torch.manual_seed(1)
    fresh = _Tied()
    fresh_opt = torch.optim.Adam(fresh.parameters(), lr=1.0, fused=fused)
    checkpoint = find_checkpoint(tmp_path / "step_000003")
    checkpoint.load_module(fresh, "model")
    load_optimizer(fresh_opt, fresh, checkpoint.tensors("optim"), checkpoint.json("optim"), what="optim")
    assert fresh.out.weight is fresh.embed.weight  # tie survives loading
    for (name, a), b in zip(model.state_dict().items(), fresh.state_dict().values(), strict=True):
        assert torch.equal(a, b), name  # incl. BatchNorm running stats and num_batches_tracked
    saved, loaded = opt.state_dict(), fresh_opt.state_dict()
    assert saved["param_groups"] == loaded["param_groups"]
    for index, values in saved["state"].items():
        for key, value in values.items():
            assert torch.equal(value, loaded["state"][index][key]), key
    # the restored optimiser continues identically
    x = torch.randn(8, 4)
    for m, o in ((model, opt), (fresh, fresh_opt)):
        o.zero_grad()
        m(x).square().mean().backward()
        o.step()
    assert torch.equal(model.embed.weight, fresh.embed.weight)


def test_mismatched_model_is_a_checkpoint_error(tmp_path: Path) -> None:
    model, opt = _trained(False)
    _save(tmp_path, 1, model, opt)
    with pytest.raises(CheckpointError, match="does not match"):
        find_checkpoint(tmp_path / "step_000001").load_module(nn.Linear(4, 4), "model")


def test_incomplete_directories_are_ignored_and_never_deleted(tmp_path: Path) -> None:
    model, opt = _trained(False)
    good = _save(tmp_path, 2, model, opt)
    # a killed writer: a temp dir, a final-named dir without manifest, a truncated file
    (tmp_path / ".tmp-step_000004-abc").mkdir()
    (tmp_path / ".tmp-step_000004-abc" / "model.safetensors").write_bytes(b"partial")
    (tmp_path / "step_000005").mkdir()
    (tmp_path / "step_000005" / "model.safetensors").write_bytes(b"partial")
    truncated = _save(tmp_path, 6, model, opt)
    with (truncated / "optim.safetensors").open("r+b") as fh:
        fh.truncate(10)
    assert [c.step for c in list_checkpoints(tmp_path)] == [2]
    run = tmp_path.parent
    assert find_checkpoint(tmp_path / "step_000002").path == good
    # writing step 5 sets the manifest-less directory aside instead of deleting it
    _save(tmp_path, 5, model, opt)
    assert [c.step for c in list_checkpoints(tmp_path)] == [2, 5]
    assert any(p.name.startswith(".broken-step_000005") for p in tmp_path.iterdir())
    prune_checkpoints(tmp_path, keep=1)
    assert [c.step for c in list_checkpoints(tmp_path)] == [5]
    assert not (tmp_path / ".tmp-step_000004-abc").exists()
    assert run.exists()


def test_existing_complete_checkpoint_is_never_overwritten(tmp_path: Path) -> None:
    model, opt = _trained(False)
    _save(tmp_path, 1, model, opt)
    before = (tmp_path / "step_000001" / MANIFEST).read_bytes()
    with pytest.raises(CheckpointError, match="refusing to overwrite"):
        _save(tmp_path, 1, model, opt)
    assert (tmp_path / "step_000001" / MANIFEST).read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["step_000001"]  # no temp left behind


def test_find_checkpoint_in_run_dir_and_errors(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="no such run"):
        find_checkpoint(tmp_path / "nope")
    (tmp_path / "run").mkdir()
    with pytest.raises(CheckpointError, match="no complete checkpoint"):
        find_checkpoint(tmp_path / "run")
    model, opt = _trained(False)
    for step in (3, 10, 7):
        _save(tmp_path / "run" / "checkpoints", step, model, opt)
    (tmp_path / "run" / MANIFEST).write_text(json.dumps({"seed": 0}))
    assert find_checkpoint(tmp_path / "run").step == 10
    prune_checkpoints(tmp_path / "run" / "checkpoints", keep=2)
    assert [c.step for c in list_checkpoints(tmp_path / "run" / "checkpoints")] == [7, 10]
