"""Generate the experiment reference from the config models and the live registry.

Run by mkdocs-gen-files. The page lists every key of the experiment file with its type, default
and description, read from the pydantic models that validate it (``ExperimentConfig``,
``TrainConfig`` and its nested tables, and the ``[eval]`` table's model when the metrics package
provides one), then the JSON Schema that ``ganzoo config schema`` prints: each ``{name, params}``
table is a union over the installed components of its kind, so editors check plugin parameters
too.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

from pydantic import BaseModel

from ganzoo.data.augment_options import ADAConfig, DiffAugmentConfig
from ganzoo.experiment.schema import experiment_schema
from ganzoo.registry.config import (
    EMAConfig,
    ExperimentConfig,
    LossSpec,
    OptimizerConfig,
    ScheduleConfig,
    TrainConfig,
)
from ganzoo.registry.registry import Registry

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_catalogue import build_registry, fields_table  # noqa: E402

PAGE = "guide/schema.md"
#: (heading, model) of each table of the experiment file, in file order.
TABLES: list[tuple[str, type[BaseModel]]] = [
    ("Top level", ExperimentConfig),
    ("`[[losses]]` entries", LossSpec),
    ("`[train]`", TrainConfig),
    ("`[train.generator_optimizer]` and `[train.discriminator_optimizer]`", OptimizerConfig),
    ("`[train.schedule]`", ScheduleConfig),
    ("`[train.ema]`", EMAConfig),
    ('`[train.augment]` with `kind = "diffaugment"`', DiffAugmentConfig),
    ('`[train.augment]` with `kind = "ada"`', ADAConfig),
]


def _eval_model() -> type[BaseModel] | None:
    """The ``[eval]`` table's model, when the installed ganzoo has one."""
    try:
        return importlib.import_module("ganzoo.metrics.configs").EvalConfig
    except (ImportError, AttributeError):
        return None


def schema_markdown(registry: Registry) -> str:
    """The experiment reference page: key tables, then the JSON Schema."""
    lines = [
        "# Experiment reference",
        "",
        "Every key of an [experiment file](experiment.md), generated from the models that",
        "validate it. `[generator]`, `[discriminator]` and `[dataset]` tables hold `name` and",
        "`params`; the parameters of each component are listed in the",
        "[component catalogue](components.md).",
        "",
    ]
    tables = list(TABLES)
    eval_model = _eval_model()
    if eval_model is not None:
        tables.append(("`[eval]`", eval_model))
    for heading, model in tables:
        doc = (model.__doc__ or "").strip().splitlines()
        lines += [f"## {heading}", "", doc[0] if doc else "", ""]
        lines += fields_table(model.model_fields)
    schema = json.dumps(experiment_schema(registry), indent=2)
    lines += [
        "## JSON Schema",
        "",
        "The schema below holds the components installed when this site was built. Print the one",
        "for *your* installation, plugins included, with",
        "",
        "```bash",
        "ganzoo config schema > ganzoo-experiment.schema.json",
        "```",
        "",
        "Editors that check TOML against JSON Schema (VS Code with *Even Better TOML*, *taplo*)",
        "then complete component names and check their parameters while you type: put",
        "`#:schema ./ganzoo-experiment.schema.json` on the first line of the experiment file.",
        "",
        '??? note "The schema"',
        "",
        "    ```json",
        *(f"    {line}" if line else "" for line in schema.splitlines()),
        "    ```",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    import mkdocs_gen_files

    registry, _ = build_registry()
    with mkdocs_gen_files.open(PAGE, "w") as fh:
        fh.write(schema_markdown(registry))


if __name__ in {"__main__", "<run_path>"}:
    main()
