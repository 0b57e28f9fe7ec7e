"""Numbers with their spread, and the rule for calling one of them the best.

A metric of one run is one draw: another seed gives another number. A comparison therefore marks
a best value only when it beats every other by more than their spreads combined, and says so on
the page ([`RULE`][ganzoo.report.ranking.RULE]).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from ganzoo.report.format import fmt

RULE = (
    "a value is marked best only when it beats every other by more than the two spreads added "
    "(the sd across seeds for runs that differ only in seed, otherwise the sd the metric reported); "
    "a value without a spread is never marked."
)


@dataclass(frozen=True)
class Estimate:
    """A metric of one configuration: mean over its runs, spread, and how many runs measured it.

    ``spread`` is the sample sd across runs when ``n >= 2``, else the metric's own ``sd`` from
    ``eval.json`` (``None`` when it reported none).
    """

    value: float | None
    spread: float | None = None
    n: int = 0

    def text(self) -> str:
        """``0.123 ± 0.004`` (``± sd`` only with a spread); ``-`` without a value."""
        if self.value is None:
            return "-"
        return fmt(self.value) + (f" ± {fmt(self.spread)}" if self.spread is not None else "")


def estimate(values: Sequence[float | None], sds: Sequence[float | None]) -> Estimate:
    """The [`Estimate`][ganzoo.report.ranking.Estimate] of one configuration from its runs' values and reported sds."""
    pairs = [(v, s) for v, s in zip(values, sds, strict=True) if v is not None and math.isfinite(v)]
    if not pairs:
        return Estimate(None)
    if len(pairs) == 1:
        value, sd = pairs[0]
        return Estimate(value, sd if sd is not None and math.isfinite(sd) else None, 1)
    numbers = [v for v, _ in pairs]
    return Estimate(statistics.fmean(numbers), statistics.stdev(numbers), len(numbers))


def best_index(estimates: Sequence[Estimate], better: str | None) -> int | None:
    """The index of the best estimate when it wins by more than the spreads (see [`RULE`][ganzoo.report.ranking.RULE])."""
    if better not in ("lower", "higher"):
        return None
    present = [(i, e) for i, e in enumerate(estimates) if e.value is not None]
    if len(present) < 2:
        return None
    sign = 1.0 if better == "higher" else -1.0
    best_i, best = max(present, key=lambda item: sign * item[1].value)  # type: ignore[operator]
    for i, other in present:
        if i == best_i:
            continue
        if best.spread is None or other.spread is None:
            return None
        if abs(best.value - other.value) <= best.spread + other.spread:  # type: ignore[operator]
            return None
    return best_i
