"""Training-by-sampling over every condition column at once (ConditionSampler)."""

from __future__ import annotations

import numpy as np
import torch
from ganzoo_traffic.conditions import ConditionBlock
from ganzoo_traffic.data.sampling import ConditionSampler

# column "a": 3 categories, the middle one without rows; column "b": 2 categories; column "c":
# never observed (every entry -1), so it is never the condition
BLOCKS = [
    ConditionBlock("a", 0, (0, 1, 2), ["x", "y", "z"], [90, 0, 10]),
    ConditionBlock("b", 3, (3, 4), ["p", "q"], [50, 50]),
    ConditionBlock("c", 5, (5, 6), ["u", "v"], [0, 0]),
]
CATEGORIES = np.stack([
    np.array([0] * 90 + [2] * 10),
    np.array([0, 1] * 50),
    np.full(100, -1),
], axis=1)


def _log_frequency(counts: list[int]) -> np.ndarray:
    weights = np.log1p(np.asarray(counts, dtype=float))
    return weights / weights.sum()


def test_rows_hold_the_category_they_are_drawn_for_at_log_frequency() -> None:
    torch.manual_seed(0)
    sampler = ConditionSampler(BLOCKS, CATEGORIES, None)
    assert sampler.usable
    rows, slots = sampler.draw(20_000)
    assert slots.min() >= 0 and slots.max() <= 4  # column c (slots 5, 6) is never drawn
    for block, j in ((BLOCKS[0], 0), (BLOCKS[1], 1)):
        mine = (slots >= block.offset) & (slots < block.offset + block.size)
        category = (slots[mine] - block.offset).numpy()
        assert np.array_equal(CATEGORIES[rows[mine].numpy(), j], category)  # each row holds its category
        share = np.bincount(category, minlength=block.size) / len(category)
        np.testing.assert_allclose(share, _log_frequency(block.counts), atol=0.015)
        assert 0.45 < mine.float().mean().item() < 0.55  # the two usable columns equally often
    assert not (slots == 1).any()  # a category without rows is never drawn


def test_column_shares_set_how_often_each_column_is_drawn() -> None:
    torch.manual_seed(1)
    _, slots = ConditionSampler(BLOCKS, CATEGORIES, [0.8, 0.2, 0.0]).draw(10_000)
    assert 0.78 < (slots < 3).float().mean().item() < 0.82


def test_nothing_to_draw_without_an_observed_category() -> None:
    sampler = ConditionSampler(BLOCKS[2:], CATEGORIES[:, 2:], None)
    assert not sampler.usable
