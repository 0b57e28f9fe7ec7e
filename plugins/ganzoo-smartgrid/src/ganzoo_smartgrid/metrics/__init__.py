"""Metrics for synthetic load curves, each a pure function of real and synthetic arrays.

The registered metric classes ([`ganzoo_smartgrid.metrics.components`][ganzoo_smartgrid.metrics.components]) only fetch data from
ganzoo's EvalContext and call these functions, so every number can be reproduced (and tested)
without a trained run.
"""
