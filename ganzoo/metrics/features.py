"""Feature extractors that ganzoo owns, for the fidelity metrics (FID, KID, IS, PR).

The standard backbone (torch-fidelity's ``inception-v3-compat``) needs weights that ganzoo never
downloads. Tests, and users without those weights, need *some* extractor that works offline, so
ganzoo ships one small deterministic network ([`RandomConvFeatures`][ganzoo.metrics.features.RandomConvFeatures]) and lets plugins add
domain extractors (for example a vessel-segmentation backbone for retinal images) with
[`register_feature_extractor`][ganzoo.metrics.features.register_feature_extractor]. Every extractor carries a ``label`` that travels with the
numbers into ``eval.json``: a FID measured with random features is *not* comparable to a
published FID, and the label says so.

Contract of an extractor module: ``forward(x)`` takes ``uint8`` images ``N x 3 x H x W`` and
returns ``(features, logits)``: ``N x D`` features (FID, KID, precision/recall) and ``N x K``
class logits (Inception Score).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

import torch
from torch import nn
from torch.nn import functional as F

from ganzoo.registry.errors import ConfigError

#: Name of the built-in offline extractor.
RANDOM_CONV = "ganzoo-test-random-conv"


class RandomConvFeatures(nn.Module):
    """A fixed, seeded random convolutional network: cheap, deterministic, weight-free.

    Random convolutional features are a known (weak) but useful embedding for distribution
    distances: identical sets score 0, shifted sets score more. Images are resized to 64x64 so
    the features do not depend on the resolution; mean and standard deviation of each final
    channel form a 64-dimensional feature, and a fixed random projection gives 16 "logits".
    Those logits are not a classifier: an Inception Score computed from them stays near 1 and
    only shows that the metric runs.
    """

    size = 64

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        widths = (3, 8, 16, 32)
        self.convs = nn.ModuleList(
            nn.Conv2d(cin, cout, kernel_size=3, stride=2, padding=1) for cin, cout in pairwise(widths)
        )
        self.head = nn.Linear(2 * widths[-1], 16)
        with torch.no_grad():
            for module in (*self.convs, self.head):
                fan_in = module.weight[0].numel()
                module.weight.copy_(torch.randn(module.weight.shape, generator=gen) / fan_in**0.5)
                module.bias.zero_()
        self.requires_grad_(False)
        self.eval()

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if x.dtype != torch.uint8 or x.dim() != 4 or x.shape[1] != 3:
            raise ValueError(f"expected uint8 images N x 3 x H x W, got {x.dtype} {tuple(x.shape)}")
        h = x.float() / 127.5 - 1.0
        h = F.interpolate(h, size=(self.size, self.size), mode="bilinear", antialias=True, align_corners=False)
        for conv in self.convs:
            h = F.leaky_relu(conv(h), 0.2)
        flat = h.flatten(2)
        features = torch.cat([flat.mean(dim=2), flat.std(dim=2)], dim=1)
        return features, self.head(features)


@dataclass(frozen=True)
class FeatureExtractorInfo:
    """A ganzoo feature extractor: how to build it and how to describe it in a protocol."""

    name: str
    factory: Callable[[], nn.Module]
    label: str


_EXTRACTORS: dict[str, FeatureExtractorInfo] = {}


def register_feature_extractor(name: str, factory: Callable[[], nn.Module], label: str) -> None:
    """Make an offline extractor available to the fidelity metrics under ``name``.

    ``label`` is written next to every number computed with it (say what it is and whether the
    numbers are comparable to published ones). A plugin calls this at import of its plugin
    module; a second registration of the same name is refused.
    """
    if name in _EXTRACTORS or name == "inception-v3-compat":
        raise ConfigError(f"feature extractor {name!r} is already registered")
    _EXTRACTORS[name] = FeatureExtractorInfo(name, factory, label)


def get_feature_extractor(name: str) -> FeatureExtractorInfo | None:
    """The ganzoo extractor called ``name``, or ``None`` when ganzoo does not own that name."""
    return _EXTRACTORS.get(name)


def feature_extractor_names() -> list[str]:
    """Names of the ganzoo-owned extractors."""
    return sorted(_EXTRACTORS)


register_feature_extractor(
    RANDOM_CONV,
    RandomConvFeatures,
    f"{RANDOM_CONV} (not Inception; numbers not comparable to published FID)",
)
