import base64
import binascii

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from signalen.core.errors import ServiceError
from signalen.extensions import db
from signalen.signals import access, importing
from signalen.signals.forms import ImportUploadForm, mapping_form
from signalen.signals.routes import bp


def _require_manager() -> None:
    if not access.is_manager(current_user) or current_user.organisation_id is None:
        abort(403)


@bp.route("/importeren", methods=["GET", "POST"])
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
                content=base64.b64encode(raw).decode("ascii"),
            )
            return render_template("signals/import_mapping.html", form=mapping, report=None)
    return render_template("signals/import_upload.html", form=form), (
        200 if request.method == "GET" else 422
    )


@bp.post("/importeren/controleren")
@login_required
def import_check():
    _require_manager()
    try:
        raw = base64.b64decode(request.form.get("content", ""), validate=True)
        header, rows = importing.read_rows(importing.decode(raw))
    except (binascii.Error, ValueError, ServiceError) as error:
        flash(str(getattr(error, "message", _("Het bestand kon niet worden gelezen."))), "error")
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
            flash(_("%(count)d knelpunten geïmporteerd.", count=count), "success")
            return redirect(url_for("infobank.search", organisatie=current_user.organisation_id))
    return render_template("signals/import_mapping.html", form=form, report=report), (
        200 if report.ok else 422
    )
