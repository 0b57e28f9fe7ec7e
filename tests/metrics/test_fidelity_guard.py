"""torch-fidelity's weight loader is replaced however torch-fidelity got imported."""

from __future__ import annotations

import importlib

from ganzoo.metrics import fidelity


def test_guard_is_installed_when_torch_fidelity_was_imported_first() -> None:
    fidelity.import_torch_fidelity()
    inception = importlib.import_module("torch_fidelity.feature_extractor_inceptionv3")

    def unpickling_loader(*args, **kwargs):  # type: ignore[no-untyped-def]  # torch.hub's default
        raise AssertionError("torch.hub loader used")

    inception.load_state_dict_from_url = unpickling_loader  # as a fresh import elsewhere leaves it
    fidelity.import_torch_fidelity()
    assert inception.load_state_dict_from_url is fidelity._load_inception_weights
