"""ganzoo-smartgrid: synthetic smart-meter load curves for ganzoo.

Registers (through the ``ganzoo`` entry point) the ``load-profiles`` dataset (BDEW standard load
profiles x stochastic customers), loaders for London LCL, UCI ElectricityLoadDiagrams20112014,
UCI household power and generic long/wide CSV, 1-D convolutional and recurrent series GANs,
grid-analyst metrics (TimeGAN scores, k-means agreement, train-on-synthetic forecasting,
autocorrelation and profile statistics) and the ``smartgrid-cgan`` preset.
"""

__version__ = "0.1.0"
