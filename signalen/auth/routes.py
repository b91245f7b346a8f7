from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from signalen.auth import services
from signalen.auth.forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, NewPasswordForm
from signalen.auth.models import User
from signalen.core.errors import ServiceError
from signalen.core.security import safe_next_url
from signalen.extensions import db, limiter, login_manager

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(login_id: str) -> User | None:
    """The user of a session or remember-me cookie, only while its session token is current."""
    return services.user_for_login_id(login_id)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/inloggen", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next_url(request.args.get("next")) or ""
    if form.validate_on_submit():
        result = services.authenticate(form.email.data, form.password.data)
        if result.user is not None:
            login_user(result.user, remember=form.remember.data)
            flash(_("U bent ingelogd."), "success")
            return redirect(safe_next_url(form.next.data) or url_for("home.index"))
        form.password.errors = [result.error]
    return render_template("auth/login.html", form=form), 200 if not form.errors else 422


@bp.post("/uitloggen")
@login_required
def logout():
    services.end_sessions(current_user, "auth.logout")
    logout_user()
    flash(_("U bent uitgelogd."), "success")
    return redirect(url_for("auth.login"))


def _reset_limit() -> str:
    return current_app.config["PASSWORD_RESET_RATE_LIMIT"]


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def forgot_password():
    """Mail a reset link; the answer is the same whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("auth/reset_sent.html")
    return render_template("auth/forgot_password.html", form=form), 200 if not form.errors else 422


@bp.route("/wachtwoord-instellen/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def set_password(token: str):
    user = services.user_for_password_token(token)
    if user is None:
        return render_template("auth/link_invalid.html"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password_with_token(token, form.password.data)
        except ServiceError as error:
            form.password.errors = [str(error.message)]
        else:
            logout_user()
            flash(_("Uw wachtwoord is ingesteld. U kunt nu inloggen."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, user=user), (
        200 if not form.errors else 422
    )


@bp.route("/account/wachtwoord", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_own_password(current_user, form.current.data, form.password.data)
        except ServiceError as error:
            field = form.current if error.field == "current" else form.password
            field.errors = [str(error.message)]
        else:
            # Every other session has ended; this one goes on with the new session token.
            login_user(current_user._get_current_object())
            flash(_("Uw wachtwoord is gewijzigd."), "success")
            return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form), (
        200 if not form.errors else 422
    )
