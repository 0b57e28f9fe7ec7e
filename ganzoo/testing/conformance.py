"""Behavioural checks that a component does what the engine relies on.

The registry already checks that a component *has* the protocol's methods; these checks make
sure it *behaves*: right shapes and dtypes, determinism under a seed, gradients that reach every
parameter, a state dict that survives safetensors, config validation that rejects typos, and a
few real training steps against generic partner networks.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from ganzoo.components.configs import AdversarialLossConfig
from ganzoo.data.spec import CONDITION_KEY, SAMPLE_KEY, DataSpec
from ganzoo.engine.context import LossContext
from ganzoo.experiment.build import fill_params
from ganzoo.plugins.manager import get_registry
from ganzoo.registry.errors import ConfigError
from ganzoo.registry.protocols import Augmenting, BatchDrawing, Curating, Exporting
from ganzoo.registry.registry import Registry
from ganzoo.testing.partners import FlatCritic, FlatGenerator

BATCH = 4


class ConformanceError(AssertionError):
    """A component does not behave as ganzoo needs; the message says what to fix."""


def _fail(who: str, problem: str, fix: str) -> None:
    raise ConformanceError(f"{who}: {problem}. Fix: {fix}")


def check_generator(name: str, spec: DataSpec, registry: Registry | None = None, **params: Any) -> nn.Module:
    """Check generator ``name`` (built with ``params`` + values from ``spec``); returns it."""
    registry = registry or get_registry()
    who = f"generator {name!r}"
    build = _builder(registry, "generator", name, spec, params, who)
    generator = build()
    torch.manual_seed(0)
    cond = make_condition(spec, BATCH)
    z = _latent(generator, who)
    out = generator(z, cond)
    _check_tensor(out, (BATCH, *spec.shape), who, "forward(z, cond) output")
    generator.eval()
    first = generator(z, cond)
    again = generator(z, cond)
    if not torch.equal(first, again):
        _fail(who, "two forward passes in eval mode on the same inputs differ", "keep randomness in sample_latent or in train-mode layers")
    _check_round_trip(generator, build, lambda m: m(z, cond), who)
    if cond is not None:
        other = make_condition(spec, BATCH, shift=True)
        if torch.equal(generator(z, cond), generator(z, other)):
            _fail(who, f"its output does not depend on the {spec.condition} condition", "feed cond into the network")
    generator.train()
    _check_gradients(generator, lambda: generator(z, cond).float().pow(2).mean(), who)
    _train_steps(generator, FlatCritic(spec), spec, who, moved="generator")
    return generator


def check_discriminator(name: str, spec: DataSpec, registry: Registry | None = None, **params: Any) -> nn.Module:
    """Check discriminator ``name`` (built with ``params`` + values from ``spec``); returns it."""
    registry = registry or get_registry()
    who = f"discriminator {name!r}"
    build = _builder(registry, "discriminator", name, spec, params, who)
    discriminator = build()
    torch.manual_seed(0)
    x, cond = make_sample(spec, BATCH), make_condition(spec, BATCH)
    logits = discriminator(x, cond)
    if logits.shape[0] != BATCH or not torch.is_floating_point(logits):
        _fail(who, f"returned {tuple(logits.shape)} {logits.dtype} for a batch of {BATCH}", "return float logits with the batch as first dimension")
    if not torch.isfinite(logits).all():
        _fail(who, "returned non-finite logits", "check the forward pass for divisions or logs")
    discriminator.eval()
    _check_round_trip(discriminator, build, lambda m: m(x, cond), who)
    discriminator.train()
    _check_gradients(discriminator, lambda: discriminator(x, cond).float().mean(), who)
    x_grad = x.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(discriminator(x_grad, cond).float().sum(), x_grad, create_graph=True)
    if grad is None or not torch.isfinite(grad).all():
        _fail(who, "no finite gradient with respect to its input", "gradient penalties and R1 need D to be differentiable in x")
    _train_steps(FlatGenerator(spec), discriminator, spec, who, moved="discriminator")
    return discriminator


def check_loss(name: str, spec: DataSpec, registry: Registry | None = None, **params: Any) -> Any:
    """Check loss ``name``: scalar finite terms whose gradients reach the right network."""
    registry = registry or get_registry()
    who = f"loss {name!r}"
    _check_rejects_unknown_params(registry, "loss", name, params, who)
    loss = registry.create("loss", name, **params)
    torch.manual_seed(0)
    generator, critic = FlatGenerator(spec), FlatCritic(spec)
    real, cond = make_sample(spec, BATCH), make_condition(spec, BATCH)
    batch = {SAMPLE_KEY: real} | ({CONDITION_KEY: cond} if cond is not None else {})
    contributed = False
    for phase, network in (("discriminator", critic), ("generator", generator)):
        fake = generator(generator.sample_latent(BATCH), cond)
        ctx = LossContext(phase, real, fake.detach() if phase == "discriminator" else fake, cond, batch, critic)
        value = getattr(loss, f"{phase}_loss")(ctx)
        if value is None:
            continue
        contributed = True
        if not isinstance(value, torch.Tensor) or value.dim() != 0 or not torch.isfinite(value):
            _fail(who, f"{phase}_loss returned {value!r}", "return a finite scalar tensor or None")
        network.zero_grad()
        value.backward()
        if not any(p.grad is not None and p.grad.abs().sum() > 0 for p in network.parameters()):
            _fail(who, f"{phase}_loss does not reach the {phase}'s parameters", "compute it from ctx tensors without detaching them")
    if not contributed:
        _fail(who, "returned None in both phases", "return a tensor from discriminator_loss and/or generator_loss")
    return loss


def check_dataset(name: str, registry: Registry | None = None, **params: Any) -> Any:
    """Check dataset ``name``: description, samples, determinism, augmentation and export."""
    registry = registry or get_registry()
    who = f"dataset {name!r}"
    _check_rejects_unknown_params(registry, "dataset", name, params, who)
    dataset = registry.create("dataset", name, **params)
    spec = dataset.describe()
    if not isinstance(spec, DataSpec):
        _fail(who, f"describe() returned {type(spec).__name__}", "return a ganzoo.data.spec.DataSpec")
    if len(dataset) <= 0:
        _fail(who, "has no samples", "make __len__ positive for valid parameters")
    sample = dataset[0]
    if SAMPLE_KEY not in sample:
        _fail(who, f"sample keys are {sorted(sample)}", f"return a dict with {SAMPLE_KEY!r}")
    if isinstance(dataset, Augmenting):  # samples may be larger until augment crops them
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            sample = {k: v[0] for k, v in dataset.augment({k: v.unsqueeze(0) for k, v in sample.items()}).items()}
    low, high = spec.value_range
    x = sample[SAMPLE_KEY]
    _check_tensor(x.unsqueeze(0), (1, *spec.shape), who, "sample 'x' (after augment)")
    observed = x if "mask" not in sample else x[sample["mask"].bool()]
    if observed.numel() and (observed.min() < low - 1e-4 or observed.max() > high + 1e-4):
        _fail(who, f"'x' spans [{observed.min():.3f}, {observed.max():.3f}] outside value_range {spec.value_range}", "normalise samples or fix describe()")
    if spec.condition != "none":
        if CONDITION_KEY not in sample:
            _fail(who, f"describes condition {spec.condition!r} but samples have no 'cond'", "return the condition under 'cond'")
        _check_tensor(sample[CONDITION_KEY].unsqueeze(0), (1, *spec.condition_shape), who, "sample 'cond'")
    first, again = dataset[0], dataset[0]
    if any(not torch.equal(first[k], again[k]) for k in first):
        _fail(who, "dataset[0] differs between two reads", "keep __getitem__ deterministic; put randomness in augment(batch)")
    batch = {k: torch.stack([dataset[i % len(dataset)][k] for i in range(2)]) for k in first}
    if isinstance(dataset, Augmenting):
        batch = dataset.augment(batch)
        if tuple(batch[SAMPLE_KEY].shape[1:]) != spec.shape:
            _fail(who, f"augment returns 'x' of shape {tuple(batch[SAMPLE_KEY].shape[1:])}, not {spec.shape}", "crop or resize training batches to the described shape")
    if isinstance(dataset, BatchDrawing) and dataset.draws_batches:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            drawn = dataset.draw_batch(2)
        _check_tensor(drawn.get(SAMPLE_KEY, torch.empty(0)), (2, *spec.shape), who, "draw_batch(2)['x']")
    if isinstance(type(dataset), Curating):
        _check_curator(type(dataset).curator(spec), batch[SAMPLE_KEY], who)
    if isinstance(type(dataset), Exporting) or hasattr(type(dataset), "export"):
        with tempfile.TemporaryDirectory() as tmp:
            files = type(dataset).export(batch[SAMPLE_KEY], Path(tmp), spec, batch.get(CONDITION_KEY))
            if not files or not all(Path(f).exists() for f in files):
                _fail(who, "export wrote no files", "return the paths export() wrote")
    return dataset


def _check_curator(curator: Any, samples: torch.Tensor, who: str) -> None:
    """A curator (if any) must oversample and choose ``n`` distinct indices of its candidates."""
    if curator is None:
        return
    factor = getattr(curator, "oversample", None)
    if not isinstance(factor, int) or factor < 2:
        _fail(who, f"curator().oversample is {factor!r}", "give the curator an integer oversample >= 2 (or return None)")
    candidates = samples.repeat(factor, *([1] * (samples.dim() - 1)))
    chosen = torch.as_tensor(curator.choose(candidates, len(samples)))
    in_range = chosen.numel() > 0 and int(chosen.min()) >= 0 and int(chosen.max()) < len(candidates)
    if chosen.shape != (len(samples),) or len(set(chosen.tolist())) != len(samples) or not in_range:
        _fail(who, f"curator().choose(candidates, {len(samples)}) returned {chosen.tolist()}",
              f"return {len(samples)} distinct indices into the candidates")


# -- helpers -----------------------------------------------------------------------------------
def make_sample(spec: DataSpec, n: int) -> torch.Tensor:
    """Random samples inside the spec's value range."""
    low, high = spec.value_range
    return torch.rand(n, *spec.shape) * (high - low) + low


def make_condition(spec: DataSpec, n: int, *, shift: bool = False) -> torch.Tensor | None:
    """Random conditions of the spec's kind (one-hot labels, or source samples).

    ``shift=True`` gives conditions that differ from the unshifted draw of the same seed state
    in every sample (the next label, or the negated source), to check a model uses them.
    """
    if spec.condition == "none":
        return None
    if spec.condition == "label":
        labels = torch.randint(spec.condition_dim, (n,))
        return torch.eye(spec.condition_dim)[(labels + 1) % spec.condition_dim if shift else labels]
    low, high = spec.value_range
    source = torch.rand(n, *spec.condition_shape) * (high - low) + low
    return (low + high) - source if shift else source


def _builder(registry: Registry, kind: str, name: str, spec: DataSpec, params: dict[str, Any], who: str) -> Callable[[], nn.Module]:
    entry = registry.get(kind, name)
    filled = fill_params(entry, params, spec)
    _check_rejects_unknown_params(registry, kind, name, filled, who)

    def build() -> nn.Module:
        torch.manual_seed(0)
        return registry.create(kind, name, **filled)

    return build


def _check_rejects_unknown_params(registry: Registry, kind: str, name: str, params: dict[str, Any], who: str) -> None:
    try:
        registry.validate_params(kind, name, {**params, "surely_not_a_parameter": 1})
    except ConfigError:
        return
    _fail(who, "its config accepts unknown keys", "derive the config from ganzoo.ComponentConfig (extra='forbid')")


def _latent(generator: nn.Module, who: str) -> torch.Tensor | None:
    a = generator.sample_latent(BATCH, generator=torch.Generator().manual_seed(1))
    b = generator.sample_latent(BATCH, generator=torch.Generator().manual_seed(1))
    if a is not None and (a.shape[0] != BATCH or not torch.equal(a, b)):
        _fail(who, "sample_latent is not reproducible with a seeded torch.Generator or has the wrong batch size", "draw noise with the generator= argument")
    return a


def _check_tensor(t: torch.Tensor, shape: tuple[int, ...], who: str, what: str) -> None:
    if tuple(t.shape) != shape:
        _fail(who, f"{what} has shape {tuple(t.shape)}, expected {shape}", "match the DataSpec shape (channels first, batch first)")
    if t.dtype != torch.float32:
        _fail(who, f"{what} has dtype {t.dtype}", "return float32 tensors")
    if not torch.isfinite(t).all():
        _fail(who, f"{what} contains NaN or inf", "check the forward pass")


def _check_round_trip(module: nn.Module, build: Callable[[], nn.Module], run: Callable[[nn.Module], torch.Tensor], who: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "weights.safetensors"
        state = {k: v.detach().contiguous() for k, v in module.state_dict().items()}
        save_file(state, str(path))
        clone = build()
        with torch.no_grad():
            for p in clone.parameters():
                p.add_(1.0)  # make sure loading really overwrites
        missing = clone.load_state_dict(load_file(str(path)), strict=False)
        if missing.missing_keys or missing.unexpected_keys:
            _fail(who, f"state dict does not round-trip (missing {missing.missing_keys}, unexpected {missing.unexpected_keys})", "keep module structure independent of runtime state")
        clone.eval()
        with torch.no_grad():
            if not torch.allclose(run(module), run(clone)):
                _fail(who, "outputs differ after a safetensors round trip of the state dict", "register all state as parameters or buffers")


def _check_gradients(module: nn.Module, objective: Callable[[], torch.Tensor], who: str) -> None:
    module.zero_grad()
    objective().backward()
    dead = [n for n, p in module.named_parameters() if p.requires_grad and p.grad is None]
    if dead:
        _fail(who, f"parameters get no gradient: {', '.join(dead[:5])}", "remove unused parameters or use them in forward")


def _train_steps(generator: nn.Module, critic: nn.Module, spec: DataSpec, who: str, moved: str) -> None:
    from ganzoo.components.losses import AdversarialLoss

    loss = AdversarialLoss(AdversarialLossConfig(mode="nonsaturating", d_reduction="sum"))
    opt_g = torch.optim.Adam(generator.parameters(), lr=1e-3)
    opt_d = torch.optim.Adam(critic.parameters(), lr=1e-3)
    watched = generator if moved == "generator" else critic
    before = [p.detach().clone() for p in watched.parameters()]
    for _ in range(3):
        real, cond = make_sample(spec, BATCH), make_condition(spec, BATCH)
        batch = {SAMPLE_KEY: real}
        fake = generator(generator.sample_latent(BATCH), cond)
        d_loss = loss.discriminator_loss(LossContext("discriminator", real, fake.detach(), cond, batch, critic))
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        g_loss = loss.generator_loss(LossContext("generator", real, fake, cond, batch, critic))
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
        if not (torch.isfinite(d_loss) and torch.isfinite(g_loss)):
            _fail(who, "losses became non-finite within 3 training steps", "check initialisation and output activations")
    if all(torch.equal(a, b) for a, b in zip(before, watched.parameters(), strict=True)):
        _fail(who, "parameters did not change in 3 training steps", "make sure forward uses the parameters")
