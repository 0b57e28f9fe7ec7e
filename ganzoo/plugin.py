"""Everything a plugin author imports: the one public module besides ``ganzoo`` and ``ganzoo.testing``.

A plugin is a distribution with an entry point in the ``ganzoo`` group whose module implements
some of the ``ganzoo_register_*`` hooks (:mod:`ganzoo.plugins.hookspecs`). Each component
declares its parameters once, in a :class:`ComponentConfig` subclass, and is built from the
validated config object::

    from pydantic import Field
    from ganzoo.plugin import ComponentConfig, Register, hookimpl

    class TinyGeneratorConfig(ComponentConfig):
        \"\"\"A two-layer MLP generator.\"\"\"
        latent_dim: int = Field(16, gt=0, description="Noise dimension.")
        out_features: int = Field(2, gt=0, description="Row width (filled from the DataSpec).")

    class TinyGenerator(torch.nn.Module):          # in a module that may import torch
        def __init__(self, config: TinyGeneratorConfig) -> None: ...

    @hookimpl
    def ganzoo_register_generators(register: Register) -> None:
        register("tiny", "myplugin.models:TinyGenerator", config=TinyGeneratorConfig)

Everything else under ``ganzoo.`` is internal and may change between releases. Importing this
module is cheap: names that need torch, numpy or pandas (:class:`LossContext`,
:class:`EvalContext`, the data helpers such as :class:`CsvFile`) are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ganzoo.data.spec import (
    COMPONENT_DEFAULTS_KEY,
    CONDITION_KEY,
    SAMPLE_KEY,
    ConditionKind,
    DataSpec,
    Modality,
)
from ganzoo.plugins.hookspecs import hookimpl
from ganzoo.plugins.register import CommandRegister, ConfigureCommand, PresetRegister, Register
from ganzoo.registry.config import ComponentConfig
from ganzoo.registry.errors import (
    CheckpointError,
    ConfigError,
    DataError,
    GanzooError,
    IncompatibleComponentsError,
    RegistrationError,
    first_line,
)
from ganzoo.registry.protocols import (
    Augmenting,
    ConditionParsing,
    ConditionSampling,
    Dataset,
    Discriminator,
    Exporting,
    Generator,
    Loss,
    Metric,
)

if TYPE_CHECKING:
    from ganzoo.data.csv import CsvFile
    from ganzoo.data.images import read_image_with_depth, resize
    from ganzoo.data.tabular import TableTransformer
    from ganzoo.engine.context import LossContext
    from ganzoo.metrics.context import EvalContext

#: Names imported on first use (they pull in torch, numpy or pandas): name -> module.
_LAZY = {
    "LossContext": "ganzoo.engine.context",
    "EvalContext": "ganzoo.metrics.context",
    "CsvFile": "ganzoo.data.csv",
    "read_image_with_depth": "ganzoo.data.images",
    "resize": "ganzoo.data.images",
    "TableTransformer": "ganzoo.data.tabular",
}

__all__ = [
    "COMPONENT_DEFAULTS_KEY",
    "CONDITION_KEY",
    "SAMPLE_KEY",
    "Augmenting",
    "CheckpointError",
    "CommandRegister",
    "ComponentConfig",
    "ConditionKind",
    "ConditionParsing",
    "ConditionSampling",
    "ConfigError",
    "ConfigureCommand",
    "CsvFile",
    "DataError",
    "DataSpec",
    "Dataset",
    "Discriminator",
    "EvalContext",
    "Exporting",
    "GanzooError",
    "Generator",
    "IncompatibleComponentsError",
    "Loss",
    "LossContext",
    "Metric",
    "Modality",
    "PresetRegister",
    "Register",
    "RegistrationError",
    "TableTransformer",
    "first_line",
    "hookimpl",
    "read_image_with_depth",
    "resize",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
