"""Realistic Dutch demo data and the one-command demo site."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the demo CLI commands on ``app``."""
    from signalen.demo.cli import demo_command, seed_demo_command

    app.cli.add_command(seed_demo_command)
    app.cli.add_command(demo_command)
