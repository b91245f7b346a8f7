"""The live privacy check while typing, and the last sweep on the beheer pages."""

from flask import Blueprint, render_template, request
from flask_login import login_required

from signalen.auth.models import Role
from signalen.auth.permissions import role_required
from signalen.privacy import names
from signalen.privacy.services import GuardNotReady, check_fields, marked_parts

bp = Blueprint("privacy", __name__)

LIVE_FIELDS = 8
LIVE_MAX_LENGTH = 20_000


@bp.post("/privacy/controle")
@login_required
def live_check():
    """While typing: what the guard finds in the posted fields, as an HTML fragment.

    Always 200 (also while the guard starts), so the box stays in place on the page.
    """
    fields = {
        name: value[:LIVE_MAX_LENGTH]
        for name, value in list(request.form.items())[: LIVE_FIELDS + 1]
        if name != "csrf_token" and isinstance(value, str)
    }
    try:
        findings = check_fields(fields)
    except GuardNotReady as error:
        return render_template("privacy/_live.html", not_ready=error.message, marked={})
    marked = {name: marked_parts(fields[name], items) for name, items in findings.items()}
    return render_template("privacy/_live.html", not_ready=None, marked=marked)


@bp.get("/beheer/privacy")
@role_required(Role.ADMINISTRATOR)
def sweep_result():
    """The last privacy sweep (counts only) and the state of the guard."""
    from signalen.privacy.sweep import last_sweep

    event, summary = last_sweep() or (None, {})
    return render_template("privacy/sweep.html", event=event, s=summary, status=names.status())
