"""The hooks reference documents every hook with its exact signature, and its examples run."""

from __future__ import annotations

import re
import types
from pathlib import Path

import pytest
import torch

from ganzoo.engine.context import LossContext
from ganzoo.experiment.build import validate_experiment
from ganzoo.metrics.context import EvalContext
from ganzoo.plugins.manager import PluginInfo, PluginManager
from ganzoo.registry.registry import BUILDABLE_KINDS

HOOKS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "plugins" / "hooks.md"


def _hook_signatures() -> dict[str, str]:
    hook = PluginManager()._pm.hook
    names = [n for n in dir(hook) if n.startswith("ganzoo_")]
    return {n: f"{n}({', '.join(getattr(hook, n).spec.argnames)})" for n in names}


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.S | re.M)


def test_every_hook_has_a_heading_with_its_exact_signature() -> None:
    headings = {line[3:].strip() for line in HOOKS_PAGE.read_text().splitlines() if line.startswith("## ")}
    signatures = _hook_signatures()
    assert len(signatures) == 6
    missing = [sig for sig in signatures.values() if sig not in headings]
    assert not missing, f"docs/plugins/hooks.md lacks a '## <signature>' heading for {missing}"


def test_every_hook_section_has_a_runnable_example_implementing_it() -> None:
    text = HOOKS_PAGE.read_text()
    for name, signature in _hook_signatures().items():
        section = text.split(f"## {signature}", 1)[1].split("\n## ", 1)[0]
        examples = [b for b in _python_blocks(section) if f"def {name}(register)" in b]
        assert examples, f"the section of {name} has no example implementing it"


@pytest.fixture
def documented_plugin() -> PluginManager:
    """A manager holding ganzoo's built-ins plus every hook example of the page, as one plugin each."""
    manager = PluginManager()
    manager.load_entry_points(discover=False)
    for i, block in enumerate(b for b in _python_blocks(HOOKS_PAGE.read_text()) if "@ganzoo.hookimpl" in b):
        module = types.ModuleType(f"hooks_example_{i}")
        exec(compile(block, f"hooks.md example {i}", "exec"), module.__dict__)
        info = manager.add_plugin(module, PluginInfo(f"example-{i}", f"example-{i}", "0"))
        assert info.status == "ok", f"hooks.md example {i}: {info.error}"
    return manager


def test_hook_examples_register_working_components(documented_plugin: PluginManager) -> None:
    registry = documented_plugin.registry
    provided = {(e.kind, e.name) for e in registry.entries() if e.provider.startswith("example-")}
    assert provided == {
        ("generator", "linear"), ("discriminator", "linear"), ("loss", "mean-match"),
        ("dataset", "gaussian-rows"), ("metric", "mean-gap"), ("preset", "linear-gaussian"),
    }
    for kind, name in provided:
        if kind in BUILDABLE_KINDS:
            registry.create(kind, name)  # validates the config and checks the protocol

    generator = registry.create("generator", "linear", out_features=3)
    assert generator(generator.sample_latent(5)).shape == (5, 3)
    critic = registry.create("discriminator", "linear")
    dataset = registry.create("dataset", "gaussian-rows", n_samples=8)
    real = torch.stack([dataset[i]["x"] for i in range(8)])
    fake = registry.create("generator", "linear")(torch.randn(8, 4))
    ctx = LossContext("generator", real, fake, None, {"x": real}, critic)
    loss = registry.create("loss", "mean-match")
    assert loss.discriminator_loss(ctx) is None and loss.generator_loss(ctx).dim() == 0


def test_metric_example_runs_on_a_real_eval_context(documented_plugin: PluginManager) -> None:
    registry = documented_plugin.registry
    dataset = registry.create("dataset", "gaussian-rows", n_samples=16)

    class Sampler:
        spec = dataset.describe()

        def sample(self, n: int, condition: torch.Tensor | None = None, seed: int | None = None) -> torch.Tensor:
            return torch.zeros(n, 2)

    result = registry.create("metric", "mean-gap").compute(EvalContext(Sampler(), dataset, n_samples=16))
    expected = torch.stack([dataset[i]["x"] for i in range(16)]).mean(0).norm().item()
    assert result["mean_gap"]["value"] == pytest.approx(expected)
    assert result["mean_gap"]["n_real"] == 16


def test_preset_example_is_a_valid_experiment(documented_plugin: PluginManager) -> None:
    registry = documented_plugin.registry
    experiment = registry.get("preset", "linear-gaussian").target
    config = validate_experiment(experiment, registry, source="preset:linear-gaussian")
    assert [loss.name for loss in config.losses] == ["adversarial", "mean-match"]
