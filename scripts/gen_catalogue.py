"""Generate the component catalogue from the live registry (run by mkdocs-gen-files).

Every component of every kind that is installed when the site is built is listed with its
provider, summary and parameters (type, default, description) read from its config's
``model_fields``, so the catalogue cannot drift from the code. Parameters that the dataset's
DataSpec fills when an experiment leaves them unset are marked.
"""

from __future__ import annotations

import inspect
import re
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from ganzoo.plugins.manager import PluginManager
from ganzoo.registry.registry import KINDS, Entry, Registry

PAGE = "guide/components.md"
#: Component parameters filled from the data (see ``DataSpec.component_defaults``).
FILLED_FROM_DATA = frozenset(
    {"in_channels", "out_channels", "image_size", "length", "out_features", "in_features", "condition_dim",
     "source_channels"}
)
TITLES = {
    "generator": "Generators",
    "discriminator": "Discriminators",
    "loss": "Losses",
    "dataset": "Datasets",
    "metric": "Metrics",
    "preset": "Presets",
    "command": "Commands",
}


def anchor(entry: Entry) -> str:
    """Stable anchor of a component's section (``generator-dcgan``)."""
    return re.sub(r"[^a-z0-9-]+", "-", f"{entry.kind}-{entry.provider}-{entry.name}".lower())


def catalogue_markdown(registry: Registry, failed: list[tuple[str, str]] = ()) -> str:
    """The whole catalogue page; ``failed`` lists ``(distribution, error)`` of broken plugins."""
    lines = [
        "# Component catalogue",
        "",
        "Every component installed when this site was built, generated from the live registry",
        "(`ganzoo list` shows what is installed on *your* machine). Write a component as `name`, or",
        "as `provider:name` when two providers register the same name. Parameters marked",
        "*from data* are filled from the dataset's DataSpec when the experiment leaves them unset.",
        "",
    ]
    if failed:
        lines += ['!!! warning "Plugins that failed to load while building this page"', ""]
        lines += [f"    - `{dist}`: {_cell(error)}" for dist, error in failed]
        lines.append("")
    for kind in KINDS:
        entries = list(registry.entries(kind))
        lines += [f"## {TITLES[kind]}", ""]
        if not entries:
            lines += [f"No {kind} is installed.", ""]
            continue
        lines += ["| name | provider | summary |", "| --- | --- | --- |"]
        lines += [f"| [`{e.name}`](#{anchor(e)}) | {e.provider} | {_cell(e.summary)} |" for e in entries]
        lines.append("")
        for entry in entries:
            lines += _entry_section(entry)
    return "\n".join(lines) + "\n"


def _entry_section(entry: Entry) -> list[str]:
    lines = [f"### `{entry.name}` ({entry.kind}) {{#{anchor(entry)}}}", ""]
    lines += [f"Provider: `{entry.provider}`" + (f" {entry.version}" if entry.version else ""), ""]
    if entry.kind == "command":  # a plugin's CLI subcommand: its options are in the CLI reference
        lines += [entry.summary or "", "", f"Run it as `ganzoo {entry.name}` (options: `ganzoo {entry.name} --help`).", ""]
        return lines
    if entry.config is None:  # a preset: its experiment is shown by `ganzoo train --preset`
        lines += [entry.summary or "", "", f"Use it with `ganzoo train --preset {entry.name}`.", ""]
        return lines
    doc = inspect.cleandoc(entry.config.__doc__ or "") or entry.summary
    lines += [doc, ""]
    lines += fields_table(entry.config.model_fields, mark_data=True)
    return lines


def fields_table(fields: dict[str, FieldInfo], *, mark_data: bool = False) -> list[str]:
    """A Markdown table of pydantic fields: name, type, default, description."""
    if not fields:
        return ["No parameters.", ""]
    lines = ["| parameter | type | default | description |", "| --- | --- | --- | --- |"]
    for name, field in fields.items():
        note = " *(from data)*" if mark_data and name in FILLED_FROM_DATA else ""
        lines.append(
            f"| `{name}`{note} | {_cell(_type_name(field.annotation) + _constraints(field))} | {_default(field)} | {_cell(field.description or '')} |"
        )
    lines.append("")
    return lines


def _type_name(annotation: Any) -> str:
    """``int | None`` rather than ``Optional[Annotated[int, Gt(gt=0)]]``."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _type_name(args[0])
    if origin in (Union, types.UnionType):
        return " | ".join(_type_name(a) for a in args)
    if origin is Literal:
        return "Literal[" + ", ".join(repr(a) for a in args) + "]"
    if origin is not None:
        return f"{getattr(origin, '__name__', str(origin))}[{', '.join(_type_name(a) for a in args)}]"
    if annotation is type(None):
        return "None"
    if annotation is Ellipsis:
        return "..."
    return annotation.__name__ if isinstance(annotation, type) else str(annotation).replace("typing.", "")


def _constraints(field: FieldInfo) -> str:
    """``> 0``-style bounds from the field's annotated-types metadata."""
    bounds = [
        f"{symbol} {getattr(m, attr)}"
        for m in field.metadata
        for attr, symbol in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<="))
        if getattr(m, attr, None) is not None
    ]
    return f" ({', '.join(bounds)})" if bounds else ""


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return "*(table)*"
    return f"`{value!r}`".replace("|", "\\|")


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell (one line, pipes escaped)."""
    return " ".join(str(text).split()).replace("|", "\\|")


def build_registry() -> tuple[Registry, list[tuple[str, str]]]:
    """The registry of every installed plugin, plus the plugins that failed to load."""
    manager = PluginManager()
    manager.load_entry_points()
    return manager.registry, [(p.distribution, p.error or "") for p in manager.failures()]


def main() -> None:
    import mkdocs_gen_files

    registry, failed = build_registry()
    with mkdocs_gen_files.open(PAGE, "w") as fh:
        fh.write(catalogue_markdown(registry, failed))


if __name__ in {"__main__", "<run_path>"}:
    main()
