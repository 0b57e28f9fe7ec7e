"""Several runs side by side: one self-contained HTML page and a plain-text table.

Rows are configurations: runs whose settings differ only in ``train.seed`` form one row with
the mean ± sd of each metric across the seeds; other runs are rows of their own. The settings
that differ between the runs are listed (their resolved configs, flattened), so two runs that
look alike in the table still say what sets them apart. A best value is marked only when it
beats every other by more than their spreads ([`ganzoo.report.ranking.RULE`][ganzoo.report.ranking.RULE], printed with
the table), and only when every run measured the metric under the same protocol (sample counts,
split, feature extractor); otherwise the column is marked as not comparable.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from ganzoo.files import write_text
from ganzoo.registry.errors import GanzooError
from ganzoo.report.format import fmt
from ganzoo.report.page import image, page, table
from ganzoo.report.ranking import RULE, Estimate, best_index, estimate
from ganzoo.report.rundata import RunData, read_run
from ganzoo.report.settings import differing_settings, seed_groups, seed_of
from ganzoo.report.svg import line_chart

PROTOCOL_KEYS = ("n_real", "n_fake", "split", "feature_extractor")
NOT_COMPARABLE = " (†)"
#: Columns before the metrics in both tables.
LEAD = ("run", "seeds", "model", "data")


@dataclass
class Comparison:
    """What [`compare_runs`][ganzoo.report.compare.compare_runs] produced.

    Attributes:
        html_path: the page written.
        text: the terminal table with its notes.
        metrics: metric columns, in order of appearance.
        not_comparable: metrics measured under different protocols (not ranked).
        differing: ``{setting: [value per run]}`` of the settings that differ.
        groups: run names per row; a row of several runs differs only in seed.
    """

    html_path: Path
    text: str
    metrics: list[str]
    not_comparable: list[str]
    differing: dict[str, list[Any]] = field(default_factory=dict)
    groups: list[list[str]] = field(default_factory=list)


@dataclass
class Row:
    """One configuration: its runs (several when only the seed differs) and each metric's estimate."""

    runs: list[RunData]
    estimates: dict[str, Estimate]

    @property
    def label(self) -> str:
        return ", ".join(run.name for run in self.runs)

    @property
    def seeds(self) -> str:
        return ", ".join(fmt(seed_of(run)) for run in self.runs)


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
    rows = configuration_rows(runs, metrics)
    differing = differing_settings(runs)
    path = Path(out) if out is not None else default_output(run_dirs)
    write_text(path, render_compare(runs, rows, metrics, not_comparable, differing))
    return Comparison(path, render_text(runs, rows, metrics, not_comparable, differing), metrics, not_comparable,
                      differing, [[run.name for run in row.runs] for row in rows])


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


def configuration_rows(runs: Sequence[RunData], metrics: Sequence[str]) -> list[Row]:
    """One row per configuration (see [`ganzoo.report.settings.seed_groups`][ganzoo.report.settings.seed_groups])."""
    rows = []
    for members in seed_groups(runs):
        group = [runs[i] for i in members]
        estimates = {m: estimate([_value(r, m) for r in group], [_number(r, m, "sd") for r in group]) for m in metrics}
        rows.append(Row(group, estimates))
    return rows


def best_rows(rows: Sequence[Row], runs: Sequence[RunData], metrics: Sequence[str],
              not_comparable: Sequence[str]) -> dict[str, int]:
    """``{metric: index of the best row}`` for the metrics with a best (see the ranking rule)."""
    best = {}
    for m in metrics:
        if m in not_comparable:
            continue
        better = next((_metrics(r)[m].get("better") for r in runs if m in _metrics(r)), None)
        index = best_index([row.estimates[m] for row in rows], better)
        if index is not None:
            best[m] = index
    return best


def _metrics(run: RunData) -> dict[str, dict[str, Any]]:
    return (run.evaluation or {}).get("metrics", {})


def _number(run: RunData, metric: str, key: str) -> float | None:
    value = _metrics(run).get(metric, {}).get(key)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _value(run: RunData, metric: str) -> float | None:
    return _number(run, metric, "value")


def _header(metric: str, not_comparable: Sequence[str]) -> str:
    return metric + (NOT_COMPARABLE if metric in not_comparable else "")


def render_text(runs: Sequence[RunData], rows: Sequence[Row], metrics: Sequence[str],
                not_comparable: Sequence[str], differing: dict[str, list[Any]]) -> str:
    """The comparison as an aligned plain-text table (best values marked with ``*``) and notes."""
    headers = [*LEAD, *(_header(m, not_comparable) for m in metrics)]
    best = best_rows(rows, runs, metrics, not_comparable)
    cells = [
        [row.label, row.seeds, row.runs[0].model_label(), row.runs[0].dataset_label(),
         *(row.estimates[m].text() + ("*" if best.get(m) == i else "") for m in metrics)]
        for i, row in enumerate(rows)
    ]
    widths = [max(len(str(r[c])) for r in [headers, *cells]) for c in range(len(headers))]
    lines = ["  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in [headers, *cells]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if any(len(row.runs) > 1 for row in rows):
        lines.append("runs that differ only in seed share a row: mean ± sd across the seeds")
    if metrics:
        lines.append(f"* = best: {RULE}" if best else f"no value marked best: {RULE}")
    if not_comparable:
        lines.append(f"(†) measured under different protocols in these runs: {', '.join(not_comparable)}")
    unevaluated = [run.name for run in runs if run.evaluation is None]
    if unevaluated:
        lines.append(f"not evaluated (run `ganzoo evaluate RUN`): {', '.join(unevaluated)}")
    lines += _differing_text(runs, differing)
    return "\n".join(lines)


def _differing_text(runs: Sequence[RunData], differing: dict[str, list[Any]]) -> list[str]:
    if len(runs) < 2:
        return []
    if not differing:
        return ["settings that differ: none (the resolved configs are equal apart from the names)"]
    lines = ["settings that differ:"]
    for key, values in differing.items():
        lines.append(f"  {key}: " + ", ".join(f"{run.name}={_setting(v)}" for run, v in zip(runs, values, strict=True)))
    return lines


def _setting(value: Any) -> str:
    return "-" if value is None else fmt(value)


def render_compare(runs: Sequence[RunData], rows: Sequence[Row], metrics: Sequence[str],
                   not_comparable: Sequence[str], differing: dict[str, list[Any]]) -> str:
    """The comparison as a self-contained HTML page."""
    best = best_rows(rows, runs, metrics, not_comparable)
    best_cells = {(i, len(LEAD) + c) for c, m in enumerate(metrics) if m in best for i in (best[m],)}
    cells = [[row.label, row.seeds, row.runs[0].model_label(), row.runs[0].dataset_label(),
              *(row.estimates[m].text() for m in metrics)] for row in rows]
    body = [
        "<h1>ganzoo comparison</h1>",
        f'<p class="sub">{len(runs)} runs: {escape(", ".join(run.name for run in runs))}</p>',
        "<h2>Metrics</h2>",
        table((*LEAD, *(_header(m, not_comparable) for m in metrics)), cells,
              numeric=range(len(LEAD), len(LEAD) + len(metrics)), best=best_cells),
    ]
    if any(len(row.runs) > 1 for row in rows):
        body.append('<p class="note">Runs that differ only in seed share a row: mean ± sd across the seeds.</p>')
    if metrics:
        body.append(f'<p class="note">Best values are highlighted: {escape(RULE)}</p>')
    if not_comparable:
        body.append(f'<p class="note">(†) measured under different protocols in these runs '
                    f'({escape(", ".join(PROTOCOL_KEYS))} differ): {escape(", ".join(not_comparable))}.</p>')
    if any(len(row.runs) > 1 for row in rows):
        per_run = [[run.name, fmt(seed_of(run)), *(_value(run, m) for m in metrics)] for run in runs]
        body.append("<details><summary>every run's values</summary>"
                    + table(("run", "seed", *metrics), per_run, numeric=range(2, 2 + len(metrics))) + "</details>")
    body += _differing_html(runs, differing)
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


def _differing_html(runs: Sequence[RunData], differing: dict[str, list[Any]]) -> list[str]:
    if len(runs) < 2:
        return []
    out = ["<h2>Settings that differ</h2>"]
    if not differing:
        return [*out, '<p class="note">None: the resolved configs are equal apart from the run names.</p>']
    rows = [[key, *(_setting(v) for v in values)] for key, values in differing.items()]
    return [*out, table(("setting", *(run.name for run in runs)), rows),
            '<p class="note">From each run\'s resolved config.toml (every default written out).</p>']


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
