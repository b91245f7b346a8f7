"""The CSV import pages of the signals blueprint (added by :func:`add_routes`)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from signalen.auth.models import Role
from signalen.core.errors import ServiceError
from signalen.extensions import db
from signalen.signals import access, importing, reconciling, uploads
from signalen.signals.forms import ImportUploadForm, mapping_form

# Unknown values shown on one reconciliation screen; the rest follow on the next.
VALUES_PER_SCREEN = 100


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
            header, _rows = importing.read_table(raw)
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
    return render_template("signals/import_upload.html", form=form, max_rows=importing.MAX_ROWS), (
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
        header, rows = importing.read_table(raw)
    except ServiceError as error:
        flash(str(error.message), "error")
        return redirect(url_for("signals.import_upload"))
    form = mapping_form(header, importing.guess_mapping(header))
    if not form.validate_on_submit():
        return render_template("signals/import_mapping.html", form=form, report=None), 422
    organisation_id = current_user.organisation_id
    values = reconciling.collect_values(header, (cells for _n, cells in rows), form.mapping())
    vocabulary = reconciling.Vocabulary.load()
    errors: dict[int, str] = {}
    if request.form.get("stap") == "waarden":
        decisions, errors = _decisions(vocabulary)
        if decisions:
            _apply_decisions(decisions, organisation_id)
            vocabulary = reconciling.Vocabulary.load()
    reconciliation = reconciling.reconcile(values, organisation_id, vocabulary)
    if reconciliation.unknown:
        shown = reconciliation.unknown[:VALUES_PER_SCREEN]
        return render_template(
            "signals/import_values.html",
            form=form,
            unknown=shown,
            remaining=len(reconciliation.unknown) - len(shown),
            errors=errors,
            can_add=current_user.role is Role.ADMINISTRATOR,
            addable=reconciling.ADDABLE,
        ), (422 if errors else 200)
    report = importing.check_numbered(
        header,
        rows,
        form.mapping(),
        redact_personal_data=form.redact.data,
        value_map=reconciliation.value_map(),
    )
    if report.ok and form.confirm.data == "1":
        try:
            count = importing.commit_import(report, current_user, organisation_id)
        except ServiceError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            uploads.remove(token, current_user.id)
            flash(_("%(count)d knelpunten geïmporteerd.", count=count), "success")
            return redirect(url_for("infobank.search", organisatie=organisation_id))
    return render_template("signals/import_mapping.html", form=form, report=report), (
        200 if report.ok else 422
    )


# Choices on the reconciliation screen: "=<name>" maps to a term, LEAVE_EMPTY and ADD_TERM.
LEAVE_EMPTY = "-"
ADD_TERM = "+"


def _decisions(vocabulary: reconciling.Vocabulary) -> tuple[dict, dict[int, str]]:
    """The choices posted on the reconciliation screen: {(column, value): choice} and, per
    row of the screen without a valid choice, a message."""
    decisions: dict[reconciling.Key, str] = {}
    errors: dict[int, str] = {}
    for index in range(VALUES_PER_SCREEN):
        column = request.form.get(f"kolom-{index}")
        value = request.form.get(f"waarde-{index}", "")
        if column is None:
            break
        choice = request.form.get(f"keuze-{index}", "")
        if column not in reconciling.COLUMNS or not value.strip():
            continue
        if choice == LEAVE_EMPTY:
            decisions[reconciling.key(column, value)] = ""
        elif choice == ADD_TERM and (
            current_user.role is Role.ADMINISTRATOR and column in reconciling.ADDABLE
        ):
            decisions[reconciling.key(column, value)] = ADD_TERM + value.strip()
        elif choice.startswith("=") and vocabulary.is_target(column, choice[1:]):
            decisions[reconciling.key(column, value)] = choice[1:]
        else:
            errors[index] = _("Kies wat deze waarde betekent, of laat het veld leeg.")
    return decisions, errors


def _apply_decisions(decisions: dict[reconciling.Key, str], organisation_id: int) -> None:
    """Add the new terms (beheerder) and remember every choice for this organisation."""
    remembered: dict[reconciling.Key, str] = {}
    for (column, folded), target in decisions.items():
        if target.startswith(ADD_TERM):
            try:
                target = reconciling.add_term(column, target[1:], current_user)
            except ServiceError as error:
                db.session.rollback()
                flash(str(error.message), "error")
                continue
        remembered[(column, folded)] = target
    reconciling.remember(organisation_id, remembered)
    db.session.commit()


def add_routes(bp: Blueprint) -> None:
    """Add the import pages to ``bp`` (the signals blueprint, once, before registering it)."""
    bp.add_url_rule("/importeren", view_func=import_upload, methods=["GET", "POST"])
    bp.add_url_rule("/importeren/controleren", view_func=import_check, methods=["POST"])
