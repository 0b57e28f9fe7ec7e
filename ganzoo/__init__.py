"""ganzoo: a modular, plugin-based GAN zoo.

Public API::

    import ganzoo
    ganzoo.list_components("generator")            # ['dcgan', 'unet', ...]
    G = ganzoo.create("generator", "dcgan", latent_dim=100, image_size=64)
    ganzoo.validate("experiment.toml")             # every check of a training start, no training
    run = ganzoo.train("experiment.toml")          # or a dict shaped like the file
    model = ganzoo.load(run.directory)             # rebuilt from the checkpoint alone
    images = model.sample(16)

Importing ganzoo is cheap: torch is imported only by the functions that need it.

Plugins report bad user input by raising [`DataError`][ganzoo.registry.errors.DataError] (data files, columns, values) or
[`ConfigError`][ganzoo.registry.errors.ConfigError] (parameters) with one line naming the culprit; the CLI prints it and exits
with status 2 instead of showing a traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ganzoo.data.spec import DataSpec
from ganzoo.plugins.hookspecs import hookimpl
from ganzoo.registry.config import ComponentConfig
from ganzoo.registry.errors import ConfigError, DataError, GanzooError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    import torch

    from ganzoo.engine.callbacks import Callback
    from ganzoo.engine.run import Run
    from ganzoo.engine.sampler import Sampler
    from ganzoo.experiment.check import CheckedExperiment
    from ganzoo.registry.registry import Registry

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
    "validate",
]


def list_components(kind: str, pattern: str | list[str] = "*", exclude: str | list[str] = ()) -> list[str]:
    """Names of the installed components of ``kind``, sorted, that match an fnmatch pattern.

    Args:
        kind: ``generator``, ``discriminator``, ``loss``, ``dataset``, ``metric``, ``preset`` or
            ``command``.
        pattern: one fnmatch pattern or a list of them (a name matching any is kept).
        exclude: pattern(s) of names to leave out.

    Returns:
        The matching names; ``ganzoo show KIND NAME`` describes one of them.

    Examples:
        >>> import ganzoo
        >>> "dcgan" in ganzoo.list_components("generator")
        True
        >>> ganzoo.list_components("generator", ["dc*", "unet"])
        ['dcgan', 'unet']
        >>> "patchgan" in ganzoo.list_components("discriminator", exclude="patch*")
        False
    """
    from ganzoo.plugins.manager import get_registry

    return get_registry().names(kind, pattern, exclude)


def create(kind: str, name: str, /, **params: Any) -> Any:
    """Build component ``name`` of ``kind`` from its parameters, validated by its config model.

    Parameters left out take their defaults; unknown or invalid ones raise a
    [`ConfigError`][ganzoo.ConfigError] naming the parameter. ``name`` may be ``provider:name``
    when two plugins register the same name.

    Examples:
        >>> import ganzoo
        >>> G = ganzoo.create("generator", "dcgan", latent_dim=8, image_size=32, base_channels=8)
        >>> G(G.sample_latent(2), None).shape
        torch.Size([2, 3, 32, 32])
        >>> ganzoo.create("generator", "dcgan", latent_dim=0)
        Traceback (most recent call last):
        ...
        ganzoo.registry.errors.ConfigError: generator.params.latent_dim: Input should be greater than 0
    """
    from ganzoo.plugins.manager import get_registry

    return get_registry().create(kind, name, **params)


def train(
    config: str | Path | Mapping[str, Any] | None = None,
    *,
    run_dir: str | Path | None = None,
    overrides: Sequence[str] = (),
    preset: str | None = None,
    until: int | None = None,
    resume: str | Path | None = None,
    progress: bool | None = None,
    callbacks: Sequence[Callback] = (),
    allow_restart: bool = False,
) -> Run:
    """Train an experiment into a new run directory, or continue one, and return the [`Run`][ganzoo.engine.run.Run].

    Everything is checked before the first step (as ``ganzoo validate`` does). The run directory
    holds the resolved ``config.toml``, ``manifest.json``, ``metrics.jsonl``, ``samples/`` and
    ``checkpoints/``.

    Args:
        config: experiment TOML path or a mapping shaped like the file (not with ``preset`` or
            ``resume``).
        run_dir: directory of a new run, which must not exist or be empty; default
            ``runs/<name>-<timestamp>``.
        overrides: ``key.path=value`` strings applied after the file, like ``--set``.
        preset: name of a registered preset instead of ``config``.
        until: stop after this many steps (with a checkpoint) instead of the configured total.
        resume: run directory to continue from its newest complete checkpoint; its stored config
            is used and only ``train`` keys that do not change the model may be overridden.
        progress: show progress (default: the experiment's ``train.progress``).
        callbacks: extra [`Callback`][ganzoo.engine.callbacks.Callback] objects.
        allow_restart: with ``resume``, train a run that has no checkpoint yet (killed before
            its first one) from step 0 instead of refusing.

    Raises:
        GanzooError: a one-line problem with the experiment, the data or the run directory.
        TrainingInterrupted: Ctrl-C or SIGTERM stopped the run after writing a checkpoint.

    Examples:
        ```python
        import ganzoo

        run = ganzoo.train("experiment.toml", run_dir="runs/first", overrides=["train.steps=200"])
        run = ganzoo.train(preset="pix2pix", overrides=["dataset.params.root=data/facades"], until=500)
        run = ganzoo.train(resume=run.directory, overrides=["train.steps=2000"])
        print(run.step, run.finished, run.metrics("epoch")[-1]["loss/g"])
        ```
    """
    from ganzoo.engine.run import train as _train

    return _train(
        config, run_dir=run_dir, overrides=overrides, preset=preset, until=until, resume=resume,
        progress=progress, callbacks=callbacks, allow_restart=allow_restart,
    )


def load(
    path: str | Path,
    *,
    ema: bool | None = None,
    device: str | torch.device = "cpu",
    registry: Registry | None = None,
) -> Sampler:
    """Rebuild a trained generator from a run directory or a checkpoint, without training code.

    Reads the checkpoint's manifest (components, resolved parameters, DataSpec) and its
    safetensors weights; nothing is unpickled.

    Args:
        path: a run directory (its newest complete checkpoint) or one checkpoint directory.
        ema: ``None`` uses the EMA generator when the checkpoint has one, ``True`` requires it,
            ``False`` takes the raw generator.
        device: where the generator runs.
        registry: the registry to build from (default: the installed plugins).

    Returns:
        A [`Sampler`][ganzoo.engine.sampler.Sampler]: ``sample(n, condition=None, seed=None)``
        gives ``n`` samples shaped like the data, in its value range.

    Examples:
        ```python
        import ganzoo

        model = ganzoo.load("runs/first")
        images = model.sample(16, seed=0)            # (16, C, H, W) in model.spec.value_range
        model.export(images, "samples/")             # PNG files, CSV rows, ... as the dataset writes them
        pix2pix = ganzoo.load("runs/facades", device="cuda")
        fakes = pix2pix.sample(4, condition=pix2pix.dataset_conditions(4))
        ```
    """
    from ganzoo.engine.sampler import load as _load

    return _load(path, ema=ema, device=device, registry=registry)


def validate(
    config: str | Path | Mapping[str, Any] | None = None,
    *,
    preset: str | None = None,
    overrides: Sequence[str] = (),
) -> CheckedExperiment:
    """Check an experiment as [`train`][ganzoo.train] would before its first step, without training.

    Raises the first problem as a one-line [`GanzooError`][ganzoo.GanzooError]; see
    ``ganzoo validate``.

    Examples:
        ```python
        import ganzoo

        checked = ganzoo.validate("experiment.toml", overrides=["train.batch_size=8"])
        print(checked.total_steps, checked.device, checked.filled)
        ```
    """
    from ganzoo.experiment.check import check_experiment

    return check_experiment(config, preset=preset, overrides=overrides)
