import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import chain

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from signalen.core.cli import CommandError
from signalen.search import services


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress callback (done, total) drawing a bar on stderr once the total is known."""
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=max(total, 1), label=label, file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        yield progress
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


@click.command("reindex", help="Bouw de zoekindex opnieuw op uit de database.")
@with_appcontext
def reindex_command() -> None:
    with progress_bar(_("Indexeren")) as progress:
        count = services.rebuild(progress=progress)
    click.echo(_("Zoekindex opnieuw opgebouwd: %(count)d documenten.", count=count))


@click.command(
    "search-migrate",
    help="Vul de zoektabellen van PostgreSQL uit de database, terwijl de site blijft zoeken "
    "met de huidige zoekmachine. Zet daarna SEARCH_ENGINE op postgresql.",
)
@with_appcontext
def search_migrate_command() -> None:
    from signalen.search.pg_engine import PostgresEngine

    database = str(current_app.config.get("SQLALCHEMY_DATABASE_URI") or "")
    if not database.startswith("postgresql"):
        raise CommandError(_("De PostgreSQL-zoekmachine werkt alleen met PostgreSQL."))
    extension = services.extension()
    sources = list(extension.sources.values())
    total = sum(source.count() for source in sources)
    documents = chain.from_iterable(source.all_documents() for source in sources)
    engine = PostgresEngine(extension.engine.path)
    with progress_bar(_("Overzetten")) as progress:
        count = engine.rebuild(documents, total, progress)
    click.echo(
        _("Zoektabellen gevuld: %(count)d documenten.", count=count)
        + " "
        + _("Zet nu SEARCH_ENGINE op postgresql en herstart de servers een voor een.")
    )
