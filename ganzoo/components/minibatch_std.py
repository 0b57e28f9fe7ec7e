"""Minibatch standard deviation (Karras et al. 2018, ProGAN section 3), a switch of a discriminator.

A discriminator that judges each sample alone cannot see that a batch of fakes is all the same
image: every single one may look plausible. This layer appends one feature map holding how much
the samples of a small group differ from one another (the standard deviation of each feature
across the group, averaged over features and positions), so a collapsed generator, whose groups
have almost no spread, is told apart from real data by a single number the generator can only
raise by making its samples differ. It is placed before the output layer, as in ProGAN and
StyleGAN, and has no parameters of its own.
"""

from __future__ import annotations

import torch
from torch import nn

#: Keeps the square root differentiable when a group's samples are identical.
_EPSILON = 1e-8


def group_size_for(batch: int, group_size: int) -> int:
    """The largest divisor of ``batch`` not above ``group_size``: groups must tile the batch, and
    a last short batch (or a batch of one at evaluation) still gets a defined statistic."""
    size = min(group_size, batch)
    while batch % size:
        size -= 1
    return size


class MinibatchStd(nn.Module):
    """``(N, C, H, W) -> (N, C + 1, H, W)``: the input plus its groups' mean standard deviation.

    Sample ``i`` is grouped with samples ``i + k * N / G`` (StyleGAN's strided grouping), and all
    members of a group receive the same map. Real and fake batches must be passed separately
    (as the engine does), or a group would mix them.
    """

    def __init__(self, group_size: int) -> None:
        super().__init__()
        self.group_size = group_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        g = group_size_for(n, self.group_size)
        groups = x.reshape(g, n // g, c, h, w)
        spread = (groups.var(dim=0, unbiased=False) + _EPSILON).sqrt().mean(dim=(1, 2, 3))
        return torch.cat([x, spread.reshape(1, -1, 1, 1).expand(g, -1, h, w).reshape(n, 1, h, w)], dim=1)

    def extra_repr(self) -> str:
        return f"group_size={self.group_size}"


def output_layer(head: nn.Module, group_size: int) -> nn.Module:
    """A discriminator's output layer, behind a minibatch standard deviation map when
    ``group_size > 0`` (the caller widens ``head``'s input by one channel for it)."""
    return nn.Sequential(MinibatchStd(group_size), head) if group_size else head
