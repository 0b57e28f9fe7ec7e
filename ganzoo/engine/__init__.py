"""The generic adversarial engine: training loop, checkpoints, runs and sampling."""
