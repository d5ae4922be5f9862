"""The knowledge as data: graph, lexicons, templates, sample mail; `data_dir()` is the one way to find it."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def data_dir() -> Path:
    """The folder of the shipped knowledge (graph.toml, lexicons/, templates/, samples/)."""
    return Path(str(resources.files(__name__)))
