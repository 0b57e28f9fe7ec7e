"""Figures attached to metric results in eval.json, rendered in the report's "Figures" section."""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from ganzoo.files import write_json
from ganzoo.report.figures import collect_figures
from ganzoo.report.report import write_report

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60">'
       '<rect width="120" height="60" fill="#eee"/><polyline points="0,50 60,10 120,40" stroke="red" fill="none"/></svg>')


def _png() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (10, 200, 30)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _add_figures(run: Path, entries: dict[str, dict]) -> None:
    evaluation = json.loads((run / "eval.json").read_text())
    for name, extra in entries.items():
        evaluation["metrics"].setdefault(name, {"value": 0.5, "n_real": 4, "n_fake": 4, "split": "val"}).update(extra)
    write_json(run / "eval.json", evaluation)  # the evaluator's writer: figures stay plain JSON


def _images(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<figure class="metric-figure"><img src="data:([^;]+);base64,([^"]+)"', html)


def test_report_embeds_svg_and_png_figures_of_metric_results(make_run: Callable[..., Path]) -> None:
    run = make_run("with-figures")
    png = _png()
    _add_figures(run, {
        "ssim": {"figure": {"title": "SSIM per sample <b>&</b>", "svg": SVG}},
        "profile": {"figures": [{"title": "profiles", "svg": "<?xml version='1.0'?>\n" + SVG},
                                {"title": "raster", "png_base64": png}]},
    })
    json.loads((run / "eval.json").read_text())
    html = write_report(run).read_text()
    assert "<h2>Figures</h2>" in html
    images = _images(html)
    assert [kind for kind, _ in images] == ["image/svg+xml", "image/svg+xml", "image/png"]
    assert base64.b64decode(images[0][1]).decode() == SVG
    assert base64.b64decode(images[2][1]) == base64.b64decode(png)
    assert "SSIM per sample &lt;b&gt;&amp;&lt;/b&gt;" in html and "<b>&</b>" not in html
    assert "(profile)" in html and "(ssim)" in html
    # the figure is not repeated as text in the evaluation table's protocol column
    assert "0,50 60,10" not in html and "png_base64" not in html
    assert not re.findall(r'(?:src|href)\s*=\s*"(?!data:)', html)


def test_svg_cannot_script_the_report(make_run: Callable[..., Path]) -> None:
    run = make_run("hostile")
    hostile = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    _add_figures(run, {"ssim": {"figure": {"title": "<script>alert(2)</script>", "svg": hostile}}})
    html = write_report(run).read_text()
    assert "<script" not in html  # the SVG is only an image source; the title is escaped
    assert len(_images(html)) == 1


def test_malformed_figures_become_notes(make_run: Callable[..., Path]) -> None:
    run = make_run("broken")
    _add_figures(run, {
        "ssim": {"figure": {"title": "not svg", "svg": "<div>hello</div>"}},
        "l1": {"figures": [{"title": "bad png", "png_base64": "not base64!"},
                           {"title": "gif", "png_base64": base64.b64encode(b"GIF89a....").decode()},
                           {"title": "empty"}, "just a string"]},
    })
    html = write_report(run).read_text()
    assert _images(html) == []
    for why in ("does not start with an &lt;svg&gt; element", "not valid base64", "not a PNG image",
                "neither svg nor png_base64", "must be an object"):
        assert why in html
    assert "Figure not svg of ssim not shown" in html


def test_no_figures_no_section(make_run: Callable[..., Path]) -> None:
    run = make_run("plain")
    assert collect_figures(json.loads((run / "eval.json").read_text())) == []
    assert collect_figures(None) == []
    assert "<h2>Figures</h2>" not in write_report(run).read_text()
