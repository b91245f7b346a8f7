from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from signalen.api.models import TOKEN_NAME_MAX_LENGTH, Scope


class TokenForm(FlaskForm):
    name = StringField(
        _l("Naam (waarvoor is de sleutel?)"),
        validators=[
            Optional(),
            Length(
                max=TOKEN_NAME_MAX_LENGTH,
                message=_l("Een naam mag hoogstens %(max)d tekens hebben."),
            ),
        ],
        render_kw={"autocomplete": "off"},
    )
    scope = RadioField(
        _l("Rechten"),
        choices=[(scope.value, scope.label) for scope in Scope],
        default=Scope.READ.value,
        validators=[DataRequired(_l("Kies de rechten."))],
    )
    organisation = SelectField(_l("Organisatie"), validate_choice=True)


class RevokeForm(FlaskForm):
    """Only the CSRF token: revoking is one button."""
