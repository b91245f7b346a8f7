"""Signaleringsrapportage: digests over a period, drafted and published as immutable versions."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, CLI commands and search sources on ``app``."""
    from huey import crontab

    from signalen.audit.services import register_actions
    from signalen.core.dates import local_today
    from signalen.digests import models  # noqa: F401 (tables in the metadata)
    from signalen.digests.cli import digest_command
    from signalen.digests.routes import bp
    from signalen.digests.services import AUDIT_ACTIONS, create_quarterly_draft
    from signalen.mail.jobs import periodic

    app.register_blueprint(bp)
    register_actions(AUDIT_ACTIONS)
    app.cli.add_command(digest_command)
    periodic(
        app,
        "quarterly_digest",
        crontab(month="1,4,7,10", day="1", hour="7", minute="0"),
        lambda: create_quarterly_draft(local_today()),
    )
