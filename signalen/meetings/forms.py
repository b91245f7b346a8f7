"""Forms for planning a meeting, its agenda, outcomes, agreements and closing signals."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    DateField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from signalen.core.validation import coerce_id
from signalen.extensions import db
from signalen.meetings.models import (
    LOCATION_MAX_LENGTH,
    OWNER_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
)
from signalen.signals.models import Status
from signalen.taxonomy.models import Agency

TOO_LONG = _l("Deze tekst is te lang.")
DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y"]


def _title(label, required_message) -> StringField:
    return StringField(
        label,
        validators=[DataRequired(required_message), Length(max=TITLE_MAX_LENGTH, message=TOO_LONG)],
    )


def _text(label, rows: int, required_message=None) -> TextAreaField:
    """A text area: optional, or required with ``required_message``."""
    required = [DataRequired(required_message)] if required_message else []
    return TextAreaField(
        label,
        validators=[*required, Length(max=TEXT_MAX_LENGTH, message=TOO_LONG)],
        render_kw={"rows": rows},
    )


class MeetingForm(FlaskForm):
    title = _title(_l("Titel"), _l("Geef het overleg een titel."))
    held_on = DateField(
        _l("Datum"),
        validators=[InputRequired(_l("Geef de datum van het overleg."))],
        format=DATE_FORMATS,
    )
    starts_at = TimeField(
        _l("Begintijd (mag leeg)"),
        validators=[Optional()],
        format=["%H:%M", "%H.%M", "%H:%M:%S"],
    )
    location = StringField(
        _l("Plaats"), validators=[Optional(), Length(max=LOCATION_MAX_LENGTH, message=TOO_LONG)]
    )
    participants = _text(_l("Deelnemers (cliëntenraden, organisaties; één per regel)"), 4)
    agencies = SelectMultipleField(_l("Uitvoerders die meedoen"), coerce=coerce_id)
    minutes = _text(_l("Verslag (algemeen)"), 8)

    def fill_choices(self) -> None:
        self.agencies.choices = [
            (agency.id, agency.name)
            for agency in db.session.scalars(
                select(Agency).where(Agency.active.is_(True)).order_by(Agency.name)
            )
        ]


class FreeItemForm(FlaskForm):
    title = _title(_l("Agendapunt"), _l("Geef het agendapunt een titel."))
    description = _text(_l("Toelichting"), 3)


def _owner(required_message=None) -> StringField:
    """Who carries out an agreement: optional, or required with ``required_message``."""
    first = DataRequired(required_message) if required_message else Optional()
    return StringField(
        _l("Wie voert de afspraak uit?"),
        validators=[first, Length(max=OWNER_MAX_LENGTH, message=TOO_LONG)],
    )


def _due_on() -> DateField:
    return DateField(_l("Klaar op (datum)"), validators=[Optional()], format=DATE_FORMATS)


class OutcomeForm(FlaskForm):
    discussion = _text(_l("Wat is er besproken?"), 5)
    agency_response = _text(_l("Reactie van de uitvoerder"), 4)
    agreement_description = _text(_l("Nieuwe afspraak (mag leeg)"), 2)
    agreement_owner = _owner()
    agreement_due_on = _due_on()


class AgreementForm(FlaskForm):
    """Correct one agreement: what, who and by when. The field names match the outcome
    form's, so the service's messages land under the same fields."""

    agreement_description = _text(_l("Afspraak"), 3, _l("Beschrijf de afspraak."))
    agreement_owner = _owner(_l("Wie voert de afspraak uit?"))
    agreement_due_on = _due_on()


class CloseSignalForm(FlaskForm):
    status = RadioField(
        _l("Hoe sluit u het knelpunt af?"),
        choices=[
            (Status.RESOLVED.value, Status.RESOLVED.label),
            (Status.CLOSED.value, Status.CLOSED.label),
        ],
        default=Status.RESOLVED.value,
    )
    reason = StringField(
        _l("Reden"),
        validators=[
            DataRequired(_l("Geef een reden bij opgelost of afgesloten.")),
            Length(max=1000, message=TOO_LONG),
        ],
    )


class ActionForm(FlaskForm):
    """A button that posts: only the CSRF token."""
