"""The brief by mail: one multipart message (the Markdown as text, the HTML page as its alternative) to `mail_to`
through SMTP, sent after the day's files are written. A failure keeps the files and is one MailError line."""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from ..config import Settings
from ..documents import Briefing
from ..errors import ConfigError, MailError
from ..stories.history import Note

logger = logging.getLogger(__name__)


def ready(settings: Settings) -> None:
    """Refuse, before any work, a mail setting that cannot work: a login without its password in the environment."""
    if settings.mail_to and settings.smtp_user and os.environ.get(settings.smtp_password_env) is None:
        raise ConfigError(f"smtp_user = {settings.smtp_user!r} needs its password in ${settings.smtp_password_env}, "
                          "which is not set; export it, or unset smtp_user.", "smtp_user")


def message(briefing: Briefing, settings: Settings, notes: Mapping[str, Note] | None = None) -> EmailMessage:
    """The brief as a mail: text (the Markdown, without its front matter) and HTML (the page) alternatives."""
    from .feed import title_of
    from .render import strip_front_matter, to_html, to_markdown

    md = to_markdown(briefing, notes)
    developing = sum(n.status == "developing" for n in (notes or {}).values())
    n = len(briefing.all_stories)
    msg = EmailMessage()
    msg["Subject"] = (f"{title_of(briefing.day)}: {n} stor{'y' if n == 1 else 'ies'}"
                      + (f", {developing} developing" if developing else ""))
    msg["From"] = settings.mail_from
    msg["To"] = ", ".join(settings.mail_to)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid("briefing", settings.mail_from.rpartition("@")[2])
    msg.set_content(strip_front_matter(md).lstrip("\n"))
    msg.add_alternative(to_html(briefing, md, notes), subtype="html")
    return msg


def send_brief(briefing: Briefing, settings: Settings, notes: Mapping[str, Note] | None = None) -> None:
    """Mail the brief to settings.mail_to (nothing when it is empty); MailError when that fails."""
    if not settings.mail_to:
        return
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        msg = message(briefing, settings, notes)
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout) as smtp:
            smtp.ehlo()
            if settings.smtp_starttls:
                if not smtp.has_extn("starttls"):
                    raise MailError(f"The mail server {where} does not offer STARTTLS, so the brief was not mailed "
                                    "(the files are written); use a server that does, or set smtp_starttls = false "
                                    "for one on this machine.")
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, os.environ.get(settings.smtp_password_env, ""))
            refused = smtp.send_message(msg)
    except MailError:
        raise
    except (OSError, smtplib.SMTPException, UnicodeError) as e:
        reason = " ".join(str(e).split()) or type(e).__name__
        raise MailError(f"Mailing the brief to {', '.join(settings.mail_to)} through {where} failed ({reason}); the "
                        "files are written. Check smtp_host, smtp_port and the server, then run again.") from None
    if refused:
        raise MailError(f"The mail server {where} refused {', '.join(sorted(refused))}; the brief went to the other "
                        "addresses and the files are written. Fix mail_to.")
    logger.info("mailed the brief to %s through %s", ", ".join(settings.mail_to), where)
