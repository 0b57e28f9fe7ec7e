"""The top-level API: real keyword arguments (not ``**options``) and examples that run."""

from __future__ import annotations

import doctest
import inspect
from collections.abc import Callable
from typing import Any

import pytest

import ganzoo
import ganzoo.plugin
from ganzoo.engine.run import train as engine_train
from ganzoo.engine.sampler import load as engine_load
from ganzoo.experiment.check import check_experiment
from ganzoo.plugins.manager import reset_manager


def _parameters(function: Callable[..., Any]) -> list[tuple[str, Any, Any]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


@pytest.mark.parametrize(
    "public, implementation",
    [(ganzoo.train, engine_train), (ganzoo.load, engine_load)],
)
def test_public_signature_is_the_implementations(public: Callable[..., Any], implementation: Callable[..., Any]) -> None:
    """The wrappers spell out the engine's arguments, so a new one cannot be forgotten."""
    assert _parameters(public) == _parameters(implementation)
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in inspect.signature(public).parameters.values())


def test_validate_takes_the_checks_arguments() -> None:
    assert _parameters(ganzoo.validate) == [p for p in _parameters(check_experiment) if p[0] != "registry"]


@pytest.mark.parametrize("function", [ganzoo.list_components, ganzoo.create, ganzoo.ComponentConfig])
def test_docstring_examples_run(function: Callable[..., Any]) -> None:
    reset_manager(discover=False)  # the examples hold with the built-in components alone
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner()
    tests = finder.find(function, function.__name__, globs={})
    assert tests and tests[0].examples
    for test in tests:
        runner.run(test)
    assert runner.failures == 0


@pytest.mark.parametrize(
    "function",
    [ganzoo.list_components, ganzoo.create, ganzoo.train, ganzoo.load, ganzoo.validate, ganzoo.ComponentConfig,
     ganzoo.plugin.Register, ganzoo.plugin.PresetRegister, ganzoo.plugin.CommandRegister],
)
def test_public_functions_have_examples(function: Callable[..., Any]) -> None:
    assert "Examples:" in (function.__doc__ or "")
