"""Accident tables: the simulator, file loaders, missingness injection and the datasets."""
