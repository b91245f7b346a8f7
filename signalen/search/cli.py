import sys

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from signalen.search import services


@click.command("reindex", help="Bouw de zoekindex opnieuw op uit de database.")
@with_appcontext
def reindex_command() -> None:
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=max(total, 1), label=_("Indexeren"), file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        count = services.rebuild(progress=progress)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    click.echo(_("Zoekindex opnieuw opgebouwd: %(count)d documenten.", count=count))
