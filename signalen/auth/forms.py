from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from signalen.auth.models import EMAIL_MAX_LENGTH
from signalen.auth.services import PASSWORD_MAX_LENGTH


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mailadres"),
        validators=[
            DataRequired(_l("Vul uw e-mailadres in.")),
            Length(max=EMAIL_MAX_LENGTH, message=_l("Dit e-mailadres is te lang.")),
        ],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Wachtwoord"),
        validators=[
            DataRequired(_l("Vul uw wachtwoord in.")),
            Length(max=PASSWORD_MAX_LENGTH, message=_l("Dit wachtwoord is te lang.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Ingelogd blijven op dit apparaat"))
    next = StringField(render_kw={"hidden": True})


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Nieuw wachtwoord"),
        validators=[DataRequired(_l("Vul een wachtwoord in."))],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Herhaal het nieuwe wachtwoord"),
        validators=[
            DataRequired(_l("Vul het wachtwoord nog een keer in.")),
            EqualTo("password", message=_l("De twee wachtwoorden zijn niet gelijk.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        _l("Huidig wachtwoord"),
        validators=[DataRequired(_l("Vul uw huidige wachtwoord in."))],
        render_kw={"autocomplete": "current-password"},
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-mailadres"),
        validators=[
            DataRequired(_l("Vul uw e-mailadres in.")),
            Length(max=EMAIL_MAX_LENGTH, message=_l("Dit e-mailadres is te lang.")),
        ],
        render_kw={"autocomplete": "username"},
    )
