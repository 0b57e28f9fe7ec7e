"""Errors that ganzoo reports to users.

Every error a user can cause derives from [`GanzooError`][ganzoo.registry.errors.GanzooError]. Its message is one line that
names the culprit (a file, a config field, a component, a plugin), so the CLI can print it
as-is and exit with status 2 instead of showing a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class GanzooError(Exception):
    """Base class for user-facing errors; ``str(err)`` is a one-line explanation.

    ``exit_code`` is the CLI's exit status for the error: 2 (bad input) unless a subclass says
    otherwise (a diverged training run exits with 3).
    """

    exit_code: int = 2


class UnknownComponentError(GanzooError, KeyError):
    """A component name that no installed provider registered."""

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        known = sorted(known)
        hint = did_you_mean(name, known)
        listing = ", ".join(known) if known else "none installed"
        super().__init__(f"unknown {kind} {name!r}{hint} (available: {listing})")
        self.kind, self.name = kind, name

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


class RegistryConflictError(GanzooError):
    """Two providers registered the same name for the same kind."""


class RegistrationError(GanzooError):
    """A plugin called ``register`` with something ganzoo cannot use."""


class ConfigError(GanzooError):
    """An experiment file or component parameters failed validation."""


class IncompatibleComponentsError(GanzooError):
    """The chosen components cannot work together (named on both sides)."""


class DataError(GanzooError):
    """Input data is missing, unreadable or malformed."""


class CheckpointError(GanzooError):
    """A checkpoint or run directory is missing, incomplete or inconsistent."""


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest candidate, or ``""``."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def first_line(err: BaseException) -> str:
    """The first line of ``err``'s message, or its type name when the message is empty.

    Error messages of parsers and libraries run over several lines; ganzoo's own errors are one
    line, so this is what gets quoted inside them.
    """
    lines = str(err).strip().splitlines()
    return lines[0].strip() if lines else type(err).__name__


def describe_error(err: BaseException) -> str:
    """``"TypeName: first line"``, for errors whose type says as much as their text."""
    text = first_line(err)
    name = type(err).__name__
    return name if text == name else f"{name}: {text}"
