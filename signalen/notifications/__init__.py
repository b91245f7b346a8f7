"""Notifications: who hears what, in the app and (through the mail outbox) by e-mail."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's tables, blueprint, command and the header's unread count."""
    from flask_login import current_user
    from huey import crontab

    from signalen.mail.jobs import periodic
    from signalen.notifications import models  # noqa: F401 (tables in the metadata)
    from signalen.notifications.cli import notifications_due_command
    from signalen.notifications.delivery import deliver
    from signalen.notifications.routes import bp
    from signalen.notifications.services import connect_events, remind_due, unread_count

    app.register_blueprint(bp)
    app.cli.add_command(notifications_due_command)
    connect_events()
    periodic(app, "notifications.deliver", crontab(minute="*/5"), deliver)
    periodic(app, "notifications.due", crontab(hour="6", minute="30"), remind_due)

    @app.context_processor
    def unread_notifications() -> dict:
        def count() -> int:
            if not getattr(current_user, "is_authenticated", False):
                return 0
            return unread_count(current_user)

        return {"unread_notifications": count}
