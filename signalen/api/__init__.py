"""The versioned JSON API (/api/v1) for partner helpdesks, with per-organisation tokens."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, CLI commands and search sources on ``app``."""
