"""Mijn zoekopdrachten, and the private feed addresses of a logged-in user."""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from signalen.core.errors import ServiceError
from signalen.core.forms import confirmation_page, confirmed
from signalen.extensions import db
from signalen.feeds.routes import FORMAT, PRIVATE_CACHE_CONTROL, serve
from signalen.savedsearches import services

bp = Blueprint("savedsearches", __name__)


def _own_or_404(search_id: int):
    saved = services.own_search(search_id, current_user)
    if saved is None:
        abort(404)
    return saved


@bp.get("/zoekopdrachten")
@login_required
def index():
    user = current_user._get_current_object()
    searches = services.saved_searches(user)
    return render_template(
        "savedsearches/index.html",
        searches=[(saved, services.new_count(saved, user)) for saved in searches],
        new_limit=services.NEW_LIMIT,
        has_feed_key=services.has_feed_key(user),
        feed_key=None,
    )


@bp.post("/zoekopdrachten")
@login_required
def save():
    args = MultiDict(parse_qsl(request.form.get("zoekopdracht", "")))
    try:
        saved = services.save_search(
            current_user._get_current_object(), request.form.get("name", ""), args
        )
    except ServiceError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("infobank.search") + "?" + request.form.get("zoekopdracht", ""))
    flash(_("De zoekopdracht “%(name)s” is bewaard.", name=saved.name), "success")
    return redirect(url_for("savedsearches.index"))


@bp.get("/zoekopdrachten/<int:search_id>")
@login_required
def open_search(search_id: int):
    """Open the search on /zoeken; "nieuw" counts from this visit."""
    saved = _own_or_404(search_id)
    services.mark_seen(saved)
    return redirect(url_for("infobank.search") + (f"?{saved.query}" if saved.query else ""))


@bp.post("/zoekopdrachten/<int:search_id>/email")
@login_required
def alert(search_id: int):
    saved = _own_or_404(search_id)
    on = request.form.get("alert") == "1"
    services.set_alert(saved, on)
    if on:
        flash(_("U krijgt een e-mail bij nieuwe resultaten van “%(name)s”.", name=saved.name))
    else:
        flash(_("U krijgt geen e-mail meer bij “%(name)s”.", name=saved.name))
    return redirect(url_for("savedsearches.index"))


@bp.post("/zoekopdrachten/<int:search_id>/verwijderen")
@login_required
def delete(search_id: int):
    saved = _own_or_404(search_id)
    if not confirmed():
        return confirmation_page(
            title=_("Zoekopdracht verwijderen"),
            text=_("Weet u zeker dat u deze zoekopdracht wilt verwijderen?"),
            button=_("Verwijderen"),
            cancel_url=url_for("savedsearches.index"),
            details=[saved.name],
        )
    services.delete_search(saved)
    flash(_("De zoekopdracht is verwijderd."), "success")
    return redirect(url_for("savedsearches.index"))


@bp.post("/zoekopdrachten/feedadres")
@login_required
def new_feed_key():
    """Make (or replace) the secret of the private feeds; shown once."""
    user = current_user._get_current_object()
    if services.has_feed_key(user) and not confirmed():
        return confirmation_page(
            title=_("Nieuw feedadres maken"),
            text=_(
                "Uw oude privé-feedadressen werken daarna niet meer. "
                "Zet de nieuwe adressen in uw feedlezer."
            ),
            button=_("Nieuw feedadres maken"),
            cancel_url=url_for("savedsearches.index"),
        )
    key = services.new_feed_key(user)
    searches = services.saved_searches(user)
    return render_template(
        "savedsearches/index.html",
        searches=[(saved, services.new_count(saved, user)) for saved in searches],
        new_limit=services.NEW_LIMIT,
        has_feed_key=True,
        feed_key=key,
    )


@bp.post("/zoekopdrachten/feedadres/intrekken")
@login_required
def revoke_feed_key():
    if not confirmed():
        return confirmation_page(
            title=_("Feedadres intrekken"),
            text=_("Uw privé-feedadressen werken daarna niet meer."),
            button=_("Intrekken"),
            cancel_url=url_for("savedsearches.index"),
        )
    services.revoke_feed_key(current_user._get_current_object())
    flash(_("Uw privé-feedadressen zijn ingetrokken."), "success")
    return redirect(url_for("savedsearches.index"))


def _private(response: Response) -> Response:
    # A private feed never belongs in a shared cache, cookies or not.
    response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get(f"/feeds/prive/<key>/zoeken.{FORMAT}")
def private_search_feed(key: str, fmt: str):
    return _private(serve(lambda: services.private_search_plan(key, request.args), fmt))


@bp.get(f"/feeds/prive/<key>/zoekopdracht/<int:search_id>.{FORMAT}")
def private_saved_feed(key: str, search_id: int, fmt: str):
    return _private(serve(lambda: services.private_saved_plan(key, search_id), fmt))
