"""Beheer pages for API tokens, and the readable API documentation."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from signalen.api import services
from signalen.api.forms import RevokeForm, TokenForm
from signalen.api.models import ApiToken, Scope
from signalen.auth.models import MANAGERS, Role
from signalen.auth.permissions import role_required
from signalen.core.errors import ServiceError
from signalen.core.forms import confirmation_page, confirmed, show_service_error
from signalen.core.pagination import paginate
from signalen.extensions import db
from signalen.organisations import services as organisations
from signalen.organisations.models import MemberOrganisation

bp = Blueprint("api_tokens", __name__, url_prefix="/beheer/api-tokens")
docs_bp = Blueprint("api_docs", __name__)


def _form() -> TokenForm:
    form = TokenForm()
    if current_user.role is Role.ADMINISTRATOR:
        form.organisation.choices = [
            (str(o.id), o.name) for o in organisations.all_organisations() if o.active
        ]
    else:
        organisation = current_user.organisation
        form.organisation.choices = [(str(organisation.id), organisation.name)]
        if not form.organisation.data:
            form.organisation.data = str(organisation.id)
    return form


@bp.route("/", methods=["GET", "POST"])
@role_required(*MANAGERS)
def index():
    if not services.can_manage_tokens(current_user):
        abort(403)
    form = _form()
    if form.validate_on_submit():
        organisation = db.session.get(MemberOrganisation, int(form.organisation.data))
        try:
            row, token = services.create_token(
                organisation, Scope(form.scope.data), form.name.data or "", actor=current_user
            )
        except ServiceError as error:
            db.session.rollback()
            show_service_error(form, error)
        else:
            return render_template("api/token_created.html", row=row, token=token)
    page = paginate(services.tokens_query(current_user), per_page=50)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "api/tokens.html", form=form, page=page, revoke_form=RevokeForm()
    ), status


@bp.post("/<int:token_id>/intrekken")
@role_required(*MANAGERS)
def revoke(token_id: int):
    row = db.get_or_404(ApiToken, token_id)
    if not services.can_manage_token(current_user, row):
        abort(404)
    form = RevokeForm()
    if not form.validate_on_submit():
        abort(400)
    if not confirmed():
        return confirmation_page(
            title=_("Sleutel intrekken?"),
            text=_(
                "Koppelingen die deze sleutel gebruiken, werken daarna niet meer. Intrekken kan "
                "niet ongedaan; u kunt wel een nieuwe sleutel maken."
            ),
            button=_("Ja, intrekken"),
            cancel_url=url_for("api_tokens.index"),
            details=[row.name],
        )
    if services.revoke_token(row, actor=current_user):
        flash(_("De sleutel %(name)s is ingetrokken.", name=row.name), "success")
    return redirect(url_for("api_tokens.index"))


@docs_bp.get("/api/v1/docs")
def docs():
    """The OpenAPI description as a readable page, rendered on the server."""
    from signalen.api import current_spec, docs
    from signalen.articles.services import render_markdown

    spec = current_spec()
    return render_template(
        "api/docs.html",
        spec=spec,
        introduction=render_markdown(spec["info"].get("description", "")),
        operations=docs.operations(spec),
        schemas=docs.schemas(spec),
    )
