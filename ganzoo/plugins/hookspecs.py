"""The hooks a ganzoo plugin can implement.

Each hook receives a ``register`` callback; a plugin calls it once per component it provides.
Registration should be cheap: pass the target as ``"module:Class"`` so torch model code is
imported only when the component is used.

A component's target is called with one argument, its validated config object (its
parameters are declared once, in the config model).

Example plugin module (``[project.entry-points.ganzoo] myplugin = "myplugin.plugin"``)::

    import ganzoo
    from myplugin.configs import TinyGeneratorConfig

    @ganzoo.hookimpl
    def ganzoo_register_generators(register):
        register("tiny", "myplugin.models:TinyGenerator", config=TinyGeneratorConfig)

    # myplugin/models.py
    class TinyGenerator(torch.nn.Module):
        def __init__(self, config: TinyGeneratorConfig) -> None:
            ...
"""

from __future__ import annotations

import pluggy

from ganzoo.plugins.register import CommandRegister, PresetRegister, Register

PROJECT = "ganzoo"
hookspec = pluggy.HookspecMarker(PROJECT)
#: Decorator that marks a function as an implementation of a ganzoo hook.
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def ganzoo_register_generators(register: Register) -> None:
    """Register generators: ``register(name, target, *, config, summary=None)``.

    ``target`` is a class or factory (or ``"module:attr"``) called with the validated config
    object; the result must satisfy [`ganzoo.plugin.Generator`][ganzoo.registry.protocols.Generator].

    Example::

        @ganzoo.hookimpl
        def ganzoo_register_generators(register):
            register("tiny", "myplugin.models:TinyGenerator", config=TinyGeneratorConfig)
    """


@hookspec
def ganzoo_register_discriminators(register: Register) -> None:
    """Register discriminators: ``register(name, target, *, config, summary=None)``.

    Example::

        @ganzoo.hookimpl
        def ganzoo_register_discriminators(register):
            register("tiny", "myplugin.models:TinyDiscriminator", config=TinyDiscriminatorConfig)
    """


@hookspec
def ganzoo_register_losses(register: Register) -> None:
    """Register loss terms: ``register(name, target, *, config, summary=None)``.

    Example::

        @ganzoo.hookimpl
        def ganzoo_register_losses(register):
            register("feature-matching", "myplugin.losses:FeatureMatching", config=FMConfig)
    """


@hookspec
def ganzoo_register_datasets(register: Register) -> None:
    """Register datasets: ``register(name, target, *, config, summary=None)``.

    Example::

        @ganzoo.hookimpl
        def ganzoo_register_datasets(register):
            register("rings", "myplugin.data:Rings", config=RingsConfig)
    """


@hookspec
def ganzoo_register_metrics(register: Register) -> None:
    """Register evaluation metrics: ``register(name, target, *, config, summary=None)``.

    Example::

        @ganzoo.hookimpl
        def ganzoo_register_metrics(register):
            register("coverage", "myplugin.metrics:Coverage", config=CoverageConfig)
    """


@hookspec
def ganzoo_register_presets(register: PresetRegister) -> None:
    """Register presets: ``register(name, experiment, *, summary=None)``.

    ``experiment`` is a mapping shaped like an experiment file, or the path of a TOML file.

    Example::

        @ganzoo.hookimpl
        def ganzoo_register_presets(register):
            register("tiny-rings", {"generator": {"name": "tiny"}, ...}, summary="Rings demo")
    """


@hookspec
def ganzoo_register_commands(register: CommandRegister) -> None:
    """Register CLI subcommands: ``register(name, configure, *, help)``.

    ``configure(parser)`` adds the subcommand's arguments and sets ``func`` (``run(args) -> int``,
    the exit status); errors a command raises as [`ganzoo.plugin.GanzooError`][ganzoo.registry.errors.GanzooError] are printed
    on one line with exit status 2, like the built-in commands'. Names of built-in commands
    cannot be taken.

    Example::

        @ganzoo.hookimpl
        def ganzoo_register_commands(register):
            register("demo", "myplugin.cli:configure_demo", help="run the demo")
    """


@hookspec
def ganzoo_register_loggers(register: Register) -> None:
    """Register experiment trackers: ``register(name, target, *, config, summary=None)``.

    ``target`` is called with the validated config object; the result must satisfy
    [`ganzoo.plugin.Logger`][ganzoo.registry.protocols.Logger]. Users choose loggers with ``train.loggers = ["name", ...]``
    (or ``{name, params}`` tables).

    Example::

        @ganzoo.hookimpl
        def ganzoo_register_loggers(register):
            register("wandb", "ganzoo_wandb.logger:WandbLogger", config=WandbLoggerConfig)
    """
