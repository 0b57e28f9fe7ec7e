"""JSON Schema of experiment files, built from the live registry.

Each ``{name, params}`` table becomes a union over the installed components of its kind, keyed by
``name``, so editors can complete and check component parameters — including those of plugins.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import ConfigDict, Field, create_model

from ganzoo.registry.config import ExperimentConfig, TrainConfig
from ganzoo.registry.registry import Registry


def _spec_union(registry: Registry, kind: str, *, with_weight: bool = False) -> Any:
    models = []
    for entry in registry.entries(kind):
        assert entry.config is not None
        required = any(f.is_required() for f in entry.config.model_fields.values())
        fields: dict[str, Any] = {
            "name": (Literal[entry.name, entry.qualified_name], Field(description=entry.summary)),
            "params": (entry.config, ... if required else Field(default_factory=dict)),
        }
        if with_weight:
            fields["weight"] = (float, 1.0)
        model_name = f"{kind}_{entry.provider}_{entry.name}".replace("-", "_")
        models.append(create_model(model_name, __config__=ConfigDict(extra="forbid"), **fields))
    if not models:
        return dict
    if len(models) == 1:
        return models[0]
    return Annotated[Union[tuple(models)], Field(discriminator="name")]  # noqa: UP007


def experiment_schema(registry: Registry) -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of an experiment file with the installed components."""
    model = create_model(
        "Experiment",
        __config__=ConfigDict(extra="forbid", title="ganzoo experiment"),
        __doc__=ExperimentConfig.__doc__,
        name=(str | None, None),
        generator=(_spec_union(registry, "generator"), ...),
        discriminator=(_spec_union(registry, "discriminator"), ...),
        dataset=(_spec_union(registry, "dataset"), ...),
        losses=(list[_spec_union(registry, "loss", with_weight=True)], Field(min_length=1)),
        train=(TrainConfig, Field(default_factory=TrainConfig)),
        eval=(dict[str, Any], Field(default_factory=dict)),
    )
    return model.model_json_schema()
