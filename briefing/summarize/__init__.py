"""Summarizer backends behind one interface (base.Summarizer); the table of backends is registry.py; the
summarize stage of a build is stage.py."""
