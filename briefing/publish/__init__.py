"""Publishing: stories -> a dated Briefing (compose.py), rendered in every format (render.py, formats.py),
written together atomically under the output folder's lock, with the index (output.py)."""
