"""Experiment trackers: the ``logger`` component kind and the built-in TensorBoard and MLflow loggers.

A run lists its loggers in ``train.loggers``; [`ganzoo.engine.tracking.LoggerCallback`][ganzoo.engine.tracking.LoggerCallback]
feeds them every metrics record and sample grid. Each built-in logger needs an optional extra
(``ganzoo[tensorboard]``, ``ganzoo[mlflow]``) and says so in one line when it is missing.
"""
