"""The single-run HTML report and the SVG chart helper."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from ganzoo.cli.main import main
from ganzoo.report.report import write_report
from ganzoo.report.rundata import read_run
from ganzoo.report.svg import line_chart, nice_ticks


def _external_refs(html: str) -> list[str]:
    refs = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', html)
    return [r for r in refs if not r.startswith("data:")] + re.findall(r"<link|<script|@import|url\(", html)


def test_report_is_one_self_contained_file(make_run: Callable[..., Path]) -> None:
    run = make_run("pix2pix-run", epochs=3)
    path = write_report(run)
    assert path == run / "report.html"
    html = path.read_text()
    assert html.count("<svg") >= 4  # per-epoch losses, per-step losses, two validation charts
    assert _external_refs(html) == []
    assert "http" not in html
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert len(images) == 2  # first and last epoch
    assert base64.b64decode(images[0]) == (run / "samples" / "epoch_0001.png").read_bytes()
    assert base64.b64decode(images[1]) == (run / "samples" / "epoch_0003.png").read_bytes()
    assert "after epoch 1 (first)" in html and "after epoch 3 (last)" in html
    assert "Generator loss per epoch" in html and "Discriminator loss per epoch" in html
    assert 'data-series="total"' in html and 'data-series="l1 (x100)"' in html
    assert "unet + patchgan; adversarial + 100xl1" in html
    assert "Skipped fid, kid" in html and "none (pixels)" in html


def test_epoch_chart_uses_epoch_means(make_run: Callable[..., Path]) -> None:
    run = read_run(make_run("r", epochs=4))
    losses, source = run.epoch_losses()
    assert source == "epoch means"
    assert losses["discriminator"] == [(1.0, 1.0), (2.0, 0.5), (3.0, 1 / 3), (4.0, 0.25)]
    assert len(run.kind("train")) == 8  # the cut-off last line was skipped
    assert set(run.eval_series()) == {"l1", "ssim"}


def test_epoch_losses_fall_back_to_step_means(make_run: Callable[..., Path]) -> None:
    run = read_run(make_run("r", epochs=2))
    run.records = [r for r in run.records if r["kind"] != "epoch"]
    losses, source = run.epoch_losses()
    assert "logged steps" in source
    assert losses["discriminator"] == [(1.0, 0.75), (2.0, (1 / 3 + 1 / 4) / 2)]


def test_report_of_unfinished_run(make_run: Callable[..., Path], tmp_path: Path) -> None:
    run = make_run("early", epochs=1, evaluated=False, eval_lines=False)
    html = write_report(run, tmp_path / "out" / "r.html").read_text()
    assert "first and last" in html and "Not evaluated yet" in html and "eval_every = 0" in html


def test_cli_report_and_missing_run(make_run: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = make_run("cli")
    assert main(["report", str(run)]) == 0
    assert (run / "report.html").is_file()
    assert main(["report", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err.strip()
    assert "run directory not found" in err and len(err.splitlines()) == 1


def test_line_chart_points_and_gaps() -> None:
    svg = line_chart({"a": [(1, 2.0), (2, float("nan")), (3, 4.0)], "b": [(1, 1.0)]}, title="t")
    points = re.findall(r'<polyline points="([^"]+)"', svg)
    assert [len(p.split()) for p in points] == [2, 1]  # NaN skipped
    assert svg.count("<circle") == 3


def test_line_chart_constant_and_empty() -> None:
    assert "no data" in line_chart({"a": []}, title="empty")
    svg = line_chart({"a": [(1, 5.0), (2, 5.0)]})
    assert "nan" not in svg and svg.count("<circle") == 2


def test_nice_ticks() -> None:
    assert nice_ticks(0, 1) == [0, 0.25, 0.5, 0.75, 1.0]
    assert nice_ticks(3, 3) == [3]
    assert nice_ticks(0.9, 3.1, 6, integer=True) == [1, 2, 3]
