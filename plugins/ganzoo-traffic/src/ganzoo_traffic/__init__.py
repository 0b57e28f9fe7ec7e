"""ganzoo-traffic: synthetic road-accident records with CTGAN-style tabular GANs.

Components (registered through the ``ganzoo`` entry point): the ``ctgan`` generator, the
``pacgan`` discriminator, the ``conditional-ce``, ``masked-wasserstein`` and
``masked-gradient-penalty`` losses, the ``accidents-sim``, ``stats19``, ``us-accidents`` and
``table-csv`` datasets, tabular fidelity/detection/augmentation metrics and the
``traffic-ctgan`` preset.
"""

__version__ = "0.1.0"
