"""Pages of the sociale kaart: browse, service and organisation pages, editing services,
organisations, locations and contacts, verification and change requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from signalen.auth.models import MANAGERS
from signalen.auth.permissions import role_required
from signalen.core.errors import ServiceError
from signalen.core.forms import show_service_error
from signalen.directory import hours
from signalen.directory.access import may_manage, may_read
from signalen.directory.browse import DirectoryFilters, browse, filtered_services, map_points
from signalen.directory.forms import (
    ChangeRequestForm,
    ContactForm,
    DecideForm,
    HoursForm,
    ImportForm,
    LocationForm,
    NewServiceForm,
    OrganizationForm,
    ServiceForm,
    VerifyForm,
)
from signalen.directory.hours import check_hours, is_simple, weekly_hours
from signalen.directory.models import (
    CHANGE_STATUS_LABELS,
    Contact,
    Location,
    Organization,
    Service,
)
from signalen.directory.reminders import read_confirm_token
from signalen.directory.services import contacts as contact_services
from signalen.directory.services import locations as location_services
from signalen.directory.services.catalogue import (
    create_service,
    current_value,
    mark_verified,
    update_hours,
    update_service,
)
from signalen.directory.services.change_requests import (
    NOT_APPLIED,
    create_change_request,
    decide_change_item,
    decide_change_request,
    get_change_item,
    get_change_request,
    open_change_requests,
)
from signalen.directory.services.common import get_service, parse_uuid
from signalen.directory.services.contacts import (
    contact_label,
    contact_owner,
    create_contact,
    get_contact,
    history_parts,
    update_contact,
)
from signalen.directory.services.history import resource_history
from signalen.directory.services.locations import (
    create_location,
    get_location,
    location_label,
    services_at,
    update_location,
)
from signalen.directory.services.organizations import get_organization, update_organization
from signalen.directory.services.review import (
    DUE_SOON_DAYS,
    is_overdue,
    next_review_date,
    review_lists,
)
from signalen.directory.services.validation import field_label, language_choices
from signalen.extensions import db, limiter, login_manager
from signalen.taxonomy.models import Municipality, Theme

bp = Blueprint("directory", __name__, url_prefix="/sociale-kaart")
# ``app.extensions`` key of the function behind the import page: (file name, content, user,
# dry_run) -> a report with ``errors``, ``warnings``, ``counts()`` and ``committed``.
IMPORTER_EXTENSION = "signalen.directory.importer"
T = TypeVar("T")


def _change_limit() -> str:
    return current_app.config["DIRECTORY_CHANGE_RATE_LIMIT"]


@bp.before_request
def _require_login_when_private():
    if not may_read(current_user):
        return login_manager.unauthorized()
    return None


def can_manage() -> bool:
    return may_manage(current_user)


def _attempt(form, action: Callable[[], T], aliases=None) -> tuple[bool, T | None]:
    """Run a service call for ``form``: (True, its result), or (False, None) with nothing
    kept and the refusal shown on its field (or as a message)."""
    try:
        return True, action()
    except ServiceError as error:
        db.session.rollback()
        show_service_error(form, error, aliases)
        return False, None


def _or_404(item: T | None) -> T:
    if item is None:
        abort(404)
    return item


def _service_or_404(service_id: str):
    return _or_404(get_service(service_id))


def _location_or_404(location_id: str) -> Location:
    """A location of an organisation (the only ones edited here), else 404."""
    location = _or_404(get_location(location_id))
    return _or_404(location if location.organization is not None else None)


def _contact_or_404(contact_id: str) -> tuple[Contact, Organization | Service]:
    """A contact of an organisation or a service (the only ones edited here) and its owner,
    else 404."""
    contact = _or_404(get_contact(contact_id))
    return contact, _or_404(contact_owner(contact))


def _filter_choices():
    themes = db.session.scalars(
        db.select(Theme)
        .where(Theme.parent_id.is_(None), Theme.active.is_(True))
        .order_by(Theme.name)
    ).all()
    municipalities = db.session.scalars(
        db.select(Municipality).where(Municipality.active.is_(True)).order_by(Municipality.name)
    ).all()
    return themes, municipalities


def _map_enabled() -> bool:
    return bool(current_app.config.get("MAP_TILE_URL"))


@bp.get("")
def index():
    filters = DirectoryFilters.from_args(request.args)
    result = browse(filters)
    themes, municipalities = _filter_choices()
    return render_template(
        "directory/index.html",
        filters=filters,
        result=result,
        themes=themes,
        municipalities=municipalities,
        languages=language_choices(),
        map_enabled=_map_enabled(),
        can_manage=can_manage(),
    )


@bp.get("/kaart.json")
def map_data():
    filters = DirectoryFilters.from_args(request.args)
    found, _error = filtered_services(filters)
    return jsonify(
        {
            "tile_url": current_app.config.get("MAP_TILE_URL") or None,
            "attribution": current_app.config.get("MAP_ATTRIBUTION", ""),
            "points": [
                {
                    **point,
                    "services": [
                        {**s, "url": url_for("directory.service", service_id=s["id"])}
                        for s in point["services"]
                    ],
                }
                for point in map_points(found)
            ],
        }
    )


@bp.get("/dienst/<service_id>")
def service(service_id: str):
    item = _service_or_404(service_id)
    return _render_service(item, ChangeRequestForm())


RECEIVED_ANCHOR = "wijziging-ontvangen"


def _render_service(item, form: ChangeRequestForm, status: int = 200):
    manager = can_manage()
    parts = history_parts(item) if manager else {}
    return (
        render_template(
            "directory/service.html",
            service=item,
            form=form,
            verify_form=VerifyForm(),
            can_manage=manager,
            history=resource_history([item.id, *parts]) if manager else [],
            parts=parts or None,
            next_review=next_review_date(item),
            overdue=is_overdue(item),
            open_now=hours.is_open_now(item),
            next_opening=hours.next_opening(item),
            schedules=hours.service_schedules(item),
            field_label=field_label,
            current_value=current_value,
            received=request.method == "GET" and request.args.get("ontvangen") == "1",
            received_anchor=RECEIVED_ANCHOR,
        ),
        status,
    )


@bp.post("/dienst/<service_id>/wijziging")
@limiter.limit(_change_limit)
def propose_change(service_id: str):
    item = _service_or_404(service_id)
    form = ChangeRequestForm()
    if not form.validate_on_submit():
        return _render_service(item, form, 400)
    saved, _request = _attempt(
        form,
        lambda: create_change_request(
            item, form.proposals(), form.explanation.data, form.reporter_email.data
        ),
    )
    if not saved:
        return _render_service(item, form, 400)
    # The thank-you message replaces the form, focused (see the service template).
    return redirect(
        url_for("directory.service", service_id=item.id, ontvangen=1, _anchor=RECEIVED_ANCHOR)
    )


@bp.route("/dienst/<service_id>/bevestigen/<token>", methods=["GET", "POST"])
def confirm(service_id: str, token: str):
    """The "klopt nog" link of a review reminder: the organisation confirms its service."""
    item = _service_or_404(service_id)
    email = read_confirm_token(token, item)
    form = VerifyForm()
    if email is None:
        return render_template("directory/confirm.html", service=item, form=None), 400
    if form.validate_on_submit():
        mark_verified(item, email)
        flash(_("Dank u. De gegevens van %(name)s zijn bevestigd.", name=item.name), "success")
        return redirect(url_for("directory.service", service_id=item.id))
    return render_template("directory/confirm.html", service=item, form=form, email=email)


@bp.get("/organisatie/<organization_id>")
def organization(organization_id: str):
    item = _or_404(get_organization(organization_id))
    manager = can_manage()
    parts = history_parts(item)
    return render_template(
        "directory/organization.html",
        organization=item,
        services=[s for s in item.services if s.status != "defunct"],
        is_open_now=hours.is_open_now,
        can_manage=manager,
        history=resource_history([item.id, *parts]) if manager else [],
        parts=parts,
        field_label=field_label,
    )


# Verification (coordinators and beheerders) -------------------------------------------------


@bp.get("/te-controleren")
@role_required(*MANAGERS)
def review():
    days = int(current_app.config.get("DIRECTORY_DUE_SOON_DAYS", DUE_SOON_DAYS))
    overdue, soon = review_lists(days=days)
    return render_template(
        "directory/review.html",
        days=days,
        overdue=overdue,
        soon=soon,
        next_review_date=next_review_date,
        verify_form=VerifyForm(),
        open_requests=len(open_change_requests()),
    )


@bp.post("/dienst/<service_id>/gecontroleerd")
@role_required(*MANAGERS)
def verify(service_id: str):
    item = _service_or_404(service_id)
    form = VerifyForm()
    if not form.validate_on_submit():
        abort(400)
    mark_verified(item, current_user.email)
    flash(_("%(name)s is gemarkeerd als gecontroleerd.", name=item.name), "success")
    target = request.form.get("next")
    if target == "review":
        return redirect(url_for("directory.review"))
    return redirect(url_for("directory.service", service_id=item.id))


NEW_SERVICE_FIELDS = {"areas": "municipalities", "street": "street"}


@bp.route("/nieuw", methods=["GET", "POST"])
@role_required(*MANAGERS)
def new_service():
    form = NewServiceForm()
    form.fill_choices()
    if form.validate_on_submit():
        chosen = parse_uuid(form.organization.data)
        organization = db.session.get(Organization, chosen) if chosen else None
        saved, item = _attempt(
            form,
            lambda: create_service(
                organization,
                form.organization_name.data or "",
                form.values(),
                form.address(),
                current_user.email,
            ),
            NEW_SERVICE_FIELDS,
        )
        if saved:
            flash(_("%(name)s staat op de sociale kaart.", name=item.name), "success")
            return redirect(url_for("directory.service", service_id=item.id))
    return render_template("directory/new.html", form=form), (400 if form.errors else 200)


@bp.route("/dienst/<service_id>/bewerken", methods=["GET", "POST"])
@role_required(*MANAGERS)
def edit(service_id: str):
    item = _service_or_404(service_id)
    form = ServiceForm()
    form.fill_choices()
    if request.method == "GET":
        form.load(item)
    elif form.validate_on_submit():
        saved, changed = _attempt(
            form,
            lambda: update_service(item, form.values(), current_user.email),
            {"areas": "municipalities"},
        )
        if saved:
            _flash_saved(bool(changed))
            return redirect(url_for("directory.service", service_id=item.id))
    return render_template("directory/edit.html", service=item, form=form), (
        400 if form.errors else 200
    )


def _flash_saved(changed: bool, unchanged: str | None = None) -> None:
    """Say that the changes were saved, or ``unchanged`` (default: the service was checked)."""
    if changed:
        flash(_("De wijzigingen zijn opgeslagen."), "success")
        return
    unchanged = unchanged or _("Niets gewijzigd; de dienst is gemarkeerd als gecontroleerd.")
    flash(unchanged, "success")


# Organisations and their locations (coordinators and beheerders) -----------------------------


def _render_form(template: str, form, **context):
    return render_template(template, form=form, **context), (400 if form.errors else 200)


def _page_of(owner: Organization | Service) -> str:
    """The address of the page of an organisation or a service."""
    if isinstance(owner, Service):
        return url_for("directory.service", service_id=owner.id)
    return url_for("directory.organization", organization_id=owner.id)


def _back_to(owner: Organization | Service):
    return redirect(_page_of(owner))


def _edit(form, item, save: Callable[[], list[str]], owner: Organization | Service):
    """GET: ``form`` shows ``item`` as it is; a valid POST is saved, said and followed by the
    page of ``owner`` (an organisation or a service). None: show the form (again, with its
    mistakes)."""
    if request.method == "GET":
        form.load(item)
    elif form.validate_on_submit():
        saved, changed = _attempt(form, save)
        if saved:
            _flash_saved(bool(changed), _("Er is niets gewijzigd."))
            return _back_to(owner)
    return None


def _confirm_delete(template: str, remove: Callable[[], None], done: str, back, /, **context):
    """Ask first (GET: ``template`` with ``context``), then ``remove`` (POST), say ``done`` and
    go back to the page of ``back`` (an organisation or a service)."""
    form = DecideForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        remove()
        flash(done, "success")
        return _back_to(back)
    return render_template(template, form=form, **context)


@bp.route("/organisatie/<organization_id>/bewerken", methods=["GET", "POST"])
@role_required(*MANAGERS)
def edit_organization(organization_id: str):
    item = _or_404(get_organization(organization_id))
    form = OrganizationForm()
    return _edit(
        form,
        item,
        lambda: update_organization(item, form.values(), current_user.email),
        item,
    ) or _render_form("directory/organization_edit.html", form, organization=item)


@bp.route("/organisatie/<organization_id>/locatie/nieuw", methods=["GET", "POST"])
@role_required(*MANAGERS)
def new_location(organization_id: str):
    item = _or_404(get_organization(organization_id))
    form = LocationForm()
    form.fill_choices(item)
    if request.method == "GET":
        form.name.data = item.name
    elif form.validate_on_submit():
        saved, location = _attempt(
            form, lambda: create_location(item, form.values(), current_user.email)
        )
        if saved:
            flash(_("De locatie %(name)s is toegevoegd.", name=location.name), "success")
            return _back_to(item)
    return _render_form("directory/location.html", form, organization=item, location=None)


@bp.route("/locatie/<location_id>/bewerken", methods=["GET", "POST"])
@role_required(*MANAGERS)
def edit_location(location_id: str):
    location = _location_or_404(location_id)
    organization = location.organization
    form = LocationForm()
    form.fill_choices(organization)
    return _edit(
        form,
        location,
        lambda: update_location(location, form.values(), current_user.email),
        organization,
    ) or _render_form("directory/location.html", form, organization=organization, location=location)


@bp.route("/locatie/<location_id>/verwijderen", methods=["GET", "POST"])
@role_required(*MANAGERS)
def delete_location(location_id: str):
    """Ask first (GET), then remove the location (POST)."""
    location = _location_or_404(location_id)
    organization = location.organization
    label = location_label(location)
    return _confirm_delete(
        "directory/location_delete.html",
        lambda: location_services.delete_location(location, current_user.email),
        _("De locatie %(name)s is verwijderd.", name=label),
        organization,
        organization=organization,
        location=location,
        label=label,
        services_there=services_at(location),
    )


# Contacts of organisations and services (coordinators and beheerders) --------------------------


def _contact_form(owner: Organization | Service, contact: Contact | None = None):
    """Add a contact to ``owner`` or change ``contact``; the form (again) or the owner's page."""
    form = ContactForm()
    if contact is None and form.validate_on_submit():
        saved, added = _attempt(
            form, lambda: create_contact(owner, form.values(), current_user.email)
        )
        if saved:
            flash(_("De contactpersoon %(name)s is toegevoegd.", name=added.name), "success")
            return _back_to(owner)
    elif contact is not None:
        changed = _edit(
            form,
            contact,
            lambda: update_contact(contact, form.values(), current_user.email),
            owner,
        )
        if changed is not None:
            return changed
    return _render_form(
        "directory/contact.html", form, owner=owner, owner_page=_page_of(owner), contact=contact
    )


@bp.route("/organisatie/<organization_id>/contact/nieuw", methods=["GET", "POST"])
@role_required(*MANAGERS)
def new_organization_contact(organization_id: str):
    return _contact_form(_or_404(get_organization(organization_id)))


@bp.route("/dienst/<service_id>/contact/nieuw", methods=["GET", "POST"])
@role_required(*MANAGERS)
def new_service_contact(service_id: str):
    return _contact_form(_service_or_404(service_id))


@bp.route("/contact/<contact_id>/bewerken", methods=["GET", "POST"])
@role_required(*MANAGERS)
def edit_contact(contact_id: str):
    contact, owner = _contact_or_404(contact_id)
    return _contact_form(owner, contact)


@bp.route("/contact/<contact_id>/verwijderen", methods=["GET", "POST"])
@role_required(*MANAGERS)
def delete_contact(contact_id: str):
    """Ask first (GET), then remove the contact (POST)."""
    contact, owner = _contact_or_404(contact_id)
    label = contact_label(contact)
    return _confirm_delete(
        "directory/contact_delete.html",
        lambda: contact_services.delete_contact(contact, current_user.email),
        _("De contactpersoon %(name)s is verwijderd.", name=label),
        owner,
        owner=owner,
        owner_page=_page_of(owner),
        contact=contact,
        label=label,
    )


@bp.route("/dienst/<service_id>/openingstijden", methods=["GET", "POST"])
@role_required(*MANAGERS)
def edit_hours(service_id: str):
    item = _service_or_404(service_id)
    form = HoursForm()
    if request.method == "GET":
        form.load(weekly_hours(item))
    elif form.validate_on_submit():
        saved, changed = _attempt(
            form,
            lambda: update_hours(item, check_hours(form.typed()), current_user.email),
        )
        if saved:
            _flash_saved(changed)
            return redirect(url_for("directory.service", service_id=item.id))
    return render_template(
        "directory/hours.html",
        service=item,
        form=form,
        special=[s for s in hours.service_schedules(item) if not is_simple(s)],
    ), (400 if form.errors else 200)


@bp.get("/wijzigingen")
@role_required(*MANAGERS)
def change_requests():
    return render_template(
        "directory/change_requests.html",
        requests=open_change_requests(),
        form=DecideForm(),
        field_label=field_label,
        current_value=current_value,
        status_labels=CHANGE_STATUS_LABELS,
        not_applied=NOT_APPLIED,
    )


DECISIONS = {"goedkeuren": True, "afwijzen": False}
# One proposed field ("gegeven") or every open field of a request ("verzoek").
DECIDERS = {
    "gegeven": (get_change_item, decide_change_item),
    "verzoek": (get_change_request, decide_change_request),
}


@bp.post("/wijzigingen/<scope>/<target_id>/<decision>")
@role_required(*MANAGERS)
def decide(scope: str, target_id: str, decision: str):
    if scope not in DECIDERS or decision not in DECISIONS:
        abort(404)
    find, apply = DECIDERS[scope]
    target = find(target_id)
    if target is None:
        abort(404)
    form = DecideForm()
    if not form.validate_on_submit():
        abort(400)
    approve = DECISIONS[decision]
    saved, _request = _attempt(form, lambda: apply(target, approve, current_user))
    if saved:
        if approve:
            flash(_("De wijziging is doorgevoerd."), "success")
        else:
            flash(_("De wijziging is afgewezen."), "success")
    return redirect(url_for("directory.change_requests"))


@bp.route("/importeren", methods=["GET", "POST"])
@role_required(*MANAGERS)
def import_hsds():
    # The HSDS feature registers its importer (hsds depends on directory, never back).
    import_upload = current_app.extensions.get(IMPORTER_EXTENSION)
    if import_upload is None:
        abort(404)
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        report = import_upload(
            upload.filename or "upload",
            upload.read(),
            current_user,
            dry_run=form.mode.data != "importeren",
        )
        if report.committed:
            flash(_("De sociale kaart is bijgewerkt."), "success")
    return render_template(
        "directory/import.html",
        form=form,
        report=report,
    ), (422 if form.errors or (report and report.errors) else 200)
