"""The whole-row softmax over spans equals the span-by-span one, values and gradients."""

from __future__ import annotations

import torch
from ganzoo_traffic.configs import CTGANGeneratorConfig
from ganzoo_traffic.models import CTGANGenerator
from ganzoo_traffic.segments import SoftmaxSegments

SPANS = [("tanh", 1), ("softmax", 4), ("softmax", 1), ("tanh", 1), ("softmax", 3), ("softmax", 2)]


def _per_span(y: torch.Tensor, log: bool) -> torch.Tensor:
    parts, start = [], 0
    for activation, width in SPANS:
        chunk = y[:, start : start + width]
        if activation == "tanh":
            parts.append(torch.zeros_like(chunk) if log else torch.ones_like(chunk))
        else:
            parts.append(torch.log_softmax(chunk, 1) if log else torch.softmax(chunk, 1))
        start += width
    return torch.cat(parts, 1)


def test_softmax_and_log_softmax_match_the_span_loop_with_gradients() -> None:
    segments = SoftmaxSegments(SPANS)
    torch.manual_seed(0)
    y = (torch.randn(7, 12) * 5).requires_grad_(True)
    weights = torch.randn(7, 12)
    for log in (False, True):
        ours = segments.log_softmax(y) if log else segments.softmax(y)
        reference = _per_span(y, log)
        torch.testing.assert_close(ours, reference)
        (grad,) = torch.autograd.grad((ours * weights).sum(), y)
        (expected,) = torch.autograd.grad((reference * weights).sum(), y)
        torch.testing.assert_close(grad, expected)


def test_spans_far_below_the_rest_of_the_row_stay_finite() -> None:
    segments = SoftmaxSegments(SPANS)
    y = torch.zeros(2, 12)
    y[:, 1:5] = 1e4  # one span dominates the row: every other span still sums to 1
    y[:, 7:10] = torch.tensor([-1e4, -1e4 + 1, -1e4 + 2])
    out = segments.softmax(y)
    assert torch.isfinite(out).all() and torch.isfinite(segments.log_softmax(y)).all()
    torch.testing.assert_close(out[:, 7:10].sum(1), torch.ones(2))
    torch.testing.assert_close(out[:, 7:10], torch.softmax(y[:, 7:10], 1))


def test_generator_activation_equals_tanh_and_gumbel_softmax_span_by_span() -> None:
    g = CTGANGenerator(CTGANGeneratorConfig(latent_dim=4, hidden=[8], out_features=12, spans=[list(s) for s in SPANS]))
    torch.manual_seed(1)
    raw = torch.randn(5, 12)
    gumbel = -torch.empty(5, 10).exponential_().log()  # one entry per softmax output, in span order
    expected, start, at = [], 0, 0
    for activation, width in SPANS:
        chunk = raw[:, start : start + width]
        if activation == "tanh":
            expected.append(torch.tanh(chunk))
        else:
            expected.append(torch.softmax((chunk + gumbel[:, at : at + width]) / g.tau, 1))
            at += width
        start += width
    torch.testing.assert_close(g.activate(raw, gumbel), torch.cat(expected, 1))
