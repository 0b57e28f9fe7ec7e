"""Paired augmentation gives source and target identical, reproducible crops and flips."""

from __future__ import annotations

import pytest
import torch

from ganzoo.data.augment import PairedCropFlip


def _coordinates(n: int, size: int) -> torch.Tensor:
    """Each pixel holds its own row and column index, so a crop reveals where it came from."""
    rows = torch.arange(size, dtype=torch.float32).view(1, 1, size, 1).expand(n, 1, size, size)
    cols = torch.arange(size, dtype=torch.float32).view(1, 1, 1, size).expand(n, 1, size, size)
    return torch.cat([rows, cols], dim=1).contiguous()


def test_source_equal_to_target_stays_equal() -> None:
    torch.manual_seed(0)
    source = torch.rand(8, 3, 20, 20)
    out = PairedCropFlip(size=16, flip=True)({"cond": source, "x": source.clone()})
    assert out["x"].shape == (8, 3, 16, 16) and out["cond"].shape == (8, 3, 16, 16)
    assert torch.equal(out["x"], out["cond"])


def test_crops_are_exact_windows_with_per_sample_offsets() -> None:
    torch.manual_seed(1)
    grid = _coordinates(16, 24)
    out = PairedCropFlip(size=8, flip=False)({"x": grid})["x"]
    tops, lefts = out[:, 0, 0, 0], out[:, 1, 0, 0]
    for top, left, crop in zip(tops.long(), lefts.long(), out, strict=True):
        assert torch.equal(crop, grid[0, :, top : top + 8, left : left + 8])
    assert len(set(zip(tops.tolist(), lefts.tolist(), strict=True))) > 1  # not one offset for all


def test_flip_only_mirrors_some_samples_and_is_seeded() -> None:
    batch = {"x": _coordinates(32, 6)}
    augment = PairedCropFlip(size=None, flip=True)
    torch.manual_seed(3)
    first = augment(batch)["x"]
    torch.manual_seed(3)
    assert torch.equal(augment(batch)["x"], first)
    flipped = [bool(torch.equal(s, batch["x"][0].flip(-1))) for s in first]
    kept = [bool(torch.equal(s, batch["x"][0])) for s in first]
    assert all(f != k for f, k in zip(flipped, kept, strict=True))
    assert 0 < sum(flipped) < 32


def test_masks_follow_labels_are_left_alone_and_dtypes_kept() -> None:
    torch.manual_seed(4)
    x = _coordinates(6, 12)
    mask = x[:, :1] > 5
    labels = torch.eye(6)
    out = PairedCropFlip(size=10, flip=True)({"x": x, "mask": mask, "cond": labels})
    assert out["mask"].dtype == torch.bool and out["mask"].shape == (6, 1, 10, 10)
    assert torch.equal(out["mask"], out["x"][:, :1] > 5)
    assert out["cond"] is labels


def test_batch_at_crop_size_and_too_small_batch() -> None:
    batch = {"x": torch.rand(2, 1, 8, 8)}
    assert torch.equal(PairedCropFlip(size=8, flip=False)(batch)["x"], batch["x"])
    with pytest.raises(ValueError, match="cannot crop 16x16"):
        PairedCropFlip(size=16, flip=False)(batch)


def test_non_tensor_batch_entries_pass_through() -> None:
    from ganzoo.data.augment import PairedCropFlip

    batch = {"x": torch.rand(2, 1, 8, 8), "path": ["a.png", "b.png"]}
    out = PairedCropFlip(size=4, flip=True)(batch)
    assert out["x"].shape == (2, 1, 4, 4) and out["path"] == ["a.png", "b.png"]
