"""Human-readable descriptions of component parameters, read from their config models.

``ganzoo show`` and the generated component catalogue both describe a parameter by its name,
type (``int (> 0)`` rather than ``Annotated[int, Gt(gt=0)]``), default and description, taken
from the config's pydantic fields, so neither can drift from the code. Torch-free: describing a
component never imports its model code.
"""

from __future__ import annotations

import inspect
import types
from dataclasses import asdict, dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import to_jsonable_python

#: Component parameters filled from the dataset's DataSpec when an experiment leaves them unset
#: (the naming convention of ``DataSpec.component_defaults``).
FILLED_FROM_DATA = frozenset(
    {"in_channels", "out_channels", "image_size", "length", "out_features", "in_features", "condition_dim",
     "source_channels"}
)


@dataclass(frozen=True)
class Parameter:
    """One parameter of a component: what ``ganzoo show`` prints and ``--json`` returns.

    Attributes:
        name: the key written under ``params``.
        type: readable type with its bounds, e.g. ``int (> 0)`` or ``Literal['batch', 'instance']``.
        default: the default as plain JSON data (``None`` when ``required``).
        required: true when the experiment must give it.
        description: the field's description.
        from_data: true when the dataset's DataSpec fills it if left unset.
    """

    name: str
    type: str
    default: Any
    required: bool
    description: str
    from_data: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parameters(config: type[BaseModel]) -> list[Parameter]:
    """Every field of ``config``, in declaration order."""
    return [
        Parameter(
            name=name,
            type=type_label(field),
            default=None if field.is_required() else default_value(field),
            required=field.is_required(),
            description=field.description or "",
            from_data=name in FILLED_FROM_DATA,
        )
        for name, field in config.model_fields.items()
    ]


def config_doc(config: type[BaseModel]) -> str:
    """The config's own docstring (what the component is and why its parameters exist)."""
    return inspect.cleandoc(config.__doc__ or "")


def type_label(field: FieldInfo) -> str:
    """The field's type and bounds: ``int (> 0)``."""
    bounds = constraints(field)
    return type_name(field.annotation) + (f" ({', '.join(bounds)})" if bounds else "")


def type_name(annotation: Any) -> str:
    """``int | None`` rather than ``Optional[Annotated[int, Gt(gt=0)]]``."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return type_name(args[0])
    if origin in (Union, types.UnionType):
        return " | ".join(type_name(a) for a in args)
    if origin is Literal:
        return "Literal[" + ", ".join(repr(a) for a in args) + "]"
    if origin is not None:
        return f"{getattr(origin, '__name__', str(origin))}[{', '.join(type_name(a) for a in args)}]"
    if annotation is type(None):
        return "None"
    if annotation is Ellipsis:
        return "..."
    return annotation.__name__ if isinstance(annotation, type) else str(annotation).replace("typing.", "")


def constraints(field: FieldInfo) -> list[str]:
    """``> 0``-style bounds from the field's annotated-types metadata."""
    return [
        f"{symbol} {getattr(m, attr)}"
        for m in field.metadata
        for attr, symbol in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<="))
        if getattr(m, attr, None) is not None
    ]


def default_value(field: FieldInfo) -> Any:
    """The field's default as plain JSON data (a nested model becomes its table)."""
    value = field.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return to_jsonable_python(value)
