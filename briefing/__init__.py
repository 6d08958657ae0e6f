"""briefing: offline news summaries and dated daily briefings."""

import logging

__version__ = "0.2.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
