"""Everything a plugin author imports: the one public module besides ``ganzoo`` and ``ganzoo.testing``.

A plugin is a distribution with an entry point in the ``ganzoo`` group whose module implements
some of the ``ganzoo_register_*`` hooks ([`ganzoo.plugins.hookspecs`][ganzoo.plugins.hookspecs]). Each component
declares its parameters once, in a [`ComponentConfig`][ganzoo.registry.config.ComponentConfig] subclass, and is built from the
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

Experiment trackers are components of kind ``logger`` (hook ``ganzoo_register_loggers``): a
class satisfying [`Logger`][ganzoo.registry.protocols.Logger] that receives a [`RunInfo`][ganzoo.loggers.base.RunInfo] when training starts.

Metric figures (``{"title", "svg"}`` entries of a result's ``figure``/``figures``) can be drawn
with the report's own charts: [`band_chart`][ganzoo.report.svg.band_chart] (small multiples of lines in bands, e.g. mean
+- 1 sd) and [`scatter_chart`][ganzoo.report.svg.scatter_chart], both standalone SVG in [`PALETTE`][ganzoo.report.svg.PALETTE] colours.

Everything else under ``ganzoo.`` is internal and may change between releases. Importing this
module is cheap: names that need torch, numpy or pandas ([`LossContext`][ganzoo.engine.context.LossContext],
[`EvalContext`][ganzoo.metrics.context.EvalContext], the data helpers such as [`CsvFile`][ganzoo.data.csv.CsvFile], [`evaluate_run`][ganzoo.metrics.evaluate.evaluate_run]) are
imported on first use.

Plugins that ship a workflow of their own (a ``ganzoo_register_commands`` subcommand that trains,
evaluates and reports, like ganzoo-medical's ``ganzoo demo``) also get the pieces the built-in
commands are made of: [`evaluate_run`][ganzoo.metrics.evaluate.evaluate_run] (``ganzoo evaluate``, optionally scoring a stand-in
sampler), [`write_report`][ganzoo.report.report.write_report] (``ganzoo report``), [`read_run`][ganzoo.report.rundata.read_run] for a run directory's
records, the HTML building blocks of the reports ([`html_page`][ganzoo.report.page.page], [`html_table`][ganzoo.report.page.table],
[`html_figure`][ganzoo.report.page.image], [`svg_line_chart`][ganzoo.report.svg.line_chart], [`format_value`][ganzoo.report.format.fmt], [`protocol_text`][ganzoo.report.page.protocol_text]), atomic
file writes ([`write_text_atomic`][ganzoo.files.write_text], [`write_json_atomic`][ganzoo.files.write_json]) and [`write_png`][ganzoo.data.images.write_png]. Training
and loading go through the top-level API ([`ganzoo.train`][ganzoo.train], [`ganzoo.load`][ganzoo.load],
[`ganzoo.create`][ganzoo.create]).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ganzoo.data.spec import (
    COMPONENT_DEFAULTS_KEY,
    CONDITION_KEY,
    HELD_OUT_KEY,
    SAMPLE_KEY,
    ConditionKind,
    DataSpec,
    Modality,
)
from ganzoo.files import write_json as write_json_atomic
from ganzoo.files import write_text as write_text_atomic
from ganzoo.loggers.base import RunInfo
from ganzoo.notices import notice
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
    did_you_mean,
    first_line,
)
from ganzoo.registry.protocols import (
    Augmenting,
    BatchDrawing,
    ConditionParsing,
    ConditionSampling,
    Curating,
    Curator,
    Dataset,
    Discriminator,
    Exporting,
    Generator,
    Logger,
    Loss,
    Metric,
    SplitGroups,
)
from ganzoo.report.format import fmt as format_value
from ganzoo.report.page import image as html_figure
from ganzoo.report.page import page as html_page
from ganzoo.report.page import protocol_text
from ganzoo.report.page import table as html_table
from ganzoo.report.report import write_report
from ganzoo.report.rundata import RunData, read_run
from ganzoo.report.svg import PALETTE, Band, Panel, band_chart, scatter_chart
from ganzoo.report.svg import line_chart as svg_line_chart

if TYPE_CHECKING:
    from ganzoo.data.csv import CsvFile
    from ganzoo.data.images import read_image_with_depth, resize, write_png
    from ganzoo.data.tabular import TableTransformer
    from ganzoo.engine.context import LossContext
    from ganzoo.metrics.context import EvalContext
    from ganzoo.metrics.evaluate import evaluate_run

#: Names imported on first use (they pull in torch, numpy or pandas): name -> module.
_LAZY = {
    "LossContext": "ganzoo.engine.context",
    "EvalContext": "ganzoo.metrics.context",
    "CsvFile": "ganzoo.data.csv",
    "read_image_with_depth": "ganzoo.data.images",
    "resize": "ganzoo.data.images",
    "TableTransformer": "ganzoo.data.tabular",
    "write_png": "ganzoo.data.images",
    "evaluate_run": "ganzoo.metrics.evaluate",
}

__all__ = [
    "COMPONENT_DEFAULTS_KEY",
    "CONDITION_KEY",
    "HELD_OUT_KEY",
    "SAMPLE_KEY",
    "PALETTE",
    "Augmenting",
    "Band",
    "BatchDrawing",
    "CheckpointError",
    "CommandRegister",
    "ComponentConfig",
    "ConditionKind",
    "ConditionParsing",
    "ConditionSampling",
    "ConfigError",
    "ConfigureCommand",
    "CsvFile",
    "Curating",
    "Curator",
    "DataError",
    "DataSpec",
    "Dataset",
    "Discriminator",
    "EvalContext",
    "Exporting",
    "GanzooError",
    "Generator",
    "IncompatibleComponentsError",
    "Logger",
    "Loss",
    "LossContext",
    "Metric",
    "Modality",
    "Panel",
    "PresetRegister",
    "Register",
    "RegistrationError",
    "RunData",
    "RunInfo",
    "SplitGroups",
    "TableTransformer",
    "band_chart",
    "did_you_mean",
    "evaluate_run",
    "first_line",
    "format_value",
    "hookimpl",
    "html_figure",
    "html_page",
    "html_table",
    "notice",
    "protocol_text",
    "read_image_with_depth",
    "read_run",
    "resize",
    "scatter_chart",
    "svg_line_chart",
    "write_json_atomic",
    "write_png",
    "write_report",
    "write_text_atomic",
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
