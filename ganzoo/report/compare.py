"""Several runs side by side: one self-contained HTML page and a plain-text table.

The table lists, per run, the model, the data and each metric of its ``eval.json``. The best
value of a metric is highlighted only when every run measured it under the same protocol
(sample counts, split, feature extractor); otherwise the column is marked as not comparable,
because a number without its protocol invites wrong conclusions.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from ganzoo.files import write_text
from ganzoo.registry.errors import GanzooError
from ganzoo.report.format import fmt
from ganzoo.report.page import image, page, table
from ganzoo.report.rundata import RunData, read_run
from ganzoo.report.svg import line_chart

PROTOCOL_KEYS = ("n_real", "n_fake", "split", "feature_extractor")
NOT_COMPARABLE = " (†)"


@dataclass
class Comparison:
    """What :func:`compare_runs` produced."""

    html_path: Path
    text: str
    metrics: list[str]
    not_comparable: list[str]


def default_output(run_dirs: Sequence[str | Path]) -> Path:
    """``compare.html`` in the runs' common parent (``runs/compare.html`` for ``runs/a runs/b``)."""
    parents = [str(Path(p).resolve().parent) for p in run_dirs]
    return Path(os.path.commonpath(parents)) / "compare.html"


def compare_runs(run_dirs: Sequence[str | Path], out: str | Path | None = None) -> Comparison:
    """Read the runs, write the HTML comparison and return it with the text table."""
    if not run_dirs:
        raise GanzooError("compare needs at least one run directory")
    runs = [read_run(p) for p in run_dirs]
    metrics, not_comparable = metric_columns(runs)
    path = Path(out) if out is not None else default_output(run_dirs)
    write_text(path, render_compare(runs, metrics, not_comparable))
    return Comparison(path, render_text(runs, metrics, not_comparable), metrics, not_comparable)


def metric_columns(runs: Sequence[RunData]) -> tuple[list[str], list[str]]:
    """Metric names in order of appearance, and those measured under differing protocols."""
    names: list[str] = []
    protocols: dict[str, set[tuple[str, ...]]] = {}
    for run in runs:
        for name, entry in _metrics(run).items():
            if name not in names:
                names.append(name)
            protocols.setdefault(name, set()).add(tuple(str(entry.get(k)) for k in PROTOCOL_KEYS))
    return names, [n for n in names if len(protocols[n]) > 1]


def _metrics(run: RunData) -> dict[str, dict[str, Any]]:
    return (run.evaluation or {}).get("metrics", {})


def _value(run: RunData, metric: str) -> float | None:
    value = _metrics(run).get(metric, {}).get("value")
    return float(value) if isinstance(value, (int, float)) else None


def best_runs(runs: Sequence[RunData], metric: str) -> set[int]:
    """Indices of the runs with the best value of ``metric`` (by its ``better`` direction)."""
    values = [(i, _value(run, metric)) for i, run in enumerate(runs)]
    values = [(i, v) for i, v in values if v is not None]
    better = next((_metrics(r)[metric].get("better") for r in runs if metric in _metrics(r)), None)
    if len(values) < 2 or better not in ("lower", "higher"):
        return set()
    pick = min if better == "lower" else max
    target = pick(v for _, v in values)
    winners = {i for i, v in values if v == target}
    return winners if len(winners) < len(values) else set()  # a tie of all ranks nothing


def _header(metric: str, not_comparable: Sequence[str]) -> str:
    return metric + (NOT_COMPARABLE if metric in not_comparable else "")


def render_text(runs: Sequence[RunData], metrics: Sequence[str], not_comparable: Sequence[str]) -> str:
    """The comparison as an aligned plain-text table (best values marked with ``*``)."""
    headers = ["run", "model", "data", *(_header(m, not_comparable) for m in metrics)]
    best = {m: best_runs(runs, m) for m in metrics if m not in not_comparable}
    rows = []
    for i, run in enumerate(runs):
        cells = [run.name, run.model_label(), run.dataset_label()]
        for m in metrics:
            mark = "*" if i in best.get(m, set()) else ""
            cells.append(fmt(_value(run, m)) + mark)
        rows.append(cells)
    widths = [max(len(str(r[c])) for r in [headers, *rows]) for c in range(len(headers))]
    lines = ["  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in [headers, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if any(best.values()):
        lines.append("* best value of the metric")
    if not_comparable:
        lines.append(f"(†) measured under different protocols in these runs: {', '.join(not_comparable)}")
    unevaluated = [run.name for run in runs if run.evaluation is None]
    if unevaluated:
        lines.append(f"not evaluated (run `ganzoo evaluate RUN`): {', '.join(unevaluated)}")
    return "\n".join(lines)


def render_compare(runs: Sequence[RunData], metrics: Sequence[str], not_comparable: Sequence[str]) -> str:
    """The comparison as a self-contained HTML page."""
    best_cells = {
        (i, 3 + c) for c, m in enumerate(metrics) if m not in not_comparable for i in best_runs(runs, m)
    }
    rows = [[run.name, run.model_label(), run.dataset_label(), *(_value(run, m) for m in metrics)] for run in runs]
    body = [
        "<h1>ganzoo comparison</h1>",
        f'<p class="sub">{len(runs)} runs: {escape(", ".join(run.name for run in runs))}</p>',
        "<h2>Metrics</h2>",
        table(("run", "model", "data", *(_header(m, not_comparable) for m in metrics)), rows,
              numeric=range(3, 3 + len(metrics)), best=best_cells),
    ]
    if not_comparable:
        body.append(f'<p class="note">(†) measured under different protocols in these runs '
                    f'({escape(", ".join(PROTOCOL_KEYS))} differ): {escape(", ".join(not_comparable))}.</p>')
    body.append(_protocols(runs, metrics))
    body += ["<h2>Losses per epoch</h2>", '<div class="row">']
    per_run = {run.name: run.epoch_losses()[0] for run in runs}
    for label in ("generator", "discriminator"):
        body.append(line_chart({name: losses[label] for name, losses in per_run.items()},
                               title=f"{label.capitalize()} loss per epoch", x_label="epoch", y_label="loss"))
    body.append("</div>")
    validation = {run.name: run.eval_series() for run in runs}
    names = sorted({m for series in validation.values() for m in series})
    if names:
        body += ["<h2>Validation during training</h2>", '<div class="row">']
        for m in names:
            body.append(line_chart({run: s[m] for run, s in validation.items() if m in s},
                                   title=m, x_label="step", y_label=m, width=380, height=240))
        body.append("</div>")
    body.append("<h2>Samples after the first and the last epoch</h2>")
    for run in runs:
        grids = run.first_last_grids()
        figures = "".join(image(path, label) for label, path in grids) or '<p class="note">no sample grids</p>'
        body.append(f"<h3>{escape(run.name)}</h3><div class=\"row\">{figures}</div>")
    return page("ganzoo comparison", body)


def _protocols(runs: Sequence[RunData], metrics: Sequence[str]) -> str:
    rows = []
    for run in runs:
        for m in metrics:
            entry = _metrics(run).get(m)
            if entry:
                rows.append((run.name, m, *(str(entry.get(k, "-")) for k in PROTOCOL_KEYS)))
    if not rows:
        return '<p class="note">No run has an eval.json yet: run <code>ganzoo evaluate RUN</code> first.</p>'
    return "<details><summary>protocol of every number</summary>" + table(("run", "metric", *PROTOCOL_KEYS), rows) + "</details>"
