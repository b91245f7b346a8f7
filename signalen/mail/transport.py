"""Where messages go: an SMTP server (``MAIL_SERVER``), else ``.eml`` files (instance folder)."""

from __future__ import annotations

import contextlib
import smtplib
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from flask import current_app


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None: ...

    def close(self) -> None: ...


class SmtpTransport:
    """One SMTP connection for a batch, opened on the first message."""

    def __init__(self) -> None:
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        config = current_app.config
        host, port = config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25)
        timeout = float(config.get("MAIL_TIMEOUT") or 30)
        if config.get("MAIL_USE_SSL"):
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout)
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        return smtp

    def send(self, message: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        self._smtp.send_message(message)

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
            self._smtp = None


class FileTransport:
    """Without a mail server: each message becomes ``instance/mail/<n>.eml`` and a log line."""

    def __init__(self) -> None:
        self.folder = Path(current_app.instance_path) / "mail"

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").split("@", 1)[0]
        path = self.folder / f"{name}.eml"
        path.write_bytes(bytes(message))
        current_app.logger.info("Mail %r written to %s (no MAIL_SERVER)", message["Subject"], path)

    def close(self) -> None:
        pass


def open_transport() -> Transport:
    """SMTP when ``MAIL_SERVER`` is set, else the instance folder."""
    if current_app.config.get("MAIL_SERVER"):
        return SmtpTransport()
    return FileTransport()
