"""Signaleringsrapportage: digests over a period, drafted and published as immutable versions."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, CLI commands and search sources on ``app``."""
