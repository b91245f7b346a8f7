"""The embeddable meldformulier: a script-free HTML form partners link to or put in an iframe.

It works with a *widget key* (scope ``widget``) of one organisation. The key is public (it is
in the partner's page), so it can do one thing only: register a knelpunt with visibility
``intern`` for that organisation, through the same checks and privacy guard as the API. It
shows no signals. There is no session, so no CSRF token (nothing rides on a cookie); posts
are rate limited per visitor.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from signalen.api import services
from signalen.api.models import Scope
from signalen.core.security import CONTENT_SECURITY_POLICY
from signalen.extensions import csrf, db, limiter
from signalen.signals.models import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH, Channel, Visibility
from signalen.taxonomy import services as taxonomy

bp = Blueprint("api_widget", __name__, url_prefix="/widget")

COLUMN_FIELDS = {"titel": "title", "omschrijving": "description", "datum": "occurred_on"}


class WidgetForm(FlaskForm):
    class Meta:
        csrf = False  # no session: a widget key gives no authority a forged post could use

    title = StringField(
        _l("Korte titel"),
        validators=[
            DataRequired(_l("Geef het knelpunt een korte titel.")),
            Length(max=TITLE_MAX_LENGTH, message=_l("Hoogstens %(max)d tekens.")),
        ],
        render_kw={"autocomplete": "off", "maxlength": TITLE_MAX_LENGTH},
    )
    description = TextAreaField(
        _l("Wat ging er mis?"),
        validators=[
            DataRequired(_l("Beschrijf het knelpunt.")),
            Length(max=DESCRIPTION_MAX_LENGTH, message=_l("Hoogstens %(max)d tekens.")),
        ],
        render_kw={"rows": 6},
    )
    theme = SelectField(_l("Waar gaat het over? (mag leeg)"), validate_choice=True, default="")
    occurred_on = DateField(
        _l("Wanneer gebeurde het? (mag leeg)"),
        validators=[Optional()],
        format="%Y-%m-%d",
    )
    accept_redaction = BooleanField(
        _l("Vervang de persoonsgegevens door [BSN], [TELEFOON], … en verstuur")
    )

    def fill_choices(self) -> None:
        choices = [("", str(_l("Weet ik niet")))]
        for main in taxonomy.main_themes():
            choices.append((main.full_name, main.full_name))
            choices += [(sub.full_name, sub.full_name) for sub in main.children if sub.active]
        self.theme.choices = choices


def widget_limit() -> str:
    return current_app.config["API_WIDGET_RATE_LIMIT"]


def _framed(response):
    """Let the configured partner sites show this page in an iframe (CSP frame-ancestors)."""
    ancestors = current_app.config.get("API_WIDGET_FRAME_ANCESTORS") or []
    if isinstance(ancestors, str):
        ancestors = ancestors.split()
    allowed = " ".join(["'self'", *ancestors]) if ancestors else "'none'"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "frame-ancestors 'none'", f"frame-ancestors {allowed}"
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/melden/<key>", methods=["GET", "POST"])
@limiter.limit(widget_limit, methods=["POST"])
def report(key: str):
    principal = services.authenticate(key, scopes=(Scope.WIDGET,))
    if principal is None:
        abort(404)
    form = WidgetForm()
    form.fill_choices()
    findings, created, status = [], None, 200
    if request.method == "POST":
        status = 422
        if form.validate():
            values = {
                "titel": form.title.data,
                "omschrijving": form.description.data,
                "datum": form.occurred_on.data,
                "thema": [form.theme.data] if form.theme.data else [],
                "kanaal": Channel.WEBSITE.value,
                "zichtbaarheid": Visibility.INTERNAL.value,
            }
            checked = services.check_signal(values, principal, find_similar=False)
            for column, messages in checked.problems.items():
                field = getattr(form, COLUMN_FIELDS.get(column, "theme"))
                field.errors = [*field.errors, *messages]
            findings = checked.findings
            if not checked.problems and (not findings or form.accept_redaction.data):
                created = services.create_signal(checked, principal)
                status = 201
        else:
            db.session.rollback()
    response = current_app.make_response(
        (
            render_template(
                "api/widget.html",
                form=form,
                key=key,
                findings=findings,
                created=created,
                organisation=principal_organisation(principal),
            ),
            status,
        )
    )
    return _framed(response)


def principal_organisation(principal: services.ApiPrincipal) -> str:
    from signalen.organisations.models import Organisation

    organisation = db.session.get(Organisation, principal.organisation_id)
    return organisation.name if organisation else ""


def init_widget(app) -> None:
    csrf.exempt(bp)
    app.register_blueprint(bp)
