from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from signalen.core.errors import ServiceError
from signalen.core.forms import show_service_error
from signalen.extensions import db
from signalen.privacy.services import check_fields, marked_parts
from signalen.search import services as search
from signalen.signals import access, services
from signalen.signals.forms import MergeForm, ReportForm, SignalForm, StatusForm
from signalen.signals.models import Channel, Signal, Status
from signalen.taxonomy.models import Agency, Scheme, Theme

bp = Blueprint("signals", __name__, url_prefix="/signalen")

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


@bp.route("/nieuw", methods=["GET", "POST"])
@login_required
def new():
    _require_reporter()
    form = SignalForm()
    form.fill_choices()
    findings, similar, suggestions = {}, [], {}
    if form.validate_on_submit():
        data = form.to_input()
        try:
            # Shown again on every re-render while the draft holds personal data.
            findings = check_fields(data.texts())
            cleaned = services.guard_privacy(services.clean_input(data), form.accept_redaction.data)
            if form.similar_checked.data != "1":
                similar = similar_signals(cleaned.title, cleaned.description)
            if not similar:
                organisation_id = current_user.organisation_id
                if organisation_id is None:
                    raise ServiceError(_("Alleen gebruikers van een organisatie kunnen melden."))
                signal = services.create_signal(
                    data, current_user, organisation_id, accept_redaction=form.accept_redaction.data
                )
                flash(
                    _("Het knelpunt is opgeslagen als nummer %(id)d. Dank u wel!", id=signal.id),
                    "success",
                )
                return redirect(url_for("signals.detail", signal_id=signal.id))
            form.similar_checked.data = "1"
        except services.PersonalDataFound:
            pass
        except ServiceError as error:
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
        report_form=ReportForm(
            formdata=None,
            channel=form.channel.data,
            occurred_on=form.occurred_on.data,
            client_count=form.report_count.data or 1,
        ),
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
        report_form=ReportForm(formdata=None),
        live=True,
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
            )
        except ServiceError as error:
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
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
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


@bp.post("/<int:signal_id>/samenvoegen")
@login_required
def merge(signal_id: int):
    signal = _managed_or_403(signal_id)
    form = MergeForm()
    if form.validate_on_submit():
        target = services.visible_signal_or_none(form.target.data, current_user)
        try:
            if target is None:
                raise ServiceError(_("Dit knelpunt bestaat niet of u mag het niet zien."))
            services.merge(signal, target, current_user)
        except ServiceError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            flash(
                _("Knelpunt %(old)d is samengevoegd met %(new)d.", old=signal.id, new=target.id),
                "success",
            )
            return redirect(url_for("signals.detail", signal_id=target.id))
    else:
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
    return redirect(url_for("signals.detail", signal_id=signal.id))
