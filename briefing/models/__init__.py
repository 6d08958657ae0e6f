"""Models: the registry of names and where their weights are, the sentence encoder, the weights this package
ships (trained by training/, under weights/), and the per-run bundle that loads each once."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def shipped(name: str) -> Path:
    """The folder of weights this package ships (weights/NAME), loaded through importlib.resources so that an
    installed wheel finds them as an editable checkout does."""
    return Path(str(resources.files(__package__) / "weights" / name))
