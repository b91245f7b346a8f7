"""Doorverwijzingen: referrals from a signal or contact to a service, with outcomes."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, CLI commands and search sources on ``app``."""
    from signalen.audit.services import register_actions
    from signalen.referrals import models  # noqa: F401 (tables in db.metadata)
    from signalen.referrals.access import can_create
    from signalen.referrals.queries import referrals_for_signal
    from signalen.referrals.routes import bp
    from signalen.referrals.services import AUDIT_ACTIONS

    app.register_blueprint(bp)
    # The signal page links to the referral form and lists the signal's referrals.
    app.jinja_env.globals["can_refer"] = can_create
    app.jinja_env.globals["signal_referrals"] = referrals_for_signal
    register_actions(AUDIT_ACTIONS)
