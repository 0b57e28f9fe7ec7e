"""The demo's ``compare.html`` and terminal table: the study's comparison, side by side.

One table holds every number, one row per predictor: pix2pix, the trivial predictor (mean
training image) scored on the same held-out pairs, the plain GAN, and the real held-out images
as the reference of the vessel metric. Below it, each metric group states its protocol (split,
sample counts, seed, extractor, settings) as recorded in the ``eval.json`` files, then come the
study's views: generator and discriminator loss per epoch and the samples after the first and
the last epoch of both runs. Built from the same blocks as ``ganzoo report`` / ``ganzoo compare``,
so it is one self-contained file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from ganzoo.plugin import (
    RunData,
    format_value,
    html_figure,
    html_page,
    html_table,
    protocol_text,
    read_run,
    svg_line_chart,
)
from ganzoo_medical.demo.baseline import TRIVIAL_NAME, TRIVIAL_TITLE
from ganzoo_medical.demo.profiles import DATASET

#: Columns of the comparison: (result name in eval.json, header, better direction).
COLUMNS = (
    ("l1", "L1", "lower"),
    ("psnr", "PSNR dB", "higher"),
    ("ssim", "SSIM", "higher"),
    ("vessel-dice", "vessel Dice", "higher"),
    ("fid", "FID†", "lower"),
    ("kid", "KID†", "lower"),
)
ARROWS = {"lower": "↓", "higher": "↑"}
REFERENCE_LABEL = "real held-out images"
DAGGER = ("† random-convolution features (ganzoo-test-random-conv), not Inception: compares "
          "these rows only, never published FID/KID values.")


@dataclass(frozen=True)
class Row:
    """One predictor in the comparison."""

    label: str
    description: str
    metrics: dict[str, dict[str, Any]]
    reference: bool = False

    def value(self, name: str) -> float | None:
        value = self.metrics.get(name, {}).get("value")
        return float(value) if isinstance(value, (int, float)) else None


def comparison_rows(evaluations: dict[str, dict[str, Any]]) -> list[Row]:
    """pix2pix, trivial predictor, plain GAN and the real-image reference, in that order."""
    pix2pix = evaluations["pix2pix"].get("metrics", {})
    rows = [
        Row("retina-pix2pix", "pix2pix: vessel mask -> fundus", pix2pix),
        Row(TRIVIAL_NAME, TRIVIAL_TITLE, evaluations["trivial"].get("metrics", {})),
        Row("retina-dcgan", "plain GAN (DCGAN): noise -> fundus patch", evaluations["gan"].get("metrics", {})),
    ]
    reference = pix2pix.get("vessel-dice", {}).get("real_reference")
    if isinstance(reference, (int, float)):
        rows.append(Row(REFERENCE_LABEL, "vessels re-extracted from the real targets",
                        {"vessel-dice": {"value": reference}}, reference=True))
    return rows


def best_rows(rows: Sequence[Row], name: str, better: str) -> set[int]:
    """Indices of the best non-reference rows for ``name`` (none when fewer than two have it)."""
    values = [(i, row.value(name)) for i, row in enumerate(rows) if not row.reference]
    values = [(i, v) for i, v in values if v is not None]
    if len(values) < 2:
        return set()
    target = (min if better == "lower" else max)(v for _, v in values)
    winners = {i for i, v in values if v == target}
    return winners if len(winners) < len(values) else set()  # a tie of all ranks nothing


def verdicts(evaluations: dict[str, dict[str, Any]]) -> list[str]:
    """Plain sentences: does pix2pix beat the trivial predictor on held-out L1, PSNR and SSIM?"""
    rows = {row.label: row for row in comparison_rows(evaluations)}
    pix2pix, trivial = rows["retina-pix2pix"], rows[TRIVIAL_NAME]
    out = []
    for name, label, better in (("l1", "L1", "lower"), ("psnr", "PSNR", "higher"), ("ssim", "SSIM", "higher")):
        a, b = pix2pix.value(name), trivial.value(name)
        if a is None or b is None:
            continue
        wins = a < b if better == "lower" else a > b
        out.append(f"pix2pix {'beats' if wins else 'does NOT beat'} the trivial predictor on held-out {label}: "
                   f"{format_value(a)} vs {format_value(b)} ({better} is better)")
    dice = pix2pix.value("vessel-dice")
    if dice is not None:
        reference = rows.get(REFERENCE_LABEL)
        ref = f" (real images: {format_value(reference.value('vessel-dice'))})" if reference else ""
        out.append(f"vessel agreement of pix2pix: Dice {format_value(dice)}{ref}")
    return out


def render_text(result: Any) -> str:
    """The comparison as an aligned terminal table with its footnotes."""
    rows = comparison_rows(result.evaluations)
    headers = ["predictor", *(f"{head} {ARROWS[better]}" for _, head, better in COLUMNS)]
    body = []
    for i, row in enumerate(rows):
        cells = [row.label]
        for name, _, better in COLUMNS:
            mark = "*" if i in best_rows(rows, name, better) else ""
            cells.append(format_value(row.value(name)) + mark)
        body.append(cells)
    widths = [max(len(r[c]) for r in [headers, *body]) for c in range(len(headers))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in [headers, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    pix2pix = result.evaluations["pix2pix"]
    lines += [
        "* best of the predictors",
        f"held-out: {DATASET} {pix2pix.get('split', '?')} patches (pixel-disjoint from training), "
        f"{_count(pix2pix, 'l1')} pairs, seed {pix2pix.get('seed', '?')}; vessel Dice on "
        f"{pix2pix.get('metrics', {}).get('vessel-dice', {}).get('n_pairs', '?')} pairs",
        DAGGER,
        *verdicts(result.evaluations),
    ]
    if result.profile.caveat:
        lines.append(f"NOTE ({result.profile.name} profile): {result.profile.caveat}")
    return "\n".join(lines)


def _count(evaluation: dict[str, Any], name: str) -> Any:
    return evaluation.get("metrics", {}).get(name, {}).get("n_real", "?")


def render_demo_page(result: Any, context: dict[str, Any]) -> str:
    """``compare.html`` of a finished demo (``result`` is a [`ganzoo_medical.demo.study.DemoResult`][ganzoo_medical.demo.study.DemoResult])."""
    runs = {key: read_run(path) for key, path in result.runs.items()}
    experiments = context["experiments"]
    body = [
        "<h1>ganzoo demo: plain GAN vs pix2pix on retinal images</h1>",
        f'<p class="sub">profile {escape(result.profile.name)} &middot; seed {result.seed} &middot; '
        f"{result.threads} CPU thread{'s' if result.threads > 1 else ''} &middot; total "
        f"{result.timings.get('total', 0):.0f} s &middot; torch {escape(str(context.get('torch', '?')))}</p>",
        "<p>The study behind ganzoo trained a plain GAN on unpaired retinal images and pix2pix on "
        "vessel mask / image pairs of the same data, and compared generator and discriminator loss per "
        "epoch, samples after the first and the last epoch, and a validation error. This page repeats "
        f"that comparison on data every install has: {image_size_text(result)} patches of the real fundus "
        f"photograph bundled with scikit-image (<code>{DATASET}</code>; vessel masks from a vesselness "
        "filter). Both models train on the patches of the training cells of the photograph; every number "
        "below is measured on patches of the validation cells, which share no pixel with training.</p>",
        *flatten_note(result.profile),
        *caveat_section(result.profile),
        f'<p class="note">{escape(settings_text(result.profile))}</p>',
        *metrics_section(result),
        *losses_section(runs, experiments),
        *samples_section(runs, experiments, result.out),
        *runs_section(result, runs, experiments),
    ]
    return html_page("ganzoo demo: GAN vs pix2pix", body)


def caveat_section(profile: Any) -> list[str]:
    """The profile's statement of what it cannot show, prominent above every number (none: empty)."""
    if not profile.caveat:
        return []
    return [f"<p><strong>What the {escape(profile.name)} profile can and cannot show:</strong> "
            f"{escape(profile.caveat)}</p>"]


def flatten_note(profile: Any) -> list[str]:
    """Why the patches are illumination-flattened (when the profile does so)."""
    if not getattr(profile, "flatten", False):
        return []
    return ['<p class="note">The photograph\'s illumination is divided out before the patches are cut '
            "(the shading correction of fundus preprocessing; the vessel mask comes from the raw image). "
            "On raw patches most of any predictor's error is the patch's overall brightness (bright optic "
            "disc, dark macula, vignetting), which a vessel mask does not encode, so no mask-to-image model "
            "can beat the mean image by much there: measured on a validation subset of the training cells, "
            "the best per-pixel answer from the mask improves the mean image's L1 by 3 % on raw patches and "
            "by 27 % on flattened ones (ganzoo-medical's RESULTS.md).</p>"]


def image_size_text(result: Any) -> str:
    size = result.profile.image_size
    return f"{size}&times;{size} px"


def settings_text(profile: Any) -> str:
    """The profile's training choices in one sentence (where they differ from the papers, why)."""
    p = profile
    return (
        f"Settings ({p.name}): DCGAN width {p.gan_width}, batch {p.gan_batch}, {p.gan_steps} steps, Adam 2e-4; "
        f"pix2pix U-Net/PatchGAN width {p.pix2pix_width}, batch {p.pix2pix_batch}, {p.pix2pix_steps} steps, "
        f"{p.pix2pix_adversarial:g} x adversarial + 100 x L1 (the paper: 1 x adversarial), Adam {p.pix2pix_lr:g} "
        f"decaying linearly to 0 over the last {1 - p.decay_from:.0%} of the steps. The smaller adversarial "
        "weight measured lower validation error in runs of a few hundred CPU steps (on a validation subset of "
        "the training cells, never these held-out cells; ganzoo-medical's RESULTS.md); the doubled learning "
        "rate comes from an earlier measurement on raw patches (ganzoo_medical/demo/profiles.py)."
    )


def metrics_section(result: Any) -> list[str]:
    rows = comparison_rows(result.evaluations)
    headers = ("predictor", "what it is", *(f"{head} {ARROWS[better]}" for _, head, better in COLUMNS))
    cells, best = [], set()
    for i, row in enumerate(rows):
        values = []
        for c, (name, _, better) in enumerate(COLUMNS):
            values.append(_with_sd(row.metrics.get(name)))
            if i in best_rows(rows, name, better):
                best.add((i, 2 + c))
        cells.append([row.label, row.description, *values])
    out = [
        "<h2>Validation on held-out real patches</h2>",
        html_table(headers, cells, numeric=range(2, 2 + len(COLUMNS)), best=best),
        '<p class="note">Bold: best predictor of the column (the reference row is not a predictor). '
        f"{escape(DAGGER)} Empty cells: the metric does not apply (the plain GAN has no input mask, "
        "so it has no paired error).</p>",
        "<ul>" + "".join(f"<li>{escape(v)}</li>" for v in verdicts(result.evaluations)) + "</ul>",
        "<h3>Protocols</h3>",
        protocol_table(result.evaluations),
    ]
    trivial = result.evaluations["trivial"].get("predictor", {})
    if trivial:
        out.append(f'<p class="note">Trivial predictor: {escape(str(trivial.get("description", "")))}; '
                   "scored by the same code, on the same held-out pairs, with the same settings as "
                   "pix2pix.</p>")
    return out


def _with_sd(entry: dict[str, Any] | None) -> str:
    if not entry or not isinstance(entry.get("value"), (int, float)):
        return ""
    sd = entry.get("sd")
    text = format_value(float(entry["value"]))
    return f"{text} ± {format_value(float(sd), 2)}" if isinstance(sd, (int, float)) and sd > 0 else text


def protocol_table(evaluations: dict[str, dict[str, Any]]) -> str:
    """Each metric's protocol (split, counts, seed, extractor, settings), predictors sharing it merged."""
    labels = {"pix2pix": "retina-pix2pix", "trivial": TRIVIAL_NAME, "gan": "retina-dcgan"}
    groups: dict[tuple[str, str], tuple[list[str], dict[str, Any]]] = {}
    for key, label in labels.items():
        for name, entry in evaluations[key].get("metrics", {}).items():
            protocol = {k: v for k, v in entry.items() if k not in ("value", "sd")}
            groups.setdefault((name, json.dumps(protocol, sort_keys=True, default=str)), ([], entry))[0].append(label)
    rows = [
        (name, ", ".join(predictors), str(entry.get("split", "")), entry.get("n_real"), entry.get("n_fake"),
         entry.get("seed"), str(entry.get("feature_extractor", "")), protocol_text(entry))
        for (name, _), (predictors, entry) in groups.items()
    ]
    order = {name: i for i, (name, _, _) in enumerate(COLUMNS)}
    rows.sort(key=lambda row: order.get(row[0], len(order)))
    return html_table(("metric", "predictors", "split", "n_real", "n_fake", "seed", "feature extractor", "settings"),
                 rows, numeric=(3, 4, 5))


def epoch_series(run: RunData, prefix: str) -> dict[str, list[tuple[float, float]]]:
    """Per-epoch means of every logged loss whose key starts with ``prefix`` (``loss/g``, ``loss/d``)."""
    records = run.kind("epoch")
    terms = sorted({k for r in records for k in r if k.startswith(prefix + "/")})
    keys = [prefix, *terms] if len(terms) > 1 else [prefix]  # one term equals the total
    return {key: [(float(r["epoch"]), float(r[key])) for r in records if isinstance(r.get(key), (int, float))]
            for key in keys}


def losses_section(runs: dict[str, RunData], experiments: Sequence[Any]) -> list[str]:
    out = ["<h2>Losses per epoch</h2>"]
    for prefix, label in (("loss/g", "Generator"), ("loss/d", "Discriminator")):
        charts = [svg_line_chart(epoch_series(runs[e.key], prefix), title=f"{label} loss: {e.run_name}",
                             x_label="epoch", y_label="loss", width=540, height=280) for e in experiments]
        out.append('<div class="row">' + "".join(charts) + "</div>")
    out.append('<p class="note">Means over each epoch; an epoch is one pass over the training patches. '
               "The pix2pix generator loss is the weighted sum of its terms (each shown; weights in the "
               "model column under Runs).</p>")
    return out


def samples_section(runs: dict[str, RunData], experiments: Sequence[Any], out_dir: Path) -> list[str]:
    out = ["<h2>Samples after the first and the last epoch</h2>"]
    for e in experiments:
        grids = runs[e.key].first_last_grids()
        note = " Rows: vessel mask | generated | real patch." if e.key == "pix2pix" else ""
        figures = "".join(html_figure(path, label, width=_display_width(path)) for label, path in grids)
        figures = figures or '<p class="note">no sample grids</p>'
        out.append(f"<h3>{escape(e.run_name)}: {escape(e.title)}</h3>"
                   f'<p class="note">Fixed inputs from the training data.{note}</p><div class="row">{figures}</div>')
    mean_image = out_dir / TRIVIAL_NAME / "mean_image.png"
    if mean_image.is_file():
        out.append(f"<h3>{escape(TRIVIAL_NAME)}</h3><div class=\"row\">"
                   f"{html_figure(mean_image, 'the trivial predictor answers every mask with this image', width=128)}</div>")
    return out


def _display_width(path: Path, limit: int = 560) -> int:
    """Small grids are shown enlarged (pixelated) up to ``limit`` px, two side by side."""
    from PIL import Image

    with Image.open(path) as picture:
        width = picture.width
    return max(width, min(limit, width * (limit // max(width, 1))))


def runs_section(result: Any, runs: dict[str, RunData], experiments: Sequence[Any]) -> list[str]:
    rows = []
    for e in experiments:
        run = runs[e.key]
        report = run.path / "report.html"
        link = os.path.relpath(report, result.out)
        epochs = max((int(r.get("epoch", 0)) for r in run.kind("epoch")), default=0)
        steps = max((int(r.get("step", 0)) for r in run.kind("epoch")), default=0)
        seconds = result.timings.get(f"train {e.run_name}")
        rows.append((f'<a href="{escape(link)}">{escape(e.run_name)}</a>', escape(run.model_label()),
                     escape(str(steps)), escape(str(epochs)), escape(f"{seconds:.0f}" if seconds else "-")))
    head = "".join(f"<th>{h}</th>" for h in ("run (report)", "model", "steps", "epochs", "train s"))
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    commands = "\n".join(e.command(str(runs[e.key].path)) for e in experiments)
    timings = ", ".join(f"{k} {v:.0f} s" for k, v in result.timings.items())
    return [
        "<h2>Runs</h2>",
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>",
        f'<p class="note">Timings: {escape(timings)}.</p>',
        "<details><summary>repeat a run by hand</summary>"
        f"<pre>{escape(commands)}\nganzoo evaluate RUN --feature-extractor ganzoo-test-random-conv</pre></details>",
    ]
