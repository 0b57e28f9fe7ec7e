"""Spectral normalisation (Miyato et al. 2018) for any network, as a switch of its config.

Dividing each weight by its largest singular value makes every layer 1-Lipschitz, which bounds
how sharply the discriminator can change and keeps its gradients informative when it would
otherwise overfit (small data, no augmentation). The power iteration behind it runs once per
forward pass in training mode; its vectors ``u`` and ``v`` are buffers, so checkpoints store
them and a resumed run continues the same iteration.
"""

from __future__ import annotations

from torch import nn
from torch.nn.utils import parametrizations

from ganzoo.components.weights import LINEAR_LAYERS

#: Layers whose ``weight`` is a linear map that spectral normalisation applies to.
WEIGHTED_LAYERS: tuple[type[nn.Module], ...] = (*LINEAR_LAYERS, nn.Embedding)


def apply_spectral_norm(module: nn.Module) -> None:
    """Put spectral normalisation on the weight of every convolution, linear and embedding layer
    of ``module`` (in place). Call it after initialising the weights: the normalised layer
    keeps the initial weight as its unnormalised ``original``."""
    for layer in [m for m in module.modules() if isinstance(m, WEIGHTED_LAYERS)]:
        parametrizations.spectral_norm(layer)
