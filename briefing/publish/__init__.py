"""Publishing: stories -> a dated Briefing (compose.py), rendered in every format (render.py; the names in
formats.py), written together atomically under the output folder's lock with the index (output.py), the
briefs as an Atom feed (feed.py) and by mail (mail.py)."""
