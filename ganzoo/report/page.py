"""Building blocks of ganzoo's HTML pages: one self-contained file, no external references.

Styles are inline, images are ``data:`` URIs and charts are inline SVG, so a report can be
mailed, archived or opened offline and shows the same thing everywhere.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from ganzoo.report.format import fmt

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1200px;
color:#222;padding:0 1rem;line-height:1.4}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
.sub{color:#666;margin-top:0}.note{color:#666;font-size:.9rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.92rem}
th,td{border:1px solid #ddd;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f5f5f5}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.best{font-weight:bold;background:#eef7ee}
.row{display:flex;flex-wrap:wrap;gap:1.2rem;align-items:flex-start}
figure{margin:0}figcaption{color:#555;font-size:.9rem;margin-top:.3rem}
figure img{max-width:100%;image-rendering:pixelated;border:1px solid #ddd}
.metric-figure img{image-rendering:auto;background:#fff}
.chart .plot-area{fill:#fafafa;stroke:none}.chart .grid{stroke:#e3e3e3}.chart .axis{stroke:#888}
.chart text{font-size:11px;fill:#333}.chart .chart-title{font-size:13px;font-weight:bold}
pre{background:#f7f7f7;padding:.8rem;overflow:auto;font-size:.85rem}
"""


def page(title: str, body: Sequence[str]) -> str:
    """A complete HTML document."""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{escape(title)}</title>"
        f"<style>{CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def image(path: Path, caption: str, width: int | None = None) -> str:
    """A figure with the PNG at ``path`` embedded as base64."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    style = f' style="width:{width}px"' if width else ""
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{escape(caption)}"{style}>'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[int] = (),
          best: set[tuple[int, int]] | None = None) -> str:
    """An HTML table; ``numeric`` columns are right-aligned, ``best`` cells highlighted."""
    best = best or set()
    head = "".join(f"<th>{escape(str(h))}</th>" for h in headers)
    lines = []
    for r, row in enumerate(rows):
        cells = []
        for c, value in enumerate(row):
            classes = " ".join(n for n, on in (("num", c in numeric), ("best", (r, c) in best)) if on)
            attr = f' class="{classes}"' if classes else ""
            cells.append(f"<td{attr}>{escape(fmt(value) if not isinstance(value, str) else value)}</td>")
        lines.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>"


#: Longest list or mapping written out in full in a table cell; ``eval.json`` keeps every value.
CELL_ITEMS = 6


def protocol_text(entry: dict[str, Any]) -> str:
    """Protocol facts of one metric result other than the usual columns, as ``key=value``.

    Per-lag curves and per-condition breakdowns can run to dozens of numbers; in a table cell
    they are abbreviated (first and last items and the count) so the table stays readable.
    """
    shown = {"value", "sd", "better", "n_real", "n_fake", "split", "feature_extractor", "metric",
             "figure", "figures"}  # figures have their own section
    return ", ".join(f"{k}={_cell(v)}" for k, v in entry.items() if k not in shown)


def _cell(value: Any) -> str:
    """``fmt`` for scalars; long lists and mappings abbreviated to their ends and a count."""
    if isinstance(value, (list, tuple)):
        items = [fmt(v) for v in value]
        if len(items) > CELL_ITEMS:
            items = [*items[:3], "…", items[-1], f"({len(value)} values)"]
        return "[" + ", ".join(items) + "]"
    if isinstance(value, dict):
        pairs = [f"{k}: {fmt(v)}" for k, v in value.items()]
        if len(pairs) > CELL_ITEMS:
            pairs = [*pairs[:3], f"… ({len(value)} entries)"]
        return "{" + ", ".join(pairs) + "}"
    return fmt(value)
