"""ganzoo-example-plugin: the plugin built step by step in the ganzoo plugin tutorial.

The package stays import-cheap: :mod:`ganzoo_example.plugin` (the entry point) imports only the
pydantic configs, and the torch code in :mod:`ganzoo_example.models`, :mod:`ganzoo_example.data`
and :mod:`ganzoo_example.metrics` is imported when a component is first created.
"""

__version__ = "0.1.0"
