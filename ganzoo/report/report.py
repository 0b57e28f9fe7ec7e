"""``RUN -> RUN/report.html``: the study's view of one run, in one self-contained file.

Sections: each network's loss and its terms per epoch and per logged step (see
[`ganzoo.report.losses`][ganzoo.report.losses]),
sample grids after the first and the last epoch, validation metrics over training, the final
``eval.json`` with each metric's protocol, the privacy verdict (see
[`ganzoo.report.privacy`][ganzoo.report.privacy]), the figures metrics attached to their results (see
[`ganzoo.report.figures`][ganzoo.report.figures]), and the run's provenance (config, versions, seed).
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from ganzoo.files import write_text
from ganzoo.report.figures import figures_section
from ganzoo.report.format import fmt
from ganzoo.report.losses import YScale, losses_section
from ganzoo.report.page import image, page, protocol_text, table
from ganzoo.report.privacy import privacy_section
from ganzoo.report.rundata import RunData, read_run
from ganzoo.report.svg import line_chart


def write_report(run_dir: str | Path, out: str | Path | None = None, *, y_scale: YScale = "auto") -> Path:
    """Write the report of ``run_dir`` (default ``RUN/report.html``) and return its path.

    ``y_scale`` of the loss charts: ``auto`` (a log axis where curves differ in magnitude),
    ``linear`` or ``log``.
    """
    run = read_run(run_dir)
    path = Path(out) if out is not None else run.path / "report.html"
    write_text(path, render_report(run, y_scale=y_scale))
    return path


def render_report(run: RunData, *, y_scale: YScale = "auto") -> str:
    """The report of ``run`` as an HTML string."""
    body = [
        f"<h1>{escape(run.name)}</h1>{_experiment(run)}",
        f'<p class="sub">{escape(run.model_label())} &middot; data: {escape(run.dataset_label())}'
        f"{_created(run)}</p>",
        *losses_section(run, y_scale),
        *samples_section(run),
        *validation_section(run),
        *evaluation_section(run),
        *privacy_section(run.evaluation),
        *figures_section(run.evaluation),
        *provenance_section(run),
    ]
    return page(f"ganzoo report: {run.name}", body)


def samples_section(run: RunData) -> list[str]:
    grids = run.first_last_grids()
    out = ["<h2>Samples</h2>"]
    if not grids:
        return [*out, '<p class="note">No sample grids in samples/.</p>']
    condition = run.manifest.get("data_spec", {}).get("condition")
    if condition in ("paired", "unpaired"):
        rows = "source | generated | target" if condition == "paired" else "source | generated"
        out.append(f'<p class="note">Rows: {rows}.</p>')
    out.append('<div class="row">' + "".join(image(path, label) for label, path in grids) + "</div>")
    return out


def validation_section(run: RunData) -> list[str]:
    series = run.eval_series()
    out = ["<h2>Validation during training</h2>"]
    if not series:
        return [*out, '<p class="note">No validation during training (train.eval_every = 0).</p>']
    charts = [line_chart({name: points}, title=name, x_label="step", y_label=name, width=380, height=240)
              for name, points in series.items()]
    return [*out, '<div class="row">' + "".join(charts) + "</div>"]


def evaluation_section(run: RunData) -> list[str]:
    out = ["<h2>Final evaluation</h2>"]
    evaluation = run.evaluation
    if not evaluation:
        return [*out, f'<p class="note">Not evaluated yet: run <code>ganzoo evaluate {escape(str(run.path))}</code>.</p>']
    rows = [
        (name, e.get("value"), e.get("sd"), e.get("better", ""), e.get("n_real"), e.get("n_fake"),
         str(e.get("split", "")), str(e.get("feature_extractor", "")), protocol_text(e))
        for name, e in evaluation.get("metrics", {}).items()
    ]
    out.append(table(("metric", "value", "sd", "better", "n_real", "n_fake", "split", "feature extractor",
                      "protocol"), rows, numeric=(1, 2, 4, 5)))
    for skipped in evaluation.get("skipped", []):
        out.append(f'<p class="note">Skipped {escape(str(skipped.get("metric")))}: '
                   f'{escape(str(skipped.get("reason")))}</p>')
    out.append(f'<p class="note">Evaluated {escape(str(evaluation.get("evaluated", "")))} '
               f'with ganzoo {escape(str(evaluation.get("ganzoo_version", "?")))}.</p>')
    return out


def provenance_section(run: RunData) -> list[str]:
    m = run.manifest
    plugins = ", ".join(f"{k} {v}" for k, v in m.get("plugins", {}).items()) or "-"
    rows = [(key, fmt(m.get(key))) for key in ("ganzoo_version", "torch_version", "python", "seed",
                                                 "git_revision", "created")]
    rows.append(("plugins", plugins))
    config = (run.path / "config.toml").read_text(encoding="utf-8") if (run.path / "config.toml").is_file() else ""
    out = ["<h2>Run</h2>", table(("", ""), rows)]
    if config:
        out.append(f"<details><summary>config.toml</summary><pre>{escape(config)}</pre></details>")
    if m.get("data_spec"):
        out.append(f"<details><summary>data spec</summary><pre>{escape(json.dumps(m['data_spec'], indent=2))}</pre></details>")
    return out


def _experiment(run: RunData) -> str:
    name = run.config.get("name")
    return f'<p class="sub">experiment: {escape(str(name))}</p>' if name and name != run.name else ""


def _created(run: RunData) -> str:
    created = run.manifest.get("created")
    return f" &middot; created {escape(str(created))}" if created else ""
