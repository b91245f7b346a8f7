from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from signalen.core.validation import parse_id
from signalen.taxonomy.models import (
    DESCRIPTION_MAX_LENGTH,
    NAME_MAX_LENGTH,
    SYNONYMS_MAX_LENGTH,
)


class TermForm(FlaskForm):
    name = StringField(
        _l("Naam"),
        validators=[
            DataRequired(_l("Vul een naam in.")),
            Length(
                max=NAME_MAX_LENGTH, message=_l("Een naam mag hoogstens %(max)d tekens hebben.")
            ),
        ],
    )
    description = StringField(
        _l("Omschrijving"),
        validators=[Length(max=DESCRIPTION_MAX_LENGTH, message=_l("De omschrijving is te lang."))],
    )
    parent = SelectField(_l("Hoofdthema"), coerce=parse_id)
    kind = SelectField(
        _l("Soort"),
        choices=[
            ("landelijk", _l("Landelijk")),
            ("gemeente", _l("Gemeente (die van de cliënt)")),
            ("overig", _l("Overig")),
        ],
    )
    code = StringField(
        _l("CBS-code (bijvoorbeeld GM0344)"),
        validators=[
            DataRequired(_l("Vul de CBS-code in.")),
            Length(max=10, message=_l("De code is te lang.")),
        ],
    )
    province = StringField(
        _l("Provincie"),
        validators=[
            DataRequired(_l("Vul de provincie in.")),
            Length(max=40, message=_l("De naam is te lang.")),
        ],
    )
    active = BooleanField(_l("Actief (te kiezen bij nieuwe knelpunten)"), default=True)


class SynonymForm(FlaskForm):
    terms = TextAreaField(
        _l("Woorden die hetzelfde betekenen"),
        description=_l(
            "Zet een komma tussen de woorden, bijvoorbeeld: bijstand, Participatiewet, "
            "uitkering van de gemeente."
        ),
        validators=[
            DataRequired(_l("Vul minstens twee woorden in, met een komma ertussen.")),
            Length(
                max=SYNONYMS_MAX_LENGTH,
                message=_l("Dit is te lang. Gebruik hoogstens %(max)d tekens."),
            ),
        ],
    )
    active = BooleanField(_l("Actief (gebruikt bij het zoeken)"), default=True)
