"""Smoke and logic tests of benchmarks/throughput.py (no training is run).

The benchmark itself takes minutes; what can silently go wrong in a fast test is the arithmetic
(seconds per step from logged times, images/s, ratios, targets, the bf16 loss check), the command
lines (the fast path must really switch on bf16, channels_last and fused Adam on both sides) and
the JSON document's shape, which the dry run checks end to end.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "benchmarks" / "throughput.py"


@pytest.fixture(scope="module")
def bench(load_benchmark: Callable[[str], ModuleType]) -> ModuleType:
    return load_benchmark("throughput")


def _settings(bench: ModuleType, **changes: object) -> object:
    values = dict(
        steps=10,
        warmup=2,
        log_every=1,
        size=256,
        device="cpu",
        threads=0,
        compile=False,
        baselines=Path("/b"),
        python="py",
    )
    values.update(changes)
    return bench.Settings(**values)


def _records(times: list[float]) -> list[dict[str, float]]:
    return [
        {"kind": "train", "step": i + 1, "time": t, "loss/d": 1.0, "loss/g": 2.0}
        for i, t in enumerate(times)
    ]


def test_ganzoo_seconds_per_step_come_from_logged_times_after_warmup(bench: ModuleType) -> None:
    # steps 1..6; warm-up 2 -> window is step 2 (t=5) to step 6 (t=13): 4 steps, 8 s
    records = _records([3.0, 5.0, 7.0, 9.0, 10.0, 13.0])
    measured = bench.parse_ganzoo(records, warmup=2, batch_size=4).to_dict()
    assert measured["steps"] == 4
    assert measured["sec_per_step_mean"] == pytest.approx(2.0)
    assert measured["sec_per_step_median"] == pytest.approx(2.0)  # intervals 2, 2, 1, 3
    assert measured["img_s_mean"] == pytest.approx(2.0)
    assert (measured["from_step"], measured["to_step"]) == (2, 6)


def test_ganzoo_with_sparse_logging_uses_per_interval_rates(bench: ModuleType) -> None:
    records = [
        {"kind": "train", "step": s, "time": t} for s, t in [(5, 10.0), (10, 20.0), (15, 40.0)]
    ]
    measured = bench.parse_ganzoo(records, warmup=5, batch_size=1)
    assert measured.steps == 10
    assert measured.sec_per_step_mean == pytest.approx(3.0)
    assert measured.sec_per_step_median == pytest.approx(3.0)  # median of 2.0 and 4.0


def test_ganzoo_needs_two_logged_steps_in_the_window(bench: ModuleType) -> None:
    with pytest.raises(ValueError, match="two logged steps"):
        bench.parse_ganzoo(_records([1.0, 2.0, 3.0]), warmup=3, batch_size=1)


def test_baseline_mean_is_recomputed_from_all_step_times(bench: ModuleType) -> None:
    line = json.dumps(
        {
            "sec_per_it_all": [1.0, 1.0, 4.0],
            "sec_per_it_median": 1.0,
            "it_s_median": 1.0,
            "threads": 2,
        }
    )
    measured = bench.parse_baseline("params: ...\n" + line, batch_size=64)
    assert measured.sec_per_step_mean == pytest.approx(2.0)
    assert measured.to_dict()["img_s_mean"] == pytest.approx(32.0)
    assert measured.to_dict()["img_s_median"] == pytest.approx(64.0)


def test_ratios_and_targets(bench: ModuleType) -> None:
    def run(img_s: float) -> dict[str, float]:
        return {"img_s_mean": img_s, "img_s_median": img_s}

    runs = {
        "baseline_ref": [run(10.0), run(12.0), run(11.0)],  # median 11
        "ganzoo_ref": [run(10.5)],
        "baseline_fast": [run(20.0)],
        "ganzoo_fast": [run(22.0), {"error": "exit status 1"}],  # failed run ignored
    }
    summary = bench.summarise_case(bench.Case("pix2pix", 1), runs)
    ratios = summary["ratios"]
    assert ratios["ganzoo_ref/baseline_ref"]["mean"] == pytest.approx(10.5 / 11.0, abs=1e-4)
    assert ratios["ganzoo_fast/baseline_ref"]["mean"] == pytest.approx(2.0)
    assert ratios["ganzoo_fast/baseline_fast"]["mean"] == pytest.approx(1.1)
    assert summary["targets"]["ganzoo_ref/baseline_ref"] == {"min": 0.97, "met": False}
    assert summary["targets"]["ganzoo_fast/baseline_ref"] == {"min": 1.8, "met": True}


def test_missing_measurements_give_null_ratios(bench: ModuleType) -> None:
    summary = bench.summarise_case(bench.Case("dcgan", 64), {"baseline_ref": [{"error": "x"}]})
    assert all(value is None for value in summary["ratios"].values())
    assert summary["targets"]["ganzoo_fast/baseline_ref"] == {"min": 2.5, "met": None}


def test_bf16_losses_are_compared_step_by_step(bench: ModuleType) -> None:
    fp32 = {1: {"loss/d": 1.0, "loss/g": 4.0}, 2: {"loss/d": 2.0, "loss/g": 4.0}}
    close = bench.compare_losses(
        fp32, {1: {"loss/d": 1.01, "loss/g": 4.0}, 2: {"loss/d": 2.0, "loss/g": 4.1}}
    )
    assert close["within_tolerance"] is True
    assert close["max_rel_diff"] == pytest.approx(0.025)
    far = bench.compare_losses(fp32, {1: {"loss/d": 1.5, "loss/g": 4.0}})
    assert far["steps"] == [1]
    assert far["within_tolerance"] is False


def test_fast_path_switches_on_the_same_features_on_both_sides(bench: ModuleType) -> None:
    settings = _settings(bench, compile=True, threads=3, size=128)
    case = bench.Case("pix2pix", 16)
    baseline = bench.baseline_command(case, True, settings)
    assert baseline[:2] == ["py", "/b/baseline_pix2pix.py"]
    assert {"--bf16", "--channels-last", "--fused-adam", "--compile"} <= set(baseline)
    assert baseline[baseline.index("--iters") + 1] == "8"
    assert baseline[baseline.index("--threads") + 1] == "3"
    ganzoo = bench.ganzoo_command(case, True, settings, Path("/data"), Path("/run"))
    overrides = {ganzoo[i + 1] for i, arg in enumerate(ganzoo) if arg == "--set"}
    assert {
        "train.precision=bf16",
        "train.channels_last=true",
        "train.fused_optimizer=true",
        "train.compile=true",
        "train.steps=10",
        "train.batch_size=16",
        "dataset.params.image_size=128",
        "dataset.params.load_size=143",
    } <= overrides
    reference = bench.ganzoo_command(case, False, settings, Path("/data"), Path("/run"))
    assert not any("precision" in arg or "channels_last" in arg for arg in reference)
    assert bench.child_env(settings)["OMP_NUM_THREADS"] == "3"


def _overrides(command: list[str]) -> set[str]:
    return {command[i + 1] for i, arg in enumerate(command) if arg == "--set"}


def test_cuda_graphs_only_on_cuda_fast_runs_of_small_batches(bench: ModuleType) -> None:
    cuda = _settings(bench, device="cuda", cuda_graphs_max_batch=1)
    small, large = bench.Case("pix2pix", 1), bench.Case("pix2pix", 16)
    run = (Path("/data"), Path("/run"))
    assert "train.cuda_graphs=true" in _overrides(bench.ganzoo_command(small, True, cuda, *run))
    assert "train.cuda_graphs=true" not in _overrides(bench.ganzoo_command(small, False, cuda, *run))
    assert "train.cuda_graphs=true" not in _overrides(bench.ganzoo_command(large, True, cuda, *run))
    cpu = _settings(bench, cuda_graphs_max_batch=1)
    assert "train.cuda_graphs=true" not in _overrides(bench.ganzoo_command(small, True, cpu, *run))
    off = _settings(bench, device="cuda")
    assert "train.cuda_graphs=true" not in _overrides(bench.ganzoo_command(small, True, off, *run))
    assert not any("cuda_graphs" in arg for arg in bench.baseline_command(small, True, cuda))


def test_out_file_says_whether_the_run_completed(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--dry-run", "--workdir", str(tmp_path),
         "--out", str(out)],
        capture_output=True, text=True, timeout=60, check=True,
    )
    final = json.loads(out.read_text())
    assert final["complete"] is True and json.loads(done.stdout)["complete"] is True
    assert set(final["cases"]) == {"pix2pix-b1", "dcgan-b64"}
    assert not list(tmp_path.glob(".result.json*"))  # no temporary file left behind


def test_benchmark_reports_each_finished_case(bench: ModuleType, tmp_path: Path) -> None:
    """A device session's time limit may stop the benchmark; the cases it finished stay."""
    settings = _settings(bench, steps=3, warmup=1)
    cases = [bench.Case("dcgan", 64), bench.Case("pix2pix", 1)]
    reported: list[list[str]] = []
    bench.benchmark(cases, settings, 1, tmp_path, 1.0, True, ("ref",),
                    on_case=lambda done: reported.append(list(done)))
    assert reported == [["dcgan-b64"], ["dcgan-b64", "pix2pix-b1"]]


def test_cuda_baselines_go_through_the_adapter(bench: ModuleType) -> None:
    cmd = bench.baseline_command(bench.Case("dcgan", 64), False, _settings(bench, device="cuda"))
    assert cmd[1].endswith("baseline_cuda.py")
    assert cmd[2] == "/b/baseline_dcgan.py"


def test_dry_run_plans_every_variant_and_writes_the_data(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--dry-run", "--workdir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    document = json.loads(done.stdout)
    assert document["dry_run"] is True
    assert set(document["cases"]) == {"pix2pix-b1", "dcgan-b64"}
    for name, case in document["cases"].items():
        assert set(case["commands"]) == {
            "baseline_ref",
            "ganzoo_ref",
            "baseline_fast",
            "ganzoo_fast",
        }
        assert set(case["ratios"]) == {
            "ganzoo_ref/baseline_ref",
            "ganzoo_fast/baseline_ref",
            "ganzoo_fast/baseline_fast",
            "baseline_fast/baseline_ref",
        }
        assert set(case["targets"]) == {"ganzoo_ref/baseline_ref", "ganzoo_fast/baseline_ref"}
        assert case["measured_steps"] == case["steps"] - case["warmup"] == 4
        files = sorted(Path(case["dataset"]).glob("*.png"))
        assert len(files) == case["batch_size"] * (case["steps"] + 1), name
    from PIL import Image

    pair = Image.open(sorted(Path(document["cases"]["pix2pix-b1"]["dataset"]).glob("*.png"))[0])
    assert pair.size == (256, 128)  # A|B side by side at --quick's 128 px


def test_vendored_baselines_match_the_shared_ones() -> None:
    shared = REPO.parent / "shared" / "baselines"
    if not shared.is_dir():
        pytest.skip("no ../shared/baselines beside this checkout")
    for name in ("baseline_pix2pix.py", "baseline_dcgan.py"):
        vendored = REPO / "benchmarks" / "baselines" / name
        assert vendored.read_bytes() == (shared / name).read_bytes(), name


def test_gpu_targets_are_per_case(bench: ModuleType) -> None:
    runs = {
        "baseline_ref": [{"img_s_mean": 10.0, "img_s_median": 10.0}],
        "ganzoo_fast": [{"img_s_mean": 25.0, "img_s_median": 25.0}],
    }
    b1 = bench.summarise_case(bench.Case("pix2pix", 1), runs, "cuda")
    assert b1["targets"]["ganzoo_fast/baseline_ref"] == {"min": 3.0, "met": False}
    b16 = bench.summarise_case(bench.Case("pix2pix", 16), runs, "cuda:0")
    assert b16["targets"]["ganzoo_fast/baseline_ref"] == {"min": 1.5, "met": True}
    b512 = bench.summarise_case(bench.Case("dcgan", 512), runs, "cuda")
    assert "ganzoo_fast/baseline_ref" not in b512["targets"]  # issue 8 sets no target there


def test_modes_select_reference_or_fast_runs(bench: ModuleType, tmp_path: Path) -> None:
    settings = _settings(bench, steps=3, warmup=1)
    cases = [bench.Case("dcgan", 64)]
    planned = bench.benchmark(cases, settings, 1, tmp_path, 1.0, True, ("ref",))["dcgan-b64"]
    assert set(planned["commands"]) == {"baseline_ref", "ganzoo_ref"}
    assert planned["ratios"]["ganzoo_fast/baseline_ref"] is None
    assert len(list(Path(planned["dataset"]).glob("*.png"))) == 64 * 4


def test_paired_ratio_is_taken_per_repeat(bench: ModuleType) -> None:
    def run(img_s: float) -> dict[str, float]:
        return {"img_s_mean": img_s, "img_s_median": img_s}

    # the machine got 4x slower in repeat 2: each pair still says ganzoo = baseline
    runs = {
        "baseline_ref": [run(1.0), run(0.25), {"error": "x"}],
        "ganzoo_ref": [run(1.0), run(0.25), run(9.0)],
    }
    summary = bench.summarise_case(bench.Case("dcgan", 64), runs)
    assert summary["ratios"]["ganzoo_ref/baseline_ref"]["paired_median"] == pytest.approx(1.0)


# ----------------------------------------------------------------------------- correctness.py
@pytest.fixture(scope="module")
def correctness(load_benchmark: Callable[[str], ModuleType]) -> ModuleType:
    """benchmarks/correctness.py, which imports ``throughput`` from its own folder."""
    return load_benchmark("correctness")


def _check_args(**changes: object) -> object:
    import argparse

    values = dict(jobs=2, timeout=5.0, rtol_fp32=1e-2, rtol_bf16=5e-2)
    values.update(changes)
    return argparse.Namespace(**values)


def test_cuda_graph_variant_runs_only_on_cuda(correctness: ModuleType) -> None:
    assert correctness.VARIANTS["cuda_graphs"] == ["train.cuda_graphs=true"]
    assert correctness.runnable("cuda_graphs", "cuda") and correctness.runnable("cuda_graphs", "cuda:1")
    assert not correctness.runnable("cuda_graphs", "cpu")
    assert correctness.runnable("bf16", "cpu")


def _fake_runs(
    correctness: ModuleType, monkeypatch: pytest.MonkeyPatch, losses: dict[str, float]
) -> list[str]:
    """Replace the training processes: each label's loss/d is ``losses[label]``."""
    ran: list[str] = []

    def run_variant(case, overrides, settings, workdir, label, timeout):  # type: ignore[no-untyped-def]
        ran.append(label)
        stderr = ""
        if label == "cuda_graphs":
            stderr = (
                "engine.py:99: RuntimeWarning: train.cuda_graphs: compiling the generator failed "
                "(skipping cudagraphs due to cpu device); using eager mode\n  warnings.warn(\n"
            )
        records = {1: {"loss/d": losses[label], "loss/g": 1.0}}
        return records, None, correctness.fallbacks(stderr)

    monkeypatch.setattr(correctness, "run_variant", run_variant)
    monkeypatch.setattr(correctness, "dataset_folder", lambda *args: Path("/data"))
    return ran


def test_skipped_variants_do_not_count_against_ok(
    correctness: ModuleType, bench: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran = _fake_runs(correctness, monkeypatch, {"fp32": 1.0, "bf16": 1.01})
    checks = correctness.check_case(
        "dcgan-b64", ["bf16", "cuda_graphs"], _settings(bench), Path("/w"), _check_args()
    )
    assert sorted(ran) == ["bf16", "fp32"]
    assert checks["cuda_graphs"] == {"skipped": "needs a CUDA device, not cpu"}
    assert checks["bf16"]["within_tolerance"] is True and checks["ok"] is True


def test_cuda_graph_losses_are_compared_and_fallbacks_reported(
    correctness: ModuleType, bench: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_runs(correctness, monkeypatch, {"fp32": 1.0, "cuda_graphs": 1.5})
    checks = correctness.check_case(
        "dcgan-b64", ["cuda_graphs"], _settings(bench, device="cuda"), Path("/w"), _check_args()
    )
    assert checks["cuda_graphs"]["within_tolerance"] is False and checks["ok"] is False
    (line,) = checks["cuda_graphs"]["fell_back"]
    assert "skipping cudagraphs due to cpu device" in line


def test_cuda_graph_run_errors_instead_of_silently_skipping_graphs(
    correctness: ModuleType, bench: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: dict[str, dict[str, str]] = {}

    def run_process(cmd, env, timeout):  # type: ignore[no-untyped-def]
        seen[cmd[cmd.index("--run-dir") + 1]] = env
        return 1, "", "boom", 0.0

    monkeypatch.setattr(correctness, "run_process", run_process)
    monkeypatch.setattr(correctness, "dataset_folder", lambda *args: tmp_path)
    settings = _settings(bench, device="cuda", steps=3)
    for label in ("cuda_graphs", "compile"):
        losses, error, _ = correctness.run_variant(
            "dcgan-b64", correctness.VARIANTS[label], settings, tmp_path, label, 5.0
        )
        assert losses is None and error == "exit status 1: boom"
    env = {Path(run_dir).name: value for run_dir, value in seen.items()}
    assert env["dcgan-b64-cuda_graphs"]["TORCHINDUCTOR_CUDAGRAPH_OR_ERROR"] == "1"
    assert "TORCHINDUCTOR_CUDAGRAPH_OR_ERROR" not in env["dcgan-b64-compile"]


def test_a_metrics_line_cut_short_by_a_kill_is_skipped(bench: ModuleType, tmp_path: Path) -> None:
    metrics = tmp_path / "metrics.jsonl"
    lines = [json.dumps(record) for record in _records([0.5, 1.0])]
    metrics.write_text("\n".join([*lines, '{"kind": "train", "step": 3, "ti']) + "\n")
    assert [record["step"] for record in bench.read_train_records(metrics)] == [1, 2]


def test_uncompared_variant_is_reported_but_not_held_to_a_tolerance(
    correctness: ModuleType, bench: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pix2pix's dropout draws other numbers when compiled, so its CUDA-graph run is shown,
    not judged; the variants that are judged still decide ``ok``."""
    _fake_runs(correctness, monkeypatch, {"fp32": 1.0, "bf16": 1.01, "fast_graphs": 1.5})
    cuda = _settings(bench, device="cuda")
    checks = correctness.check_case("pix2pix-b1", ["bf16", "fast_graphs"], cuda, Path("/w"), _check_args())
    assert checks["fast_graphs"]["compared"] is False and checks["fast_graphs"]["max_rel_diff"] == 0.5
    assert checks["ok"] is True
    assert set(correctness.VARIANTS["fast"]) < set(correctness.VARIANTS["fast_graphs"])
    _fake_runs(correctness, monkeypatch, {"fp32": 1.0, "bf16": 1.5, "fast_graphs": 1.0})
    assert correctness.check_case("pix2pix-b1", ["bf16", "fast_graphs"], cuda, Path("/w"), _check_args())["ok"] is False
