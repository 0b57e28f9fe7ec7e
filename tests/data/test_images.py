"""Image reading/writing keeps channels and bit depth; grids and resizing behave."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganzoo.data.images import (
    center_crop,
    make_grid,
    read_image,
    read_image_with_depth,
    resize,
    resize_center_crop,
    resize_shorter_side,
    save_grid,
    write_png,
)
from ganzoo.registry.errors import DataError

RNG = np.random.default_rng(0)


def _levels16(shape: tuple[int, ...]) -> np.ndarray:
    """16-bit values whose low byte matters: an 8-bit detour would change every one of them."""
    values = RNG.integers(0, 65535, size=shape, dtype=np.uint16)
    return (values | 1) & ~np.uint16(0x0100)  # odd and not a multiple of 257


def _encode_png16_filtered(values: np.ndarray) -> bytes:
    """Reference 16-bit PNG encoder using all five filter types (row y gets filter y % 5)."""
    height, width, channels = values.shape
    bpp = 2 * channels
    raw = values.astype(">u2").reshape(height, -1).view(np.uint8).astype(int)
    out = bytearray()
    for y in range(height):
        kind, row = y % 5, raw[y]
        up = raw[y - 1] if y else np.zeros_like(row)
        filtered = []
        for i, value in enumerate(row):
            left = row[i - bpp] if i >= bpp else 0
            upper_left = up[i - bpp] if i >= bpp else 0
            if kind == 4:
                p = left + up[i] - upper_left
                pa, pb, pc = abs(p - left), abs(p - up[i]), abs(p - upper_left)
                pred = left if pa <= pb and pa <= pc else (up[i] if pb <= pc else upper_left)
            else:
                pred = [0, left, up[i], (left + up[i]) // 2][kind]
            filtered.append((value - pred) % 256)
        out += bytes([kind, *filtered])
    colour = {1: 0, 2: 4, 3: 2, 4: 6}[channels]

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 16, colour, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(out)))
        + chunk(b"IEND", b"")
    )


def test_8bit_rgb_png_reads_exactly(tmp_path: Path) -> None:
    pixels = RNG.integers(0, 256, size=(6, 9, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "rgb.png")
    image, depth = read_image_with_depth(tmp_path / "rgb.png")
    assert image.dtype == torch.float32 and image.shape == (3, 6, 9) and depth == 8
    np.testing.assert_allclose(image.numpy(), pixels.transpose(2, 0, 1) / 255.0, atol=1e-7)


def test_jpeg_reads_as_rgb_in_unit_range(tmp_path: Path) -> None:
    Image.fromarray(RNG.integers(0, 256, size=(16, 20, 3), dtype=np.uint8)).save(tmp_path / "a.jpg")
    image = read_image(tmp_path / "a.jpg")
    assert image.shape == (3, 16, 20)
    assert image.min() >= 0.0 and image.max() <= 1.0


def test_grey_stays_one_channel_unless_three_are_asked(tmp_path: Path) -> None:
    grey = RNG.integers(0, 256, size=(5, 7), dtype=np.uint8)
    Image.fromarray(grey).save(tmp_path / "g.png")
    assert read_image(tmp_path / "g.png").shape == (1, 5, 7)
    three = read_image(tmp_path / "g.png", channels=3)
    assert three.shape == (3, 5, 7)
    assert torch.equal(three[0], three[2]) and torch.allclose(three[1] * 255, torch.from_numpy(grey).float())


def test_colour_to_one_channel_uses_luma(tmp_path: Path) -> None:
    pixels = np.zeros((2, 2, 3), dtype=np.uint8)
    pixels[..., 1] = 255
    Image.fromarray(pixels).save(tmp_path / "green.png")
    assert read_image(tmp_path / "green.png", channels=1).shape == (1, 2, 2)
    assert read_image(tmp_path / "green.png", channels=1).flatten()[0].item() == pytest.approx(0.587)


def test_rgba_drops_alpha_and_palette_follows_its_colours(tmp_path: Path) -> None:
    rgba = RNG.integers(0, 256, size=(4, 4, 4), dtype=np.uint8)
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "a.png")
    np.testing.assert_allclose(read_image(tmp_path / "a.png").numpy(), rgba[..., :3].transpose(2, 0, 1) / 255)

    mask = np.zeros((8, 8), dtype=np.uint8)
    mask[2:5, 3:6] = 255
    Image.fromarray(mask).convert("P").save(tmp_path / "mask.gif")
    grey = read_image(tmp_path / "mask.gif")
    assert grey.shape == (1, 8, 8) and torch.equal(grey[0], torch.from_numpy(mask / 255.0).float())

    colours = Image.fromarray(RNG.integers(0, 256, size=(8, 8, 3), dtype=np.uint8)).quantize(8)
    colours.save(tmp_path / "colours.gif")
    assert read_image(tmp_path / "colours.gif").shape == (3, 8, 8)


def test_16bit_grey_png_survives_read_and_write(tmp_path: Path) -> None:
    levels = _levels16((7, 5))
    Image.fromarray(levels).save(tmp_path / "g16.png")
    image, depth = read_image_with_depth(tmp_path / "g16.png")
    assert depth == 16 and image.shape == (1, 7, 5)
    assert np.array_equal(np.rint(image[0].double().numpy() * 65535).astype(np.uint16), levels)

    write_png(image, tmp_path / "out" / "g16.png", bit_depth=16)
    with Image.open(tmp_path / "out" / "g16.png") as written:  # another decoder agrees
        assert np.array_equal(np.asarray(written), levels)
    assert torch.equal(read_image(tmp_path / "out" / "g16.png"), image)


def test_16bit_rgb_png_round_trip_is_exact(tmp_path: Path) -> None:
    levels = _levels16((6, 9, 3))
    image = torch.from_numpy(levels.transpose(2, 0, 1).astype(np.float64) / 65535)
    write_png(image, tmp_path / "rgb16.png", bit_depth=16)
    back, depth = read_image_with_depth(tmp_path / "rgb16.png")
    assert depth == 16 and back.shape == (3, 6, 9)
    assert np.array_equal(np.rint(back.double().numpy() * 65535).astype(np.uint16), levels.transpose(2, 0, 1))
    with Image.open(tmp_path / "rgb16.png") as written:  # valid PNG: Pillow sees the high bytes
        assert np.array_equal(np.asarray(written), (levels >> 8).astype(np.uint8))


@pytest.mark.parametrize("channels", [2, 3, 4])
def test_16bit_png_decoder_undoes_every_filter(tmp_path: Path, channels: int) -> None:
    levels = _levels16((10, 7, channels))
    (tmp_path / "f.png").write_bytes(_encode_png16_filtered(levels))
    image = read_image(tmp_path / "f.png")
    colour = levels[..., : 1 if channels == 2 else 3]  # alpha dropped
    assert np.array_equal(np.rint(image.double().numpy() * 65535).astype(np.uint16), colour.transpose(2, 0, 1))


def test_16bit_tiff_grey_and_colour_keep_precision(tmp_path: Path) -> None:
    grey = _levels16((5, 6))
    Image.fromarray(grey).save(tmp_path / "g.tif")
    assert np.array_equal(np.rint(read_image(tmp_path / "g.tif")[0].double().numpy() * 65535), grey)

    tifffile = pytest.importorskip("tifffile")
    rgb = _levels16((5, 6, 3))
    tifffile.imwrite(tmp_path / "rgb.tif", rgb)
    image, depth = read_image_with_depth(tmp_path / "rgb.tif")
    assert depth == 16
    assert np.array_equal(np.rint(image.double().numpy() * 65535).astype(np.uint16), rgb.transpose(2, 0, 1))


def test_float_tiff_kept_in_range_and_rejected_outside(tmp_path: Path) -> None:
    values = RNG.random((4, 4), dtype=np.float32)
    Image.fromarray(values, mode="F").save(tmp_path / "f.tif")
    assert torch.equal(read_image(tmp_path / "f.tif")[0], torch.from_numpy(values))
    Image.fromarray(values * 1000, mode="F").save(tmp_path / "hu.tif")
    with pytest.raises(DataError, match="hu.tif"):
        read_image(tmp_path / "hu.tif")


def test_corrupt_truncated_and_missing_files_name_the_file(tmp_path: Path) -> None:
    (tmp_path / "junk.png").write_bytes(b"not an image at all")
    with pytest.raises(DataError, match="junk.png"):
        read_image(tmp_path / "junk.png")
    Image.fromarray(RNG.integers(0, 256, size=(32, 32, 3), dtype=np.uint8)).save(tmp_path / "t.png")
    data = (tmp_path / "t.png").read_bytes()
    (tmp_path / "t.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="t.png"):
        read_image(tmp_path / "t.png")
    with pytest.raises(DataError, match="missing.png"):
        read_image(tmp_path / "missing.png")


def test_write_png_8bit_quantises_and_clips(tmp_path: Path) -> None:
    image = torch.tensor([[[-0.5, 0.0, 0.5, 1.0, 2.0]]])
    write_png(image, tmp_path / "q.png")
    with Image.open(tmp_path / "q.png") as written:
        assert written.mode == "L"
        assert np.asarray(written).tolist() == [[0, 0, 128, 255, 255]]


def test_make_grid_places_images_row_by_row(tmp_path: Path) -> None:
    images = torch.stack([torch.full((3, 4, 5), v) for v in (0.1, 0.2, 0.3)])
    grid = make_grid(images, nrow=2, padding=1, pad_value=1.0)
    assert grid.shape == (3, 2 * 5 + 1, 2 * 6 + 1)
    assert grid[0, 1, 1].item() == pytest.approx(0.1)
    assert grid[0, 1, 7].item() == pytest.approx(0.2)
    assert grid[0, 6, 1].item() == pytest.approx(0.3)
    assert grid[0, 6, 7].item() == 1.0  # empty slot keeps the padding value
    minus_one_to_one = make_grid(images * 2 - 1, nrow=2, padding=1, value_range=(-1, 1))
    assert minus_one_to_one[0, 1, 1].item() == pytest.approx(0.1, abs=1e-6)
    path = save_grid(images, tmp_path / "grid.png", nrow=3)
    with Image.open(path) as written:
        assert written.size == (3 * 7 + 2, 6 + 2) and written.mode == "RGB"


def test_resize_helpers_keep_float_precision_and_shapes() -> None:
    image = torch.rand(1, 40, 60, dtype=torch.float64)
    assert resize(image, (40, 60)) is image
    assert resize_shorter_side(image, 20).shape == (1, 20, 30)
    cropped = resize_center_crop(image, 20)
    assert cropped.shape == (1, 20, 20) and cropped.dtype == torch.float64
    assert torch.equal(center_crop(image, 40), image[:, :, 10:50])
    checker = (torch.arange(64).view(8, 8).add(torch.arange(8).view(8, 1)) % 2).float()[None]
    assert torch.allclose(resize(checker, (4, 4)), torch.full((1, 4, 4), 0.5), atol=0.02)  # antialiased
    fine = torch.full((1, 8, 8), 1000.5 / 65535)
    assert torch.allclose(resize(fine, (3, 3)), fine[:, :3, :3], atol=1e-9)
