"""Registration through the entry point, presets, and cheap imports."""

from __future__ import annotations

import subprocess
import sys

import pytest
from ganzoo_medical.plugin import PRESETS

from ganzoo.experiment.build import validate_experiment
from ganzoo.experiment.load import read_experiment
from ganzoo.plugins.manager import get_manager, get_registry


def test_plugin_loads_from_its_entry_point() -> None:
    info = next(p for p in get_manager().plugins if p.distribution == "ganzoo-medical")
    assert info.status == "ok", info.error
    assert info.components["dataset"] == ["retina-procedural", "retina-skimage", "fundus"]
    assert info.components["metric"] == ["vessel-agreement"]
    assert get_registry().get("dataset", "retina-procedural").provider == "ganzoo-medical"


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_validate(name: str) -> None:
    registry = get_registry()
    raw, label = read_experiment(None, preset=name, registry=registry)
    config = validate_experiment(raw, registry, source=label)
    assert config.dataset.name == "retina-procedural"
    paired = "pix2pix" in name
    assert config.dataset.params["paired"] is paired
    assert config.generator.name == ("unet" if paired else "dcgan")
    if paired:
        assert [loss.name for loss in config.losses] == ["adversarial", "l1"]
        assert config.losses[1].weight == 100.0
        assert config.losses[0].params == {"mode": "nonsaturating", "d_reduction": "mean"}
    assert config.train.lr == 2e-4 and tuple(config.train.betas) == (0.5, 0.999)


def test_plugin_module_imports_no_heavy_libraries() -> None:
    code = (
        "import sys, ganzoo_medical.plugin; "
        "heavy = [m for m in ('torch', 'skimage', 'scipy') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
