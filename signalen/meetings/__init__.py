"""Signaleringsoverleg: meetings with an agenda of signals, minutes, outcomes and agreements."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, CLI commands and search sources on ``app``."""
    from signalen.audit.services import register_actions
    from signalen.meetings import models  # noqa: F401 (tables in the metadata)
    from signalen.meetings.routes import bp
    from signalen.meetings.services import AUDIT_ACTIONS, agreement_state, meetings_for_signal

    app.register_blueprint(bp)
    register_actions(AUDIT_ACTIONS)
    # The signal page lists the meetings that had the signal on their agenda.
    app.jinja_env.globals["signal_meetings"] = meetings_for_signal
    app.jinja_env.globals["agreement_state"] = agreement_state
