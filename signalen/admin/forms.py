from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from signalen.auth.models import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH
from signalen.organisations.models import NAME_MAX_LENGTH as ORGANISATION_NAME_MAX_LENGTH


class MemberOrganisationForm(FlaskForm):
    name = StringField(
        _l("Naam van de organisatie"),
        validators=[
            DataRequired(_l("Vul de naam van de organisatie in.")),
            Length(
                max=ORGANISATION_NAME_MAX_LENGTH,
                message=_l("Een naam mag hoogstens %(max)d tekens hebben."),
            ),
        ],
    )
    active = BooleanField(_l("Actief (gebruikers van deze organisatie kunnen inloggen)"))


class UserForm(FlaskForm):
    name = StringField(
        _l("Naam"),
        validators=[
            DataRequired(_l("Vul een naam in.")),
            Length(
                max=NAME_MAX_LENGTH, message=_l("Een naam mag hoogstens %(max)d tekens hebben.")
            ),
        ],
        render_kw={"autocomplete": "off"},
    )
    email = EmailField(
        _l("E-mailadres"),
        validators=[
            DataRequired(_l("Vul een e-mailadres in.")),
            Length(max=EMAIL_MAX_LENGTH, message=_l("Dit e-mailadres is te lang.")),
        ],
        render_kw={"autocomplete": "off"},
    )
    role = SelectField(_l("Rol"), validate_choice=True)
    organisation = SelectField(_l("Organisatie"), validate_choice=True)
    active = BooleanField(_l("Actief (kan inloggen)"))

    def set_choices(self, roles, organisations, allow_none: bool) -> None:
        self.role.choices = [(role.value, role.label) for role in roles]
        choices = [(str(o.id), o.name) for o in organisations]
        if allow_none:
            choices.insert(0, ("", str(_l("Geen organisatie (alleen voor beheerders)"))))
        self.organisation.choices = choices
