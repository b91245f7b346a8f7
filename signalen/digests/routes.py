"""Digest pages: the public list and page (published only), print, and the coordinator's
pages to draft, edit, refresh, publish and correct."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from signalen.auth.models import MANAGERS
from signalen.auth.permissions import role_required
from signalen.core.errors import ServiceError
from signalen.core.forms import confirmation_page, confirmed, form_status, show_service_error
from signalen.digests import access as digest_access
from signalen.digests import periods, services
from signalen.digests.forms import FREE_PERIOD, ActionForm, DigestForm, NewDigestForm
from signalen.digests.models import Digest
from signalen.digests.presentation import digest_pdf, digest_view
from signalen.extensions import db

bp = Blueprint("digests", __name__, url_prefix="/rapportages")


def _visible_or_404(digest_id: int) -> Digest:
    digest = digest_access.visible_digest_or_none(digest_id, current_user)
    if digest is None:
        abort(404)
    return digest


def _editable_or_403(digest_id: int) -> Digest:
    digest = _visible_or_404(digest_id)
    if not digest_access.can_edit(current_user, digest):
        abort(403)
    return digest


@bp.get("/")
def index():
    return render_template(
        "digests/index.html",
        published=services.published_digests(include_superseded=True),
        drafts=services.draft_digests(current_user),
        can_create=digest_access.is_editor(current_user),
    )


@bp.route("/nieuw", methods=["GET", "POST"])
@role_required(*MANAGERS)
def new():
    form = NewDigestForm()
    form.fill_choices()
    if form.validate_on_submit():
        try:
            if form.period.data == FREE_PERIOD:
                period = periods.period_between(form.date_from.data, form.date_to.data)
            else:
                period = periods.parse_period(form.period.data)
            digest = services.create_digest(period, current_user, form.title.data or None)
        except ServiceError as error:
            db.session.rollback()
            show_service_error(form, error, {"period": "period"})
        else:
            flash(_("Het concept is gemaakt. Vul de inleiding en opmerkingen aan."), "success")
            return redirect(url_for("digests.edit", digest_id=digest.id))
    return render_template("digests/new.html", form=form), form_status()


def _digest_page(template: str, digest_id: int, **extra):
    digest = _visible_or_404(digest_id)
    return render_template(
        template,
        digest=digest,
        view=digest_view(digest),
        newer=services.superseded_by(digest) if digest.is_published else None,
        **extra,
    )


@bp.get("/<int:digest_id>")
def show(digest_id: int):
    digest = _visible_or_404(digest_id)
    return _digest_page(
        "digests/show.html",
        digest_id,
        can_edit=digest_access.can_edit(current_user, digest),
        can_correct=digest_access.can_correct(current_user, digest),
        action_form=ActionForm(),
    )


@bp.get("/<int:digest_id>/afdrukken")
def print_view(digest_id: int):
    return _digest_page("digests/print.html", digest_id)


@bp.get("/<int:digest_id>/rapportage.pdf")
def pdf(digest_id: int):
    digest = _visible_or_404(digest_id)
    response = make_response(digest_pdf(digest))
    response.headers["Content-Type"] = "application/pdf"
    name = f"signaleringsrapportage-{digest.id}-v{digest.version}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    if not digest.is_published:
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:digest_id>/bewerken", methods=["GET", "POST"])
@role_required(*MANAGERS)
def edit(digest_id: int):
    digest = _editable_or_403(digest_id)
    form = DigestForm(obj=digest) if request.method == "GET" else DigestForm()
    if request.method == "GET":
        for key, text in (digest.remarks or {}).items():
            field = getattr(form, f"remark_{key}", None)
            if field is not None:
                field.data = text
    if form.validate_on_submit():
        try:
            services.update_draft(
                digest,
                current_user,
                title=form.title.data,
                introduction=form.introduction.data,
                remarks=form.remarks(),
                change_note=form.change_note.data or "",
            )
        except ServiceError as error:
            db.session.rollback()
            show_service_error(form, error)
        else:
            flash(_("Het concept is opgeslagen."), "success")
            return redirect(url_for("digests.show", digest_id=digest.id))
    return render_template(
        "digests/edit.html", form=form, digest=digest, view=digest_view(digest)
    ), form_status()


def _post_action(digest: Digest, action, message: str, target=None, confirm=None):
    """Run a button's ``action`` on ``digest``; then to ``target(result)`` or the digest.

    With ``confirm`` (the texts of :func:`confirmation_page`) an irreversible action first
    shows a confirmation page and runs only when that page is posted.
    """
    if not ActionForm().validate_on_submit():
        abort(400)
    if confirm is not None and not confirmed():
        return confirmation_page(
            cancel_url=url_for("digests.show", digest_id=digest.id),
            details=[digest.title],
            **confirm,
        )
    try:
        result = action(digest, current_user)
    except ServiceError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("digests.show", digest_id=digest.id))
    flash(message, "success")
    if target is not None:
        return redirect(target(result))
    return redirect(url_for("digests.show", digest_id=digest.id))


@bp.post("/<int:digest_id>/cijfers")
@role_required(*MANAGERS)
def refresh(digest_id: int):
    return _post_action(
        _editable_or_403(digest_id),
        services.refresh_figures,
        _("De cijfers zijn opnieuw berekend."),
    )


@bp.post("/<int:digest_id>/publiceren")
@role_required(*MANAGERS)
def publish(digest_id: int):
    return _post_action(
        _editable_or_403(digest_id),
        services.publish,
        _("De rapportage is gepubliceerd. Iedereen kan haar nu lezen."),
        confirm={
            "title": _("Rapportage publiceren?"),
            "text": _(
                "Na publiceren kan iedereen de rapportage lezen, ook via de feeds. Ze verandert "
                "daarna niet meer; een correctie wordt een nieuwe versie."
            ),
            "button": _("Ja, publiceren"),
        },
    )


@bp.post("/<int:digest_id>/correctie")
@role_required(*MANAGERS)
def correct(digest_id: int):
    digest = _visible_or_404(digest_id)
    if not digest.is_published:
        abort(404)
    if not digest_access.can_correct(current_user, digest):
        abort(403)
    return _post_action(
        digest,
        services.create_correction,
        _("Er is een nieuwe versie als concept gemaakt. Schrijf op wat er verandert."),
        target=lambda correction: url_for("digests.edit", digest_id=correction.id),
    )


@bp.post("/<int:digest_id>/verwijderen")
@role_required(*MANAGERS)
def delete(digest_id: int):
    return _post_action(
        _editable_or_403(digest_id),
        services.delete_draft,
        _("Het concept is verwijderd."),
        target=lambda _result: url_for("digests.index"),
        confirm={
            "title": _("Concept verwijderen?"),
            "text": _("Het concept en zijn teksten zijn daarna weg. Dit kan niet ongedaan."),
            "button": _("Ja, verwijderen"),
        },
    )
