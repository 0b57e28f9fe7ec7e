"""``ganzoo show KIND NAME [--json]``: one component's parameters, provider and summary.

The answer to "what can I set on this?" without reading the 110 KB experiment schema: each
parameter with its type and bounds, default and description, read from the component's config
model. Presets show their experiment, plugin commands where their options are.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from ganzoo.cli.list_cmd import singular_kind
from ganzoo.cli.output import print_json, print_table
from ganzoo.registry.registry import KINDS, Entry, Registry

#: How each kind is chosen in an experiment file (shown under the parameters).
USAGE = {
    "generator": '[generator] name = "{name}"  (parameters under [generator.params])',
    "discriminator": '[discriminator] name = "{name}"  (parameters under [discriminator.params])',
    "dataset": '[dataset] name = "{name}"  (parameters under [dataset.params])',
    "loss": '[[losses]] name = "{name}"  (parameters in its params table, optional weight)',
    "metric": '[eval] metrics = ["{name}"]  or  ganzoo evaluate RUN --metrics {name}',
    "preset": "ganzoo train --preset {name}  (change keys with --set key=value)",
    "command": "ganzoo {name} --help",
}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "show",
        help="show one component: parameters, types, defaults, provider",
        description="Show one component's parameters (type, default, description), provider and summary.",
    )
    p.add_argument("kind", type=singular_kind, choices=KINDS, help="component kind (plurals accepted)")
    p.add_argument("name", help="component name, or provider:name")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def describe(registry: Registry, kind: str, name: str) -> dict[str, Any]:
    """What ``ganzoo show`` prints, as JSON data."""
    from ganzoo.registry.describe import config_doc, parameters

    entry = registry.get(kind, name)
    info: dict[str, Any] = {
        "kind": entry.kind,
        "name": entry.name,
        "provider": entry.provider,
        "version": entry.version,
        "qualified_name": entry.qualified_name,
        "summary": entry.summary,
        "usage": USAGE[entry.kind].format(name=entry.name),
    }
    if entry.config is not None:
        info["description"] = config_doc(entry.config)
        info["parameters"] = [p.to_dict() for p in parameters(entry.config)]
    if entry.kind == "preset":
        info["experiment"] = _preset_experiment(registry, entry)
    return info


def _preset_experiment(registry: Registry, entry: Entry) -> dict[str, Any]:
    from ganzoo.experiment.load import read_experiment

    raw, _ = read_experiment(None, preset=entry.qualified_name, registry=registry)
    return raw


def run(args: argparse.Namespace) -> int:
    from ganzoo.plugins.manager import get_registry

    info = describe(get_registry(), args.kind, args.name)
    if args.json:
        print_json(info)
        return 0
    version = f" {info['version']}" if info["version"] else ""
    print(f"{info['kind']} {info['name']}  (provider: {info['provider']}{version})")
    if info["summary"]:
        print(info["summary"])
    description = info.get("description", "")
    if description and description != info["summary"]:
        print(f"\n{description}")
    if "parameters" in info:
        print()
        _print_parameters(info["parameters"])
    if "experiment" in info:
        import tomli_w

        print(f"\nexperiment:\n{tomli_w.dumps(info['experiment']).rstrip()}")
    print(f"\nuse: {info['usage']}")
    return 0


def _print_parameters(params: list[dict[str, Any]]) -> None:
    if not params:
        print("no parameters")
        return
    rows = [
        (
            p["name"] + (" *" if p["from_data"] else ""),
            p["type"],
            "required" if p["required"] else _default_text(p["default"]),
            p["description"],
        )
        for p in params
    ]
    print_table(("parameter", "type", "default", "description"), rows)
    if any(p["from_data"] for p in params):
        print("* filled from the dataset when the experiment leaves it unset")


def _default_text(value: Any) -> str:
    """The default as written in an experiment file (``"batch"``, ``true``); ``none`` for no value."""
    return "none" if value is None else json.dumps(value)
