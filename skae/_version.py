"""The version of skae (read by pyproject.toml and by skae.io for the files it writes)."""

__version__ = "0.1.0.dev0"
