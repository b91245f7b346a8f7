"""The mail service: queue a message in the current transaction, send the outbox afterwards.

:func:`queue_mail` renders a message from ``templates/mail/<name>.txt`` (and ``.html`` when
there is one) in the recipient's language and adds it to the outbox table; the caller
commits, so a rolled-back change sends nothing. :func:`send_pending` (run by the worker,
right after such a commit and every minute) sends what is due, one row at a time: it claims
the row, sends it, and marks it sent. A failed attempt is retried with back-off; a crash
between the SMTP server's "250 OK" and the commit sends that message again with the same
Message-ID (at-least-once delivery).
"""

from __future__ import annotations

import smtplib
import uuid
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from jinja2 import TemplateNotFound
from sqlalchemy import func, or_, select, update

from signalen.core.models import utcnow
from signalen.extensions import db
from signalen.mail.models import FAILED, PENDING, SENT, MailMessage
from signalen.mail.transport import open_transport

WRITTEN = "mail_outbox_written"


def mail_url(endpoint: str, **values: Any) -> str:
    """An absolute link for a message, also outside a request (the CLI, the worker).

    ``BASE_URL`` (else ``SERVER_NAME``) decides when set; in a request without either, the
    request's own address.
    """
    from signalen.core.urls import external_url, site_base_url

    if has_request_context():
        return external_url(endpoint, **values)
    base = site_base_url() or "http://localhost"
    with current_app.test_request_context(base_url=base):
        return url_for(endpoint, _external=True, **values)


def _domain() -> str:
    """The domain of Message-IDs: from ``BASE_URL``, else ``MAIL_FROM``, else a fixed one."""
    host = urlsplit(current_app.config.get("BASE_URL") or "").hostname
    if host:
        return host
    address = parseaddr(current_app.config.get("MAIL_FROM") or "")[1]
    return address.rpartition("@")[2] or "signalen.local"


@dataclass
class Rendered:
    subject: str
    text: str
    html: str | None


def render(template: str, context: dict[str, Any], locale: str) -> Rendered:
    """Render ``mail/<template>.txt`` (which sets ``subject``) and ``.html`` in ``locale``."""
    env = current_app.jinja_env
    values = {
        "site_name": current_app.config.get("SITE_NAME", "Signalen"),
        "mail_url": mail_url,
        **context,
    }
    with force_locale(locale):
        module = env.get_template(f"mail/{template}.txt").make_module(values)
        subject = " ".join(str(getattr(module, "subject", "")).split())
        text = str(module).strip() + "\n"
        try:
            html_template = env.get_template(f"mail/{template}.html")
        except TemplateNotFound:
            html = None
        else:
            html = html_template.render(subject=subject, **values)
    if not subject:
        raise ValueError(f"mail/{template}.txt sets no subject")
    return Rendered(subject, text, html)


def queue_mail(
    recipient: str,
    template: str,
    context: dict,
    *,
    locale: str | None = None,
    headers: dict[str, str] | None = None,
) -> MailMessage:
    """Add a message to the outbox in the current transaction (the caller commits).

    ``template`` names ``templates/mail/<template>.txt`` (it sets ``subject``) and an
    optional ``.html``; ``locale`` is the recipient's language (default: the current one).
    ``headers`` are extra headers, e.g. ``List-Unsubscribe``.
    """
    from signalen.core.i18n import select_locale

    chosen = locale if locale in current_app.config["LANGUAGES"] else select_locale()
    rendered = render(template, context, chosen)
    message = MailMessage(
        recipient=recipient,
        template=template,
        locale=chosen,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        headers=dict(headers or {}),
        message_id=f"<{uuid.uuid4().hex}.{template}@{_domain()}>",
        status=PENDING,
        attempts=0,
        next_attempt_at=utcnow(),
        created_at=utcnow(),
    )
    db.session.add(message)
    db.session.info[WRITTEN] = True
    return message


def build_email(row: MailMessage) -> EmailMessage:
    """The MIME message of an outbox row: plain text, plus HTML when rendered."""
    message = EmailMessage()
    message["Subject"] = row.subject
    message["From"] = current_app.config.get("MAIL_FROM") or f"noreply@{_domain()}"
    message["To"] = row.recipient
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = row.message_id
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (row.headers or {}).items():
        message[name] = value
    message.set_content(row.body_text)
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html")
    message["Content-Language"] = row.locale  # after set_content, which drops Content-*
    return message


def retry_delay(attempts: int) -> timedelta:
    """The wait after ``attempts`` failed attempts: 1, 2, 4 … min, at most ``MAIL_RETRY_MAX``."""
    base = int(current_app.config.get("MAIL_RETRY_BASE", 60))
    most = int(current_app.config.get("MAIL_RETRY_MAX", 6 * 60 * 60))
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), most))


def pending_count() -> int:
    """How many messages wait to be sent (also those waiting for a retry)."""
    query = select(func.count()).select_from(MailMessage).where(MailMessage.status == PENDING)
    return db.session.scalar(query) or 0


def _due_ids(limit: int) -> list[int]:
    now = utcnow()
    query = (
        select(MailMessage.id)
        .where(
            MailMessage.status == PENDING,
            MailMessage.next_attempt_at <= now,
            or_(MailMessage.claimed_until.is_(None), MailMessage.claimed_until < now),
        )
        .order_by(MailMessage.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def _claim(row_id: int) -> bool:
    """Mark a row as being sent by this worker; False when another worker has it."""
    now = utcnow()
    claim = timedelta(seconds=int(current_app.config.get("MAIL_CLAIM_SECONDS", 300)))
    result = db.session.execute(
        update(MailMessage)
        .where(
            MailMessage.id == row_id,
            MailMessage.status == PENDING,
            or_(MailMessage.claimed_until.is_(None), MailMessage.claimed_until < now),
        )
        .values(claimed_until=now + claim)
    )
    db.session.commit()
    return result.rowcount == 1


def _permanent(error: Exception) -> bool:
    """A refusal that will not change by trying again (5xx, every recipient refused)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return True
    code = getattr(error, "smtp_code", None)
    return isinstance(code, int) and 500 <= code < 600


def send_pending(limit: int = 500) -> dict[str, int]:
    """Send the due messages of the outbox; returns counts of sent, retry and failed.

    Never raises for the mail server: when it cannot be reached the rest waits for the
    next run. Each message is committed as sent on its own, right after the server took it.
    """
    counts = {"sent": 0, "retry": 0, "failed": 0}
    most = int(current_app.config.get("MAIL_MAX_ATTEMPTS", 12))
    transport = open_transport()
    try:
        for row_id in _due_ids(limit):
            if not _claim(row_id):
                continue
            row = db.session.get(MailMessage, row_id)
            try:
                transport.send(build_email(row))
            except (OSError, smtplib.SMTPException) as error:
                row.attempts += 1
                row.claimed_until = None
                row.last_error = f"{type(error).__name__}: {error}"[:1000]
                if _permanent(error) or row.attempts >= most:
                    row.status = FAILED
                    counts["failed"] += 1
                else:
                    row.next_attempt_at = utcnow() + retry_delay(row.attempts)
                    counts["retry"] += 1
                db.session.commit()
                current_app.logger.warning(
                    "Mail %s not sent (attempt %d): %s", row.id, row.attempts, row.last_error
                )
                if not _permanent(error):
                    transport.close()
                    break  # the server is away: the rest waits for the next run
                continue
            row.status = SENT
            row.sent_at = utcnow()
            row.attempts += 1
            row.claimed_until = None
            row.last_error = None
            db.session.commit()
            counts["sent"] += 1
    finally:
        transport.close()
    return counts


def purge_sent(days: int | None = None) -> int:
    """Delete sent messages older than ``MAIL_KEEP_DAYS`` (the outbox is no archive)."""
    keep = days if days is not None else int(current_app.config.get("MAIL_KEEP_DAYS", 30))
    cutoff = utcnow() - timedelta(days=keep)
    result = db.session.execute(
        MailMessage.__table__.delete().where(
            MailMessage.status == SENT, MailMessage.sent_at < cutoff
        )
    )
    db.session.commit()
    return result.rowcount
