"""``ganzoo demo``: the study behind ganzoo, reproduced on bundled data in minutes on a CPU.

A plain GAN (``retina-dcgan``) on unpaired fundus patches against pix2pix (``retina-pix2pix``)
on vessel mask / fundus pairs of the same real photograph, compared the way the study compared
them (losses per epoch, samples after the first and the last epoch, validation error on
held-out data), with the trivial predictor as the yardstick of the validation error.

The subcommand comes from ganzoo-medical's ``ganzoo_register_commands`` hook
([`cli`][ganzoo_medical.demo.cli]), so it exists exactly when this plugin is installed and loaded.
Modules: [`profiles`][ganzoo_medical.demo.profiles] (what is trained, no torch),
[`baseline`][ganzoo_medical.demo.baseline] (the trivial predictor), [`study`][ganzoo_medical.demo.study]
(the stages), [`page`][ganzoo_medical.demo.page] (``compare.html`` and the terminal table).
Importing this package is cheap (no torch).
"""

from __future__ import annotations

from ganzoo_medical.demo.profiles import PROFILES, Experiment, Profile
from ganzoo_medical.demo.study import DemoResult, run_demo

__all__ = ["PROFILES", "DemoResult", "Experiment", "Profile", "run_demo"]
