"""Tabular metrics: pure functions of (real, synthetic) DataFrames plus EvalContext adapters."""
