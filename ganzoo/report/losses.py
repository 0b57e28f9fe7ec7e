"""The report's loss section: each network's total and terms, per epoch and per logged step.

A pix2pix run logs a discriminator loss near 0.5 and a generator loss of 10 to 90 (100 x L1):
on one linear axis the discriminator is a flat line at the bottom. So each network gets its own
chart, and a chart whose curves differ in magnitude by more than [`SPREAD_LIMIT`][ganzoo.report.losses.SPREAD_LIMIT] uses a log
axis (or, when a curve has values <= 0 and no log axis can show it, one chart per curve).

A run shorter than ``train.log_every`` logs one training step, and a run of one epoch has one
epoch record: a chart of a single point would pass for a curve, so such values go in a table.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from html import escape
from typing import Literal

from ganzoo.report.format import fmt
from ganzoo.report.page import table
from ganzoo.report.rundata import TOTAL, Points, RunData
from ganzoo.report.svg import line_chart

YScale = Literal["auto", "linear", "log"]
Layout = Literal["linear", "log", "split"]
Y_SCALES: tuple[str, ...] = ("auto", "linear", "log")
#: Curves whose typical magnitudes differ by more than this factor do not share a linear axis.
SPREAD_LIMIT = 10.0
#: A chart needs at least this many points on some curve; fewer go in a table.
MIN_CHART_POINTS = 2


def choose_layout(curves: Mapping[str, Points], y_scale: YScale = "auto") -> Layout:
    """``linear`` (one chart), ``log`` (one chart, log axis) or ``split`` (a chart per curve).

    ``auto`` keeps a linear axis unless the curves' median magnitudes differ by more than
    [`SPREAD_LIMIT`][ganzoo.report.losses.SPREAD_LIMIT]; then a log axis when every value is positive, else one chart per curve.
    ``log`` asks for a log axis (split when some value is not positive); ``linear`` forces one.
    """
    values = [y for points in curves.values() for _, y in points if math.isfinite(y)]
    positive = bool(values) and min(values) > 0
    if y_scale == "linear" or (y_scale == "auto" and len(curves) < 2):
        return "linear"
    if y_scale == "log":
        return "log" if positive else "split"
    magnitudes = [statistics.median(abs(y) for _, y in points) for points in curves.values() if points]
    if not magnitudes or min(magnitudes) * SPREAD_LIMIT >= max(magnitudes):
        return "linear"
    return "log" if positive else "split"


def losses_section(run: RunData, y_scale: YScale = "auto") -> list[str]:
    """The "Losses" section of a run's report."""
    out = ["<h2>Losses</h2>"]
    per_epoch, source = run.loss_curves("epoch")
    per_step, _ = run.loss_curves("step")
    if not any(per_epoch.values()) and not any(per_step.values()):
        return [*out, '<p class="note">No losses logged (metrics.jsonl is missing or empty).</p>']
    labels = _labels(run)
    out += _block(per_epoch, "epoch", f"Per epoch ({escape(source)})", labels, y_scale)
    log_every = run.config.get("train", {}).get("log_every")
    every = f" (every train.log_every = {log_every} steps and at the end)" if log_every else ""
    out += _block(per_step, "step", f"Per logged step{escape(every)}", labels, y_scale)
    out.append('<p class="note">Terms are shown as they enter the objective (weight applied); they add up '
               "to the network's total. Charts whose curves differ more than "
               f"{SPREAD_LIMIT:g}-fold in size use a log axis.</p>")
    return out


def _labels(run: RunData) -> dict[str, str]:
    """Legend names of the terms: ``l1 (x100)`` for a weighted term."""
    return {name: name if weight == 1 else f"{name} (x{weight:g})" for name, weight in run.loss_weights().items()}


def _block(curves: dict[str, dict[str, Points]], unit: str, heading: str, labels: Mapping[str, str],
           y_scale: YScale) -> list[str]:
    longest = max((len(points) for network in curves.values() for points in network.values()), default=0)
    if longest == 0:
        return []
    out = [f"<h3>{heading}</h3>"]
    if longest < MIN_CHART_POINTS:
        out.append(f'<p class="note">Only one {unit} was logged: too few points for a curve, so the values '
                   "are listed.</p>")
        return [*out, _single_table(curves, unit, labels)]
    charts = []
    for network, network_curves in curves.items():
        shown = _without_copies(network_curves)
        named = {_name(label, labels): points for label, points in shown.items()}
        charts += network_charts(network, named, unit, y_scale)
    return [*out, '<div class="row">' + "".join(charts) + "</div>"]


def network_charts(network: str, curves: Mapping[str, Points], unit: str, y_scale: YScale = "auto") -> list[str]:
    """The chart(s) of one network's curves against ``unit`` (see [`choose_layout`][ganzoo.report.losses.choose_layout])."""
    title = f"{network.capitalize()} loss per {unit}"
    layout = choose_layout(curves, y_scale)
    if layout == "split":
        return [line_chart({name: points}, title=f"{network.capitalize()}: {name}", x_label=unit, y_label="loss",
                           width=380, height=240) for name, points in curves.items()]
    log = layout == "log"
    return [line_chart(dict(curves), title=title, x_label=unit, y_label="loss (log scale)" if log else "loss",
                       log_y=log)]


def _without_copies(curves: Mapping[str, Points]) -> dict[str, Points]:
    """A network with a single term: its total is that term, drawn once as ``total = term``."""
    terms = [label for label in curves if label != TOTAL]
    if TOTAL in curves and len(terms) == 1 and curves[terms[0]] == curves[TOTAL]:
        return {f"{TOTAL} = {terms[0]}": curves[TOTAL]}
    return dict(curves)


def _name(label: str, labels: Mapping[str, str]) -> str:
    if label.startswith(f"{TOTAL} = "):
        term = label.split(" = ", 1)[1]
        return f"{TOTAL} = {labels.get(term, term)}"
    return labels.get(label, label)


def _single_table(curves: dict[str, dict[str, Points]], unit: str, labels: Mapping[str, str]) -> str:
    rows = [
        (network, _name(label, labels), fmt(points[0][0]), points[0][1])
        for network, network_curves in curves.items()
        for label, points in _without_copies(network_curves).items()
    ]
    return table(("network", "loss", unit, "value"), rows, numeric=(2, 3))
