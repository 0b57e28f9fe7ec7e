"""``ganzoo demo``: the whole pipeline on a tiny profile, its pieces, the subcommand's registration,
and ``--quick`` end to end (slow)."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from ganzoo_medical.demo import PROFILES, Profile, run_demo
from ganzoo_medical.demo.baseline import TRIVIAL_NAME, MeanImageSampler
from ganzoo_medical.demo.page import verdicts
from ganzoo_medical.demo.study import DemoResult, choose_output, choose_threads

from ganzoo.cli.main import main
from ganzoo.plugin import DataSpec

#: Small enough for the default suite: 32 px, a handful of steps, two epochs per run.
TINY = Profile(
    name="tiny", image_size=32, gan_steps=4, gan_batch=8, gan_width=8, pix2pix_steps=8, pix2pix_batch=4,
    pix2pix_width=8, pix2pix_lr=4e-4, pix2pix_adversarial=1.0, decay_from=0.5, train_length=16, eval_samples=8, scale=0.25,
)


@pytest.fixture(scope="module")
def tiny_demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    out = tmp_path_factory.mktemp("tiny") / "demo"
    return run_demo(out, profile=TINY, seed=3, threads=1, progress=False, log=io.StringIO())


def test_tiny_demo_writes_runs_evaluations_and_reports(tiny_demo: DemoResult) -> None:
    out = tiny_demo.out
    for name in ("retina-dcgan", "retina-pix2pix"):
        run = out / name
        assert (run / "report.html").is_file()
        assert (run / "eval.json").is_file()
        assert sorted(p.name for p in (run / "samples").glob("epoch_*.png")) == ["epoch_0001.png", "epoch_0002.png"]
    assert (out / TRIVIAL_NAME / "eval.json").is_file()
    assert (out / TRIVIAL_NAME / "mean_image.png").is_file()
    summary = json.loads((out / "demo.json").read_text())
    assert summary["seed"] == 3 and summary["threads"] == 1
    assert summary["commands"]["pix2pix"].startswith("ganzoo train --preset retina-pix2pix")


def test_tiny_demo_evaluates_the_right_metrics_on_held_out_data(tiny_demo: DemoResult) -> None:
    pix2pix = tiny_demo.evaluations["pix2pix"]["metrics"]
    trivial = tiny_demo.evaluations["trivial"]["metrics"]
    gan = tiny_demo.evaluations["gan"]["metrics"]
    assert set(pix2pix) == set(trivial) == {"l1", "psnr", "ssim", "vessel-dice", "fid", "kid"}
    assert set(gan) == {"fid", "kid"}
    for entries in (pix2pix, trivial, gan):
        for entry in entries.values():
            assert entry["split"] == "val" and entry["n_real"] == TINY.eval_samples
    assert "not Inception" in gan["fid"]["feature_extractor"]
    # the trivial predictor is scored on the same pairs with the same settings, only values differ
    for name in ("l1", "ssim", "vessel-dice"):
        same = {k: v for k, v in pix2pix[name].items() if k not in ("value", "sd")}
        assert same == {k: v for k, v in trivial[name].items() if k not in ("value", "sd")}
    assert 0 < trivial["l1"]["value"] < 0.5
    assert tiny_demo.evaluations["trivial"]["predictor"]["n_train"] == TINY.train_length


def test_tiny_demo_compare_page_shows_both_runs_metrics_protocols_and_samples(tiny_demo: DemoResult) -> None:
    assert tiny_demo.compare_html == tiny_demo.out / "compare.html"
    html = tiny_demo.compare_html.read_text()
    for text in ("retina-dcgan", "retina-pix2pix", TRIVIAL_NAME, "trivial predictor: mean training image",
                 "real held-out images", "Protocols", "n_real", "not Inception", "Losses per epoch",
                 "Generator loss: retina-pix2pix", "Discriminator loss: retina-dcgan",
                 "after epoch 1 (first)", "after epoch 2 (last)", 'href="retina-pix2pix/report.html"'):
        assert text in html, text
    assert html.count("data:image/png;base64,") == 5  # 2 grids per run + the mean image
    table = tiny_demo.table
    assert re.search(r"^trivial-mean-image\s+\d", table, re.M)
    assert re.search(r"^retina-pix2pix\s+\d", table, re.M)
    assert re.search(r"^retina-dcgan\s+-\s+-\s+-\s+-\s+\d", table, re.M)


def test_existing_output_is_never_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    assert choose_output(out, io.StringIO()) == out
    out.mkdir()
    assert choose_output(out, io.StringIO()) == out  # empty: used
    (out / "compare.html").write_text("earlier result")
    log = io.StringIO()
    chosen = choose_output(out, log)
    assert chosen.parent == tmp_path and chosen.name.startswith("demo-") and not chosen.exists()
    assert "kept as they are" in log.getvalue()
    assert (out / "compare.html").read_text() == "earlier result"


def test_threads_are_capped_by_the_cpus() -> None:
    import os

    cpus = len(os.sched_getaffinity(0))
    assert choose_threads(1) == 1
    assert choose_threads(10_000) == cpus
    assert 1 <= choose_threads() <= cpus
    with pytest.raises(Exception, match="--threads 0"):
        choose_threads(0)


def test_profiles_are_repeatable_as_train_commands() -> None:
    gan, pix2pix = PROFILES["default"].experiments(seed=7)
    assert (gan.preset, pix2pix.preset) == ("retina-dcgan", "retina-pix2pix")
    assert "train.seed=7" in gan.overrides and "dataset.params.paired=false" in gan.overrides
    assert "dataset.params.paired=true" in pix2pix.overrides
    assert "--set 'train.seed=7'" in pix2pix.command("runs/demo/retina-pix2pix")
    quick, default = PROFILES["quick"], PROFILES["default"]
    assert quick.pix2pix_steps < default.pix2pix_steps and quick.gan_steps < default.gan_steps


def test_mean_image_sampler_repeats_the_image() -> None:
    spec = DataSpec(modality="image", shape=(3, 4, 4), value_range=(-1.0, 1.0), condition="paired",
                    condition_shape=(1, 4, 4))
    image = torch.rand(3, 4, 4)
    out = MeanImageSampler(image, spec).sample(5, condition=torch.zeros(5, 1, 4, 4))
    assert out.shape == (5, 3, 4, 4) and torch.equal(out[4], image)
    with pytest.raises(ValueError, match="shape"):
        MeanImageSampler(torch.rand(3, 2, 2), spec)


def test_verdicts_say_who_wins() -> None:
    def ev(l1: float, ssim: float) -> dict:
        return {"metrics": {"l1": {"value": l1}, "ssim": {"value": ssim}}}

    text = verdicts({"pix2pix": ev(0.04, 0.80), "trivial": ev(0.05, 0.85), "gan": {"metrics": {}}})
    assert text[0].startswith("pix2pix beats the trivial predictor on held-out L1")
    assert text[1].startswith("pix2pix does NOT beat the trivial predictor on held-out SSIM")
    with_psnr = ev(0.04, 0.90)
    with_psnr["metrics"]["psnr"] = {"value": 30.0}
    trivial = ev(0.05, 0.85)
    trivial["metrics"]["psnr"] = {"value": 31.0}
    text = verdicts({"pix2pix": with_psnr, "trivial": trivial, "gan": {"metrics": {}}})
    assert [t.split(":")[0] for t in text] == [
        "pix2pix beats the trivial predictor on held-out L1",
        "pix2pix does NOT beat the trivial predictor on held-out PSNR",
        "pix2pix beats the trivial predictor on held-out SSIM",
    ]


def test_quick_says_what_it_cannot_show_in_the_terminal_and_on_the_page(tiny_demo: DemoResult) -> None:
    from ganzoo_medical.demo.page import caveat_section, render_text

    assert PROFILES["default"].caveat == "" and "smoke test" in PROFILES["quick"].caveat
    assert "NOTE" not in tiny_demo.table and "can and cannot show" not in tiny_demo.compare_html.read_text()
    caveated = dataclasses.replace(tiny_demo, profile=dataclasses.replace(TINY, caveat="only a smoke <test>"))
    assert render_text(caveated).splitlines()[-1] == "NOTE (tiny profile): only a smoke <test>"
    assert caveat_section(caveated.profile) == [
        "<p><strong>What the tiny profile can and cannot show:</strong> only a smoke &lt;test&gt;</p>"]


def test_default_profile_flattens_and_quick_matches_it_apart_from_length() -> None:
    quick, default = PROFILES["quick"], PROFILES["default"]
    assert default.flatten and quick.flatten
    assert "dataset.params.flatten=true" in default.experiments(0)[1].overrides
    same = ("image_size", "scale", "pix2pix_lr", "pix2pix_adversarial", "pix2pix_width", "gan_width")
    assert all(getattr(quick, name) == getattr(default, name) for name in same)


def _help(*, plugins: bool) -> str:
    """``ganzoo --help`` of a fresh process, with plugin discovery on or off (GANZOO_DISABLE_PLUGINS)."""
    env = {k: v for k, v in os.environ.items() if k != "GANZOO_DISABLE_PLUGINS"}
    if not plugins:
        env["GANZOO_DISABLE_PLUGINS"] = "1"
    done = subprocess.run([sys.executable, "-m", "ganzoo", "--help"], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_demo_is_a_command_of_the_medical_plugin_only() -> None:
    assert re.search(r"^\s+demo\s+reproduce the GAN vs pix2pix", _help(plugins=True), re.M)
    assert not re.search(r"\bdemo\b", _help(plugins=False))


def test_demo_without_plugins_is_a_one_line_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--no-plugins", "demo", "--out", str(tmp_path / "demo")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "invalid choice: 'demo'" in err
    assert not (tmp_path / "demo").exists()


def test_demo_help_keeps_its_description(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    out = capsys.readouterr().out
    assert "--quick" in out and "OUT/compare.html" in out


@pytest.mark.slow
@pytest.mark.timeout(900)  # about 2 minutes on an idle 2-core CPU; much more on a busy one
def test_quick_demo_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo"
    assert main(["demo", "--quick", "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "trivial-mean-image" in printed and f"wrote {out / 'compare.html'}" in printed
    assert "NOTE (quick profile): --quick is a smoke test" in printed
    html = (out / "compare.html").read_text()
    for text in ("retina-dcgan", "retina-pix2pix", "trivial predictor: mean training image", "Protocols",
                 "vessel Dice", "after epoch 1 (first)", "What the quick profile can and cannot show",
                 "illumination is divided out"):
        assert text in html, text
    for path in (out / "retina-dcgan", out / "retina-pix2pix", out / TRIVIAL_NAME):
        assert (path / "eval.json").is_file()
    summary = json.loads((out / "demo.json").read_text())
    assert summary["profile"] == "quick"
