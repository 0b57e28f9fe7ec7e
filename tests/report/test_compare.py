"""Comparing runs: HTML, terminal table, settings that differ, seed groups, best values and protocols."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from ganzoo.cli.main import main
from ganzoo.report.compare import compare_runs
from ganzoo.report.ranking import Estimate, best_index, estimate
from ganzoo.report.settings import flatten


def _line(text: str, start: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(start))


def _configure(run: Path, **train: object) -> Path:
    """Add ``[train]`` keys to a fixture run's config (its table is the file's last)."""
    with (run / "config.toml").open("a") as fh:
        fh.writelines(f"{key} = {value!r}\n" for key, value in train.items())
    return run


def test_compare_writes_html_and_table(make_run: Callable[..., Path]) -> None:
    a = make_run("dcgan", l1=0.2, ssim=0.4)
    b = make_run("pix2pix", l1=0.1, ssim=0.6)
    result = compare_runs([a, b])
    assert result.html_path == a.parent / "compare.html"
    html = result.html_path.read_text()
    assert "http" not in html and html.count("<svg") >= 2 and html.count("data:image/png;base64,") == 4
    lines = result.text.splitlines()
    assert lines[0].split()[:4] == ["run", "seeds", "model", "data"] and "ssim" in lines[0] and "l1" in lines[0]
    # 0.1 beats 0.2 by far more than the reported sds (0.01 each): marked
    assert _line(result.text, "dcgan").split()[-6:] == ["0.4", "±", "0.01", "0.2", "±", "0.01"]
    assert _line(result.text, "pix2pix").split()[-6:] == ["0.6", "±", "0.01*", "0.1", "±", "0.01*"]
    assert "* = best: a value is marked best only when" in result.text
    assert result.not_comparable == [] and result.groups == [["dcgan"], ["pix2pix"]]
    assert '<td class="num best">0.1 ± 0.01</td>' in html and "marked best only when" in html


def test_differences_within_the_spread_are_not_ranked(make_run: Callable[..., Path]) -> None:
    result = compare_runs([make_run("a", l1=0.105, ssim=0.5), make_run("b", l1=0.1, ssim=0.515)])
    assert "*" not in "".join(result.text.splitlines()[2:4])  # differences below 0.01 + 0.01
    assert "no value marked best" in result.text


def test_settings_that_differ_are_listed(make_run: Callable[..., Path]) -> None:
    a = _configure(make_run("a"), lr=0.0002, seed=0)
    b = _configure(make_run("b"), lr=0.001, seed=0)
    result = compare_runs([a, b])
    assert result.differing == {"train.lr": [0.0002, 0.001]}
    assert "settings that differ:" in result.text and "  train.lr: a=0.0002, b=0.001" in result.text
    html = result.html_path.read_text()
    assert "<h2>Settings that differ</h2>" in html and "<td>train.lr</td><td>0.0002</td><td>0.001</td>" in html
    same = compare_runs([make_run("c"), make_run("d")])
    assert same.differing == {} and "settings that differ: none" in same.text


def test_runs_differing_only_in_seed_share_a_row(make_run: Callable[..., Path]) -> None:
    seeds = [_configure(make_run(f"s{i}", l1=v), seed=i) for i, v in enumerate((0.10, 0.12, 0.14))]
    other = _configure(make_run("other", l1=0.30), seed=0, lr=0.001)
    result = compare_runs([*seeds, other])
    assert result.groups == [["s0", "s1", "s2"], ["other"]]
    assert result.differing["train.seed"] == [0, 1, 2, 0]
    row = _line(result.text, "s0, s1, s2")
    assert "0, 1, 2" in row and "0.12 ± 0.02*" in row  # mean and sample sd across the seeds
    assert "share a row: mean ± sd across the seeds" in result.text
    html = result.html_path.read_text()
    assert "every run&#x27;s values" in html or "every run's values" in html
    assert re.search(r'<td class="num best">0\.12 ± 0\.02</td>', html)


def test_seed_spread_decides_the_best(make_run: Callable[..., Path]) -> None:
    noisy = [_configure(make_run(f"n{i}", l1=v), seed=i) for i, v in enumerate((0.05, 0.25))]  # 0.15 ± 0.141
    close = compare_runs([*noisy, make_run("close", l1=0.3)])  # 0.15 apart < 0.141 + 0.01
    row = _line(close.text, "n0, n1")
    assert "0.15 ± 0.1414" in row and "*" not in row
    far = compare_runs([*noisy, make_run("far", l1=0.4)])  # 0.25 apart > 0.151
    assert _line(far.text, "n0, n1").rstrip().endswith("0.15 ± 0.1414*")


def test_same_seed_twice_is_not_a_seed_group(make_run: Callable[..., Path]) -> None:
    a, b = _configure(make_run("a"), seed=3), _configure(make_run("b"), seed=3)
    assert compare_runs([a, b]).groups == [["a"], ["b"]]


def test_different_protocols_are_not_ranked(make_run: Callable[..., Path]) -> None:
    a = make_run("a", l1=0.2, n=16)
    b = make_run("b", l1=0.1, n=64)
    result = compare_runs([a, b])
    assert set(result.not_comparable) == {"l1", "ssim"}
    assert "*" not in "".join(result.text.splitlines()[2:4])
    assert "different protocols" in result.text


def test_missing_metric_and_unevaluated_run(make_run: Callable[..., Path], tmp_path: Path) -> None:
    a = make_run("a", l1=None)
    b = make_run("b", evaluated=False)
    result = compare_runs([a, b], tmp_path / "cmp.html")
    assert result.html_path == tmp_path / "cmp.html"
    assert "not evaluated (run `ganzoo evaluate RUN`): b" in result.text


def test_cli_compare(make_run: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = make_run("a"), make_run("b", l1=0.05)
    out = tmp_path / "x.html"
    assert main(["compare", str(a), str(b), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert out.is_file() and "0.05 ± 0.01*" in printed and f"wrote {out}" in printed
    assert main(["compare", str(a), str(tmp_path / "missing")]) == 2


def test_a_tie_of_all_runs_ranks_nothing(make_run: Callable[..., Path]) -> None:
    result = compare_runs([make_run("a", l1=0.1), make_run("b", l1=0.1, ssim=0.7)])
    assert "0.1 ± 0.01*" not in result.text and "0.7 ± 0.01*" in _line(result.text, "b ")


def test_estimates_and_the_rule() -> None:
    assert estimate([0.1, 0.2, None], [None, None, None]) == Estimate(pytest.approx(0.15), pytest.approx(0.0707, abs=1e-4), 2)
    assert estimate([0.3], [0.05]) == Estimate(0.3, 0.05, 1)
    assert estimate([None], [0.1]).value is None
    far, near = [Estimate(1.0, 0.1, 3), Estimate(2.0, 0.1, 3)], [Estimate(1.0, 0.5, 3), Estimate(1.8, 0.5, 3)]
    assert best_index(far, "lower") == 0 and best_index(far, "higher") == 1
    assert best_index(near, "lower") is None  # 0.8 apart, spreads add to 1.0
    assert best_index([Estimate(1.0, None, 1), Estimate(5.0, 0.1, 3)], "lower") is None  # no spread, no best
    assert best_index(far, None) is None


def test_flatten_numbers_tables_in_lists_only() -> None:
    flat = flatten({"train": {"lr": 1e-3, "betas": [0.5, 0.999]}, "losses": [{"name": "l1", "weight": 100.0}]})
    assert flat == {"train.lr": 1e-3, "train.betas": [0.5, 0.999], "losses.0.name": "l1", "losses.0.weight": 100.0}
