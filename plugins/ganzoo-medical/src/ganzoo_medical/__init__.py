"""ganzoo-medical: retinal fundus synthesis for ganzoo.

Datasets ``retina-procedural`` (seeded synthetic eyes), ``retina-skimage`` (patches of the fundus
photograph bundled with scikit-image) and ``fundus`` (DRIVE, STARE, CHASE_DB1, HRF, vess2ret),
the ``vessel-agreement`` metric and the ``retina-*`` presets. Everything registers through the
``ganzoo`` entry point; see [`ganzoo_medical.plugin`][ganzoo_medical.plugin].
"""

__version__ = "0.1.0"
