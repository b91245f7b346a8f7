"""``flask notifications-due``: remind coordinators of what is due (run daily)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("notifications-due")
@with_appcontext
def notifications_due_command() -> None:
    """Make notifications for services to check, overdue agreements, referrals and radar rises."""
    from signalen.notifications.services import remind_due

    click.echo(f"{remind_due()} meldingen gemaakt.")
