"""Meeting pages: list, plan, agenda from a filtered search, outcomes, follow-up, print."""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from signalen.auth.models import MANAGERS
from signalen.auth.permissions import role_required
from signalen.core.dates import local_today
from signalen.core.errors import ServiceError
from signalen.core.forms import flash_form_errors, form_status, show_service_error
from signalen.core.pagination import paginate
from signalen.core.validation import parse_ids
from signalen.extensions import db
from signalen.infobank.filters import SearchFilters
from signalen.infobank.services import run_search
from signalen.meetings import access as meeting_access
from signalen.meetings import services
from signalen.meetings.forms import (
    ActionForm,
    AgreementForm,
    CloseSignalForm,
    FreeItemForm,
    MeetingForm,
    OutcomeForm,
)
from signalen.meetings.models import Agreement, Meeting, MeetingItem
from signalen.signals import access
from signalen.signals.models import Status

bp = Blueprint("meetings", __name__, url_prefix="/overleg")

AGENDA_PER_PAGE = 25


FAILED = object()


def _attempt(call, form=None):
    """Run a service call; when it refuses, undo and show why (under the form field, else
    as a message) and return FAILED."""
    try:
        return call()
    except ServiceError as error:
        db.session.rollback()
        if form is not None:
            show_service_error(form, error)
        else:
            flash(str(error.message), "error")
        return FAILED


def _visible():
    """The template test whether the current user may read an agenda item."""
    return lambda item: meeting_access.item_visible(item, current_user)


def _managed_meeting(meeting_id: int) -> Meeting:
    meeting = db.get_or_404(Meeting, meeting_id)
    if not meeting_access.can_manage(current_user, meeting):
        abort(403)
    return meeting


def _item_or_404(meeting: Meeting, item_id: int) -> MeetingItem:
    item = db.session.get(MeetingItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        abort(404)
    return item


def _input(form: MeetingForm) -> services.MeetingInput:
    return services.MeetingInput(
        title=form.title.data or "",
        held_on=form.held_on.data,
        starts_at=form.starts_at.data,
        location=form.location.data or "",
        participants=form.participants.data or "",
        agency_ids=list(form.agencies.data or []),
        minutes=form.minutes.data or "",
    )


@bp.get("/")
@login_required
def index():
    upcoming = list(db.session.scalars(services.meetings_query(upcoming=True)))
    past = paginate(services.meetings_query(upcoming=False), per_page=20)
    return render_template(
        "meetings/index.html",
        upcoming=upcoming,
        past=past,
        can_plan=meeting_access.can_plan(current_user),
    )


@bp.route("/nieuw", methods=["GET", "POST"])
@role_required(*MANAGERS)
def new():
    if not meeting_access.can_plan(current_user):
        abort(403)
    form = MeetingForm()
    form.fill_choices()
    if form.validate_on_submit():
        meeting = _attempt(lambda: services.create_meeting(_input(form), current_user), form)
        if meeting is not FAILED:
            flash(_("Het overleg is gepland. Stel nu de agenda samen."), "success")
            return redirect(url_for("meetings.compose", meeting_id=meeting.id))
    return render_template("meetings/form.html", form=form, meeting=None), form_status()


@bp.get("/<int:meeting_id>")
@login_required
def show(meeting_id: int):
    meeting = db.get_or_404(Meeting, meeting_id)
    return render_template(
        "meetings/show.html",
        meeting=meeting,
        manage=meeting_access.can_manage(current_user, meeting),
        visible=_visible(),
        free_form=FreeItemForm(prefix="free"),
        action_form=ActionForm(),
        today=local_today(),
    )


@bp.route("/<int:meeting_id>/bewerken", methods=["GET", "POST"])
@role_required(*MANAGERS)
def edit(meeting_id: int):
    meeting = _managed_meeting(meeting_id)
    form = MeetingForm(obj=meeting)
    form.fill_choices()
    if request.method == "GET":
        form.agencies.data = [agency.id for agency in meeting.agencies]
    if form.validate_on_submit():
        saved = _attempt(lambda: services.update_meeting(meeting, _input(form), current_user), form)
        if saved is not FAILED:
            flash(_("Het overleg is opgeslagen."), "success")
            return redirect(url_for("meetings.show", meeting_id=meeting.id))
    return render_template("meetings/form.html", form=form, meeting=meeting), form_status()


@bp.route("/<int:meeting_id>/agenda-samenstellen", methods=["GET", "POST"])
@role_required(*MANAGERS)
def compose(meeting_id: int):
    """The informatiebank search (only knelpunten) with a checkbox per signal."""
    meeting = _managed_meeting(meeting_id)
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        raw = request.form.getlist("signal_ids")
        ids = parse_ids(raw)
        back = _back_to_search(request.form.get("terug", ""))
        result = _attempt(lambda: services.add_signals(meeting, ids, current_user))
        if result is FAILED:
            return redirect(url_for("meetings.compose", meeting_id=meeting.id) + back)
        if result.added:
            flash(
                ngettext(
                    "%(num)d knelpunt staat nu op de agenda.",
                    "%(num)d knelpunten staan nu op de agenda.",
                    len(result.added),
                ),
                "success",
            )
        if result.already:
            flash(
                ngettext(
                    "%(num)d knelpunt stond al op de agenda.",
                    "%(num)d knelpunten stonden al op de agenda.",
                    len(result.already),
                ),
                "info",
            )
        if result.unchanged_status:
            flash(
                _(
                    "Knelpunten van andere organisaties staan op de agenda; hun status "
                    "verandert de eigen coördinator: %(ids)s.",
                    ids=", ".join(f"#{s.id}" for s in result.unchanged_status),
                ),
                "info",
            )
        return redirect(url_for("meetings.compose", meeting_id=meeting.id) + back)

    filters = SearchFilters.from_args(request.args)
    filters.values["soort"] = ["knelpunt"]
    page = run_search(filters, current_user, per_page=AGENDA_PER_PAGE)
    for message in filters.errors:
        flash(message, "error")
    on_agenda = {item.signal_id for item in meeting.items if item.signal_id}
    return render_template(
        "meetings/compose.html",
        meeting=meeting,
        page=page,
        filters=filters,
        form=form,
        on_agenda=on_agenda,
        closed={Status.RESOLVED, Status.CLOSED},
    )


def _back_to_search(query: str) -> str:
    """The search the coordinator came from, rebuilt from its filters (never raw input)."""
    filters = SearchFilters.from_args(MultiDict(parse_qsl(query.lstrip("?"))))
    rebuilt = filters.query_string(soort=None, pagina=filters.page if filters.page > 1 else None)
    return f"?{rebuilt}" if rebuilt else ""


@bp.post("/<int:meeting_id>/punten")
@role_required(*MANAGERS)
def add_item(meeting_id: int):
    meeting = _managed_meeting(meeting_id)
    form = FreeItemForm(prefix="free")
    if form.validate_on_submit():
        added = _attempt(
            lambda: services.add_free_item(
                meeting, form.title.data, form.description.data or "", current_user
            )
        )
        if added is not FAILED:
            flash(_("Het agendapunt is toegevoegd."), "success")
    else:
        flash_form_errors(form)
    return redirect(url_for("meetings.show", meeting_id=meeting.id) + "#agenda")


@bp.post("/<int:meeting_id>/punten/<int:item_id>/verwijderen")
@role_required(*MANAGERS)
def remove_item(meeting_id: int, item_id: int):
    meeting = _managed_meeting(meeting_id)
    item = _item_or_404(meeting, item_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if _attempt(lambda: services.remove_item(item, current_user)) is not FAILED:
        flash(_("Het agendapunt is van de agenda gehaald."), "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id) + "#agenda")


@bp.post("/<int:meeting_id>/punten/<int:item_id>/<any(omhoog, omlaag):direction>")
@role_required(*MANAGERS)
def move_item(meeting_id: int, item_id: int, direction: str):
    meeting = _managed_meeting(meeting_id)
    item = _item_or_404(meeting, item_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.move_item(item, -1 if direction == "omhoog" else 1, current_user)
    return redirect(url_for("meetings.show", meeting_id=meeting.id) + "#agenda")


@bp.route("/<int:meeting_id>/punten/<int:item_id>/uitkomst", methods=["GET", "POST"])
@role_required(*MANAGERS)
def outcome(meeting_id: int, item_id: int):
    meeting = _managed_meeting(meeting_id)
    item = _item_or_404(meeting, item_id)
    form = OutcomeForm(obj=item)
    if form.validate_on_submit():
        agreement = services.AgreementInput(
            form.agreement_description.data or "",
            form.agreement_owner.data or "",
            form.agreement_due_on.data,
        )
        agreements = [] if agreement.is_empty else [agreement]
        recorded = _attempt(
            lambda: services.record_outcome(
                item,
                current_user,
                discussion=form.discussion.data or "",
                agency_response=form.agency_response.data or "",
                agreements=agreements,
            ),
            form,
        )
        if recorded is not FAILED:
            flash(_("De uitkomst is opgeslagen."), "success")
            return redirect(url_for("meetings.show", meeting_id=meeting.id) + f"#punt-{item.id}")
    return render_template(
        "meetings/outcome.html",
        meeting=meeting,
        item=item,
        form=form,
        visible=meeting_access.item_visible(item, current_user),
    ), form_status()


def _agreement_or_404(agreement_id: int) -> Agreement:
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None or not meeting_access.can_manage(current_user, agreement.item.meeting):
        abort(404)
    return agreement


def _back_from_agreement(item: MeetingItem, back: str | None) -> str:
    """Where an agreement action returns to: the meeting page (``terug=overleg``), the
    item's outcome page (``terug=uitkomst``) or else the follow-up list. Only these three."""
    if back == "overleg":
        return url_for("meetings.show", meeting_id=item.meeting_id) + f"#punt-{item.id}"
    if back == "uitkomst":
        return url_for("meetings.outcome", meeting_id=item.meeting_id, item_id=item.id)
    return url_for("meetings.followup")


def _back_value() -> str:
    """The ``terug`` of this request (form on POST, query string on GET), if it is known."""
    back = request.values.get("terug", "")
    return back if back in ("overleg", "uitkomst") else ""


def _agreement_page(template: str, agreement: Agreement, form, back: str) -> str:
    """The edit or delete page of an agreement, with its agenda item and the way back."""
    return render_template(
        template,
        agreement=agreement,
        item=agreement.item,
        form=form,
        back=back,
        cancel=_back_from_agreement(agreement.item, back),
        visible=_visible(),
    )


def _agreement_action(agreement_id: int, action, message: str):
    agreement = _agreement_or_404(agreement_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    action(agreement, current_user)
    flash(message, "success")
    return redirect(_back_from_agreement(agreement.item, _back_value()))


@bp.post("/afspraken/<int:agreement_id>/klaar")
@role_required(*MANAGERS)
def complete(agreement_id: int):
    return _agreement_action(
        agreement_id, services.complete_agreement, _("De afspraak staat op uitgevoerd.")
    )


@bp.post("/afspraken/<int:agreement_id>/heropenen")
@role_required(*MANAGERS)
def reopen(agreement_id: int):
    return _agreement_action(
        agreement_id, services.reopen_agreement, _("De afspraak staat weer open.")
    )


@bp.route("/afspraken/<int:agreement_id>/wijzigen", methods=["GET", "POST"])
@role_required(*MANAGERS)
def edit_agreement(agreement_id: int):
    """Correct an agreement's text, owner or due date."""
    agreement = _agreement_or_404(agreement_id)
    form = AgreementForm(
        data={
            "agreement_description": agreement.description,
            "agreement_owner": agreement.owner,
            "agreement_due_on": agreement.due_on,
        }
    )
    back = _back_value()
    if form.validate_on_submit():
        data = services.AgreementInput(
            form.agreement_description.data or "",
            form.agreement_owner.data or "",
            form.agreement_due_on.data,
        )
        changes = _attempt(lambda: services.update_agreement(agreement, data, current_user), form)
        if changes is not FAILED:
            if changes:
                flash(_("De afspraak is gewijzigd."), "success")
            else:
                flash(_("Er is niets veranderd aan de afspraak."), "info")
            return redirect(_back_from_agreement(agreement.item, back))
    return _agreement_page("meetings/agreement_form.html", agreement, form, back), form_status()


@bp.route("/afspraken/<int:agreement_id>/verwijderen", methods=["GET", "POST"])
@role_required(*MANAGERS)
def delete_agreement(agreement_id: int):
    """Ask first (GET), then remove an agreement entered by mistake (POST)."""
    agreement = _agreement_or_404(agreement_id)
    form = ActionForm()
    back = _back_value()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        item = agreement.item
        if _attempt(lambda: services.delete_agreement(agreement, current_user)) is not FAILED:
            flash(_("De afspraak is verwijderd."), "success")
        return redirect(_back_from_agreement(item, back))
    return _agreement_page("meetings/agreement_delete.html", agreement, form, back)


@bp.get("/afspraken")
@role_required(*MANAGERS)
def followup():
    overdue = list(db.session.scalars(services.agreements_query(current_user, overdue_only=True)))
    overdue_ids = {a.id for a in overdue}
    open_ = [
        a
        for a in db.session.scalars(services.agreements_query(current_user))
        if a.id not in overdue_ids
    ]
    done = list(
        db.session.scalars(
            services.agreements_query(current_user, open_only=False)
            .where(Agreement.done_at.is_not(None))
            .order_by(None)
            .order_by(Agreement.done_at.desc(), Agreement.id.desc())
            .limit(50)
        )
    )
    closable = {
        a.item.signal_id
        for a in done
        if a.item.signal is not None
        and access.can_manage(current_user, a.item.signal)
        and a.item.signal.status not in (Status.RESOLVED, Status.CLOSED)
    }
    return render_template(
        "meetings/followup.html",
        overdue=overdue,
        open_agreements=open_,
        done=done,
        closable=closable,
        visible=_visible(),
        action_form=ActionForm(),
        close_form=CloseSignalForm(),
    )


@bp.post("/knelpunten/<int:signal_id>/afsluiten")
@role_required(*MANAGERS)
def close_signal(signal_id: int):
    from signalen.signals.services import visible_signal_or_none

    signal = visible_signal_or_none(signal_id, current_user)
    if signal is None:
        abort(404)
    form = CloseSignalForm()
    if form.validate_on_submit():
        status = Status(form.status.data)
        closed = _attempt(
            lambda: services.close_signal(signal, status, form.reason.data, current_user)
        )
        if closed is not FAILED:
            flash(
                _(
                    "Knelpunt #%(id)d is %(status)s.",
                    id=signal.id,
                    status=signal.status.label.lower(),
                ),
                "success",
            )
    else:
        flash_form_errors(form)
    return redirect(url_for("meetings.followup"))


PART = "<any(agenda, verslag):part>"


@bp.get(f"/<int:meeting_id>/afdrukken/{PART}.pdf")
@login_required
def pdf(meeting_id: int, part: str):
    meeting = db.get_or_404(Meeting, meeting_id)
    response = make_response(services.meeting_pdf(meeting, part, current_user))
    response.headers["Content-Type"] = "application/pdf"
    name = f"overleg-{meeting.id}-{part}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get(f"/<int:meeting_id>/afdrukken/{PART}")
@login_required
def print_view(meeting_id: int, part: str):
    meeting = db.get_or_404(Meeting, meeting_id)
    return render_template("meetings/print.html", meeting=meeting, part=part, visible=_visible())
