"""Evaluation: paired image metrics, the torch-fidelity bridge and ``RUN/eval.json``.

Importing this package is cheap (the configs in [`ganzoo.metrics.configs`][ganzoo.metrics.configs] are registered by
``ganzoo list``); the torch-based parts are imported on first use::

    from ganzoo.metrics import EvalContext, evaluate_run
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "EvalContext": "ganzoo.metrics.context",
    "evaluate_run": "ganzoo.metrics.evaluate",
    "evaluate_during_training": "ganzoo.metrics.evaluate",
    "register_feature_extractor": "ganzoo.metrics.features",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ganzoo.metrics' has no attribute {name!r}")
