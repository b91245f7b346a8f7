"""Shared vocabularies: themes (two levels), schemes, agencies and gemeenten."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprint and CLI command on ``app``; the search applies
    the synonym groups a beheerder keeps here."""
    from signalen.search import services as search
    from signalen.taxonomy.cli import seed_taxonomy_command
    from signalen.taxonomy.routes import bp
    from signalen.taxonomy.services import active_synonym_groups

    app.register_blueprint(bp)
    app.cli.add_command(seed_taxonomy_command)
    with app.app_context():
        search.register_synonyms(active_synonym_groups)
