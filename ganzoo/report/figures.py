"""Figures that metrics attach to their results in ``eval.json``, shown in the report's "Figures" section.

A metric result entry may carry ``"figure": {...}`` or ``"figures": [{...}, ...]``, each with a
``title`` and either ``svg`` (the text of a standalone ``<svg>`` document) or ``png_base64``.
Metrics know what picture explains their number (a profile overlay, a 2-D projection); the
report only has to show it, so any plugin can add figures without touching the core.

Both kinds are embedded as ``<img src="data:...">``: the page stays one self-contained file,
and an SVG shown as an image runs no script and loads nothing, whatever ``eval.json`` holds.
The SVG must therefore style itself (inline attributes or its own ``<style>``), not rely on the
page's CSS. A malformed figure becomes a note naming it, never a broken report.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from typing import Any

#: Keys of a metric result entry that hold figures (not protocol facts).
FIGURE_KEYS = ("figure", "figures")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_SVG_START = re.compile(r"^\s*(<\?xml[^>]*\?>\s*)?(<!--.*?-->\s*)*<svg[\s>]", re.DOTALL)


@dataclass(frozen=True)
class Figure:
    """One figure of one metric result, ready to embed (``data_uri``) or rejected (``problem``)."""

    result: str
    title: str
    data_uri: str | None = None
    problem: str | None = None


def collect_figures(evaluation: Mapping[str, Any] | None) -> list[Figure]:
    """Every figure attached to a result of ``eval.json``, in the order of the results."""
    found: list[Figure] = []
    metrics = (evaluation or {}).get("metrics", {})
    if not isinstance(metrics, Mapping):
        return found
    for result, entry in metrics.items():
        if not isinstance(entry, Mapping):
            continue
        items: list[Any] = []
        if "figure" in entry:
            items.append(entry["figure"])
        if "figures" in entry:
            listed = entry["figures"]
            items += listed if isinstance(listed, list) else [listed]
        found += [_figure(str(result), item) for item in items]
    return found


def _figure(result: str, item: Any) -> Figure:
    if not isinstance(item, Mapping):
        return Figure(result, "?", problem="a figure must be an object with a title and svg or png_base64")
    title = str(item.get("title") or result)
    svg, png = item.get("svg"), item.get("png_base64")
    if isinstance(svg, str):
        if not _SVG_START.match(svg):
            return Figure(result, title, problem="its svg text does not start with an <svg> element")
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return Figure(result, title, data_uri=f"data:image/svg+xml;base64,{data}")
    if isinstance(png, str):
        try:
            raw = base64.b64decode(png, validate=True)
        except (binascii.Error, ValueError):
            return Figure(result, title, problem="its png_base64 is not valid base64")
        if not raw.startswith(_PNG_SIGNATURE):
            return Figure(result, title, problem="its png_base64 is not a PNG image")
        return Figure(result, title, data_uri=f"data:image/png;base64,{base64.b64encode(raw).decode('ascii')}")
    return Figure(result, title, problem="it has neither svg nor png_base64")


def figures_section(evaluation: Mapping[str, Any] | None) -> list[str]:
    """The report's "Figures" section (nothing when no result carries a figure)."""
    figures = collect_figures(evaluation)
    if not figures:
        return []
    out = ["<h2>Figures</h2>", '<div class="row">']
    notes = []
    for fig in figures:
        if fig.data_uri is None:
            notes.append(f'<p class="note">Figure {escape(fig.title)} of {escape(fig.result)} not shown: '
                         f"{escape(fig.problem or '')}.</p>")
            continue
        out.append(f'<figure class="metric-figure"><img src="{fig.data_uri}" alt="{escape(fig.title)}">'
                   f"<figcaption>{escape(fig.title)} <span class=\"note\">({escape(fig.result)})</span>"
                   "</figcaption></figure>")
    out.append("</div>")
    return out + notes
