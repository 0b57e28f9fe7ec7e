"""The torch-fidelity bridge, end to end with the small offline feature extractor."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

from ganzoo.data.spec import DataSpec
from ganzoo.metrics import fidelity
from ganzoo.metrics.configs import FIDConfig, InceptionScoreConfig, KIDConfig, PrecisionRecallConfig
from ganzoo.metrics.context import EvalContext
from ganzoo.metrics.features import RANDOM_CONV, RandomConvFeatures
from ganzoo.metrics.fidelity import FID, KID, InceptionScore, PrecisionRecall, fidelity_metrics
from ganzoo.registry.errors import ConfigError, DataError

SPEC = DataSpec("image", (3, 32, 32))


def _images(n: int = 48, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    smooth = torch.nn.functional.avg_pool2d(torch.rand(n, 3, 32, 32, generator=gen), 3, 1, 1)
    return (smooth * 180).to(torch.uint8)


def test_torch_fidelity_imports_without_leaking_a_fake_torchvision() -> None:
    tf = fidelity.import_torch_fidelity()
    assert hasattr(tf, "calculate_metrics")
    stand_in = sys.modules.get("torchvision")
    assert stand_in is None or "ganzoo stand-in" not in (stand_in.__doc__ or "")


def test_stand_in_names_fail_clearly_when_used() -> None:
    fidelity.import_torch_fidelity()
    datasets = sys.modules["torch_fidelity.datasets"]
    if "ganzoo stand-in" not in (sys.modules["torch_fidelity.utils"].torchvision.__doc__ or ""):
        pytest.skip("a working torchvision is installed; no stand-in in use")
    with pytest.raises(fidelity.TorchvisionUnavailable, match="torchvision is not usable here"):
        datasets.Cifar10_RGB(root="x")


def test_same_set_scores_zero_and_shifted_set_more() -> None:
    real = _images()
    same = fidelity_metrics(real, real, feature_extractor=RANDOM_CONV)
    shifted = fidelity_metrics((real.int() + 60).clamp(max=255).to(torch.uint8), real, feature_extractor=RANDOM_CONV)
    assert abs(same["fid"]) < 1e-6 and abs(same["kid"]) < 1e-4
    assert same["precision"] == same["recall"] == 1.0
    assert same["inception_score"] >= 1.0
    assert shifted["fid"] > 100 * max(abs(same["fid"]), 1e-9) and shifted["fid"] > 1e-3
    assert shifted["kid"] > 1e-4 and shifted["precision"] < 1.0
    assert fidelity_metrics(real, real, feature_extractor=RANDOM_CONV) == same  # deterministic


def test_metrics_report_their_protocol() -> None:
    real = _images(40, seed=1).float() / 127.5 - 1
    fake = _images(40, seed=2).float() / 127.5 - 1

    class Sampler:
        spec = SPEC

        def sample(self, n: int, condition: torch.Tensor | None = None, seed: int | None = None) -> torch.Tensor:
            return fake[:n]

    class Data:
        def __len__(self) -> int:
            return len(real)

        def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
            return {"x": real[i]}

    ctx = EvalContext(Sampler(), Data(), split="test", n_samples=32, batch_size=32, feature_extractor=RANDOM_CONV)
    out = {}
    for metric in (FID(FIDConfig()), KID(KIDConfig()), InceptionScore(InceptionScoreConfig()), PrecisionRecall(PrecisionRecallConfig())):
        out.update(metric.compute(ctx))
    assert set(out) == {"fid", "kid", "inception_score", "precision", "recall"}
    for entry in out.values():
        assert entry["n_real"] == entry["n_fake"] == 32 and entry["split"] == "test"
        assert entry["feature_extractor"].startswith(f"{RANDOM_CONV} (not Inception")
    assert out["fid"]["value"] > 0 and out["fid"]["better"] == "lower"
    # subsets of half the samples: the sd over 100 subsets measures something (whole-set
    # subsets would all be identical and give an sd of ~0)
    assert out["kid"]["kid_subset_size"] == 16 and out["kid"]["kid_subsets"] == 100
    assert out["kid"]["sd"] > 0.01 * abs(out["kid"]["value"]), out["kid"]
    assert len(ctx._cache) == 3  # real, generated, one shared feature pass


def test_missing_inception_weights_names_the_option() -> None:
    with pytest.raises(ConfigError, match="--inception-weights") as info:
        fidelity.resolve_extractor(None, None, "fid")
    assert "never downloads" in str(info.value) and "\n" not in str(info.value)


def test_torch_fidelity_itself_cannot_download_inception() -> None:
    tf = fidelity.import_torch_fidelity()
    images = _images(8)
    with pytest.raises(ConfigError, match="--inception-weights"):
        tf.calculate_metrics(input1=fidelity._Images(images), input2=fidelity._Images(images),
                             fid=True, cuda=False, cache=False, verbose=False)


def test_weights_must_be_an_existing_safetensors_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        fidelity.resolve_extractor(None, tmp_path / "nope.safetensors", "fid")
    pth = tmp_path / "weights-inception-2015-12-05-6726825d.pth"
    pth.write_bytes(b"not read")
    with pytest.raises(ConfigError, match="does not unpickle.*safetensors"):
        fidelity.resolve_extractor(None, pth, "fid")


def test_unknown_or_downloading_extractor_is_refused() -> None:
    with pytest.raises(ConfigError, match="offline choices"):
        fidelity.resolve_extractor("vgg16", None, "fid")


def test_too_few_samples_is_a_data_error() -> None:
    with pytest.raises(DataError, match="at least"):
        fidelity_metrics(_images(3), _images(3), feature_extractor=RANDOM_CONV)


def test_random_conv_features_are_fixed() -> None:
    x = _images(4)
    a, b = RandomConvFeatures()(x), RandomConvFeatures()(x)
    assert a[0].shape == (4, 64) and a[1].shape == (4, 16)
    assert torch.equal(a[0], b[0])


@pytest.mark.slow
def test_inception_from_safetensors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The standard extractor loads a safetensors file (random weights here: no real ones offline)."""
    from safetensors.torch import save_file

    fidelity.import_torch_fidelity()
    inception = sys.modules["torch_fidelity.feature_extractor_inceptionv3"]
    cls = inception.FeatureExtractorInceptionV3
    with monkeypatch.context() as patch:
        patch.setattr(inception, "load_state_dict_from_url", lambda *a, **k: {})
        patch.setattr(cls, "load_state_dict", lambda self, state: None)
        model = cls("inception-v3-compat", ["2048"])
    weights = tmp_path / "inception.safetensors"
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(weights))
    images = _images(6)
    out = fidelity_metrics(images, images, feature_extractor="inception-v3-compat", inception_weights=weights)
    assert abs(out["fid"]) < 1e-3
