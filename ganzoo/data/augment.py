"""Paired-consistent geometric augmentation of training batches (kornia).

pix2pix's "random jitter" (resize to 286, random 256 crop, mirror) only works if the source and the
target of a pair get the *same* crop and the same flip, or the pair stops being aligned.
Asked for and missing in the GAN augmentation libraries (data-efficient-gans #13, #93). Here every
image-shaped tensor of the batch (``cond``, ``x`` and e.g. a ``mask``) is concatenated on the
channel axis, augmented once with per-sample random parameters, and split again, so alignment
holds by construction. Parameters come from torch's global RNG, which the engine seeds per step,
so a resumed run sees the same augmentations.
"""

from __future__ import annotations

import kornia.augmentation as K
import torch

from ganzoo.data.spec import SAMPLE_KEY


class PairedCropFlip:
    """Random ``size x size`` crop and/or horizontal flip, identical across a sample's images.

    Args:
        size: crop size; ``None`` (or a batch already at this size) means no crop.
        flip: mirror each sample with probability 0.5.
    """

    def __init__(self, size: int | None = None, flip: bool = True) -> None:
        self.size = size
        self.flip = flip
        self._crop = K.RandomCrop((size, size), cropping_mode="slice") if size is not None else None
        self._mirror = K.RandomHorizontalFlip(p=0.5) if flip else None

    @property
    def active(self) -> bool:
        """Whether calling this can change anything."""
        return self._crop is not None or self._mirror is not None

    def __call__(
        self, batch: dict[str, torch.Tensor], keys: tuple[str, ...] | None = None
    ) -> dict[str, torch.Tensor]:
        """Augment ``batch`` (a new dict; untouched entries are passed through).

        ``keys`` names the tensors to transform together; by default every 4-D tensor whose
        height and width equal those of ``batch["x"]``. Label vectors and other entries are left
        alone. Each tensor keeps its dtype (boolean masks stay boolean).
        """
        if keys is None:
            spatial = batch[SAMPLE_KEY].shape[-2:]
            keys = tuple(
                k for k, v in batch.items() if isinstance(v, torch.Tensor) and v.ndim == 4 and v.shape[-2:] == spatial
            )
        if not keys or not self.active:
            return dict(batch)
        tensors = [batch[k] for k in keys]
        dtype = next((t.dtype for t in tensors if t.is_floating_point()), torch.float32)
        stacked = torch.cat([t.to(dtype) for t in tensors], dim=1)
        height, width = stacked.shape[-2:]
        if self._crop is not None and (height, width) != (self.size, self.size):
            if height < self.size or width < self.size:
                raise ValueError(f"cannot crop {self.size}x{self.size} from {height}x{width} images")
            stacked = self._crop(stacked)
        if self._mirror is not None:
            stacked = self._mirror(stacked)
        parts = torch.split(stacked, [t.shape[1] for t in tensors], dim=1)
        out = dict(batch)
        for key, original, part in zip(keys, tensors, parts, strict=True):
            out[key] = part.to(original.dtype).contiguous()
        return out
