"""Signalen (knelpunten): intake with the privacy guard, categorising, merging and history."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprint, CLI command, search source, template helper
    and privacy-sweep history."""
    from signalen.privacy.sweep import register_history
    from signalen.signals import indexing
    from signalen.signals.cli import import_signals_command
    from signalen.signals.routes import bp
    from signalen.signals.services import note_privacy_redaction
    from signalen.signals.templating import event_label

    app.register_blueprint(bp)
    app.cli.add_command(import_signals_command)
    app.jinja_env.globals["event_label"] = event_label
    indexing.register(app)
    # The privacy sweep notes a redaction in the signal's own history (not the audit log).
    register_history("signal", note_privacy_redaction)
    register_history("signal_event", None)
