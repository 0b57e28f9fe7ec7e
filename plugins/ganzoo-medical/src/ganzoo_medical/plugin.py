"""ganzoo-medical's plugin module: registers the retina datasets, metric, presets and ``ganzoo demo``.

Loaded through the ``[project.entry-points.ganzoo] medical`` entry point. It imports only the
pydantic configs; targets are ``"module:Class"`` strings, so ``ganzoo list`` and ``ganzoo --help``
stay free of torch, scikit-image and scipy until a component is built or the demo runs.
"""

from __future__ import annotations

from importlib import resources

from ganzoo.plugin import CommandRegister, PresetRegister, Register, hookimpl
from ganzoo_medical import configs as c


@hookimpl
def ganzoo_register_datasets(register: Register) -> None:
    register("retina-procedural", "ganzoo_medical.procedural:RetinaProcedural", config=c.RetinaProceduralConfig)
    register("retina-skimage", "ganzoo_medical.skimage_retina:RetinaSkimage", config=c.RetinaSkimageConfig)
    register("fundus", "ganzoo_medical.fundus:Fundus", config=c.FundusConfig)


@hookimpl
def ganzoo_register_metrics(register: Register) -> None:
    register("vessel-agreement", "ganzoo_medical.metrics:VesselAgreement", config=c.VesselAgreementConfig)


#: Preset name -> one-line summary; each has ``presets/<name>.toml``.
PRESETS = {
    "retina-pix2pix": "Vessel mask -> fundus pix2pix on procedural retinas, 64 px, CPU-sized.",
    "retina-dcgan": "DCGAN on unpaired procedural fundus images, 64 px, CPU-sized.",
    "retina-pix2pix-512": "Vessel mask -> fundus pix2pix at paper scale (Costa et al.: 512 px, batch 1).",
    "retina-dcgan-256": "DCGAN on unpaired procedural fundus images at 256 px.",
    "retina-cyclegan": "Vessel mask <-> fundus without pairs (CycleGAN), 64 px procedural eyes, CPU-sized.",
}


@hookimpl
def ganzoo_register_presets(register: PresetRegister) -> None:
    folder = resources.files("ganzoo_medical") / "presets"
    for name, summary in PRESETS.items():
        register(name, str(folder / f"{name}.toml"), summary=summary)


@hookimpl
def ganzoo_register_commands(register: CommandRegister) -> None:
    register(
        "demo",
        "ganzoo_medical.demo.cli:configure",
        help="reproduce the GAN vs pix2pix retina comparison on bundled data (minutes on a CPU)",
    )
