"""Declared rules of a table (``yearVeh <= yearacc + 1``, ``ageOFocc >= 0``), kept by construction.

A GAN learns relations between columns only approximately: a few per cent of generated crash
records had a vehicle built after the accident year + 1, a rule every real record keeps. Such
rules are declared on the dataset (``dataset.params.constraints``) as comparisons of a numeric
column with another numeric column or a constant, optionally shifted::

    column (<= | >= | < | >) (column | number) [(+ | -) number]

Training checks that every training row keeps them (a rule the data breaks is a mistake in the
declaration). Decoding generated rows then *repairs* each row that breaks one: the left column is
moved to the nearest value the rule allows (``yearVeh`` down to ``yearacc + 1``), so every
exported row keeps every rule, and how many rows needed it is reported. A repaired value lands on
the rule's boundary, which the real data also reaches; a generator that learned the relation well
needs few repairs. Rules are applied in the order declared, after the inferred bounds (each
numeric column clipped to the range seen in training), so a declared rule wins over a bound.

This module imports nothing heavy: the config validates rule syntax with it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

_PATTERN = re.compile(
    r"^\s*(?P<left>[^\s<>=!+]+)\s*(?P<op><=|>=|<|>)\s*(?P<right>[^\s<>=!+]+?)"
    r"(?:\s*(?P<sign>[+-])\s*(?P<shift>\d+(?:\.\d*)?|\.\d+))?\s*$"
)
OPERATORS = ("<=", ">=", "<", ">")


@dataclass(frozen=True)
class Rule:
    """``left op right + shift``; ``right`` is a column name or ``None`` (then ``shift`` is the bound)."""

    text: str
    left: str
    op: str
    right: str | None
    shift: float

    @property
    def columns(self) -> list[str]:
        return [self.left] if self.right is None else [self.left, self.right]

    def bound(self, frame: Any) -> Any:
        """The right-hand side per row (a pandas Series or a float)."""
        return self.shift if self.right is None else frame[self.right] + self.shift

    def broken(self, frame: Any) -> Any:
        """Boolean Series: rows whose observed values break the rule (a gap breaks nothing)."""
        left, bound = frame[self.left], self.bound(frame)
        keeps = {"<=": left <= bound, ">=": left >= bound, "<": left < bound, ">": left > bound}[self.op]
        return ~keeps & left.notna() & (bound.notna() if self.right is not None else True)

    def repair(self, frame: Any, integer: bool) -> int:
        """Move ``left`` onto the nearest allowed value in rows that break the rule; how many."""
        import numpy as np

        broken = self.broken(frame)
        count = int(broken.sum())
        if count:
            bound = self.bound(frame)
            target = np.asarray(bound[broken] if self.right is not None else bound, dtype=float)
            upper = self.op in ("<=", "<")  # the rule caps the left column from above
            if self.op in ("<", ">"):  # strict: one unit (integers) or one ulp inside the bound
                direction = -1.0 if upper else 1.0
                target = target + direction if integer else np.nextafter(target, direction * np.inf)
            if integer:
                target = np.floor(target) if upper else np.ceil(target)
            frame.loc[broken, self.left] = target
        return count


def parse_rule(text: str) -> Rule:
    """A [`Rule`][ganzoo_traffic.rules.Rule] from ``"a <= b + 1"``; ``ValueError`` with the expected form otherwise."""
    match = _PATTERN.match(text)
    if match is None:
        raise ValueError(
            f"constraint {text!r}: expected 'column OP column_or_number [+|- number]' with OP one of "
            f"{', '.join(OPERATORS)} (e.g. 'yearVeh <= yearacc + 1', 'ageOFocc >= 0')"
        )
    right: str | None = match["right"]
    shift = float(match["shift"] or 0.0) * (-1 if match["sign"] == "-" else 1)
    number = _number(right)
    if number is not None:
        right, shift = None, number + shift
    if match["left"] == right:
        raise ValueError(f"constraint {text!r}: compares column {right!r} with itself")
    if _number(match["left"]) is not None:
        raise ValueError(f"constraint {text!r}: the left side must be a column (write 'column >= number')")
    return Rule(text.strip(), match["left"], match["op"], right, shift)


def _number(text: str | None) -> float | None:
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None
