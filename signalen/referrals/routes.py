"""Pages of the doorverwijzingen: register (with "op maat" suggestions), list, detail with the
outcome, and the coordinator's follow-up list. Every view checks role and organisation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from signalen.core.dates import local_today
from signalen.core.errors import ServiceError
from signalen.core.forms import show_service_error
from signalen.core.pagination import paginate
from signalen.core.validation import parse_id
from signalen.extensions import db
from signalen.privacy.services import Finding, marked_parts, redact
from signalen.referrals import access, figures, matching, queries, services
from signalen.referrals.forms import OTHER, FollowUpForm, OutcomeForm, ReferralForm
from signalen.referrals.models import Outcome, Referral
from signalen.signals import access as signal_access
from signalen.signals.services import visible_signal_or_none
from signalen.taxonomy import services as taxonomy
from signalen.taxonomy.models import Theme

bp = Blueprint("referrals", __name__, url_prefix="/doorverwijzingen")
T = TypeVar("T")

FIELD_NAMES = {"municipality_id": "municipality", "themes": "themes"}
SAVE = "opslaan"
SEARCH = "zoeken"


def _privacy_view(form, findings: dict[str, list[Finding]]) -> dict:
    """What the template needs to show personal data found in the form's free text."""
    if not findings:
        return {"findings": {}, "marked": {}, "redacted": {}}
    return {
        "findings": findings,
        "marked": {
            name: marked_parts(getattr(form, name).data or "", items)
            for name, items in findings.items()
        },
        "redacted": {name: redact(getattr(form, name).data or "") for name in findings},
    }


def _attempt(form, action: Callable[[], T]) -> tuple[T | None, dict[str, list[Finding]]]:
    """Run a service call for ``form``: (its result, {}) when it worked; otherwise nothing is
    kept and the form shows why: the personal data found, or the refusal on its field."""
    try:
        return action(), {}
    except services.PersonalDataFound as error:
        db.session.rollback()
        return None, error.findings
    except ServiceError as error:
        db.session.rollback()
        show_service_error(form, error, FIELD_NAMES)
        return None, {}


def _visible_or_404(referral_id: int) -> Referral:
    referral = access.visible_referral_or_none(referral_id, current_user)
    if referral is None:
        abort(404)
    return referral


def _signal_from_args():
    raw = (request.args.get("signaal") or "").strip()
    if not raw:
        return None
    signal_id = parse_id(raw)
    if signal_id is None:
        abort(404)
    signal = visible_signal_or_none(signal_id, current_user)
    if signal is None:
        abort(404)
    return signal


def _criteria(form: ReferralForm) -> matching.MatchCriteria:
    age = form.age.data
    if age is not None and not 0 <= age <= services.MAX_AGE:
        age = None
    return matching.MatchCriteria(
        theme_ids=tuple(int(i) for i in form.themes.data or ()),
        municipality_id=form.municipality.data,
        age=age,
        language=form.language.data or "",
    )


@bp.route("/nieuw", methods=["GET", "POST"])
@login_required
def new():
    if not access.can_create(current_user):
        abort(403)
    signal = _signal_from_args()
    form = ReferralForm()
    form.fill_choices()
    findings: dict[str, list[Finding]] = {}
    status = 200
    if request.method == "GET":
        if signal is not None:
            form.themes.data = [theme.id for theme in signal.themes]
            form.municipality.data = signal.municipality_id
        days = int(current_app.config["REFERRALS_FOLLOW_UP_DAYS"])
        if days > 0:
            form.follow_up_on.data = local_today() + timedelta(days=days)
    elif request.form.get("action") != SEARCH:
        if form.validate_on_submit():
            referral, findings = _attempt(
                form,
                lambda: services.create_referral(
                    form.to_input(signal.id if signal else None),
                    current_user,
                    accept_redaction=form.accept_redaction.data,
                ),
            )
            if referral is not None:
                flash(
                    _(
                        "De doorverwijzing naar %(service)s is opgeslagen.",
                        service=referral.service_name,
                    ),
                    "success",
                )
                return redirect(url_for("referrals.detail", referral_id=referral.id))
        status = 422
    suggestions = matching.suggest_services(
        _criteria(form), limit=int(current_app.config["REFERRALS_SUGGESTION_LIMIT"])
    )
    chosen = form.chosen_service_id()
    if chosen and chosen not in {str(s.service.id) for s in suggestions}:
        form.service.data = OTHER
        form.other_service.data = chosen
    return render_template(
        "referrals/new.html",
        form=form,
        signal=signal,
        suggestions=suggestions,
        chosen_themes=sorted(
            theme.full_name
            for theme in taxonomy.by_ids(Theme, [int(i) for i in form.themes.data or []])
        ),
        other=OTHER,
        **_privacy_view(form, findings),
    ), status


@bp.get("/")
@login_required
def index():
    if not access.can_list(current_user):
        abort(403)
    filters = queries.ReferralFilters.from_args(request.args)
    page = paginate(queries.referrals_query(current_user, filters), per_page=30)
    return render_template(
        "referrals/index.html",
        page=page,
        filters=filters,
        outcomes=list(Outcome),
        open_value=queries.OPEN,
        themes=taxonomy.main_themes(),
        counts=figures.outcome_counts(current_user),
        can_create=access.can_create(current_user),
        can_follow_up=access.can_follow_up(current_user),
        today=local_today(),
    )


@bp.get("/opvolgen")
@login_required
def follow_up():
    if not access.can_follow_up(current_user):
        abort(403)
    today = local_today()
    return render_template(
        "referrals/follow_up.html",
        referrals=queries.due_for_follow_up(current_user, today),
        today=today,
    )


def _render_detail(
    referral: Referral,
    form: OutcomeForm,
    findings=None,
    status: int = 200,
    follow_up_form: FollowUpForm | None = None,
):
    signal = referral.signal
    return render_template(
        "referrals/detail.html",
        referral=referral,
        form=form,
        follow_up_form=follow_up_form
        or FollowUpForm(formdata=None, follow_up_on=referral.follow_up_on),
        can_record=access.can_record_outcome(current_user, referral),
        signal_visible=signal is not None and signal_access.can_view(current_user, signal),
        service_exists=referral.service is not None,
        today=local_today(),
        **_privacy_view(form, findings or {}),
    ), status


@bp.get("/<int:referral_id>")
@login_required
def detail(referral_id: int):
    referral = _visible_or_404(referral_id)
    form = OutcomeForm(
        formdata=None,
        outcome=referral.outcome.value if referral.outcome else None,
        note=referral.outcome_note,
    )
    return _render_detail(referral, form)


@bp.post("/<int:referral_id>/uitkomst")
@login_required
def record_outcome(referral_id: int):
    referral = _visible_or_404(referral_id)
    if not access.can_record_outcome(current_user, referral):
        abort(403)
    form = OutcomeForm()
    findings: dict[str, list[Finding]] = {}
    if form.validate_on_submit():
        saved, findings = _attempt(
            form,
            lambda: services.record_outcome(
                referral,
                Outcome(form.outcome.data),
                current_user,
                form.note.data or "",
                accept_redaction=form.accept_redaction.data,
            ),
        )
        if saved is not None:
            flash(
                _("De uitkomst is opgeslagen: %(outcome)s.", outcome=referral.outcome.label),
                "success",
            )
            return redirect(url_for("referrals.detail", referral_id=referral.id))
    return _render_detail(referral, form, findings, 422)


@bp.post("/<int:referral_id>/opvolgdatum")
@login_required
def change_follow_up(referral_id: int):
    referral = _visible_or_404(referral_id)
    if not access.can_record_outcome(current_user, referral):
        abort(403)
    form = FollowUpForm()
    if form.validate_on_submit():
        saved, _findings = _attempt(
            form,
            lambda: services.change_follow_up(referral, form.follow_up_on.data, current_user),
        )
        if saved is not None:
            flash(_("De opvolgdatum is gewijzigd."), "success")
            return redirect(url_for("referrals.detail", referral_id=referral.id))
    outcome_form = OutcomeForm(
        formdata=None,
        outcome=referral.outcome.value if referral.outcome else None,
        note=referral.outcome_note,
    )
    return _render_detail(referral, outcome_form, status=422, follow_up_form=form)
