from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from signalen.core.dates import local_today
from signalen.core.errors import ServiceError
from signalen.extensions import db
from signalen.infobank import services
from signalen.infobank.filters import SearchFilters
from signalen.signals import access
from signalen.signals import services as signal_services
from signalen.signals.forms import BulkForm
from signalen.signals.models import Signal, Status, Visibility
from signalen.taxonomy.services import theme_choices

bp = Blueprint("infobank", __name__)

PER_PAGE = 20


def _bulk_form() -> BulkForm:
    form = BulkForm()
    form.theme.choices = [
        (int(value), f"{group} › {label}" if not label.startswith(group) else label)
        for group, options in theme_choices()
        for value, label in options
    ]
    return form


@bp.get("/zoeken")
def search():
    filters = SearchFilters.from_args(request.args)
    page = services.run_search(filters, current_user, per_page=PER_PAGE)
    for message in filters.errors:
        flash(message, "error")
    manager = access.is_manager(current_user)
    return render_template(
        "infobank/search.html",
        page=page,
        filters=filters,
        bulk_form=_bulk_form() if manager else None,
        manageable={
            item.object.id
            for item in page.items
            if item.kind == "signal" and access.can_manage(current_user, item.object)
        },
        Status=Status,
        Visibility=Visibility,
    )


def _export_name(extension: str) -> str:
    return f"knelpunten-{local_today().isoformat()}.{extension}"


@bp.get("/zoeken/export.csv")
@login_required
def export_csv():
    filters = SearchFilters.from_args(request.args)
    signals = services.export_signals(filters, current_user._get_current_object())
    response = Response(stream_with_context(services.csv_lines(signals)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{_export_name("csv")}"'
    return response


@bp.get("/zoeken/export-excel.csv")
@login_required
def export_csv_excel():
    """The same CSV for Dutch Excel: semicolons, UTF-8 with BOM; opens by double-click."""
    filters = SearchFilters.from_args(request.args)
    signals = services.export_signals(filters, current_user._get_current_object())
    response = Response(
        stream_with_context(services.csv_lines(signals, delimiter=";")),
        mimetype="text/csv",
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{_export_name("excel.csv")}"'
    return response


@bp.get("/zoeken/export.xlsx")
@login_required
def export_xlsx():
    filters = SearchFilters.from_args(request.args)
    data = services.xlsx_bytes(services.export_signals(filters, current_user._get_current_object()))
    response = Response(
        data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{_export_name("xlsx")}"'
    return response


@bp.post("/zoeken/bulk")
@login_required
def bulk():
    if not access.is_manager(current_user):
        abort(403)
    form = _bulk_form()
    back = url_for("infobank.search") + (
        "?" + request.form.get("terug", "") if request.form.get("terug") else ""
    )
    if not form.validate_on_submit():
        flash(_("Kies een actie en minstens één knelpunt."), "error")
        return redirect(back)
    ids = list(form.ids.data or [])
    signals = list(db.session.scalars(select(Signal).where(Signal.id.in_(ids)))) if ids else []
    if not signals or len(signals) != len(set(ids)):
        flash(_("Kies een actie en minstens één knelpunt."), "error")
        return redirect(back)
    value = {
        "status": form.status.data,
        "add_theme": str(form.theme.data or ""),
        "visibility": form.visibility.data,
    }[form.action.data]
    try:
        count = signal_services.bulk_update(
            signals, form.action.data, value, current_user, form.reason.data or ""
        )
    except ServiceError as error:
        db.session.rollback()
        flash(str(error.message) + " " + _("Er is niets gewijzigd."), "error")
    else:
        flash(_("%(count)d knelpunten gewijzigd.", count=count), "success")
    return redirect(back)
