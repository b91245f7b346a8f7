"""Meldingen: what a user was told, marking as read, the answer to "opgelost?", settings."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from signalen.core.errors import ServiceError
from signalen.extensions import db
from signalen.notifications import services

bp = Blueprint("notifications", __name__)


def _own_or_404(notification_id: int):
    notification = services.own_notification(notification_id, current_user)
    if notification is None:
        abort(404)
    return notification


@bp.get("/meldingen")
@login_required
def index():
    notifications = services.for_user(current_user)
    return render_template(
        "notifications/index.html",
        notifications=notifications,
        link_for=services.link_for,
        can_answer=services.can_answer,
        answers=services.ANSWER_LABELS,
        unread=sum(1 for n in notifications if n.read_at is None),
    )


@bp.post("/meldingen/<int:notification_id>/gelezen")
@login_required
def mark_read(notification_id: int):
    services.mark_read(_own_or_404(notification_id))
    return redirect(url_for("notifications.index"))


@bp.post("/meldingen/alles-gelezen")
@login_required
def mark_all_read():
    count = services.mark_all_read(current_user._get_current_object())
    flash(_("%(count)d meldingen gemarkeerd als gelezen.", count=count), "success")
    return redirect(url_for("notifications.index"))


@bp.post("/meldingen/<int:notification_id>/opgelost")
@login_required
def answer(notification_id: int):
    """ "Is het voor de cliënt opgelost?": kept in the signal's history."""
    notification = _own_or_404(notification_id)
    try:
        services.answer_solved(
            notification, current_user._get_current_object(), request.form.get("answer", "")
        )
    except ServiceError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        flash(_("Dank u. Uw antwoord staat bij het knelpunt."), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/account/meldingen", methods=["GET", "POST"])
@login_required
def settings():
    """Per kind: direct, a daily bundle, or not at all."""
    user = current_user._get_current_object()
    kinds = services.kinds_for(user)
    if request.method == "POST":
        # A kind left out of the form keeps its choice.
        choices = {k.value: request.form[k.value] for k in kinds if k.value in request.form}
        try:
            services.set_preferences(user, choices)
        except ServiceError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            flash(_("Uw keuzes zijn bewaard."), "success")
            return redirect(url_for("notifications.settings"))
    return render_template(
        "notifications/settings.html",
        kinds=kinds,
        chosen=services.preferences(user),
        kind_labels=services.KIND_LABELS,
        mode_labels=services.MODE_LABELS,
    ), (422 if request.method == "POST" else 200)
