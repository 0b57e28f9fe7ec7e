"""Logic tests of benchmarks/cpu_ceiling.py: the profile grouping and the oneDNN log parsing.

The script's verdict (``bound_if_only_convolutions_remained``) is only as good as the grouping
of profiler events into convolution time and the rest, so that grouping is checked on a step
whose convolution share is known to dominate, and on one with no convolution at all.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import pytest
import torch


@pytest.fixture(scope="module")
def ceiling(load_benchmark: Callable[[str], ModuleType]) -> ModuleType:
    """benchmarks/cpu_ceiling.py, which imports ``throughput`` from its own folder."""
    return load_benchmark("cpu_ceiling")


def test_breakdown_puts_convolution_time_in_its_group(ceiling: ModuleType) -> None:
    conv = torch.nn.Conv2d(16, 32, 3, padding=1)
    x = torch.randn(8, 16, 32, 32)

    def step() -> None:
        conv(x).sum().backward()

    groups = ceiling.breakdown(step, steps=2)
    assert set(groups) == {"convolution", "casts", "optimiser", "other"}
    assert groups["convolution"] > groups["casts"] + groups["optimiser"]


def test_breakdown_without_convolutions_has_none(ceiling: ModuleType) -> None:
    weight = torch.randn(64, 64, requires_grad=True)
    optimiser = torch.optim.Adam([weight], foreach=True)

    def step() -> None:
        optimiser.zero_grad()
        (weight.double().float() @ weight).sum().backward()
        optimiser.step()

    groups = ceiling.breakdown(step, steps=2)
    assert groups["convolution"] == 0.0
    assert groups["casts"] > 0.0 and groups["optimiser"] > 0.0


def test_conv_kernels_reads_exec_lines_only(ceiling: ModuleType) -> None:
    log = "\n".join(
        [
            "onednn_verbose,v1,primitive,info,template:operation,engine,primitive,implementation",
            "onednn_verbose,v1,primitive,exec,cpu,convolution,brg_conv_fwd:avx512_core_bf16,"
            "forward_training,src:bf16,,alg:convolution_direct,mb64_ic3oc64,0.5",
            "onednn_verbose,v1,primitive,exec,cpu,convolution,brg_conv_fwd:avx512_core_bf16,"
            "forward_training,src:bf16,,alg:convolution_direct,mb64_ic64oc128,0.7",
            "onednn_verbose,v1,primitive,exec,cpu,reorder,jit:uni,undef,src:f32,,,64x3,0.1",
            "onednn_verbose,v1,primitive,exec,cpu,deconvolution,brg_deconv:avx512_core_bf16,"
            "forward_training,src:bf16,,alg:deconvolution_direct,mb64,0.9",
        ]
    )
    assert ceiling.conv_kernels(log) == [
        "convolution:brg_conv_fwd:avx512_core_bf16:forward_training",
        "deconvolution:brg_deconv:avx512_core_bf16:forward_training",
    ]
