"""Fetch published feature-extractor weights once, verify them, cache them as safetensors.

The one place ganzoo ever goes to the network, and only when a user runs
``ganzoo weights fetch NAME``: training, evaluation and tests never download. The steps:

1. stream the official file into a temporary file in the cache directory, hashing as it
   arrives; a transfer shorter than its announced length, or any network error, is an error;
2. compare the SHA-256 with the published one *before* anything reads the file;
3. convert: the official FID Inception weights are a pickled ``torch.save`` state dict. They are
   read once with ``torch.load(weights_only=True)`` (PyTorch's restricted unpickler, which builds
   tensors and plain containers only) — still a pickle reader, which is why step 2 comes first —
   and written as ``.safetensors``;
4. move the safetensors file into place atomically and delete the pickle.

Afterwards [`cached_weights`][ganzoo.metrics.download.cached_weights] finds the file and ``ganzoo evaluate`` uses it without being
told (an explicit ``--inception-weights`` or ``[eval] inception_weights`` still wins). The cache
directory is ``$GANZOO_CACHE_DIR``, else ``$XDG_CACHE_HOME/ganzoo``, else ``~/.cache/ganzoo``.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ganzoo.registry.errors import ConfigError, DataError

CACHE_ENV = "GANZOO_CACHE_DIR"
CHUNK = 1 << 20


@dataclass(frozen=True)
class PublishedWeights:
    """A weights file ganzoo knows how to fetch: where from, its checksum, where it is cached."""

    name: str
    url: str
    sha256: str
    size: int
    filename: str
    description: str


#: torch-fidelity's FID Inception-v3 (TF-Inception 2015-12-05 port), the file torch-fidelity's own
#: loader fetches (``URL_INCEPTION_V3``); pytorch-fid publishes the same bytes as
#: ``pt_inception-2015-12-05-6726825d.pth``. The name's suffix is the SHA-256's first 8 digits.
INCEPTION = PublishedWeights(
    name="inception",
    url="https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/weights-inception-2015-12-05-6726825d.pth",
    sha256="6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2",
    size=95_628_359,
    filename="weights-inception-2015-12-05-6726825d.safetensors",
    description="FID Inception-v3 of torch-fidelity (FID, KID, IS, precision/recall)",
)

PUBLISHED: dict[str, PublishedWeights] = {INCEPTION.name: INCEPTION}


def cache_dir() -> Path:
    """``$GANZOO_CACHE_DIR``, else ``$XDG_CACHE_HOME/ganzoo``, else ``~/.cache/ganzoo``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "ganzoo"


def published(name: str) -> PublishedWeights:
    """The known weights called ``name`` (a one-line error lists the names)."""
    if name not in PUBLISHED:
        raise ConfigError(f"unknown weights {name!r}; known: {', '.join(sorted(PUBLISHED))}")
    return PUBLISHED[name]


def cached_weights(name: str = INCEPTION.name) -> Path | None:
    """The cached safetensors file of ``name``, or ``None`` when it was not fetched yet."""
    path = cache_dir() / published(name).filename
    return path if path.is_file() else None


def fetch(
    name: str,
    *,
    url: str | None = None,
    sha256: str | None = None,
    force: bool = False,
    progress: Callable[[int, int | None], None] | None = None,
) -> Path:
    """Download, verify, convert and cache ``name``; returns the safetensors path.

    ``url`` and ``sha256`` replace the published ones (a mirror, or a test server); a file
    already cached is kept unless ``force``. ``progress(received, total)`` is called per chunk.
    """
    weights = published(name)
    target = cache_dir() / weights.filename
    if target.is_file() and not force:
        return target
    url, expected = url or weights.url, (sha256 or weights.sha256).lower()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, pickled = tempfile.mkstemp(prefix=f".{weights.name}-", suffix=".download", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            digest = _download(url, out, progress)
        if digest != expected:
            raise DataError(
                f"{url}: checksum mismatch (SHA-256 {digest}, expected {expected}); the file was discarded"
            )
        _convert(Path(pickled), target, source_url=url, source_sha256=digest)
    finally:
        Path(pickled).unlink(missing_ok=True)
    return target


def _download(url: str, out: object, progress: Callable[[int, int | None], None] | None) -> str:
    """Stream ``url`` into ``out``; the SHA-256 of what arrived. Short transfers are errors."""
    digest = hashlib.sha256()
    received = 0
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            while chunk := response.read(CHUNK):
                out.write(chunk)  # type: ignore[attr-defined]
                digest.update(chunk)
                received += len(chunk)
                if progress is not None:
                    progress(received, total)
    except urllib.error.HTTPError as err:
        raise DataError(f"{url}: download failed (HTTP {err.code} {err.reason})") from None
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise DataError(f"{url}: download failed after {received} bytes ({reason})") from None
    if total is not None and received != total:
        raise DataError(f"{url}: transfer interrupted after {received} of {total} bytes; the file was discarded")
    return digest.hexdigest()


def _convert(pickled: Path, target: Path, *, source_url: str, source_sha256: str) -> None:
    """The checksum-verified ``torch.save`` state dict ``pickled`` -> ``target`` (safetensors), atomically."""
    import torch
    from safetensors.torch import save_file

    try:
        state = torch.load(pickled, map_location="cpu", weights_only=True)
    except Exception as err:  # a verified file that is no state dict: the published checksum is wrong
        raise DataError(f"{source_url}: not a PyTorch state dict ({err})") from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise DataError(f"{source_url}: expected a state dict of tensors")
    tensors = {key: value.contiguous() for key, value in state.items()}
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        save_file(tensors, temp, metadata={"source_url": source_url, "source_sha256": source_sha256})
        with open(temp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
