"""Experiment files: reading (TOML, presets, ``--set`` overrides), validation and assembly."""
