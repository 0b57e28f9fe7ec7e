"""``ganzoo demo``: the study behind ganzoo, reproduced on bundled data in minutes on a CPU.

A plain GAN (``retina-dcgan``) on unpaired fundus patches against pix2pix (``retina-pix2pix``)
on vessel mask / fundus pairs of the same real photograph, compared the way the study compared
them (losses per epoch, samples after the first and the last epoch, validation error on
held-out data), with the trivial predictor as the yardstick of the validation error.

Modules: :mod:`~ganzoo.demo.profiles` (what is trained, no torch), :mod:`~ganzoo.demo.baseline`
(the trivial predictor), :mod:`~ganzoo.demo.study` (the stages), :mod:`~ganzoo.demo.page`
(``compare.html`` and the terminal table). Importing this package is cheap.
"""

from __future__ import annotations

from ganzoo.demo.profiles import PROFILES, Experiment, Profile
from ganzoo.demo.study import DemoResult, run_demo

__all__ = ["PROFILES", "DemoResult", "Experiment", "Profile", "run_demo"]
