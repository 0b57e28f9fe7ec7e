"""Image files in and out, without losing precision.

The GAN zoos ganzoo learns from push every image through 8-bit RGB; medical users complain that
1-channel and 16-bit images (X-ray, fundus, microscopy) come out degraded (pix2pix issues #399,
#565). Here an image is a float32 tensor ``(C, H, W)`` in ``[0, 1]`` that keeps its channel count
(1 or 3) and its full bit depth in both directions:

* reading goes through Pillow, except where Pillow would silently drop to 8 bit: 16-bit colour
  PNG (decoded by the small PNG reader below) and 16-bit colour TIFF (read with ``tifffile``
  when it is installed, a clear error otherwise);
* writing 16-bit PNG uses the small PNG writer below, because Pillow cannot write 16-bit RGB;
* resizing happens on float tensors (antialiased, like Pillow), never on 8-bit buffers.
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, UnidentifiedImageError

from ganzoo.registry.errors import DataError, first_line

if TYPE_CHECKING:
    import torch

#: File suffixes the image datasets pick up (lower case).
IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".ppm", ".pgm", ".pbm", ".pnm", ".webp"}
)

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# PNG colour types by channel count: grey, grey + alpha, RGB, RGBA.
_PNG_COLOUR_TYPE = {1: 0, 2: 4, 3: 2, 4: 6}
_PNG_CHANNELS = {value: key for key, value in _PNG_COLOUR_TYPE.items()}
# ITU-R 601-2 luma, the weights Pillow's convert("L") uses.
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def read_image(path: str | Path, channels: int | None = None) -> torch.Tensor:
    """Read an image file as a float32 tensor ``(C, H, W)`` in ``[0, 1]``.

    ``channels=None`` keeps grey images at 1 channel and colour images at 3 (alpha is dropped,
    palette images become grey or RGB depending on their palette); ``channels=1`` converts colour
    to luma, ``channels=3`` repeats a grey channel. Raises [`DataError`][ganzoo.registry.errors.DataError] naming the file if
    it is missing, corrupt or in a form that cannot be read without losing precision.
    """
    return read_image_with_depth(path, channels)[0]


def read_image_with_depth(path: str | Path, channels: int | None = None) -> tuple[torch.Tensor, int]:
    """Like [`read_image`][ganzoo.data.images.read_image], also returning the source bit depth (8, or 16 for 16-bit/float)."""
    import torch

    if channels not in (None, 1, 3):
        raise ValueError(f"channels must be None, 1 or 3, got {channels}")
    path = Path(path)
    try:
        array, depth = _decode(path)
    except DataError:
        raise
    except FileNotFoundError:
        raise DataError(f"image file {path} does not exist") from None
    except (OSError, SyntaxError, ValueError, struct.error, zlib.error, Image.DecompressionBombError) as err:
        raise DataError(f"cannot read image {path}: {first_line(err)}") from None
    if channels == 1 and array.shape[2] == 3:
        array = (array @ _LUMA)[:, :, None]
    elif channels == 3 and array.shape[2] == 1:
        array = np.repeat(array, 3, axis=2)
    tensor = torch.from_numpy(np.array(array.transpose(2, 0, 1), dtype=np.float32, order="C"))
    return tensor, depth


def probe_bit_depth(path: str | Path) -> int:
    """Bit depth (8 or 16) of an image file from its header, without decoding the pixels.

    Lets a dataset describe a folder of mixed 8- and 16-bit files by its deepest file, so exports
    keep the precision of the 16-bit ones.
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(33)
        if _is_16bit_colour_png(head):
            return 16
        with Image.open(path) as image:
            if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
                return 16
            if image.format == "TIFF" and _tiff_bits(image) > 8:
                return 16
            return 8
    except (OSError, UnidentifiedImageError) as err:
        raise DataError(f"cannot read image {path}: {first_line(err)}") from None


def _decode(path: Path) -> tuple[np.ndarray, int]:
    """Decode to ``(H, W, 1 | 3)`` float32 in ``[0, 1]`` plus the source bit depth."""
    with path.open("rb") as handle:
        head = handle.read(33)
    if _is_16bit_colour_png(head):
        return _from_integers(_read_png16(path), 16)
    try:
        image = Image.open(path)
    except UnidentifiedImageError:
        raise DataError(f"cannot read image {path}: not an image file Pillow recognises") from None
    with image:
        if image.format == "TIFF" and image.mode in ("RGB", "RGBA") and _tiff_bits(image) > 8:
            return _read_tiff_colour(path)
        image.load()
        return _from_pillow(image, path)


def _from_pillow(image: Image.Image, path: Path) -> tuple[np.ndarray, int]:
    mode = image.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N"):
        return _from_integers(np.asarray(image), 16)
    if mode == "I":
        values = np.asarray(image)
        if values.size and (values.min() < 0 or values.max() > 65535):
            raise DataError(f"cannot read image {path}: 32-bit integer values outside 0..65535")
        return _from_integers(values, 16)
    if mode == "F":
        values = np.asarray(image, dtype=np.float32)
        if values.size and (not np.isfinite(values).all() or values.min() < 0 or values.max() > 1):
            raise DataError(
                f"cannot read image {path}: float values must lie in [0, 1] "
                f"(found {np.nanmin(values):.4g}..{np.nanmax(values):.4g}); rescale the file first"
            )
        return values[:, :, None], 16
    if mode in ("1", "L", "LA"):
        return _from_integers(np.asarray(image.convert("L")), 8)
    rgb = np.asarray(image.convert("RGB"))
    if mode in ("P", "PA") and (rgb == rgb[:, :, :1]).all():
        rgb = rgb[:, :, :1]  # a grey palette (typical of GIF masks) stays one channel
    return _from_integers(rgb, 8)


def _from_integers(values: np.ndarray, depth: int) -> tuple[np.ndarray, int]:
    """Scale unsigned integers of ``depth`` bits to float32; drop alpha; add a channel axis."""
    array = values.astype(np.float32) / float(2**depth - 1)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.shape[2] in (2, 4):  # grey + alpha, RGBA
        array = array[:, :, :-1]
    return array, depth


def _tiff_bits(image: Image.Image) -> int:
    bits = image.tag_v2.get(258, (8,))  # BitsPerSample
    return max(bits) if isinstance(bits, tuple) else int(bits)


def _read_tiff_colour(path: Path) -> tuple[np.ndarray, int]:
    """16-bit colour TIFF: Pillow would return 8 bits per channel, so use tifffile."""
    try:
        import tifffile
    except ImportError:
        raise DataError(
            f"cannot read image {path}: 16-bit colour TIFF needs the 'tifffile' package "
            "(pip install tifffile) to keep its precision"
        ) from None
    values = np.asarray(tifffile.imread(path))
    if values.ndim == 4:  # several pages: keep the first, like Pillow
        values = values[0]
    if values.ndim != 3 or values.dtype != np.uint16:
        raise DataError(f"cannot read image {path}: unsupported TIFF layout {values.shape} {values.dtype}")
    if values.shape[0] in (3, 4) and values.shape[2] not in (3, 4):  # planar configuration
        values = values.transpose(1, 2, 0)
    return _from_integers(values, 16)


# --- 16-bit PNG codec: Pillow neither reads nor writes 16-bit colour PNG at full depth. -----------


def _is_16bit_colour_png(head: bytes) -> bool:
    if len(head) < 29 or not head.startswith(_PNG_SIGNATURE) or head[12:16] != b"IHDR":
        return False
    bit_depth, colour_type = head[24], head[25]
    return bit_depth == 16 and colour_type in (2, 4, 6)


def _read_png16(path: Path) -> np.ndarray:
    """Decode a non-interlaced 16-bit PNG into ``(H, W, C)`` uint16."""
    data = path.read_bytes()
    position, idat = len(_PNG_SIGNATURE), bytearray()
    width = height = colour_type = interlace = 0
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, height, _, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        position += 12 + length
    if interlace:
        raise DataError(f"cannot read image {path}: interlaced 16-bit colour PNG is not supported")
    channels = _PNG_CHANNELS[colour_type]
    stride, bpp = width * channels * 2, channels * 2
    raw = np.frombuffer(zlib.decompress(bytes(idat)), dtype=np.uint8)
    if raw.size != height * (stride + 1):
        raise DataError(f"cannot read image {path}: truncated image data")
    rows = raw.reshape(height, stride + 1)
    out = np.zeros((height, stride), dtype=np.uint8)
    previous = np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        out[y] = _unfilter(int(rows[y, 0]), rows[y, 1:], previous, bpp)
        previous = out[y]
    return out.view(">u2").reshape(height, width, channels).astype(np.uint16)


def _unfilter(kind: int, line: np.ndarray, previous: np.ndarray, bpp: int) -> np.ndarray:
    """Undo one scanline's PNG filter (None, Sub, Up, Average, Paeth)."""
    if kind == 0:
        return line
    if kind == 1:  # byte-wise running sum per pixel lane, modulo 256
        lanes = line.reshape(-1, bpp).astype(np.uint32)
        return (np.cumsum(lanes, axis=0) & 0xFF).astype(np.uint8).reshape(-1)
    if kind == 2:
        return line + previous  # uint8 arithmetic wraps modulo 256
    if kind not in (3, 4):
        raise ValueError(f"unknown PNG filter type {kind}")
    cur, up = bytearray(line.tobytes()), previous.tobytes()
    for i in range(len(cur)):
        left = cur[i - bpp] if i >= bpp else 0
        if kind == 3:
            predictor = (left + up[i]) >> 1
        else:
            upper_left = up[i - bpp] if i >= bpp else 0
            estimate = left + up[i] - upper_left
            dl, du, dc = abs(estimate - left), abs(estimate - up[i]), abs(estimate - upper_left)
            predictor = left if dl <= du and dl <= dc else (up[i] if du <= dc else upper_left)
        cur[i] = (cur[i] + predictor) & 0xFF
    return np.frombuffer(bytes(cur), dtype=np.uint8)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _write_png16(values: np.ndarray, path: Path) -> None:
    """Encode ``(H, W, C)`` uint16 (C in 1..4) as a 16-bit PNG (filter None, zlib level 6)."""
    height, width, channels = values.shape
    rows = values.astype(">u2").reshape(height, width * channels).view(np.uint8)
    scanlines = np.concatenate([np.zeros((height, 1), dtype=np.uint8), rows], axis=1)
    header = struct.pack(">IIBBBBB", width, height, 16, _PNG_COLOUR_TYPE[channels], 0, 0, 0)
    path.write_bytes(
        _PNG_SIGNATURE
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(scanlines.tobytes(), 6))
        + _png_chunk(b"IEND", b"")
    )


# --- writing -------------------------------------------------------------------------------------


def write_png(image: torch.Tensor, path: str | Path, bit_depth: int = 8) -> Path:
    """Write a ``(C, H, W)`` or ``(H, W)`` tensor in ``[0, 1]`` as an 8- or 16-bit PNG.

    C is 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA). Values outside ``[0, 1]`` are clipped,
    NaN becomes 0. Parent folders are created.
    """
    if bit_depth not in (8, 16):
        raise ValueError(f"bit_depth must be 8 or 16, got {bit_depth}")
    array = image.detach().float().cpu().numpy()
    if array.ndim == 2:
        array = array[None]
    if array.ndim != 3 or array.shape[0] not in _PNG_COLOUR_TYPE:
        raise ValueError(f"write_png expects (C, H, W) with C in 1..4, got shape {tuple(image.shape)}")
    top = 2**bit_depth - 1
    array = np.nan_to_num(array.transpose(1, 2, 0), nan=0.0)
    levels = np.rint(np.clip(array, 0.0, 1.0) * top)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if bit_depth == 16:
        _write_png16(levels.astype(np.uint16), path)
    else:
        pixels = levels.astype(np.uint8)
        Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels).save(path, format="PNG")
    return path


def make_grid(
    images: torch.Tensor,
    nrow: int = 8,
    padding: int = 2,
    pad_value: float = 0.0,
    value_range: tuple[float, float] = (0.0, 1.0),
) -> torch.Tensor:
    """Tile ``(N, C, H, W)`` images into one ``(C, H', W')`` image, ``nrow`` images per row.

    ``value_range`` is mapped to ``[0, 1]`` first (pass ``(-1, 1)`` for model outputs).
    """
    import torch

    if images.ndim != 4 or images.shape[0] == 0:
        raise ValueError(f"make_grid expects a non-empty (N, C, H, W) batch, got {tuple(images.shape)}")
    low, high = value_range
    images = ((images.detach().float() - low) / (high - low)).clamp(0.0, 1.0)
    count, channels, height, width = images.shape
    columns = max(1, min(nrow, count))
    rows = math.ceil(count / columns)
    grid = torch.full(
        (channels, rows * (height + padding) + padding, columns * (width + padding) + padding),
        float(pad_value),
        device=images.device,
    )
    for index in range(count):
        top = padding + (index // columns) * (height + padding)
        left = padding + (index % columns) * (width + padding)
        grid[:, top : top + height, left : left + width] = images[index]
    return grid


def save_grid(
    images: torch.Tensor,
    path: str | Path,
    nrow: int = 8,
    padding: int = 2,
    pad_value: float = 0.0,
    value_range: tuple[float, float] = (0.0, 1.0),
    bit_depth: int = 8,
) -> Path:
    """Write [`make_grid`][ganzoo.data.images.make_grid] of ``images`` to a PNG; returns the path."""
    grid = make_grid(images, nrow=nrow, padding=padding, pad_value=pad_value, value_range=value_range)
    return write_png(grid, path, bit_depth=bit_depth)


# --- resizing on float tensors -------------------------------------------------------------------


def resize(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Antialiased bilinear resize of ``(C, H, W)`` or ``(N, C, H, W)`` to ``size = (H', W')``.

    Same-size input is returned unchanged, so images already at the target size keep their exact
    values (masks stay binary, 16-bit levels survive).
    """
    import torch.nn.functional as F

    height, width = (int(s) for s in size)
    if tuple(image.shape[-2:]) == (height, width):
        return image
    batch = image if image.ndim == 4 else image[None]
    out = F.interpolate(batch, size=(height, width), mode="bilinear", align_corners=False, antialias=True)
    return out if image.ndim == 4 else out[0]


def resize_shorter_side(image: torch.Tensor, size: int) -> torch.Tensor:
    """Resize so the shorter side equals ``size``, keeping the aspect ratio."""
    height, width = image.shape[-2:]
    scale = size / min(height, width)
    return resize(image, (max(size, round(height * scale)), max(size, round(width * scale))))


def center_crop(image: torch.Tensor, size: int) -> torch.Tensor:
    """Crop the central ``size x size`` window (the image must be at least that large)."""
    height, width = image.shape[-2:]
    if height < size or width < size:
        raise ValueError(f"cannot crop {size}x{size} from a {height}x{width} image")
    top, left = (height - size) // 2, (width - size) // 2
    return image[..., top : top + size, left : left + size]


def resize_center_crop(image: torch.Tensor, size: int) -> torch.Tensor:
    """Shorter side to ``size``, then the central square: the usual unpaired-GAN preprocessing."""
    return center_crop(resize_shorter_side(image, size), size)
