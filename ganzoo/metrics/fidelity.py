"""Bridge to torch-fidelity: FID, KID, Inception Score and precision/recall, offline only.

Two problems are solved here, once, for every caller:

* **Importing torch-fidelity without a working torchvision.** torch-fidelity imports torchvision
  at package import, only for names ganzoo never uses (its CIFAR/STL dataset wrappers, its
  path-dataset transforms, and the VGG16/CLIP/DINOv2 extractors). A CPU torch build next to
  PyPI's CUDA torchvision fails that import ("operator torchvision::nms does not exist"), and
  ganzoo must not depend on torchvision anyway. [`import_torch_fidelity`][ganzoo.metrics.fidelity.import_torch_fidelity] imports it
  normally when torchvision works; otherwise it removes the half-imported torchvision modules
  and imports torch-fidelity against a small stand-in (`_torchvision_stand_in`) whose
  names raise a clear error when used. The stand-in is taken out of ``sys.modules`` right after
  the import, so nothing else ever mistakes it for torchvision.
* **Never downloading.** torch-fidelity fetches the Inception weights from GitHub when no path
  is given and unpickles a ``.pth`` file when one is. ganzoo replaces that loader with one that
  reads a user-supplied *safetensors* file and raises [`ConfigError`][ganzoo.registry.errors.ConfigError] naming
  ``--inception-weights`` when there is none; torch.hub is also fenced off while a metric runs,
  torch-fidelity's on-disk cache (pickled) is off, and extractors that would download
  (VGG16, CLIP, DINOv2) are refused.

Inputs are in-memory ``uint8`` image tensors; all four metrics come from one feature pass.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import torch

from ganzoo.metrics.configs import FidelityConfig
from ganzoo.metrics.features import get_feature_extractor
from ganzoo.registry.errors import ConfigError, DataError, describe_error

#: torch-fidelity's standard backbone (TF-Inception 2015-12-05 port).
INCEPTION = "inception-v3-compat"
INCEPTION_FILE = "weights-inception-2015-12-05-6726825d"
#: Smallest set the four metrics are defined on (PR uses 3 nearest neighbours).
MIN_SAMPLES = 5
#: Random subsets KID is averaged over (torch-fidelity's default).
KID_SUBSETS = 100

_CONVERT_HINT = (
    "convert it once with: python -c \"import torch, safetensors.torch as s; "
    f"s.save_file(torch.load('{INCEPTION_FILE}.pth', weights_only=True), 'inception.safetensors')\""
)

_inception_weights: contextvars.ContextVar[Path | None] = contextvars.ContextVar(
    "ganzoo_inception_weights", default=None
)


class TorchvisionUnavailable(ImportError):
    """A torch-fidelity feature that needs torchvision was used while torchvision is unusable."""


def missing_weights_error(metric: str) -> ConfigError:
    """The one-line error for FID/KID/IS/PR with the standard extractor and no weights."""
    return ConfigError(
        f"{metric}: the standard feature extractor {INCEPTION} needs Inception weights; run "
        "`ganzoo weights fetch inception` once (it verifies and caches them), or pass "
        f"--inception-weights PATH (a .safetensors file of torch-fidelity's {INCEPTION_FILE}) or set "
        "[eval] inception_weights; evaluation itself never downloads weights"
    )


# -- importing -----------------------------------------------------------------------------------
def import_torch_fidelity() -> ModuleType:
    """Import torch-fidelity, with the torchvision stand-in when torchvision is missing or broken."""
    if "torch_fidelity" in sys.modules:  # imported before ganzoo (a notebook, another plugin)
        _install_download_guard()
        return sys.modules["torch_fidelity"]
    try:
        import torchvision  # noqa: F401  (only probing whether it loads)
    except Exception as err:  # missing (ImportError) or broken (RuntimeError, OSError, ...)
        reason = describe_error(err)
        _purge("torchvision")
        _purge("torch_fidelity")  # a failed earlier attempt may have left submodules behind
        stand_ins = _torchvision_stand_in(reason)
        sys.modules.update(stand_ins)
        try:
            module = importlib.import_module("torch_fidelity")
        finally:
            for name in stand_ins:
                sys.modules.pop(name, None)
    else:
        module = importlib.import_module("torch_fidelity")
    _install_download_guard()
    return module


def _purge(package: str) -> None:
    for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        del sys.modules[name]


def _torchvision_stand_in(reason: str) -> dict[str, ModuleType]:
    """Modules named like the parts of torchvision that torch-fidelity imports at import time.

    torch-fidelity needs, at import: ``torchvision.datasets.{CIFAR10, CIFAR100, STL10}`` (base
    classes of its dataset wrappers), ``torchvision.transforms.functional`` (its PIL path
    datasets) and the ``torchvision`` module object (VGG16, CLIP, DINOv2 extractors, resize of
    image folders). ganzoo feeds in-memory tensors to Inception or its own extractors, so none of
    these is used; any use raises [`TorchvisionUnavailable`][ganzoo.metrics.fidelity.TorchvisionUnavailable] naming the feature.
    """
    message = (
        f"torchvision is not usable here ({reason}); torch-fidelity's {{what}} needs it. ganzoo's "
        "metrics do not: use in-memory images with inception-v3-compat or a ganzoo feature extractor"
    )

    def unavailable_class(what: str) -> type:
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            raise TorchvisionUnavailable(message.format(what=what))

        return type(what, (), {"__init__": __init__, "__doc__": f"Stand-in for torchvision's {what}."})

    def module(name: str) -> ModuleType:
        mod = ModuleType(name, f"ganzoo stand-in for {name} (see ganzoo.metrics.fidelity).")

        def __getattr__(attr: str) -> Any:
            if attr.startswith("__"):
                raise AttributeError(attr)
            raise TorchvisionUnavailable(message.format(what=f"{name}.{attr}"))

        mod.__getattr__ = __getattr__  # type: ignore[method-assign]
        return mod

    root, datasets = module("torchvision"), module("torchvision.datasets")
    transforms, functional = module("torchvision.transforms"), module("torchvision.transforms.functional")
    for cls in ("CIFAR10", "CIFAR100", "STL10"):
        setattr(datasets, cls, unavailable_class(cls))
    root.datasets, root.transforms, transforms.functional = datasets, transforms, functional
    return {m.__name__: m for m in (root, datasets, transforms, functional)}


def _install_download_guard() -> None:
    """Route torch-fidelity's Inception weight loading through `_load_inception_weights`."""
    inception = importlib.import_module("torch_fidelity.feature_extractor_inceptionv3")
    inception.load_state_dict_from_url = _load_inception_weights


def _load_inception_weights(url: str, *args: Any, **kwargs: Any) -> dict[str, torch.Tensor]:
    """Stand-in for torch.hub's downloader: the safetensors file set for this call, or an error."""
    from safetensors.torch import load_file

    path = _inception_weights.get()
    if path is None:
        raise missing_weights_error("inception-v3-compat")
    return load_file(str(path))


@contextlib.contextmanager
def _no_downloads() -> Iterator[None]:
    """Make any torch.hub download inside the block an error instead of a network access."""
    import torch.hub

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ConfigError(
            "a feature extractor tried to download weights through torch.hub; ganzoo never "
            "downloads (use inception-v3-compat with --inception-weights, or a ganzoo extractor)"
        )

    names = ("load_state_dict_from_url", "download_url_to_file", "load")
    saved = {name: getattr(torch.hub, name) for name in names}
    try:
        for name in names:
            setattr(torch.hub, name, refuse)
        yield
    finally:
        for name, value in saved.items():
            setattr(torch.hub, name, value)


# -- ganzoo extractors inside torch-fidelity ------------------------------------------------------
def _fidelity_extractor_class(tf: ModuleType) -> type:
    """A torch-fidelity FeatureExtractorBase that runs a registered ganzoo extractor."""

    class GanzooFeatureExtractor(tf.FeatureExtractorBase):  # type: ignore[name-defined,misc]
        """Adapts a ganzoo extractor (``x -> (features, logits)``) to torch-fidelity."""

        def __init__(self, name: str, features_list: list[str], **kwargs: Any) -> None:
            super().__init__(name, features_list)
            info = get_feature_extractor(name)
            assert info is not None
            self.net = info.factory()

        @staticmethod
        def get_provided_features_list() -> tuple[str, ...]:
            return ("features", "logits")

        @staticmethod
        def get_default_feature_layer_for_metric(metric: str) -> str:
            return "logits" if metric == "isc" else "features"

        @staticmethod
        def can_be_compiled() -> bool:
            return False

        @staticmethod
        def get_dummy_input_for_compile() -> torch.Tensor:
            return torch.zeros(1, 3, 64, 64, dtype=torch.uint8)

        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
            features, logits = self.net(x)
            out = {"features": features, "logits": logits}
            return tuple(out[name] for name in self.features_list)

    return GanzooFeatureExtractor


def _register_in_fidelity(tf: ModuleType, name: str) -> None:
    registry = importlib.import_module("torch_fidelity.registry")
    if name not in registry.FEATURE_EXTRACTORS_REGISTRY:
        tf.register_feature_extractor(name, _fidelity_extractor_class(tf))


def resolve_extractor(name: str | None, weights: Path | None, metric: str) -> tuple[str, str]:
    """Return ``(extractor name, protocol label)`` or raise a one-line ConfigError."""
    name = name or INCEPTION
    if name == INCEPTION:
        if weights is None:
            raise missing_weights_error(metric)
        weights = Path(weights)
        if not weights.is_file():
            raise ConfigError(f"{metric}: Inception weights file not found: {weights} (--inception-weights)")
        if weights.suffix != ".safetensors":
            raise ConfigError(
                f"{metric}: {weights} is not a .safetensors file; ganzoo does not unpickle weights, "
                + _CONVERT_HINT
            )
        return name, f"{INCEPTION} (torch-fidelity TF-Inception 2015-12-05 port, weights {weights.name})"
    info = get_feature_extractor(name)
    if info is None:
        from ganzoo.metrics.features import feature_extractor_names

        known = ", ".join([INCEPTION, *feature_extractor_names()])
        raise ConfigError(
            f"{metric}: unknown or downloading feature extractor {name!r} (offline choices: {known})"
        )
    return name, info.label


# -- computing ---------------------------------------------------------------------------------------
def kid_subset_size(n_real: int, n_fake: int) -> int:
    """Half the smaller sample set, at most 1000 (the KID paper's size), at least 2.

    KID's sd is the spread over [`KID_SUBSETS`][ganzoo.metrics.fidelity.KID_SUBSETS] random subsets; subsets as large as the
    sample set would all be the whole set and report an sd of ~0 whatever the estimate's
    uncertainty.
    """
    return max(2, min(1000, min(n_real, n_fake) // 2))


class _Images(torch.utils.data.Dataset):
    """In-memory uint8 images, the input form torch-fidelity accepts without torchvision."""

    def __init__(self, images: torch.Tensor) -> None:
        self.images = images

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> torch.Tensor:
        return self.images[index]


def to_uint8_rgb(images: torch.Tensor, value_range: tuple[float, float]) -> torch.Tensor:
    """Float images in ``value_range`` -> ``uint8`` N x 3 x H x W (grey images repeated to RGB)."""
    if images.dim() != 4:
        raise DataError(f"fidelity metrics need image batches N x C x H x W, got shape {tuple(images.shape)}")
    channels = images.shape[1]
    if channels == 1:
        images = images.expand(-1, 3, -1, -1)
    elif channels != 3:
        raise DataError(f"fidelity metrics need 1- or 3-channel images, got {channels} channels")
    low, high = value_range
    unit = ((images.detach().float().cpu() - low) / (high - low)).clamp(0, 1)
    return (unit * 255).round().to(torch.uint8).contiguous()


def fidelity_metrics(
    real: torch.Tensor,
    fake: torch.Tensor,
    *,
    feature_extractor: str,
    inception_weights: Path | None = None,
    device: str = "cpu",
    batch_size: int = 32,
    seed: int = 0,
) -> dict[str, float]:
    """FID, KID (mean, sd), Inception Score (mean, sd), precision, recall and F-score.

    ``real`` and ``fake`` are ``uint8`` N x 3 x H x W; ``feature_extractor`` was checked by
    [`resolve_extractor`][ganzoo.metrics.fidelity.resolve_extractor]. One torch-fidelity call extracts features once for all metrics.
    """
    n_real, n_fake = len(real), len(fake)
    if min(n_real, n_fake) < MIN_SAMPLES:
        raise DataError(
            f"fidelity metrics need at least {MIN_SAMPLES} real and generated images "
            f"(got {n_real} real, {n_fake} generated)"
        )
    tf = import_torch_fidelity()
    if feature_extractor != INCEPTION:
        _register_in_fidelity(tf, feature_extractor)
    cuda = torch.device(device).type == "cuda"
    kwargs: dict[str, Any] = dict(
        input1=_Images(fake),
        input2=_Images(real),
        fid=True,
        kid=True,
        isc=True,
        prc=True,
        feature_extractor=feature_extractor,
        cuda=cuda,
        batch_size=batch_size,
        kid_subset_size=kid_subset_size(n_real, n_fake),
        kid_subsets=KID_SUBSETS,
        isc_splits=min(10, n_fake),
        rng_seed=seed,
        cache=False,  # torch-fidelity's cache is pickled files under TORCH_HOME
        datasets_download=False,
        save_cpu_ram=True,  # no DataLoader worker processes for in-memory tensors
        verbose=False,
    )
    token = _inception_weights.set(Path(inception_weights) if inception_weights else None)
    device_scope = torch.cuda.device(torch.device(device)) if cuda else contextlib.nullcontext()
    try:
        with _no_downloads(), device_scope:
            out = tf.calculate_metrics(**kwargs)
    finally:
        _inception_weights.reset(token)
    return {
        "fid": float(out[tf.KEY_METRIC_FID]),
        "kid": float(out[tf.KEY_METRIC_KID_MEAN]),
        "kid_sd": float(out[tf.KEY_METRIC_KID_STD]),
        "inception_score": float(out[tf.KEY_METRIC_ISC_MEAN]),
        "inception_score_sd": float(out[tf.KEY_METRIC_ISC_STD]),
        "precision": float(out[tf.KEY_METRIC_PRECISION]),
        "recall": float(out[tf.KEY_METRIC_RECALL]),
        "f_score": float(out[tf.KEY_METRIC_F_SCORE]),
    }


def image_features(
    images: torch.Tensor,
    *,
    feature_extractor: str,
    inception_weights: Path | None = None,
    device: str = "cpu",
    batch_size: int = 32,
) -> torch.Tensor:
    """``N x D`` features of ``uint8`` images ``N x 3 x H x W``: the layer FID compares.

    Inception's 2048-d pool features, or a ganzoo extractor's ``features`` output (the privacy
    metrics measure distances between images in this space). ``feature_extractor`` was checked by
    [`resolve_extractor`][ganzoo.metrics.fidelity.resolve_extractor]; nothing is downloaded.
    """
    if feature_extractor == INCEPTION:
        import_torch_fidelity()
        utils = importlib.import_module("torch_fidelity.utils")
        token = _inception_weights.set(Path(inception_weights) if inception_weights else None)
        try:
            with _no_downloads():
                net = utils.create_feature_extractor(INCEPTION, ["2048"], cuda=False, verbose=False)
        finally:
            _inception_weights.reset(token)
    else:
        info = get_feature_extractor(feature_extractor)
        if info is None:
            raise ConfigError(f"unknown feature extractor {feature_extractor!r}")
        net = info.factory()
    net = net.to(torch.device(device)).eval()
    chunks = []
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            batch = images[start : start + batch_size].to(torch.device(device))
            chunks.append(net(batch)[0].float().cpu())
    if not chunks:
        raise DataError("no images to extract features from")
    return torch.cat(chunks)


# -- metric components -------------------------------------------------------------------------------
class _FidelityMetric:
    """Base of the four torch-fidelity metrics; they share one feature pass per evaluation."""

    name = ""
    keys: tuple[tuple[str, str | None, str], ...] = ()  # (result name, sd key, better)

    def __init__(self, config: FidelityConfig) -> None:
        self.feature_extractor = config.feature_extractor

    @staticmethod
    def applies_to(spec: Any) -> bool:
        """Image data only (FID and friends compare image feature distributions)."""
        return spec.modality == "image"

    def compute(self, ctx: Any) -> dict[str, dict[str, Any]]:
        if not self.applies_to(ctx.spec):
            raise ConfigError(f"{self.name} needs image data; this run has {ctx.spec.modality} data")
        extractor, label = resolve_extractor(
            self.feature_extractor or ctx.feature_extractor, ctx.inception_weights, self.name
        )
        weights = ctx.inception_weights if extractor == INCEPTION else None
        values = ctx.cached(("fidelity", extractor, weights), lambda: self._run(ctx, extractor, weights))
        protocol = ctx.protocol(feature_extractor=label)
        out = {}
        for key, sd_key, better in self.keys:
            entry: dict[str, Any] = {"value": values[key]}
            if sd_key:
                entry["sd"] = values[sd_key]
            out[key] = {**entry, "better": better, **protocol, **self.extra(ctx)}
        return out

    def extra(self, ctx: Any) -> dict[str, Any]:
        """Metric-specific protocol facts."""
        return {}

    @staticmethod
    def _run(ctx: Any, extractor: str, weights: Path | None) -> dict[str, float]:
        value_range = ctx.spec.value_range
        return fidelity_metrics(
            to_uint8_rgb(ctx.real().x, value_range),
            to_uint8_rgb(ctx.generated(), value_range),
            feature_extractor=extractor,
            inception_weights=weights,
            device=ctx.device,
            batch_size=ctx.batch_size,
            seed=ctx.seed,
        )


class FID(_FidelityMetric):
    """Frechet distance between feature Gaussians of real and generated images (lower is better)."""

    name = "fid"
    keys = (("fid", None, "lower"),)


class KID(_FidelityMetric):
    """Kernel (polynomial MMD) distance, mean and sd over random subsets (lower is better)."""

    name = "kid"
    keys = (("kid", "kid_sd", "lower"),)

    def extra(self, ctx: Any) -> dict[str, Any]:
        return {"kid_subsets": KID_SUBSETS, "kid_subset_size": kid_subset_size(len(ctx.real().x), len(ctx.generated()))}


class InceptionScore(_FidelityMetric):
    """Inception Score of the generated images, mean and sd over splits (higher is better)."""

    name = "inception-score"
    keys = (("inception_score", "inception_score_sd", "higher"),)

    def extra(self, ctx: Any) -> dict[str, Any]:
        return {"splits": min(10, len(ctx.generated()))}


class PrecisionRecall(_FidelityMetric):
    """Improved precision (fidelity) and recall (coverage) with 3 nearest neighbours."""

    name = "precision-recall"
    keys = (("precision", None, "higher"), ("recall", None, "higher"))

    def extra(self, ctx: Any) -> dict[str, Any]:
        return {"neighbourhood": 3}
