from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from signalen.auth.models import Role
from signalen.auth.permissions import role_required
from signalen.core.errors import ServiceError
from signalen.core.forms import show_service_error
from signalen.extensions import db
from signalen.search.expansion import shipped_groups
from signalen.taxonomy import services
from signalen.taxonomy.forms import SynonymForm, TermForm
from signalen.taxonomy.models import SynonymGroup, Theme

bp = Blueprint("taxonomy", __name__, url_prefix="/beheer/indeling")

TITLES = {
    "thema": _l("Thema's"),
    "regeling": _l("Regelingen"),
    "uitvoerder": _l("Uitvoerders"),
    "gemeente": _l("Gemeenten"),
}


def _model(kind: str):
    if kind not in services.MODELS:
        abort(404)
    return services.MODELS[kind]


@bp.get("/")
@role_required(Role.ADMINISTRATOR)
def index():
    return redirect(url_for("taxonomy.terms", kind="thema"))


@bp.get("/<kind>")
@role_required(Role.ADMINISTRATOR)
def terms(kind: str):
    model = _model(kind)
    if model is Theme:
        rows = services.main_themes(include_inactive=True)
    else:
        rows = db.session.scalars(select(model).order_by(func.lower(model.name))).all()
    return render_template("taxonomy/terms.html", kind=kind, rows=rows, titles=TITLES)


@bp.route("/<kind>/nieuw", methods=["GET", "POST"], defaults={"term_id": None})
@bp.route("/<kind>/<int:term_id>", methods=["GET", "POST"])
@role_required(Role.ADMINISTRATOR)
def edit(kind: str, term_id: int | None):
    model = _model(kind)
    term = db.get_or_404(model, term_id) if term_id else None
    form = TermForm(obj=term)
    if model is Theme:
        form.parent.choices = [(None, str(_l("– geen: dit is een hoofdthema –")))] + [
            (t.id, t.name)
            for t in services.main_themes(include_inactive=True)
            if term is None or t.id != term.id
        ]
        if request.method == "GET" and term is not None:
            form.parent.data = term.parent_id
    else:
        del form.parent
    if kind != "uitvoerder":
        del form.kind
    if kind == "gemeente":
        del form.description
    else:
        del form.code, form.province
    if form.validate_on_submit():
        fields = {}
        if form.description is not None and kind != "gemeente":
            fields["description"] = form.description.data or ""
        if model is Theme:
            fields["parent_id"] = form.parent.data
        if kind == "uitvoerder":
            fields["kind"] = form.kind.data
        if kind == "gemeente":
            fields.update(code=form.code.data.strip().upper(), province=form.province.data.strip())
        try:
            services.save_term(
                kind,
                term,
                name=form.name.data,
                active=form.active.data,
                actor=current_user,
                **fields,
            )
        except ServiceError as error:
            db.session.rollback()
            show_service_error(form, error)
        else:
            flash(_("Opgeslagen."), "success")
            return redirect(url_for("taxonomy.terms", kind=kind))
    return render_template("taxonomy/edit.html", form=form, kind=kind, term=term, titles=TITLES), (
        200 if request.method == "GET" else 422
    )


@bp.get("/synoniemen")
@role_required(Role.ADMINISTRATOR)
def synonyms():
    """The synonym groups used by the search: the shipped list and those added here."""
    return render_template(
        "taxonomy/synonyms.html",
        groups=services.synonym_groups(),
        shipped=shipped_groups(),
        titles=TITLES,
    )


@bp.route("/synoniemen/nieuw", methods=["GET", "POST"], defaults={"group_id": None})
@bp.route("/synoniemen/<int:group_id>", methods=["GET", "POST"])
@role_required(Role.ADMINISTRATOR)
def edit_synonyms(group_id: int | None):
    group = db.get_or_404(SynonymGroup, group_id) if group_id else None
    form = SynonymForm(obj=group)
    if form.validate_on_submit():
        try:
            services.save_synonym_group(
                group, terms=form.terms.data, active=form.active.data, actor=current_user
            )
        except ServiceError as error:
            db.session.rollback()
            show_service_error(form, error)
        else:
            flash(_("Opgeslagen."), "success")
            return redirect(url_for("taxonomy.synonyms"))
    return render_template("taxonomy/synonym_edit.html", form=form, group=group), (
        200 if request.method == "GET" else 422
    )
