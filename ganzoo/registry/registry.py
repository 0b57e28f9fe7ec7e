"""The component registry: names -> (provider, config model, target).

Plugins fill it through the ``register`` callbacks of the ``ganzoo_register_*`` hooks. An entry
may point at its target lazily (``"package.module:Class"``) so that listing components, printing
schemas and validating configs never import torch model code; the target is imported the first
time the component is created.

Rules (torchvision refuses duplicates, conda names every provider):

* the same name registered by two providers is refused for both, naming both providers;
  ``provider:name`` always reaches one of them;
* an unknown name gets a did-you-mean;
* names are lower case letters, digits, ``-`` and ``_``.
"""

from __future__ import annotations

import fnmatch
import importlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from ganzoo.registry.config import ComponentConfig, validate_model
from ganzoo.registry.errors import (
    GanzooError,
    RegistrationError,
    RegistryConflictError,
    UnknownComponentError,
    describe_error,
)

Kind = Literal["generator", "discriminator", "loss", "dataset", "metric", "preset", "command", "logger"]
KINDS: tuple[str, ...] = get_args(Kind)
#: Kinds whose entries are built by ``create`` (presets are experiment files, commands CLI
#: subcommands, neither is an object built from a config).
BUILDABLE_KINDS: tuple[str, ...] = ("generator", "discriminator", "loss", "dataset", "metric", "logger")

_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")


@dataclass(frozen=True)
class Entry:
    """One registered component.

    Attributes:
        kind: generator, discriminator, loss, dataset, metric, preset, command or logger.
        name: the short name users write.
        provider: the distribution that registered it (``ganzoo``, ``ganzoo-medical``, ...).
        target: the class or factory (or ``"module:attr"`` to import lazily), called with one
            argument, the validated config object; for presets, the experiment as a mapping;
            for commands, the function that configures the subcommand's parser.
        config: pydantic model of the parameters (``None`` for presets and commands).
        summary: one line for listings.
    """

    kind: str
    name: str
    provider: str
    target: Any
    config: type[ComponentConfig] | None
    summary: str = ""
    version: str = ""

    @property
    def qualified_name(self) -> str:
        """``provider:name``, unique across providers."""
        return f"{self.provider}:{self.name}"

    def load(self) -> Callable[..., Any]:
        """Return the target, importing it first if it was registered lazily."""
        if not isinstance(self.target, str):
            return self.target
        module_name, _, attr = self.target.partition(":")
        try:
            module = importlib.import_module(module_name)
            return getattr(module, attr)
        except Exception as err:  # a broken plugin module must be reported, not crash listings
            raise GanzooError(
                f"{self.kind} {self.qualified_name}: cannot import {self.target!r} ({err})"
            ) from err


@dataclass
class Registry:
    """All components of all kinds, with conflict detection and lookup."""

    _entries: dict[str, dict[str, list[Entry]]] = field(
        default_factory=lambda: {kind: {} for kind in KINDS}
    )

    def add(self, entry: Entry) -> None:
        """Record ``entry``; duplicates of (kind, name) are kept and refused on lookup."""
        if entry.kind not in KINDS:
            raise RegistrationError(f"unknown kind {entry.kind!r}; expected one of {KINDS}")
        if not _NAME.match(entry.name):
            raise RegistrationError(
                f"invalid {entry.kind} name {entry.name!r}: use lower-case letters, digits, - and _"
            )
        if entry.kind in BUILDABLE_KINDS:
            if not (isinstance(entry.config, type) and issubclass(entry.config, ComponentConfig)):
                raise RegistrationError(
                    f"{entry.kind} {entry.name!r}: config must be a ganzoo ComponentConfig subclass"
                )
            if not (isinstance(entry.target, str) or callable(entry.target)):
                raise RegistrationError(
                    f"{entry.kind} {entry.name!r}: target must be callable or 'module:attr'"
                )
            if isinstance(entry.target, str) and ":" not in entry.target:
                raise RegistrationError(
                    f"{entry.kind} {entry.name!r}: lazy target {entry.target!r} must be 'module:attr'"
                )
        same = self._entries[entry.kind].setdefault(entry.name, [])
        if any(e.provider == entry.provider for e in same):
            raise RegistrationError(
                f"{entry.provider} registered {entry.kind} {entry.name!r} twice"
            )
        same.append(entry)

    def remove(self, kind: str, name: str, provider: str) -> None:
        """Withdraw what ``provider`` registered as ``name`` (used when its plugin fails midway)."""
        by_name = self._entries[self._check_kind(kind)]
        remaining = [e for e in by_name.get(name, []) if e.provider != provider]
        if remaining:
            by_name[name] = remaining
        else:
            by_name.pop(name, None)

    def entries(self, kind: str | None = None) -> Iterator[Entry]:
        """Every entry (conflicting ones included), sorted by kind then name."""
        kinds = KINDS if kind is None else (self._check_kind(kind),)
        for k in kinds:
            for name in sorted(self._entries[k]):
                yield from self._entries[k][name]

    def conflicts(self) -> list[tuple[str, str, list[str]]]:
        """``(kind, name, providers)`` for every name registered by more than one provider."""
        return [
            (kind, name, sorted(e.provider for e in same))
            for kind in KINDS
            for name, same in sorted(self._entries[kind].items())
            if len(same) > 1
        ]

    def names(self, kind: str, pattern: str | list[str] = "*", exclude: str | list[str] = ()) -> list[str]:
        """Names of ``kind`` matching fnmatch ``pattern`` (and not ``exclude``), sorted."""
        includes = [pattern] if isinstance(pattern, str) else list(pattern)
        excludes = [exclude] if isinstance(exclude, str) else list(exclude)
        names = sorted(self._entries[self._check_kind(kind)])
        chosen = [n for n in names if any(fnmatch.fnmatchcase(n, p) for p in includes)]
        return [n for n in chosen if not any(fnmatch.fnmatchcase(n, p) for p in excludes)]

    def get(self, kind: str, name: str) -> Entry:
        """Look up ``name`` or ``provider:name``; conflicts and unknown names are errors."""
        by_name = self._entries[self._check_kind(kind)]
        provider, _, short = name.rpartition(":")
        candidates = by_name.get(short, [])
        if provider:
            for entry in candidates:
                if entry.provider == provider:
                    return entry
            known = [e.qualified_name for same in by_name.values() for e in same]
            raise UnknownComponentError(kind, name, known)
        if not candidates:
            raise UnknownComponentError(kind, name, by_name)
        if len(candidates) > 1:
            providers = " and ".join(sorted(e.provider for e in candidates))
            options = ", ".join(sorted(e.qualified_name for e in candidates))
            raise RegistryConflictError(
                f"{kind} {short!r} is registered by both {providers}; write one of {options}"
            )
        return candidates[0]

    def validate_params(self, kind: str, name: str, params: Mapping[str, Any], prefix: str = "") -> ComponentConfig:
        """Validate ``params`` against the component's config (errors carry ``prefix``)."""
        entry = self.get(kind, name)
        assert entry.config is not None
        return validate_model(entry.config, dict(params), prefix=prefix)

    def create(self, kind: str, name: str, /, **params: Any) -> Any:
        """Validate ``params`` and build the component; checks its protocol once."""
        from ganzoo.registry.protocols import PROTOCOLS

        if kind not in BUILDABLE_KINDS:
            raise GanzooError(f"cannot create a {kind}; kinds: {', '.join(BUILDABLE_KINDS)}")
        entry = self.get(kind, name)
        config = self.validate_params(kind, name, params, prefix=f"{kind}.params")
        target = entry.load()
        try:
            obj = target(config)
        except GanzooError:
            raise
        except Exception as err:  # a plugin's bug or an impossible size: one line naming the component
            raise GanzooError(
                f"{kind} {entry.qualified_name} could not be built from its parameters ({describe_error(err)})"
            ) from err
        protocol = PROTOCOLS[kind]
        if not isinstance(obj, protocol):
            missing = [m for m in _protocol_methods(protocol) if not hasattr(obj, m)]
            raise GanzooError(
                f"{kind} {entry.qualified_name} does not implement the {protocol.__name__} "
                f"protocol (missing: {', '.join(missing)})"
            )
        return obj

    @staticmethod
    def _check_kind(kind: str) -> str:
        if kind not in KINDS:
            raise GanzooError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
        return kind


def _protocol_methods(protocol: type) -> list[str]:
    return sorted(
        name
        for name in vars(protocol)
        if not name.startswith("_") or name in ("__len__", "__getitem__")
        if callable(getattr(protocol, name, None))
    )


def constructor_mismatch(entry: Entry) -> str | None:
    """Why ``entry``'s target does not take its config object, or ``None`` when it does.

    A component declares its parameters once, in its config model; the target receives the
    validated config object and nothing else (``def __init__(self, config: MyConfig)``), so
    names and defaults cannot drift between a config and a constructor. The annotation must be
    the registered config class or one of its bases (a base shared by several datasets).
    """
    import inspect
    import typing

    target = entry.load()
    function = target.__init__ if isinstance(target, type) else target
    try:
        parameters = list(inspect.signature(function).parameters.values())
        hints = typing.get_type_hints(function)
    except (TypeError, ValueError, NameError) as err:
        return f"cannot read the signature of {entry.target!r}: {err}"
    if isinstance(target, type):
        parameters = parameters[1:]  # self
    if len(parameters) != 1 or parameters[0].kind not in (
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
    ):
        names = ", ".join(p.name for p in parameters) or "nothing"
        return f"takes ({names}); it must take exactly one argument, its config object"
    annotation = hints.get(parameters[0].name)
    assert entry.config is not None
    if not (isinstance(annotation, type) and issubclass(entry.config, annotation)):
        return (
            f"its argument {parameters[0].name!r} is annotated {annotation!r}, not the registered "
            f"config {entry.config.__name__} (or a base of it)"
        )
    if parameters[0].default is not inspect.Parameter.empty:
        return f"its config argument {parameters[0].name!r} has a default; the registry always passes one"
    return None
