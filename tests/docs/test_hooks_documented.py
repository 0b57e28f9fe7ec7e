"""The hooks reference documents every hook with its exact signature, and its examples run."""

from __future__ import annotations

import dataclasses
import re
import types
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

import ganzoo
from ganzoo.cli.main import main
from ganzoo.data.spec import COMPONENT_DEFAULTS_KEY, DataSpec
from ganzoo.engine.context import LossContext
from ganzoo.experiment.build import validate_experiment
from ganzoo.metrics.context import EvalContext
from ganzoo.plugins.manager import PluginInfo, PluginManager
from ganzoo.registry.registry import BUILDABLE_KINDS, constructor_mismatch

HOOKS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "plugins" / "hooks.md"

pytest_plugins = ["ganzoo.testing.pytest_plugin"]


def _hook_signatures() -> dict[str, str]:
    hook = PluginManager()._pm.hook
    names = [n for n in dir(hook) if n.startswith("ganzoo_")]
    return {n: f"{n}({', '.join(getattr(hook, n).spec.argnames)})" for n in names}


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.S | re.M)


def test_every_hook_has_a_heading_with_its_exact_signature() -> None:
    headings = {line[3:].strip() for line in HOOKS_PAGE.read_text().splitlines() if line.startswith("## ")}
    signatures = _hook_signatures()
    assert len(signatures) == 8
    missing = [sig for sig in signatures.values() if sig not in headings]
    assert not missing, f"docs/plugins/hooks.md lacks a '## <signature>' heading for {missing}"


def test_every_hook_section_has_a_runnable_example_implementing_it() -> None:
    text = HOOKS_PAGE.read_text()
    for name, signature in _hook_signatures().items():
        section = text.split(f"## {signature}", 1)[1].split("\n## ", 1)[0]
        examples = [b for b in _python_blocks(section) if f"def {name}(register)" in b]
        assert examples, f"the section of {name} has no example implementing it"


def _example_modules() -> list[tuple[str, types.ModuleType]]:
    """Every hook example of the page as ``(name, module)``, executed."""
    modules = []
    for i, block in enumerate(b for b in _python_blocks(HOOKS_PAGE.read_text()) if "@ganzoo.hookimpl" in b):
        module = types.ModuleType(f"hooks_example_{i}")
        exec(compile(block, f"hooks.md example {i}", "exec"), module.__dict__)
        modules.append((f"example-{i}", module))
    return modules


@pytest.fixture
def documented_plugin() -> PluginManager:
    """A manager holding ganzoo's built-ins plus every hook example of the page, as one plugin each."""
    manager = PluginManager()
    manager.load_entry_points(discover=False)
    for name, module in _example_modules():
        info = manager.add_plugin(module, PluginInfo(name, name, "0"))
        assert info.status == "ok", f"hooks.md {name}: {info.error}"
    return manager


def test_hook_examples_register_working_components(documented_plugin: PluginManager) -> None:
    registry = documented_plugin.registry
    provided = {(e.kind, e.name) for e in registry.entries() if e.provider.startswith("example-")}
    assert provided == {
        ("generator", "linear"), ("discriminator", "linear"), ("loss", "mean-match"),
        ("dataset", "gaussian-rows"), ("metric", "mean-gap"), ("preset", "linear-gaussian"),
        ("command", "row-stats"), ("logger", "csv-scalars"),
    }
    for kind, name in provided:
        if kind in BUILDABLE_KINDS:
            registry.create(kind, name)  # validates the config and checks the protocol
            assert constructor_mismatch(registry.get(kind, name)) is None, (kind, name)

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
    metric = registry.get("metric", "mean-gap").load()
    assert metric.applies_to(Sampler.spec) and not metric.applies_to(DataSpec("image", (3, 8, 8)))


def test_command_example_runs_from_the_cli(
    ganzoo_plugins: Callable[..., PluginManager], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ganzoo_plugins(*_example_modules(), discover=False)
    rows = tmp_path / "rows.csv"
    rows.write_text("0.1,0.2\n-0.5,0.5\n")
    assert main(["row-stats", str(rows)]) == 0
    assert capsys.readouterr().out.splitlines() == [f"{rows}: 2 rows, column means -0.20 0.35"]
    assert "data/rows.csv: 2 rows, column means -0.20 0.35" in _section("## ganzoo_register_commands(register)")

    rows.write_text("0.1,0.2\n0.3,n/a\n")
    assert main(["row-stats", str(rows)]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [f"ganzoo: error: {rows}: row 2: not a number in ['0.3', 'n/a']"]


def test_logger_example_writes_every_logged_number(
    ganzoo_plugins: Callable[..., PluginManager], tmp_path: Path
) -> None:
    import csv

    ganzoo_plugins(*_example_modules(), discover=False)
    run = ganzoo.train(preset="linear-gaussian", run_dir=tmp_path / "run", progress=False,
                       overrides=["train.steps=4", "train.log_every=2", 'train.loggers=["csv-scalars"]'])
    rows = list(csv.reader((run.directory / "scalars.csv").open()))
    logged = {(int(step), tag) for step, tag, _ in rows}
    assert {(2, "loss/d"), (4, "loss/g"), (4, "lr/g"), (4, "it_s")} <= logged
    assert "scalars.csv" in _section("## ganzoo_register_loggers(register)")


def test_preset_example_is_a_valid_experiment(documented_plugin: PluginManager) -> None:
    registry = documented_plugin.registry
    experiment = registry.get("preset", "linear-gaussian").target
    config = validate_experiment(experiment, registry, source="preset:linear-gaussian")
    assert [loss.name for loss in config.losses] == ["adversarial", "mean-match"]


def _section(heading: str) -> str:
    return HOOKS_PAGE.read_text().split(heading, 1)[1].split("\n## ", 1)[0]


def test_dataset_example_reports_bad_input_as_one_line_errors(documented_plugin: PluginManager, tmp_path: Path) -> None:
    registry = documented_plugin.registry
    good = tmp_path / "good.csv"
    good.write_text("0.1,0.2\n-0.5,0.5\n")
    rows = registry.create("dataset", "gaussian-rows", path=str(good)).rows
    assert torch.allclose(rows, torch.tensor([[0.1, 0.2], [-0.5, 0.5]]))
    bad = tmp_path / "bad.csv"
    bad.write_text("0.1,0.2\n0.3,n/a\n")
    cases = [
        (tmp_path / "missing.csv", 2, ganzoo.DataError, "missing.csv: file not found"),
        (bad, 2, ganzoo.DataError, "bad.csv: row 2: not a number"),
        (good, 3, ganzoo.ConfigError, "dataset.params.features: is 3, but .*good.csv has 2 columns"),
    ]
    for path, features, error, message in cases:
        with pytest.raises(error, match=message) as raised:
            registry.create("dataset", "gaussian-rows", path=str(path), features=features)
        assert len(str(raised.value).splitlines()) == 1


def test_bad_dataset_input_exits_2_with_one_line(
    ganzoo_plugins: Callable[..., PluginManager], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ganzoo_plugins(*_example_modules(), discover=False)
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "rows.csv"
    bad.write_text("0.1,0.2\n0.3,n/a\n")
    experiment = tmp_path / "rows.toml"
    experiment.write_text(
        '[generator]\nname = "linear"\n[discriminator]\nname = "linear"\n'
        f'[dataset]\nname = "gaussian-rows"\nparams = {{ path = "{bad.as_posix()}" }}\n'
        '[[losses]]\nname = "adversarial"\n[train]\nsteps = 1\ndevice = "cpu"\nprogress = false\n'
    )
    assert main(["train", str(experiment)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [f"ganzoo: error: {bad}: row 2: not a number in ['0.3', 'n/a']"]


def test_errors_section_names_both_exported_errors() -> None:
    section = _section("## Reporting bad user input")
    assert "`ganzoo.DataError`" in section and "`ganzoo.ConfigError`" in section and "status 2" in section
    assert issubclass(ganzoo.DataError, ganzoo.GanzooError) and issubclass(ganzoo.ConfigError, ganzoo.GanzooError)


def test_dataspec_constructor_is_documented_exactly() -> None:
    section = HOOKS_PAGE.read_text().split("### The DataSpec", 1)[1].split("\n## ", 1)[0]
    arguments = []
    for field in dataclasses.fields(DataSpec):
        assert f"| `{field.name}` |" in section, f"DataSpec argument {field.name} is not documented"
        if field.default is not dataclasses.MISSING:
            arguments.append(f"{field.name}={field.default!r}".replace("'", '"'))
        elif field.default_factory is not dataclasses.MISSING:
            arguments.append(f"{field.name}={field.default_factory()!r}")
        else:
            arguments.append(field.name)
    assert f"DataSpec({', '.join(arguments)})" in section
    for name in ("image_size", "length", "out_channels", "out_features", "in_channels", "in_features", "condition_dim"):
        assert f"`{name}`" in section, f"component default {name} is not documented"

    (block,) = [b for b in _python_blocks(section) if COMPONENT_DEFAULTS_KEY in b]
    spec = eval(block, {"DataSpec": DataSpec})
    assert spec.component_defaults("generator")["spans"] == [["tanh", 1], ["softmax", 3], ["softmax", 3]]
    assert spec.component_defaults("generator")["out_features"] == 7
