"""What ``ganzoo demo`` trains: the two experiments of the study and their size per profile.

The study behind ganzoo trained a plain GAN on unpaired retinal images and pix2pix on vessel
mask / image pairs *of the same data*, then compared losses per epoch, samples after the first
and the last epoch, and a validation error. The demo keeps that design on data every install
has: patches of the real fundus photograph bundled with scikit-image (``retina-skimage``,
training cells) for both models, held-out patches from pixel-disjoint validation cells for the
evaluation. The synthetic ``retina-procedural`` eyes are not used because the validation error
must be measured on real photographs.

Each experiment is a registered preset plus ``--set`` overrides, so every run of the demo can be
repeated with ``ganzoo train --preset NAME --set ...`` (the page prints those commands).
This module is plain data (no torch), so the CLI can show the plan instantly.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Dataset both models train on (real photograph patches, no download).
DATASET = "retina-skimage"
#: Feature extractor of the unpaired metrics: works offline, not comparable to published FIDs.
FEATURE_EXTRACTOR = "ganzoo-test-random-conv"
#: Metrics of each model (the trivial predictor is scored with the pix2pix list).
GAN_METRICS = ("fid", "kid")
PIX2PIX_METRICS = ("paired-image", "vessel-agreement", "fid", "kid")


@dataclass(frozen=True)
class Experiment:
    """One training run of the demo: a preset, its overrides and how the page describes it."""

    key: str
    preset: str
    title: str
    overrides: tuple[str, ...]
    metrics: tuple[str, ...]

    @property
    def run_name(self) -> str:
        """Directory (and label) of the run inside the demo folder."""
        return self.preset

    def command(self, run_dir: str) -> str:
        """The equivalent ``ganzoo train`` command line."""
        sets = " ".join(f"--set '{o}'" for o in self.overrides)
        return f"ganzoo train --preset {self.preset} --run-dir {run_dir} {sets}".rstrip()


@dataclass(frozen=True)
class Profile:
    """Sizes of one demo variant (``default`` or ``quick``).

    ``gan_steps`` / ``pix2pix_steps`` are generator updates; ``decay_from`` is the fraction of
    the run after which pix2pix's learning rate decays linearly to zero (pix2pix's own policy,
    here per step because the runs are a few epochs long); ``pix2pix_lr`` is twice pix2pix's
    2e-4, which measured better on raw patches for runs of a few hundred steps (held-out SSIM
    0.844 vs 0.823 after 800 steps; not repeated on flattened patches). ``pix2pix_adversarial`` weights the adversarial term
    against 100 x L1 (pix2pix: 1). ``flatten`` trains and scores on illumination-flattened patches
    (``retina-skimage``'s ``flatten``). ``eval_samples`` held-out patches are scored per model;
    ``scale`` downsamples the 1411 px photograph before cutting patches. ``caveat`` says what the
    profile cannot show; the terminal and the page print it.

    Why these values (measured with ``benchmarks/demo_tuning.py``: trained on three quarters of
    the training cells, scored on the remaining quarter, never on the demo's held-out cells; seed 0,
    256 pairs; see the plugin's RESULTS.md): on raw patches the mean training image and the best
    per-pixel answer from the mask differ by only 3 % in L1 (0.065 vs 0.063) because the error is
    dominated by each patch's brightness, which the vessel mask does not encode, hence
    ``flatten``. On flattened patches pix2pix with adversarial weight 0.1 reached L1 0.0175 / PSNR
    32.1 / SSIM 0.883 after 400 steps and the same after 800 (0.0177 / 32.1 / 0.882), against the
    mean image's 0.0203 / 30.8 / 0.856; weight 0.01 reached 0.0164 / 32.7 / 0.893 after 400 steps:
    in runs this short the adversarial texture costs validation error.
    """

    name: str
    image_size: int
    gan_steps: int
    gan_batch: int
    gan_width: int
    pix2pix_steps: int
    pix2pix_batch: int
    pix2pix_width: int
    pix2pix_lr: float
    pix2pix_adversarial: float
    decay_from: float
    train_length: int
    eval_samples: int
    scale: float = 0.5
    flatten: bool = True
    caveat: str = ""

    def experiments(self, seed: int) -> list[Experiment]:
        """The plain GAN and the pix2pix run of this profile, seeded with ``seed``."""
        data = (
            f"dataset.name={DATASET}",
            f"dataset.params.image_size={self.image_size}",
            f"dataset.params.length={self.train_length}",
            f"dataset.params.scale={self.scale}",
            f"dataset.params.flatten={str(self.flatten).lower()}",
            f"train.seed={seed}",
            "train.device=cpu",
            f"eval.n_samples={self.eval_samples}",
        )
        constant = int(self.pix2pix_steps * self.decay_from)
        schedule = (
            '{kind="linear-decay",unit="step",'
            f"constant={constant},decay={self.pix2pix_steps - constant}}}"
        )
        gan = Experiment(
            key="gan",
            preset="retina-dcgan",
            title="plain GAN (DCGAN) on unpaired fundus patches",
            overrides=(
                *data,
                "dataset.params.paired=false",
                f"generator.params.base_channels={self.gan_width}",
                f"discriminator.params.base_channels={self.gan_width}",
                f"train.steps={self.gan_steps}",
                f"train.batch_size={self.gan_batch}",
            ),
            metrics=GAN_METRICS,
        )
        pix2pix = Experiment(
            key="pix2pix",
            preset="retina-pix2pix",
            title="pix2pix on vessel mask / fundus pairs",
            overrides=(
                *data,
                "dataset.params.paired=true",
                f"generator.params.base_channels={self.pix2pix_width}",
                f"discriminator.params.base_channels={self.pix2pix_width}",
                f"train.steps={self.pix2pix_steps}",
                f"train.batch_size={self.pix2pix_batch}",
                f"train.lr={self.pix2pix_lr}",
                f"losses.0.weight={self.pix2pix_adversarial}",
                f"train.schedule={schedule}",
            ),
            metrics=PIX2PIX_METRICS,
        )
        return [gan, pix2pix]


#: What ``--quick`` can and cannot show (measured: see the plugin's RESULTS.md).
QUICK_CAVEAT = (
    "--quick is a smoke test of the pipeline (both trainings, the held-out evaluation, the page), "
    "not a result. Its 160 plain-GAN steps (with the preset's DiffAugment and R1 penalty, which keep "
    "it from collapsing into one image) give patches that differ from one another about as much as "
    "real ones, but they are fundus-coloured noise with a grid texture, without vessels. Its single "
    "200-step pix2pix run, scored on "
    "128 held-out patches, shows the direction of pix2pix vs the trivial predictor, not a reliable "
    "margin. For the comparison run `ganzoo demo` without --quick."
)

PROFILES = {
    "default": Profile(
        name="default", image_size=64,
        gan_steps=400, gan_batch=32, gan_width=32,
        pix2pix_steps=400, pix2pix_batch=8, pix2pix_width=32, pix2pix_lr=4e-4, pix2pix_adversarial=0.01,
        decay_from=0.5,
        train_length=512, eval_samples=256,
    ),
    "quick": Profile(
        name="quick", image_size=64,
        gan_steps=160, gan_batch=16, gan_width=32,
        pix2pix_steps=200, pix2pix_batch=8, pix2pix_width=32, pix2pix_lr=4e-4, pix2pix_adversarial=0.01,
        decay_from=0.5,
        train_length=512, eval_samples=128,
        caveat=QUICK_CAVEAT,
    ),
}
