"""Signaalradar pages: the full radar for coordinators, lezers and beheerders, a public
version with counts only, marking a rise, and the public feed."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from signalen.auth.models import MANAGERS
from signalen.auth.permissions import role_required
from signalen.core.dates import local_today
from signalen.core.errors import ServiceError
from signalen.core.forms import confirmation_page, confirmed
from signalen.core.validation import parse_int
from signalen.extensions import db
from signalen.feeds.routes import serve
from signalen.radar import feed, services
from signalen.radar.forms import MarkForm, WithdrawForm
from signalen.radar.models import RadarMark, Verdict

bp = Blueprint("radar", __name__)

EARLIEST = date(2000, 1, 1)


def _arguments() -> tuple[date, int, list[str]]:
    """The date and number of weeks asked for; wrong values fall back and are reported."""
    problems = []
    today = local_today()
    at = today
    raw = (request.args.get("datum") or "").strip()
    if raw:
        try:
            at = date.fromisoformat(raw[:10])
        except ValueError:
            problems.append(_("De datum klopt niet (gebruik jjjj-mm-dd). U ziet vandaag."))
        if not EARLIEST <= at <= today:
            problems.append(_("Kies een datum tussen 2000 en vandaag. U ziet vandaag."))
            at = today
    weeks = 4
    raw_weeks = (request.args.get("weken") or "").strip()
    if raw_weeks:
        if (chosen := parse_int(raw_weeks, 1, services.MAX_WEEKS)) is not None:
            weeks = chosen
        else:
            problems.append(_("Kies 1 tot %(max)d weken. U ziet 4 weken.", max=services.MAX_WEEKS))
    return at, weeks, problems


def _page(public: bool):
    at, weeks, problems = _arguments()
    result = services.detect(at, weeks, viewer=None if public else current_user, words=not public)
    forms = {}
    if not public and services.can_mark(current_user):
        for rise in result.rises:
            form = MarkForm(
                formdata=None,
                series_key=rise.key,
                window_start=result.window.start,
                weeks=weeks,
                prefix=f"m{len(forms)}",
            )
            forms[rise.key] = form
    return render_template(
        "radar/index.html",
        result=result,
        weeks=weeks,
        at=at,
        today=local_today(),
        problems=problems,
        public=public,
        forms=forms,
        withdraw_form=WithdrawForm() if not public and services.can_mark(current_user) else None,
        explain=services.explain,
        sparkline=services.sparkline,
        search_url=services.search_url,
        window_label=services.window_label(result.window),
        verdict_labels=services.VERDICT_LABELS,
        previous=at - timedelta(weeks=1),
        next=min(at + timedelta(weeks=1), local_today()),
    )


@bp.get("/signaalradar")
def index():
    return _page(public=not services.can_view_full(current_user))


@bp.get("/signaalradar/openbaar")
def public():
    return _page(public=True)


@bp.post("/signaalradar/markeren")
@role_required(*MANAGERS)
def mark():
    prefix = next(
        (key[: -len("-series_key")] for key in request.form if key.endswith("-series_key")), ""
    )
    form = MarkForm(prefix=prefix) if prefix else MarkForm()
    back = url_for("radar.index", **_back_args())
    if not form.validate():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(back)
    key = services.parse_key(form.series_key.data)
    if key is None:
        flash(_("Deze stijging bestaat niet."), "error")
        return redirect(back)
    try:
        services.mark(
            current_user,
            key,
            form.window_start.data,
            form.weeks.data,
            Verdict(form.verdict.data),
            form.reason.data,
        )
    except ServiceError as error:
        flash(str(error.message), "error")
        return redirect(back)
    flash(_("Gemarkeerd. De radar waarschuwt hier niet meer voor in deze weken."), "success")
    return redirect(back)


@bp.post("/signaalradar/markeringen/<int:mark_id>/intrekken")
@role_required(*MANAGERS)
def withdraw(mark_id: int):
    entry = db.session.get(RadarMark, mark_id)
    if entry is None:
        abort(404)
    if not WithdrawForm().validate_on_submit():
        abort(400)
    back = url_for("radar.index", datum=services.window_end(entry).isoformat(), weken=entry.weeks)
    if not confirmed():
        return confirmation_page(
            title=_("Markering intrekken?"),
            text=_(
                "De radar waarschuwt dan weer voor deze stijging in deze weken. De markering "
                "en de reden blijven in het logboek staan."
            ),
            button=_("Ja, trek de markering in"),
            cancel_url=back,
            details=[
                f"{services.VERDICT_LABELS[entry.verdict]}: {entry.reason}",
                _("Weken vanaf %(start)s", start=entry.window_start.strftime("%d-%m-%Y")),
            ],
        )
    try:
        services.withdraw(current_user, entry)
    except ServiceError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(back)
    flash(_("De markering is ingetrokken. De radar waarschuwt hier weer voor."), "success")
    return redirect(back)


def _back_args() -> dict[str, str]:
    args = {}
    for name in ("datum", "weken"):
        value = (request.args.get(name) or "").strip()
        if value and len(value) <= 10:
            args[name] = value
    return args


@bp.get("/feeds/signaalradar.<any(atom, rss):fmt>")
def feed_view(fmt: str):
    return serve(feed.radar_plan, fmt)
