"""The generated pages: catalogue, experiment reference and CLI reference (no mkdocs build)."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from ganzoo.cli.main import build_parser
from ganzoo.components import builtin
from ganzoo.plugins.manager import PluginManager


def _builtin_components() -> list[tuple[str, str, Any]]:
    """(kind, name, config) straight from the built-in hooks, bypassing the registry."""
    found: list[tuple[str, str, Any]] = []
    kinds = {
        "ganzoo_register_generators": "generator",
        "ganzoo_register_discriminators": "discriminator",
        "ganzoo_register_losses": "loss",
        "ganzoo_register_datasets": "dataset",
        "ganzoo_register_metrics": "metric",
        "ganzoo_register_presets": "preset",
    }
    for hook, kind in kinds.items():
        if hasattr(builtin, hook):
            getattr(builtin, hook)(
                register=lambda name, target, config=None, summary=None, kind=kind: found.append((kind, name, config))
            )
    return found


def _builtin_registry() -> Any:
    manager = PluginManager()
    manager.load_entry_points(discover=False)
    return manager.registry


def test_catalogue_lists_every_builtin_component_with_its_parameters(gen_script: Callable[[str], ModuleType]) -> None:
    gen = gen_script("gen_catalogue")
    page = gen.catalogue_markdown(_builtin_registry())
    components = _builtin_components()
    assert len(components) >= 13
    for kind, name, config in components:
        heading = f"### `{name}` ({kind}) {{#{kind}-ganzoo-{name}}}"
        assert heading in page, f"{kind} {name} missing from the catalogue"
        section = page.split(heading, 1)[1].split("\n### ", 1)[0]
        for field in (config.model_fields if config is not None else {}):
            assert f"| `{field}`" in section, f"{kind} {name}: parameter {field} missing"
    assert "| `latent_dim` | int (> 0) | `100` | Noise dimension (nz). |" in page


def test_catalogue_reports_plugins_that_failed(gen_script: Callable[[str], ModuleType]) -> None:
    page = gen_script("gen_catalogue").catalogue_markdown(_builtin_registry(), [("ganzoo-broken", "import failed: X")])
    assert "`ganzoo-broken`: import failed: X" in page


def test_experiment_reference_has_every_train_key_and_the_schema(gen_script: Callable[[str], ModuleType]) -> None:
    from ganzoo.registry.config import TrainConfig

    page = gen_script("gen_schema").schema_markdown(_builtin_registry())
    train = page.split("## `[train]`", 1)[1].split("\n## ", 1)[0]
    for field in TrainConfig.model_fields:
        assert f"| `{field}`" in train
    assert '"title": "ganzoo experiment"' in page


def test_cli_reference_has_every_subcommand(gen_script: Callable[[str], ModuleType]) -> None:
    gen = gen_script("gen_cli")
    parser = build_parser()
    page = gen.cli_markdown(parser)
    progs = [sub.prog for sub in gen.subcommands(parser)]
    assert {"ganzoo list", "ganzoo plugins", "ganzoo config schema"} <= set(progs)
    for prog in progs:
        assert f"## `{prog}`" in page
        assert f"usage: {prog}" in page


def test_reference_pages_cover_public_modules_only(gen_script: Callable[[str], ModuleType]) -> None:
    modules = {".".join(parts) for parts, _ in gen_script("gen_ref_pages").public_modules()}
    assert {"ganzoo", "ganzoo.registry.registry", "ganzoo.plugins.hookspecs", "ganzoo.testing.conformance"} <= modules
    assert "ganzoo.__main__" not in modules
    assert not any(part.startswith("_") for m in modules for part in m.split("."))
