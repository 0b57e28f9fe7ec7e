"""DataSpec: validation, serialisation and the parameters it fills."""

from __future__ import annotations

import pytest

from ganzoo.data.spec import DataSpec


def test_paired_image_defaults() -> None:
    spec = DataSpec("image", (3, 64, 64), condition="paired", condition_shape=(1, 64, 64))
    assert spec.component_defaults("generator") == {"image_size": 64, "out_channels": 3, "in_channels": 1}
    assert spec.component_defaults("discriminator") == {"image_size": 64, "in_channels": 4}


def test_label_series_and_table_defaults() -> None:
    series = DataSpec("series", (1, 48), condition="label", condition_shape=(7,))
    assert series.component_defaults("generator") == {"length": 48, "out_channels": 1, "condition_dim": 7}
    table = DataSpec("table", (12,))
    assert table.component_defaults("discriminator") == {"in_features": 12}


def test_dataset_specific_defaults_from_meta() -> None:
    spec = DataSpec("table", (5,), meta={"component_defaults": {"generator": {"spans": [["tanh", 5]]}}})
    assert spec.component_defaults("generator")["spans"] == [["tanh", 5]]
    assert "spans" not in spec.component_defaults("discriminator")


def test_round_trip_and_validation() -> None:
    spec = DataSpec("image", (1, 8, 8), value_range=(0, 1), meta={"bit_depth": 16})
    assert DataSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(ValueError, match="3 dimensions"):
        DataSpec("image", (8, 8))
    with pytest.raises(ValueError, match="does not match"):
        DataSpec("table", (3,), condition="label")
