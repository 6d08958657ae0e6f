"""briefing: offline news summaries and dated daily briefings."""

import logging

__version__ = "0.3.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
