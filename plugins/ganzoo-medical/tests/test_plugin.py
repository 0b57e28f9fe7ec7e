"""Registration through the entry point, the config-object rule, presets, and cheap imports."""

from __future__ import annotations

import subprocess
import sys

import pytest
from ganzoo_medical.plugin import PRESETS

from ganzoo.experiment.build import validate_experiment
from ganzoo.experiment.load import read_experiment
from ganzoo.plugins.manager import get_manager, get_registry
from ganzoo.registry.registry import BUILDABLE_KINDS, constructor_mismatch


def test_plugin_loads_from_its_entry_point() -> None:
    info = next(p for p in get_manager().plugins if p.distribution == "ganzoo-medical")
    assert info.status == "ok", info.error
    assert info.components["dataset"] == ["retina-procedural", "retina-skimage", "fundus"]
    assert info.components["metric"] == ["vessel-agreement"]
    assert info.components["command"] == ["demo"]
    assert get_registry().get("dataset", "retina-procedural").provider == "ganzoo-medical"


def test_components_are_built_from_their_config_object() -> None:
    entries = [e for e in get_registry().entries() if e.provider == "ganzoo-medical" and e.kind in BUILDABLE_KINDS]
    assert len(entries) == 4
    for entry in entries:
        assert constructor_mismatch(entry) is None, (entry.name, constructor_mismatch(entry))


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_validate(name: str) -> None:
    registry = get_registry()
    raw, label = read_experiment(None, preset=name, registry=registry)
    config = validate_experiment(raw, registry, source=label)
    assert config.dataset.name == "retina-procedural"
    family = next(f for f in ("pix2pix", "dcgan", "cyclegan") if f in name)
    assert config.dataset.params["paired"] is (family != "dcgan")
    assert config.dataset.params.get("unaligned", False) is (family == "cyclegan")
    assert config.generator.name == {"pix2pix": "unet", "dcgan": "dcgan", "cyclegan": "cyclegan"}[family]
    if family == "cyclegan":
        assert [(loss.name, loss.weight) for loss in config.losses] == [("adversarial", 1.0), ("cycle", 10.0)]
        assert (config.train.fake_pool, config.train.update_order) == (50, "generator-first")
    if family == "pix2pix":
        assert [loss.name for loss in config.losses] == ["adversarial", "l1"]
        assert config.losses[1].weight == 100.0
        assert config.losses[0].params == {"mode": "nonsaturating", "d_reduction": "mean"}
    assert config.train.lr == 2e-4 and tuple(config.train.betas) == (0.5, 0.999)


def test_swapping_a_presets_dataset_names_the_params_it_dropped(capsys: pytest.CaptureFixture[str]) -> None:
    """retina-dcgan's paired = false matters to retina-skimage too: the user is told it went."""
    from ganzoo.cli.main import main

    assert main(["validate", "--preset", "retina-dcgan", "--set", "dataset.name=retina-skimage",
                 "--set", "dataset.params.paired=false"]) == 0
    err = capsys.readouterr().err
    assert "dropped dataset.params of 'retina-procedural' (image_size = 64, paired = false, length = 1024)" in err


def test_plugin_module_and_demo_command_import_no_heavy_libraries() -> None:
    code = (
        "import sys, ganzoo_medical.plugin, ganzoo_medical.demo.cli; "
        "heavy = [m for m in ('torch', 'skimage', 'scipy') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
