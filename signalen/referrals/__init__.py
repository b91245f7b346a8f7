"""Doorverwijzingen: referrals from a signal or contact to a service, with outcomes."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, CLI commands and search sources on ``app``."""
