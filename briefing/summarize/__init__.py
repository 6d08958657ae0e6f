"""Summarizer backends behind one interface (base.Summarizer); the table of backends is registry.py."""

from .registry import BACKENDS, KINDS, get_summarizer

__all__ = ["BACKENDS", "KINDS", "get_summarizer"]
