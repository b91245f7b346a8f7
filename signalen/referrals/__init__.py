"""Doorverwijzingen: referrals from a signal or contact to a service, with outcomes."""

from __future__ import annotations

from flask import Flask

SETTINGS = {
    # Default follow-up date of a new referral: this many days from today (0: empty).
    "REFERRALS_FOLLOW_UP_DAYS": 14,
    # How many "op maat" suggestions the referral form shows.
    "REFERRALS_SUGGESTION_LIMIT": 8,
}


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, CLI commands and search sources on ``app``."""
    from signalen.audit.services import register_actions
    from signalen.referrals import models  # noqa: F401 (tables in db.metadata)
    from signalen.referrals.routes import bp
    from signalen.referrals.services import AUDIT_ACTIONS, can_create, referrals_for_signal

    for key, value in SETTINGS.items():
        app.config.setdefault(key, value)
    app.register_blueprint(bp)
    # The signal page links to the referral form and lists the signal's referrals.
    app.jinja_env.globals["can_refer"] = can_create
    app.jinja_env.globals["signal_referrals"] = referrals_for_signal
    register_actions(AUDIT_ACTIONS)
