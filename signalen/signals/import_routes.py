"""The CSV import pages of the signals blueprint (added by :func:`add_routes`)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from signalen.core.errors import ServiceError
from signalen.extensions import db
from signalen.signals import access, importing, uploads
from signalen.signals.forms import ImportUploadForm, mapping_form


def _require_manager() -> None:
    if not access.is_manager(current_user) or current_user.organisation_id is None:
        abort(403)


@login_required
def import_upload():
    _require_manager()
    form = ImportUploadForm()
    if form.validate_on_submit():
        raw = form.file.data.read()
        try:
            header, _rows = importing.read_rows(importing.decode(raw))
        except ServiceError as error:
            form.file.errors = [str(error.message)]
        else:
            mapping = mapping_form(
                header,
                importing.guess_mapping(header),
                formdata=None,
                upload=uploads.save(raw, current_user.id),
            )
            return render_template("signals/import_mapping.html", form=mapping, report=None)
    return render_template("signals/import_upload.html", form=form), (
        200 if request.method == "GET" else 422
    )


@login_required
def import_check():
    _require_manager()
    token = request.form.get("upload", "")
    raw = uploads.load(token, current_user.id)
    if raw is None:
        flash(_("Het bestand is verlopen of al gebruikt. Kies het bestand opnieuw."), "error")
        return redirect(url_for("signals.import_upload"))
    if request.form.get("cancel"):
        uploads.remove(token, current_user.id)
        flash(_("De import is gestopt; er is niets opgeslagen."), "info")
        return redirect(url_for("signals.import_upload"))
    try:
        header, rows = importing.read_rows(importing.decode(raw))
    except ServiceError as error:
        flash(str(error.message), "error")
        return redirect(url_for("signals.import_upload"))
    form = mapping_form(header, importing.guess_mapping(header))
    if not form.validate_on_submit():
        return render_template("signals/import_mapping.html", form=form, report=None), 422
    report = importing.check_rows(
        header, rows, form.mapping(), redact_personal_data=form.redact.data
    )
    if report.ok and form.confirm.data == "1":
        try:
            count = importing.commit_import(report, current_user, current_user.organisation_id)
        except ServiceError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            uploads.remove(token, current_user.id)
            flash(_("%(count)d knelpunten geïmporteerd.", count=count), "success")
            return redirect(url_for("infobank.search", organisatie=current_user.organisation_id))
    return render_template("signals/import_mapping.html", form=form, report=report), (
        200 if report.ok else 422
    )


def add_routes(bp: Blueprint) -> None:
    """Add the import pages to ``bp`` (the signals blueprint, once, before registering it)."""
    bp.add_url_rule("/importeren", view_func=import_upload, methods=["GET", "POST"])
    bp.add_url_rule("/importeren/controleren", view_func=import_check, methods=["POST"])
