"""The embeddable meldformulier: a script-free HTML form partners link to or put in an iframe.

It works with a *widget key* (scope ``widget``) of one organisation. The key is public (it is
in the partner's page), so it can do one thing only: register a knelpunt with visibility
``intern`` for that organisation, through the same checks and privacy guard as the API. It
shows no signals.

CSRF: the page lives in a partner's iframe, where browsers do not send our (SameSite)
session cookie, so the site's session-based CSRF token cannot work here. The form carries a
signed token instead that names the key and expires (``API_WIDGET_FORM_MAX_AGE``), and a
post whose ``Origin`` is another site is refused. A partner that posts its own HTML form
(the documented form POST) is accepted without that token when its origin is in
``API_WIDGET_ORIGINS``, which also lets it frame the page (CSP ``frame-ancestors``). No
cookie carries any authority here, and posts are rate limited per visitor.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from itsdangerous import BadData, URLSafeTimedSerializer
from wtforms import BooleanField, SelectField
from wtforms.csrf.core import CSRF
from wtforms.validators import ValidationError

from signalen.api import configured_origins, services
from signalen.api.models import Scope
from signalen.core.security import content_security_policy
from signalen.extensions import csrf, db, limiter
from signalen.organisations.models import MemberOrganisation
from signalen.signals.forms import SignalForm
from signalen.signals.models import Channel, Visibility
from signalen.taxonomy import services as taxonomy

bp = Blueprint("api_widget", __name__, url_prefix="/widget")

COLUMN_FIELDS = {"titel": "title", "omschrijving": "description", "datum": "occurred_on"}
RECEIPT_MAX_AGE = 24 * 60 * 60
EXPIRED = _l(
    "Het formulier is verlopen of kwam niet van deze pagina. Er is niets verstuurd. "
    "Controleer uw tekst en klik nog eens op Versturen."
)


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=f"signalen-widget-{purpose}")


class WidgetCSRF(CSRF):
    """A form token bound to the widget key instead of a session (see the module text)."""

    def setup_form(self, form):
        self.key_id = form.meta.csrf_context
        return super().setup_form(form)

    def generate_csrf_token(self, csrf_token_field) -> str:
        return _serializer("form").dumps(self.key_id)

    def validate_csrf_token(self, form, field) -> None:
        if form.meta.from_partner:
            return  # a configured partner's own form (checked by its Origin)
        max_age = current_app.config["API_WIDGET_FORM_MAX_AGE"]
        try:
            key_id = _serializer("form").loads(field.data or "", max_age=max_age)
        except BadData:
            raise ValidationError(EXPIRED) from None
        if key_id != self.key_id:
            raise ValidationError(EXPIRED)


class WidgetForm(FlaskForm):
    class Meta:
        csrf = True
        csrf_class = WidgetCSRF
        csrf_field_name = "csrf_token"
        from_partner = False

    # The intake form's own fields: the same limits, messages and date formats.
    title = SignalForm.title
    description = SignalForm.description
    theme = SelectField(_l("Waar gaat het over? (mag leeg)"), validate_choice=True, default="")
    occurred_on = SignalForm.occurred_on
    accept_redaction = BooleanField(
        _l("Vervang de persoonsgegevens door [BSN], [TELEFOON], … en verstuur")
    )

    def fill_choices(self) -> None:
        choices = [("", str(_l("Weet ik niet")))]
        for main in taxonomy.main_themes():
            choices.append((main.full_name, main.full_name))
            choices += [(sub.full_name, sub.full_name) for sub in main.children if sub.active]
        self.theme.choices = choices

    def values(self) -> dict:
        """The answers as an API signal (CSV column names)."""
        return {
            "titel": self.title.data,
            "omschrijving": self.description.data,
            "datum": self.occurred_on.data,
            "thema": [self.theme.data] if self.theme.data else [],
            "kanaal": Channel.WEBSITE.value,
            "zichtbaarheid": Visibility.INTERNAL.value,
        }


def widget_limit() -> str:
    return current_app.config["API_WIDGET_RATE_LIMIT"]


def _partner_origins() -> list[str]:
    return configured_origins(current_app, "API_WIDGET_ORIGINS")


def _posted_from() -> str:
    """Where a POST came from: "partner" (a configured site), "other" (any other site), or
    "here" (this site, or a browser that sent no usable Origin)."""
    origin = (request.headers.get("Origin") or "").rstrip("/")
    if not origin or origin == "null" or origin == request.host_url.rstrip("/"):
        return "here"
    return "partner" if origin in _partner_origins() else "other"


def _framed(response):
    """Let the configured partner sites show this page in an iframe (CSP frame-ancestors;
    X-Frame-Options cannot name other sites, so it says SAMEORIGIN for old browsers)."""
    partners = _partner_origins()
    allowed = " ".join(["'self'", *partners]) if partners else "'none'"
    response.headers["Content-Security-Policy"] = content_security_policy().replace(
        "frame-ancestors 'none'", f"frame-ancestors {allowed}"
    )
    response.headers["X-Frame-Options"] = "SAMEORIGIN" if partners else "DENY"
    return response


def _principal_or_404(key: str) -> services.ApiPrincipal:
    principal = services.authenticate(key, scopes=(Scope.WIDGET,))
    if principal is None:
        abort(404)
    return principal


def _organisation_name(principal: services.ApiPrincipal) -> str:
    organisation = db.session.get(MemberOrganisation, principal.organisation_id)
    return organisation.name if organisation else ""


@bp.route("/melden/<key>", methods=["GET", "POST"])
@limiter.limit(widget_limit, methods=["POST"])
def report(key: str):
    principal = _principal_or_404(key)
    origin = "here" if request.method == "GET" else _posted_from()
    form = WidgetForm(
        meta={"csrf_context": principal.token_id, "from_partner": origin == "partner"}
    )
    form.fill_choices()
    findings, refused, status = [], None, 200
    if request.method == "POST":
        status = 422
        if origin == "other":
            refused, status = EXPIRED, 403
        elif form.validate():
            checked = services.check_signal(form.values(), principal, find_similar=False)
            for column, messages in checked.problems.items():
                field = getattr(form, COLUMN_FIELDS.get(column, "theme"))
                field.errors = [*field.errors, *messages]
            findings = checked.findings
            if not checked.problems and (not findings or form.accept_redaction.data):
                signal = services.create_signal(checked, principal)
                receipt = _serializer("receipt").dumps([principal.token_id, signal.id])
                return _framed(
                    redirect(url_for("api_widget.received", key=key, receipt=receipt), 303)
                )
        elif form.csrf_token.errors:
            refused, status = form.csrf_token.errors[0], 400
    labels = {"titel": form.title.label.text, "omschrijving": form.description.label.text}
    page = render_template(
        "api/widget.html",
        form=form,
        key=key,
        findings=[(finding, labels.get(finding["veld"], "")) for finding in findings],
        refused=refused,
        organisation=_organisation_name(principal),
    )
    return _framed(current_app.make_response((page, status)))


@bp.get("/melden/<key>/ontvangen/<receipt>")
def received(key: str, receipt: str):
    """The thank-you page after a report (its own address, so reloading sends nothing)."""
    principal = _principal_or_404(key)
    try:
        key_id, number = _serializer("receipt").loads(receipt, max_age=RECEIPT_MAX_AGE)
    except (BadData, ValueError, TypeError):
        abort(404)
    if key_id != principal.token_id:
        abort(404)
    page = render_template(
        "api/widget_received.html",
        key=key,
        number=number,
        organisation=_organisation_name(principal),
    )
    return _framed(current_app.make_response(page))


def init_widget(app) -> None:
    configured_origins(app, "API_WIDGET_ORIGINS")  # a wrong origin fails at start-up
    csrf.exempt(bp)  # the form checks its own token (WidgetCSRF)
    app.register_blueprint(bp)
