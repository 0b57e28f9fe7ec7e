"""Comparing runs: HTML, terminal table, best values and protocol checks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ganzoo.cli.main import main
from ganzoo.report.compare import compare_runs


def test_compare_writes_html_and_table(make_run: Callable[..., Path]) -> None:
    a = make_run("dcgan", l1=0.2, ssim=0.4)
    b = make_run("pix2pix", l1=0.1, ssim=0.6)
    result = compare_runs([a, b])
    assert result.html_path == a.parent / "compare.html"
    html = result.html_path.read_text()
    assert "http" not in html and html.count("<svg") >= 2 and html.count("data:image/png;base64,") == 4
    lines = result.text.splitlines()
    assert lines[0].split()[:3] == ["run", "model", "data"] and "ssim" in lines[0] and "l1" in lines[0]
    dcgan = next(line for line in lines if line.startswith("dcgan"))
    pix2pix = next(line for line in lines if line.startswith("pix2pix"))
    assert "0.2 " in dcgan + " " and "0.1*" in pix2pix and "0.6*" in pix2pix  # lower l1, higher ssim win
    assert result.not_comparable == []
    assert '<td class="num best">0.1</td>' in html


def test_different_protocols_are_not_ranked(make_run: Callable[..., Path]) -> None:
    a = make_run("a", l1=0.2, n=16)
    b = make_run("b", l1=0.1, n=64)
    result = compare_runs([a, b])
    assert set(result.not_comparable) == {"l1", "ssim"}
    assert "*" not in result.text.split("\n", 2)[2].split("(†)")[0]
    assert "different protocols" in result.text


def test_missing_metric_and_unevaluated_run(make_run: Callable[..., Path], tmp_path: Path) -> None:
    a = make_run("a", l1=None)
    b = make_run("b", evaluated=False)
    result = compare_runs([a, b], tmp_path / "cmp.html")
    assert result.html_path == tmp_path / "cmp.html"
    assert "not evaluated" in result.text and "b" in result.text.splitlines()[-1]


def test_cli_compare(make_run: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = make_run("a"), make_run("b", l1=0.05)
    out = tmp_path / "x.html"
    assert main(["compare", str(a), str(b), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert out.is_file() and "0.05*" in printed and f"wrote {out}" in printed
    assert main(["compare", str(a), str(tmp_path / "missing")]) == 2


def test_a_tie_of_all_runs_ranks_nothing(make_run: Callable[..., Path]) -> None:
    result = compare_runs([make_run("a", l1=0.1), make_run("b", l1=0.1, ssim=0.7)])
    lines = result.text.splitlines()
    assert "0.1*" not in result.text and "0.7*" in lines[3]
