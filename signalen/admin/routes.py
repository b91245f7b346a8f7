from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from signalen.admin.forms import MemberOrganisationForm, UserForm
from signalen.audit import services as audit
from signalen.auth import services as accounts
from signalen.auth.models import MANAGERS, Role, User
from signalen.auth.permissions import role_required
from signalen.core.errors import ServiceError
from signalen.core.forms import show_service_error
from signalen.core.pagination import paginate
from signalen.core.validation import parse_id
from signalen.extensions import db
from signalen.organisations import services as organisations
from signalen.organisations.models import MemberOrganisation

bp = Blueprint("admin", __name__, url_prefix="/beheer")


def _status(form) -> int:
    return 422 if form.errors or request.method == "POST" else 200


@bp.get("/")
@role_required(*MANAGERS)
def index():
    return render_template("admin/index.html")


# Organisations ---------------------------------------------------------------------------


@bp.get("/organisaties")
@role_required(Role.ADMINISTRATOR)
def organisations_list():
    return render_template(
        "admin/organisations.html", organisations=organisations.all_organisations()
    )


@bp.route("/organisaties/nieuw", methods=["GET", "POST"])
@role_required(Role.ADMINISTRATOR)
def organisation_new():
    form = MemberOrganisationForm(active=True)
    del form.active
    if form.validate_on_submit():
        try:
            organisation = organisations.create_organisation(form.name.data, actor=current_user)
        except ServiceError as error:
            show_service_error(form, error)
        else:
            flash(_("Organisatie %(name)s is aangemaakt.", name=organisation.name), "success")
            return redirect(url_for("admin.organisations_list"))
    return render_template("admin/organisation_form.html", form=form, organisation=None), _status(
        form
    )


@bp.route("/organisaties/<int:organisation_id>", methods=["GET", "POST"])
@role_required(Role.ADMINISTRATOR)
def organisation_edit(organisation_id: int):
    organisation = db.get_or_404(MemberOrganisation, organisation_id)
    form = MemberOrganisationForm(obj=organisation)
    if form.validate_on_submit():
        try:
            changes = organisations.update_organisation(
                organisation, name=form.name.data, active=form.active.data, actor=current_user
            )
        except ServiceError as error:
            db.session.rollback()
            show_service_error(form, error)
        else:
            if changes:
                flash(_("De wijzigingen zijn opgeslagen."), "success")
            return redirect(url_for("admin.organisations_list"))
    return render_template(
        "admin/organisation_form.html", form=form, organisation=organisation
    ), _status(form)


# Users -----------------------------------------------------------------------------------


def _user_form(user: User | None = None) -> UserForm:
    form = UserForm(obj=user) if user else UserForm(active=True)
    if user is not None and request.method == "GET":
        form.role.data = user.role.value
        form.organisation.data = str(user.organisation_id or "")
    form.set_choices(
        accounts.assignable_roles(current_user),
        accounts.manageable_organisations(current_user),
        allow_none=current_user.role is Role.ADMINISTRATOR,
    )
    return form


def _chosen_organisation(form: UserForm) -> MemberOrganisation | None:
    value = form.organisation.data
    organisation_id = parse_id(value)
    return db.session.get(MemberOrganisation, organisation_id) if organisation_id else None


def _managed_user_or_404(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    if not accounts.can_manage_user(current_user, user):
        abort(404 if current_user.role is not Role.ADMINISTRATOR else 403)
    return user


@bp.get("/gebruikers")
@role_required(*MANAGERS)
def users_list():
    organisation_id = request.args.get("organisatie", type=parse_id)
    page = paginate(accounts.users_query(current_user, organisation_id), per_page=50)
    return render_template(
        "admin/users.html",
        page=page,
        organisation_id=organisation_id,
        organisations=organisations.all_organisations()
        if current_user.role is Role.ADMINISTRATOR
        else [],
    )


@bp.route("/gebruikers/nieuw", methods=["GET", "POST"])
@role_required(*MANAGERS)
def user_new():
    form = _user_form()
    del form.active
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                current_user,
                form.email.data,
                form.name.data,
                Role(form.role.data),
                _chosen_organisation(form),
            )
        except ServiceError as error:
            db.session.rollback()
            show_service_error(form, error)
        else:
            token = accounts.make_password_token(user)
            return render_template("admin/password_link.html", user=user, token=token, new=True)
    return render_template("admin/user_form.html", form=form, user=None), _status(form)


@bp.route("/gebruikers/<int:user_id>", methods=["GET", "POST"])
@role_required(*MANAGERS)
def user_edit(user_id: int):
    user = _managed_user_or_404(user_id)
    form = _user_form(user)
    del form.email
    if form.validate_on_submit():
        try:
            changes = accounts.update_user(
                current_user,
                user,
                name=form.name.data,
                role=Role(form.role.data),
                organisation=_chosen_organisation(form),
                active=form.active.data,
            )
        except ServiceError as error:
            db.session.rollback()
            show_service_error(form, error)
        else:
            if changes:
                flash(_("De wijzigingen zijn opgeslagen."), "success")
            return redirect(url_for("admin.users_list"))
    return render_template("admin/user_form.html", form=form, user=user), _status(form)


@bp.post("/gebruikers/<int:user_id>/wachtwoord")
@role_required(*MANAGERS)
def user_reset_password(user_id: int):
    user = _managed_user_or_404(user_id)
    try:
        token = accounts.reset_password(current_user, user)
    except ServiceError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    return render_template("admin/password_link.html", user=user, token=token, new=False)


# Audit log -------------------------------------------------------------------------------


@bp.get("/logboek")
@role_required(Role.ADMINISTRATOR)
def audit_log():
    action = request.args.get("actie") or None
    organisation_id = request.args.get("organisatie", type=parse_id)
    page = paginate(audit.events_query(action, organisation_id), per_page=50)
    return render_template(
        "admin/audit_log.html",
        page=page,
        action=action,
        organisation_id=organisation_id,
        actions=audit.known_actions(),
        organisations=organisations.all_organisations(),
        action_label=audit.action_label,
    )
