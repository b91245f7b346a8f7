"""Sociale kaart: an HSDS 3.0 shaped directory with periodic verification and change requests."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, CLI commands and search sources on ``app``."""
