"""Registry rules: conflicts name both providers, provider:name resolves, did-you-mean."""

from __future__ import annotations

import pytest

from ganzoo.components.configs import L1Config
from ganzoo.registry.errors import RegistrationError, RegistryConflictError, UnknownComponentError
from ganzoo.registry.registry import Entry, Registry


def _entry(name: str, provider: str, kind: str = "loss") -> Entry:
    return Entry(kind, name, provider, "ganzoo.components.losses:L1Loss", L1Config, "summary")


def test_conflict_is_refused_naming_both_providers() -> None:
    registry = Registry()
    registry.add(_entry("l1", "ganzoo"))
    registry.add(_entry("l1", "ganzoo-medical"))
    with pytest.raises(RegistryConflictError) as err:
        registry.get("loss", "l1")
    assert "ganzoo and ganzoo-medical" in str(err.value)
    assert "ganzoo-medical:l1" in str(err.value)
    assert registry.conflicts() == [("loss", "l1", ["ganzoo", "ganzoo-medical"])]


def test_qualified_name_always_resolves() -> None:
    registry = Registry()
    registry.add(_entry("l1", "ganzoo"))
    registry.add(_entry("l1", "ganzoo-medical"))
    assert registry.get("loss", "ganzoo-medical:l1").provider == "ganzoo-medical"
    assert registry.get("loss", "ganzoo:l1").provider == "ganzoo"


def test_unknown_name_suggests_the_closest() -> None:
    registry = Registry()
    registry.add(_entry("adversarial", "ganzoo"))
    with pytest.raises(UnknownComponentError, match="did you mean 'adversarial'"):
        registry.get("loss", "adversarail")


def test_same_provider_twice_is_a_registration_error() -> None:
    registry = Registry()
    registry.add(_entry("l1", "ganzoo"))
    with pytest.raises(RegistrationError, match="twice"):
        registry.add(_entry("l1", "ganzoo"))


@pytest.mark.parametrize("name", ["L1", "has space", "", "-x"])
def test_invalid_names_are_refused(name: str) -> None:
    with pytest.raises(RegistrationError, match="invalid loss name"):
        Registry().add(_entry(name, "ganzoo"))


def test_config_must_be_a_component_config() -> None:
    entry = Entry("loss", "x", "p", "m:C", dict, "")  # type: ignore[arg-type]
    with pytest.raises(RegistrationError, match="ComponentConfig"):
        Registry().add(entry)


def test_names_filters_with_wildcards() -> None:
    registry = Registry()
    for name in ("unet", "unet-small", "dcgan"):
        registry.add(_entry(name, "ganzoo", kind="generator"))
    assert registry.names("generator", "unet*") == ["unet", "unet-small"]
    assert registry.names("generator", "*", exclude="*small") == ["dcgan", "unet"]


def test_remove_withdraws_one_providers_entry() -> None:
    registry = Registry()
    registry.add(_entry("l1", "ganzoo"))
    registry.add(_entry("l1", "bad"))
    registry.add(_entry("l2", "bad"))
    registry.remove("loss", "l1", "bad")
    registry.remove("loss", "l2", "bad")
    assert registry.names("loss") == ["l1"]
    assert registry.get("loss", "l1").provider == "ganzoo"  # no longer a conflict
