"""E-mail through the SMTP server the configuration names (``ParcoursConfig.smtp_*``):
one way to connect and one way to write a message for every sender — the learners'
reminders (:mod:`.compliance.remind`), the tutors' reminder and the answer to a
question (:mod:`.tutoring.remind`), peer review's appeals (:mod:`.peer.notify`).

E-mail is off until ``smtp_host`` and ``smtp_sender`` are set (:func:`enabled`)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from typing import TYPE_CHECKING

from .errors import ConfigurationError, ParcoursError
from .i18n import _

if TYPE_CHECKING:
    from .config import ParcoursConfig


def enabled(config: ParcoursConfig) -> bool:
    """Whether an SMTP server and a sender are configured."""
    return bool(config.smtp_host and config.smtp_sender)


def _require(config: ParcoursConfig) -> None:
    if not enabled(config):
        raise ConfigurationError(
            _(
                "sending e-mail needs an SMTP server: set c.ParcoursConfig.smtp_host and "
                "c.ParcoursConfig.smtp_sender (and smtp_port, smtp_user, smtp_password if "
                "needed) in jupyter_config.py"
            )
        ).about("smtp_host")


def _open(config: ParcoursConfig) -> smtplib.SMTP:
    server = smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=30)
    if config.smtp_starttls:
        server.starttls()
    if config.smtp_user:
        server.login(config.smtp_user, config.smtp_password)
    return server


def _unusable(config: ParcoursConfig, error: Exception, what: str) -> ParcoursError:
    return ParcoursError(
        _(
            "{what} was not sent: the SMTP server {host}:{port} answered {error}; check "
            "smtp_host, smtp_port, smtp_starttls, smtp_user and smtp_password in "
            "jupyter_config.py."
        ).format(what=what, host=config.smtp_host, port=config.smtp_port, error=error)
    )


def connect(config: ParcoursConfig, what: str) -> smtplib.SMTP:
    """A connection to the SMTP server (STARTTLS and login done when configured), for
    sending several messages. A :class:`ConfigurationError` when no server is set; a
    :class:`ParcoursError` saying ``what`` was not sent when the server cannot be used."""
    _require(config)
    try:
        return _open(config)
    except (OSError, smtplib.SMTPException) as exc:
        raise _unusable(config, exc, what) from None


def send(config: ParcoursConfig, message: EmailMessage, what: str) -> None:
    """Send one message (``what``: what it is, for the error saying it was not sent)."""
    _require(config)
    try:
        with _open(config) as server:
            server.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise _unusable(config, exc, what) from None


def message(config: ParcoursConfig, to: list[str], subject: str, body: str) -> EmailMessage:
    """A plain-text message from the configured sender, marked as sent by a program
    (``Auto-Submitted``: out-of-office replies are not sent back)."""
    made = EmailMessage()
    made["From"] = config.smtp_sender
    made["To"] = ", ".join(to)
    made["Subject"] = subject
    made["Message-ID"] = make_msgid(domain="parcours")
    made["Auto-Submitted"] = "auto-generated"
    made.set_content(body)
    return made
