"""Signaleringsoverleg: meetings with an agenda of signals, minutes, outcomes and agreements."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, CLI commands and search sources on ``app``."""
