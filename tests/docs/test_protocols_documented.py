"""The protocols page documents every protocol, every public name and every filled parameter."""

from __future__ import annotations

import re
import types
from pathlib import Path

import ganzoo.plugin
from ganzoo.data.spec import DataSpec
from ganzoo.plugins.manager import PluginInfo, PluginManager
from ganzoo.registry.protocols import PROTOCOLS
from ganzoo.registry.registry import constructor_mismatch
from ganzoo.testing import check_generator

PAGE = Path(__file__).resolve().parents[2] / "docs" / "plugins" / "protocols.md"
OPTIONAL = ("Augmenting", "SplitGroups", "Exporting", "ConditionSampling", "ConditionParsing")


def _text() -> str:
    return PAGE.read_text()


def test_every_protocol_has_a_section() -> None:
    headings = {line[4:].strip() for line in _text().splitlines() if line.startswith("### ")}
    names = {p.__name__ for p in PROTOCOLS.values()} | set(OPTIONAL)
    assert names <= headings, f"protocols without a '### Name' section: {names - headings}"
    metric = _text().split("### Metric", 1)[1]
    assert "`applies_to(spec) -> bool`" in metric and "ganzoo.plugin.EvalContext" in metric


def test_the_public_module_table_names_everything_plugin_exports() -> None:
    table = _text().split("## What a plugin imports", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in ganzoo.plugin.__all__ if f"`{name}" not in table]
    assert not missing, f"ganzoo.plugin names the protocols page does not mention: {missing}"


def test_the_filled_parameter_table_matches_the_dataspec() -> None:
    section = _text().split("## Parameters filled from the DataSpec", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(\w+)` \|", section, flags=re.M))
    specs = [
        DataSpec("image", (3, 8, 8), condition="paired", condition_shape=(1, 8, 8)),
        DataSpec("image", (3, 8, 8), condition="unpaired", condition_shape=(1, 8, 8)),
        DataSpec("series", (2, 16), condition="label", condition_shape=(4,)),
        DataSpec("table", (5,)),
    ]
    produced = {key for spec in specs for kind in ("generator", "discriminator") for key in spec.component_defaults(kind)}
    assert documented == produced
    assert "`meta[\"component_defaults\"]`" in section


def test_the_config_object_example_follows_the_rule() -> None:
    (block,) = re.findall(r"^```python\n(.*?)^```$", _text(), flags=re.S | re.M)
    module = types.ModuleType("protocols_example")
    exec(compile(block, "protocols.md example", "exec"), module.__dict__)

    def hook(register: object) -> None:
        register("tiny", module.TinyGenerator, config=module.TinyGeneratorConfig)  # type: ignore[operator]

    module.ganzoo_register_generators = ganzoo.plugin.hookimpl(hook)
    manager = PluginManager()
    manager.load_entry_points(discover=False)
    info = manager.add_plugin(module, PluginInfo("tiny", "tiny", "0"))
    assert info.status == "ok", info.error
    entry = manager.registry.get("generator", "tiny")
    assert constructor_mismatch(entry) is None
    generator = check_generator("tiny", DataSpec("table", (3,)), manager.registry)
    assert generator.net.out_features == 3  # filled from the DataSpec by name
