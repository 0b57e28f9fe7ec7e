"""ganzoo: a modular, plugin-based GAN zoo.

Public API::

    import ganzoo
    ganzoo.list_components("generator")            # ['dcgan', 'unet', ...]
    G = ganzoo.create("generator", "dcgan", latent_dim=100, image_size=64)
    run = ganzoo.train("experiment.toml")          # or a dict shaped like the file
    model = ganzoo.load(run.directory)             # rebuilt from the checkpoint alone
    images = model.sample(16)

Importing ganzoo is cheap: torch is imported only by the functions that need it.

Plugins report bad user input by raising :class:`DataError` (data files, columns, values) or
:class:`ConfigError` (parameters) with one line naming the culprit; the CLI prints it and exits
with status 2 instead of showing a traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ganzoo.data.spec import DataSpec
from ganzoo.plugins.hookspecs import hookimpl
from ganzoo.registry.config import ComponentConfig
from ganzoo.registry.errors import ConfigError, DataError, GanzooError

if TYPE_CHECKING:
    from pathlib import Path

    from ganzoo.engine.run import Run
    from ganzoo.engine.sampler import Sampler

__version__ = "0.1.0"

__all__ = [
    "ComponentConfig",
    "ConfigError",
    "DataError",
    "DataSpec",
    "GanzooError",
    "__version__",
    "create",
    "hookimpl",
    "list_components",
    "load",
    "train",
]


def list_components(kind: str, pattern: str | list[str] = "*", exclude: str | list[str] = ()) -> list[str]:
    """Names of installed components of ``kind`` matching the fnmatch ``pattern``."""
    from ganzoo.plugins.manager import get_registry

    return get_registry().names(kind, pattern, exclude)


def create(kind: str, name: str, /, **params: Any) -> Any:
    """Build component ``name`` of ``kind`` from validated ``params``."""
    from ganzoo.plugins.manager import get_registry

    return get_registry().create(kind, name, **params)


def train(config: str | Path | dict[str, Any] | None = None, **options: Any) -> Run:
    """Train an experiment (TOML path, mapping, or ``preset=NAME``) and return the :class:`Run`."""
    from ganzoo.engine.run import train as _train

    return _train(config, **options)


def load(path: str | Path, **options: Any) -> Sampler:
    """Rebuild a trained generator from a run directory or checkpoint (no training code needed)."""
    from ganzoo.engine.sampler import load as _load

    return _load(path, **options)
