"""One exception family, caught at the CLI edge."""

from __future__ import annotations


class BriefingError(Exception):
    """Something the user can fix; the message says what and how."""

    exit_code = 1


class ConfigError(BriefingError):
    """A bad setting, option value or config file; `key`: the setting at fault, when one is."""

    exit_code = 2

    def __init__(self, message: str, key: str | None = None):
        super().__init__(message)
        self.key = key


class IngestError(BriefingError):
    """An input that cannot be read as articles."""

    exit_code = 3


class FetchError(IngestError):
    """A remote server gave no usable answer (unreachable, timed out, an HTTP error, too large, too many
    redirects): the other server's failure, not the input's (serve answers 502, not 422)."""


class NoInputError(IngestError):
    """Nothing usable was given."""

    exit_code = 3


class ModelNotFound(BriefingError):
    """A model that is not present on this machine."""

    exit_code = 4


class ModelError(BriefingError):
    """A model that is present but cannot be loaded or run."""

    exit_code = 4


class OutputError(BriefingError):
    """The briefing could not be written (full disk, read-only folder); what was there before is intact."""

    exit_code = 6


class StuckRunError(BriefingError):
    """Another run has held the output folder's lock for longer than stale_lock: likely hung."""

    exit_code = 7


class BusyError(BriefingError):
    """Another run holds the output folder's lock: this run skips (exit 0, so cron sends no mail)."""

    exit_code = 0


class MailError(BriefingError):
    """The brief was written, but mailing it (mail_to) failed: the files stay; the message names the fix."""

    exit_code = 8
