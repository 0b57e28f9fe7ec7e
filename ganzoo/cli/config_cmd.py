"""``ganzoo config schema``: JSON Schema of the experiment file, built from the live registry."""

from __future__ import annotations

import argparse

from ganzoo.cli.output import print_json


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("config", help="experiment-file tools")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    schema = actions.add_parser("schema", help="print the JSON Schema of experiment files")
    schema.set_defaults(func=run_schema)


def run_schema(args: argparse.Namespace) -> int:
    from ganzoo.experiment.schema import experiment_schema
    from ganzoo.plugins.manager import get_registry

    print_json(experiment_schema(get_registry()))
    return 0
