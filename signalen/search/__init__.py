"""Search ("informatiebank"): one interface over a swappable engine (Whoosh now).

Other packages import from :mod:`signalen.search.services` and
:mod:`signalen.search.documents`; they never see the engine.
"""

from flask import Flask

from signalen.search.documents import (
    IndexUnavailable,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResult,
    make_doc_id,
)

__all__ = [
    "IndexUnavailable",
    "SearchDocument",
    "SearchHit",
    "SearchQuery",
    "SearchResult",
    "init_app",
    "make_doc_id",
]


def init_app(app: Flask) -> None:
    """Register the reindex command and open the index of ``app`` (rebuilt when missing).

    Comes after every feature that registers a search source (``FEATURES`` in
    :mod:`signalen`): a missing index is rebuilt from the sources known at this point.
    """
    import click

    from signalen.search import healing, outbox, services
    from signalen.search.cli import reindex_command

    app.cli.add_command(reindex_command)
    services.init_app(app)
    outbox.init_app(app)
    healing.init_app(app, in_command=click.get_current_context(silent=True) is not None)
