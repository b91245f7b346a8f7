"""Subscribe (double opt-in), confirm, manage and unsubscribe; no account needed.

The token in the link is the only key: the one-click unsubscribe (RFC 8058) is a POST
without CSRF token and without login, and works only with that secret token.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from signalen.core.errors import ServiceError
from signalen.core.i18n import select_locale
from signalen.extensions import csrf, db, limiter
from signalen.subscriptions import services
from signalen.subscriptions.models import FREQUENCIES, IMMEDIATELY

bp = Blueprint("subscriptions", __name__)


def _subscribe_limit() -> str:
    return current_app.config["SUBSCRIBE_RATE_LIMIT"]


def _form(feed: str, email: str = "", frequency: str = IMMEDIATELY, errors=None, status=200):
    title = ""
    if not (errors or {}).get("feed"):
        try:
            title = services.resolve_feed(feed).title
        except ServiceError as error:
            errors = {**(errors or {}), "feed": str(error.message)}
            status = 404
    page = render_template(
        "subscriptions/subscribe.html",
        feed=feed,
        feed_title=title,
        email=email,
        frequency=frequency,
        frequencies=FREQUENCIES,
        errors=errors or {},
    )
    return page, status


@bp.get("/abonneren")
def subscribe_form():
    return _form(request.args.get("feed", services.DIGEST_FEED))


@bp.post("/abonneren")
@limiter.limit(_subscribe_limit)
def subscribe():
    feed = request.form.get("feed", "")
    email = request.form.get("email", "")
    frequency = request.form.get("frequency", IMMEDIATELY)
    try:
        services.subscribe(email, feed, frequency, select_locale())
    except ServiceError as error:
        db.session.rollback()
        errors = {error.field or "email": str(error.message)}
        return _form(feed, email, frequency, errors, 422)
    db.session.commit()
    return render_template("subscriptions/check_mail.html")


def _subscription_or_404(token: str):
    subscription = services.by_token(token)
    if subscription is None:
        return None, (render_template("subscriptions/link_invalid.html"), 404)
    return subscription, None


@bp.route("/abonneren/bevestigen/<token>", methods=["GET", "POST"])
def confirm(token: str):
    subscription, missing = _subscription_or_404(token)
    if missing:
        return missing
    if request.method == "POST":
        services.confirm(subscription)
        flash(_("Gelukt. U krijgt voortaan e-mail over deze feed."), "success")
        return redirect(url_for("subscriptions.manage", token=token))
    return render_template("subscriptions/confirm.html", subscription=subscription)


@bp.route("/abonneren/beheer/<token>", methods=["GET", "POST"])
def manage(token: str):
    subscription, missing = _subscription_or_404(token)
    if missing:
        return missing
    if request.method == "POST":
        target = services.by_token(request.form.get("subscription", ""))
        if target is None or target.email != subscription.email:
            return render_template("subscriptions/link_invalid.html"), 404
        try:
            services.set_frequency(target, request.form.get("frequency", ""))
        except ServiceError as error:
            flash(str(error.message), "error")
        else:
            flash(_("Opgeslagen."), "success")
        return redirect(url_for("subscriptions.manage", token=token))
    return render_template(
        "subscriptions/manage.html",
        subscription=subscription,
        subscriptions=services.subscriptions_of(subscription),
        frequencies=FREQUENCIES,
    )


@bp.route("/abonneren/afmelden/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str):
    subscription, missing = _subscription_or_404(token)
    if missing:
        return missing
    if request.method == "POST":
        services.unsubscribe(subscription)
        return render_template("subscriptions/unsubscribed.html")
    return render_template("subscriptions/unsubscribe.html", subscription=subscription)
