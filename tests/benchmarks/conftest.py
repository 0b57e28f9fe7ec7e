"""The scripts under ``benchmarks/`` are not a package: their logic tests load them by path."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def load_benchmark_script(stem: str) -> ModuleType:
    """``benchmarks/<stem>.py`` as the module ``ganzoo_bench_<stem>``, executed afresh.

    The module is registered in ``sys.modules`` (dataclasses resolve annotations through it),
    and the folder is on ``sys.path`` while it runs, so scripts that import a sibling
    (``correctness`` and ``cpu_ceiling`` import ``throughput``) find it.
    """
    spec = importlib.util.spec_from_file_location(f"ganzoo_bench_{stem}", BENCHMARKS / f"{stem}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCHMARKS))
    return module


@pytest.fixture(scope="session")
def load_benchmark() -> Callable[[str], ModuleType]:
    """`load_benchmark_script` for the test modules' own fixtures."""
    return load_benchmark_script
