"""The minibatch standard deviation map (ProGAN) and its switch on the built-in discriminators."""

from __future__ import annotations

import pytest
import torch
from pydantic import ValidationError

from ganzoo.components.configs import DCGANDiscriminatorConfig, PatchGANDiscriminatorConfig
from ganzoo.components.dcgan import DCGANDiscriminator
from ganzoo.components.minibatch_std import MinibatchStd, group_size_for
from ganzoo.components.patchgan import PatchGANDiscriminator
from ganzoo.components.weights import count_parameters


@pytest.mark.parametrize(("batch", "group", "expected"), [(32, 4, 4), (10, 4, 2), (7, 4, 1), (1, 4, 1), (3, 8, 3)])
def test_groups_tile_the_batch(batch: int, group: int, expected: int) -> None:
    assert group_size_for(batch, group) == expected


def test_the_map_is_each_strided_groups_mean_standard_deviation() -> None:
    torch.manual_seed(0)
    x = torch.randn(8, 3, 5, 5)
    out = MinibatchStd(4)(x)
    assert out.shape == (8, 4, 5, 5)
    assert torch.equal(out[:, :3], x)
    for i in range(2):  # groups of four: samples i, i + 2, i + 4, i + 6
        members = x[i::2]
        expected = members.std(dim=0, unbiased=False).mean()
        for j in range(i, 8, 2):
            assert torch.allclose(out[j, 3], expected.expand(5, 5), atol=1e-6)


def test_a_collapsed_batch_gets_a_map_of_almost_zero() -> None:
    same = torch.randn(1, 2, 4, 4).expand(8, -1, -1, -1)
    assert float(MinibatchStd(4)(same)[:, 2].abs().max()) < 1e-3
    assert float(MinibatchStd(4)(torch.randn(8, 2, 4, 4))[:, 2].min()) > 0.5


@pytest.mark.parametrize("factory", [
    lambda g: DCGANDiscriminator(DCGANDiscriminatorConfig(image_size=32, base_channels=8, minibatch_std=g)),
    lambda g: PatchGANDiscriminator(PatchGANDiscriminatorConfig(in_channels=3, base_channels=8, n_layers=2,
                                                                minibatch_std=g)),
])
def test_the_switch_adds_one_input_channel_to_the_output_layer_and_couples_a_group(factory) -> None:
    torch.manual_seed(0)
    plain, with_map = factory(0), factory(4)
    assert count_parameters(with_map) - count_parameters(plain) == 16  # one 4x4 input channel more
    plain.eval(), with_map.eval()
    x = torch.randn(4, 3, 32, 32)
    changed = x.clone()
    changed[1:] = x[0]  # sample 0's group mates now equal it
    assert torch.equal(plain(x)[0], plain(changed)[0])
    assert not torch.allclose(with_map(x)[0], with_map(changed)[0])


def test_the_projection_term_reads_the_features_without_the_map() -> None:
    config = DCGANDiscriminatorConfig(image_size=32, base_channels=8, condition_dim=3, conditioning="projection",
                                      minibatch_std=2)
    logits = DCGANDiscriminator(config)(torch.randn(4, 3, 32, 32), torch.eye(3)[[0, 1, 2, 0]])
    assert logits.shape == (4,)


def test_a_negative_group_size_is_refused() -> None:
    with pytest.raises(ValidationError, match="minibatch_std"):
        DCGANDiscriminatorConfig(minibatch_std=-1)
