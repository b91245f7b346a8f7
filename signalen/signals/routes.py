from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from signalen.core.errors import ServiceError
from signalen.core.forms import show_service_error
from signalen.core.pagination import paginate
from signalen.core.validation import parse_id
from signalen.extensions import db
from signalen.privacy.services import check_fields, marked_parts
from signalen.search import services as search
from signalen.signals import access, import_routes, services
from signalen.signals.forms import MergeForm, ReportForm, SignalForm, StatusForm
from signalen.signals.models import Channel, Signal, Status
from signalen.taxonomy.models import Agency, Scheme, Theme

bp = Blueprint("signals", __name__, url_prefix="/signalen")
import_routes.add_routes(bp)  # the CSV import pages live in their own module

SIMILAR_LIMIT = 5


FIELD_NAMES = {
    "theme_ids": "themes",
    "scheme_ids": "schemes",
    "agency_id": "agency",
    "municipality_id": "municipality",
}


def _form_error(form, error: ServiceError) -> None:
    show_service_error(form, error, FIELD_NAMES)


def _require_reporter() -> None:
    if not access.can_report(current_user):
        abort(403)


def _visible_or_404(signal_id: int) -> Signal:
    signal = services.visible_signal_or_none(signal_id, current_user)
    if signal is None:
        abort(404)
    return signal


def _managed_or_403(signal_id: int) -> Signal:
    signal = _visible_or_404(signal_id)
    if not access.can_manage(current_user, signal):
        abort(403)
    return signal


def similar_signals(title: str, description: str, exclude=()) -> list[Signal]:
    """Known knelpunten that look like this draft, visible to the current user."""
    return services.similar_signals(
        title, description, current_user, limit=SIMILAR_LIMIT, exclude=exclude
    )


def category_suggestions(title: str, description: str) -> dict[str, list]:
    """Themes, schemes and agency suggested by the most similar categorised signals."""
    text = f"{title}\n{description}".strip()
    if len(text) < 8:
        return {}
    votes = search.suggest_categories(text, access.viewer_tokens(current_user))
    models = {"thema": Theme, "regeling": Scheme, "uitvoerder": Agency}
    suggestions = {}
    for facet, model in models.items():
        items = []
        for value, share in votes.get(facet, []):
            item = db.session.get(model, int(value))
            if item is not None and item.active:
                items.append((item, share))
        if items:
            suggestions[facet] = items
    return suggestions


def _report_from_intake(signal_id: int, data: services.SignalInput, accept: bool):
    """ "Ook gemeld" chosen on the intake form: the volunteer's text becomes a report note."""
    signal = _visible_or_404(signal_id)
    report = services.add_report(
        signal,
        current_user,
        data.channel,
        data.occurred_on,
        data.report_count,
        services.intake_note(data),
        accept_redaction=accept,
    )
    flash(
        _(
            "Dank u wel. Dit knelpunt is nu %(count)d keer gemeld. Uw tekst staat erbij.",
            count=signal.report_count,
        ),
        "success",
    )
    return redirect(url_for("signals.detail", signal_id=signal.id) + f"#melding-{report.id}")


@bp.route("/nieuw", methods=["GET", "POST"])
@login_required
def new():
    _require_reporter()
    form = SignalForm()
    form.fill_choices()
    findings, similar, suggestions = {}, [], {}
    report_on = request.form.get("report_on", "")
    if form.validate_on_submit():
        data = form.to_input()
        try:
            # Shown again on every re-render while the draft holds personal data.
            findings = check_fields(data.texts())
            accept = form.accept_redaction.data
            if report_id := parse_id(report_on):
                return _report_from_intake(report_id, services.clean_input(data), accept)
            cleaned = services.guard_privacy(services.clean_input(data), accept)
            # "1": the volunteer has seen the similar ones for this text (while typing or on
            # the previous submit), so Opslaan stores at once.
            if form.similar_checked.data != "1":
                similar = similar_signals(cleaned.title, cleaned.description)
            if not similar:
                organisation_id = current_user.organisation_id
                if organisation_id is None:
                    raise ServiceError(_("Alleen gebruikers van een organisatie kunnen melden."))
                signal = services.create_signal(
                    data, current_user, organisation_id, accept_redaction=accept
                )
                flash(
                    _("Het knelpunt is opgeslagen als nummer %(id)d. Dank u wel!", id=signal.id),
                    "success",
                )
                return redirect(url_for("signals.detail", signal_id=signal.id))
            form.similar_checked.data = "1"
        except services.PersonalDataFound:
            db.session.rollback()
        except ServiceError as error:
            db.session.rollback()
            _form_error(form, error)
    if request.method == "GET" or not form.themes.data:
        suggestions = category_suggestions(form.title.data or "", form.description.data or "")
    status = 200 if request.method == "GET" else 422
    return render_template(
        "signals/new.html",
        form=form,
        findings=findings,
        marked={
            name: marked_parts(getattr(form, name).data or "", items)
            for name, items in findings.items()
        },
        redacted=services.guard_privacy(form.to_input(), True) if findings else None,
        similar=similar,
        suggestions=suggestions,
    ), status


@bp.post("/vergelijkbaar")
@login_required
def similar_fragment():
    """While typing: similar knelpunten and category suggestions as an HTML fragment."""
    _require_reporter()
    title = (request.form.get("title") or "")[:200]
    description = (request.form.get("description") or "")[:2000]
    return render_template(
        "signals/_similar.html",
        similar=similar_signals(title, description),
        suggestions=category_suggestions(title, description),
        live=True,
    )


@bp.get("/mijn")
@login_required
def mine():
    """What became of what this user registered: status, overleg outcome, reason."""
    _require_reporter()
    return render_template(
        "signals/mine.html", page=paginate(services.my_signals_query(current_user), per_page=20)
    )


@bp.get("/<int:signal_id>")
def detail(signal_id: int):
    signal = _visible_or_404(signal_id)
    if signal.merged_into_id:
        target = services.visible_signal_or_none(signal.merged_into_id, current_user)
        if target is not None:
            flash(_("Knelpunt %(old)d is samengevoegd met dit knelpunt.", old=signal.id), "info")
            return redirect(url_for("signals.detail", signal_id=target.id), 301)
    manage = access.can_manage(current_user, signal)
    status_form = StatusForm(formdata=None)
    status_form.status.choices = [(s.value, s.label) for s in services.allowed_statuses(signal)]
    return render_template(
        "signals/detail.html",
        signal=signal,
        manage=manage,
        can_report=access.can_report(current_user) and not signal.merged_into_id,
        report_form=ReportForm(formdata=None),
        status_form=status_form,
        merge_form=MergeForm(formdata=None),
        linked=[
            (other, access.can_view(current_user, other))
            for other in services.linked_signals(signal)
        ],
        similar=similar_signals(signal.title, signal.description, exclude=[signal.id])
        if manage
        else [],
    )


@bp.post("/<int:signal_id>/ook-gemeld")
@login_required
def also_reported(signal_id: int):
    _require_reporter()
    signal = _visible_or_404(signal_id)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            services.add_report(
                signal,
                current_user,
                Channel(form.channel.data),
                form.occurred_on.data,
                form.client_count.data,
                form.note.data or "",
            )
        except services.PersonalDataFound as error:
            db.session.rollback()
            kinds = sorted({f.label for found in error.findings.values() for f in found})
            flash(
                _(
                    "Er staan persoonsgegevens in uw toelichting (%(kinds)s). Haal ze weg en "
                    "probeer het opnieuw. Er is niets opgeslagen.",
                    kinds=", ".join(kinds),
                ),
                "error",
            )
        except ServiceError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            flash(
                _(
                    "Dank u wel. Dit knelpunt is nu %(count)d keer gemeld.",
                    count=signal.report_count,
                ),
                "success",
            )
    else:
        _flash_form_errors(form)
    return redirect(url_for("signals.detail", signal_id=signal.id))


@bp.route("/<int:signal_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit(signal_id: int):
    signal = _managed_or_403(signal_id)
    form = SignalForm()
    form.fill_choices()
    if request.method == "GET":
        form.load(signal)
    findings = {}
    if form.validate_on_submit():
        try:
            changes = services.update_signal(
                signal,
                form.to_input(
                    channel=signal.channel.value if signal.channel is Channel.API else None
                ),
                current_user,
                accept_redaction=form.accept_redaction.data,
            )
        except services.PersonalDataFound as error:
            db.session.rollback()
            findings = error.findings
        except ServiceError as error:
            db.session.rollback()
            _form_error(form, error)
        else:
            if changes:
                flash(_("De wijzigingen zijn opgeslagen."), "success")
            return redirect(url_for("signals.detail", signal_id=signal.id))
    return render_template(
        "signals/edit.html",
        form=form,
        signal=signal,
        findings=findings,
        marked={
            name: marked_parts(getattr(form, name).data or "", items)
            for name, items in findings.items()
        },
        redacted=services.guard_privacy(form.to_input(), True) if findings else None,
    ), 200 if request.method == "GET" else 422


@bp.post("/<int:signal_id>/status")
@login_required
def change_status(signal_id: int):
    signal = _managed_or_403(signal_id)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            services.change_status(
                signal, Status(form.status.data), current_user, form.reason.data or ""
            )
        except ServiceError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            flash(_("De status is nu: %(status)s.", status=signal.status.label), "success")
    else:
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
    return redirect(url_for("signals.detail", signal_id=signal.id))


@bp.post("/<int:signal_id>/goedkeuren")
@login_required
def approve(signal_id: int):
    signal = _managed_or_403(signal_id)
    try:
        services.approve_public(signal, current_user)
    except ServiceError as error:
        flash(str(error.message), "error")
    else:
        flash(_("De tekst is goedgekeurd. Het knelpunt is nu openbaar."), "success")
    return redirect(url_for("signals.detail", signal_id=signal.id))


def _target_or_none(value) -> Signal | None:
    """The signal a merge or link form names, when it exists and the user may see it."""
    number = parse_id(str(value or "").strip().lstrip("#"))
    return services.visible_signal_or_none(number, current_user) if number else None


def _flash_form_errors(form) -> None:
    for errors in form.errors.values():
        flash(" ".join(str(e) for e in errors), "error")


@bp.route("/<int:signal_id>/samenvoegen", methods=["GET", "POST"])
@login_required
def merge(signal_id: int):
    """Merge into another signal of the same organisation, after a confirmation page that
    shows both side by side; a signal of another organisation is offered for linking."""
    signal = _managed_or_403(signal_id)
    form = MergeForm()
    raw_target = form.target.raw_data[0] if form.target.raw_data else request.args.get("target")
    target = _target_or_none(raw_target)
    if request.method == "POST" and form.validate_on_submit() and form.confirm.data:
        try:
            services.merge(signal, services.check_merge(signal, target, current_user), current_user)
        except ServiceError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            flash(
                _("Knelpunt %(old)d is samengevoegd met %(new)d.", old=signal.id, new=target.id),
                "success",
            )
            return redirect(url_for("signals.detail", signal_id=target.id))
        return redirect(url_for("signals.detail", signal_id=signal.id))
    if request.method == "POST" and form.errors:
        _flash_form_errors(form)
        return redirect(url_for("signals.detail", signal_id=signal.id))
    error = can_merge = can_link = None
    try:
        services.check_merge(signal, target, current_user)
        can_merge = True
    except ServiceError as merge_error:
        error = merge_error.message
        try:
            services.check_link(signal, target, current_user)
            can_link = True
        except ServiceError:
            pass
    if target is None:
        flash(str(error), "error")
        return redirect(url_for("signals.detail", signal_id=signal.id))
    confirm = MergeForm(formdata=None, target=target.id, confirm="1")
    return render_template(
        "signals/merge.html",
        signal=signal,
        target=target,
        form=confirm,
        can_merge=can_merge,
        can_link=can_link,
        error=None if can_merge or can_link else error,
    )


@bp.post("/<int:signal_id>/koppelen")
@login_required
def link(signal_id: int):
    """ "Ook gemeld bij …": link to a signal of another organisation; nothing moves."""
    signal = _managed_or_403(signal_id)
    form = MergeForm()
    if form.validate_on_submit():
        target = _target_or_none(form.target.raw_data[0] if form.target.raw_data else None)
        try:
            services.link(signal, services.check_link(signal, target, current_user), current_user)
        except ServiceError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            flash(
                _(
                    "Knelpunt %(old)d is gekoppeld aan %(new)d: ook gemeld bij %(organisation)s.",
                    old=signal.id,
                    new=target.id,
                    organisation=target.organisation.name,
                ),
                "success",
            )
    else:
        _flash_form_errors(form)
    return redirect(url_for("signals.detail", signal_id=signal.id))
