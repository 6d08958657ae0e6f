"""Summarizer backends behind one interface; see base.py."""

from .base import BACKENDS, Summarizer, get_summarizer, register

__all__ = ["BACKENDS", "Summarizer", "get_summarizer", "register"]
