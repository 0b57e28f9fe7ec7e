"""Registry of components, their protocols, configs and errors."""
