"""ganzoo-example-plugin: the plugin built step by step in the ganzoo plugin tutorial.

The package stays import-cheap: `ganzoo_example.plugin` (the entry point) imports only the
pydantic configs, and the torch code in `ganzoo_example.models`, `ganzoo_example.data`
and `ganzoo_example.metrics` is imported when a component is first created.
"""

__version__ = "0.1.0"
