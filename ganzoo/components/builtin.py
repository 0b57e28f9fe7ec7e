"""ganzoo's own plugin: registers the built-in components through the public hooks.

It is loaded from ganzoo's entry point like any third-party plugin. Targets are given as
``"module:Class"`` strings so that listing components does not import torch.
"""

from __future__ import annotations

from importlib import resources

from ganzoo.components import configs as c
from ganzoo.plugins.hookspecs import hookimpl
from ganzoo.plugins.register import PresetRegister, Register


@hookimpl
def ganzoo_register_generators(register: Register) -> None:
    register("dcgan", "ganzoo.components.dcgan:DCGANGenerator", config=c.DCGANGeneratorConfig)
    register("unet", "ganzoo.components.unet:UNetGenerator", config=c.UNetGeneratorConfig)
    register("resnet", "ganzoo.components.resnet:ResnetGenerator", config=c.ResnetGeneratorConfig,
             summary="CycleGAN's ResNet generator (9 blocks, 64 base channels, 3->3: 11,378,179 parameters).")
    register("cyclegan", "ganzoo.components.cyclegan:CycleGANGenerator", config=c.CycleGANGeneratorConfig)


@hookimpl
def ganzoo_register_discriminators(register: Register) -> None:
    register("dcgan", "ganzoo.components.dcgan:DCGANDiscriminator", config=c.DCGANDiscriminatorConfig)
    register("patchgan", "ganzoo.components.patchgan:PatchGANDiscriminator", config=c.PatchGANDiscriminatorConfig)
    register("cyclegan", "ganzoo.components.cyclegan:CycleGANDiscriminator", config=c.CycleGANDiscriminatorConfig)


@hookimpl
def ganzoo_register_losses(register: Register) -> None:
    register("adversarial", "ganzoo.components.losses:AdversarialLoss", config=c.AdversarialLossConfig,
             summary="Adversarial loss: vanilla, nonsaturating, lsgan, hinge or wasserstein.")
    register("gradient-penalty", "ganzoo.components.losses:GradientPenalty", config=c.GradientPenaltyConfig)
    register("r1", "ganzoo.components.losses:R1Penalty", config=c.R1Config)
    register("l1", "ganzoo.components.losses:L1Loss", config=c.L1Config)
    register("cycle", "ganzoo.components.cycle_losses:CycleLoss", config=c.CycleConfig)
    register("identity", "ganzoo.components.cycle_losses:IdentityLoss", config=c.IdentityConfig)


@hookimpl
def ganzoo_register_datasets(register: Register) -> None:
    register("image-folder", "ganzoo.components.datasets:ImageFolder", config=c.ImageFolderConfig)
    register("aligned-pairs", "ganzoo.components.datasets:AlignedPairs", config=c.AlignedPairsConfig)
    register("paired-folders", "ganzoo.components.datasets:PairedFolders", config=c.PairedFoldersConfig)
    register("unpaired-folders", "ganzoo.components.unpaired:UnpairedFolders", config=c.UnpairedFoldersConfig)


@hookimpl
def ganzoo_register_presets(register: PresetRegister) -> None:
    presets = resources.files("ganzoo") / "presets"
    register("pix2pix", str(presets / "pix2pix.toml"),
             summary="pix2pix reference: unet + patchgan + nonsaturating GAN + 100 x L1, batch 1.")
    register("dcgan", str(presets / "dcgan.toml"),
             summary="DCGAN reference: latent 100, Adam 2e-4 (0.5, 0.999), batch 64.")
    register("cyclegan", str(presets / "cyclegan.toml"),
             summary="CycleGAN reference: 2 x resnet-9 + 2 x instance-norm patchgan, LSGAN, cycle 10, identity 5, "
             "pool 50, batch 1.")


@hookimpl
def ganzoo_register_metrics(register: Register) -> None:
    from ganzoo.metrics import configs as m

    register("paired-image", "ganzoo.metrics.image:PairedImageMetric", config=m.PairedImageConfig)
    register("fid", "ganzoo.metrics.fidelity:FID", config=m.FIDConfig)
    register("kid", "ganzoo.metrics.fidelity:KID", config=m.KIDConfig)
    register("inception-score", "ganzoo.metrics.fidelity:InceptionScore", config=m.InceptionScoreConfig)
    register("precision-recall", "ganzoo.metrics.fidelity:PrecisionRecall", config=m.PrecisionRecallConfig)
    register("dcr", "ganzoo.metrics.privacy.metrics:DCR", config=m.DCRConfig)
    register("training-copies", "ganzoo.metrics.privacy.metrics:TrainingCopies", config=m.TrainingCopiesConfig)
    register("membership-inference", "ganzoo.metrics.privacy.metrics:MembershipInference",
             config=m.MembershipInferenceConfig)


@hookimpl
def ganzoo_register_loggers(register: Register) -> None:
    from ganzoo.loggers import configs as lg

    register("tensorboard", "ganzoo.loggers.tensorboard_logger:TensorBoardLogger", config=lg.TensorBoardLoggerConfig)
    register("mlflow", "ganzoo.loggers.mlflow_logger:MLflowLogger", config=lg.MLflowLoggerConfig)
