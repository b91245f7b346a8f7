from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from signalen.core.forms import WholeNumberField
from signalen.core.validation import coerce_id, parse_id
from signalen.signals.importing import COLUMNS
from signalen.signals.models import (
    DESCRIPTION_MAX_LENGTH,
    REASON_MAX_LENGTH,
    REPORT_NOTE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Channel,
    Impact,
    Status,
    Visibility,
)
from signalen.signals.services import MAX_REPORT_COUNT, SignalInput
from signalen.taxonomy import services as taxonomy
from signalen.taxonomy.models import Agency, Municipality, Scheme

DATE_MESSAGE = _l("Vul een datum in als dd-mm-jjjj, of laat het veld leeg.")


def _int_or_none(value):
    return parse_id(value)


class SignalForm(FlaskForm):
    """The intake form; coordinators edit with the same form."""

    title = StringField(
        _l("Titel"),
        validators=[
            DataRequired(_l("Geef het knelpunt een korte titel.")),
            Length(
                max=TITLE_MAX_LENGTH, message=_l("De titel mag hoogstens %(max)d tekens hebben.")
            ),
        ],
        render_kw={"autocomplete": "off", "maxlength": TITLE_MAX_LENGTH},
    )
    description = TextAreaField(
        _l("Wat is het knelpunt?"),
        validators=[
            DataRequired(_l("Beschrijf het knelpunt.")),
            Length(
                max=DESCRIPTION_MAX_LENGTH,
                message=_l("De omschrijving mag hoogstens %(max)d tekens hebben."),
            ),
        ],
        render_kw={"rows": 6},
    )
    occurred_on = DateField(
        _l("Wanneer gebeurde het? (mag leeg)"),
        validators=[Optional()],
        format=["%Y-%m-%d", "%d-%m-%Y"],
    )
    channel = RadioField(
        _l("Hoe kwam het binnen?"),
        choices=[(c.value, c.label) for c in Channel if c is not Channel.API],
        default=Channel.PHONE.value,
        validators=[InputRequired(_l("Kies hoe het knelpunt binnenkwam."))],
    )
    municipality = SelectField(_l("Gemeente van de cliënt"), coerce=_int_or_none)
    agency = SelectField(_l("Uitvoerder"), coerce=_int_or_none)
    schemes = SelectMultipleField(_l("Regeling(en)"), coerce=coerce_id)
    themes = SelectMultipleField(_l("Thema('s)"), coerce=coerce_id)
    impact = RadioField(
        _l("Hoe groot zijn de gevolgen voor de cliënt?"),
        choices=[(i.value, i.label) for i in Impact],
        default=Impact.MEDIUM.value,
    )
    report_count = WholeNumberField(
        _l("Aantal cliënten met dit knelpunt"),
        default=1,
        validators=[
            InputRequired(_l("Vul een aantal in.")),
            NumberRange(
                min=1, max=MAX_REPORT_COUNT, message=_l("Vul een aantal van 1 of meer in.")
            ),
        ],
    )
    visibility = RadioField(
        _l("Wie mag dit zien?"),
        choices=[(v.value, v.label) for v in Visibility],
        default=Visibility.NETWORK.value,
    )
    accept_redaction = BooleanField(_l("Gebruik de versie zonder persoonsgegevens"))
    similar_checked = HiddenField(default="")

    def fill_choices(self) -> None:
        none = [(None, str(_l("– onbekend –")))]
        self.municipality.choices = none + [(m.id, m.name) for m in taxonomy.active(Municipality)]
        self.agency.choices = none + [(a.id, a.name) for a in taxonomy.active(Agency)]
        self.schemes.choices = [(s.id, s.name) for s in taxonomy.active(Scheme)]
        self.themes.choices = {
            group: [(int(value), label) for value, label in options]
            for group, options in taxonomy.theme_choices()
        }

    def to_input(self, channel: str | None = None) -> SignalInput:
        return SignalInput(
            title=self.title.data or "",
            description=self.description.data or "",
            channel=Channel(channel or self.channel.data),
            occurred_on=self.occurred_on.data,
            theme_ids=list(self.themes.data or []),
            scheme_ids=list(self.schemes.data or []),
            agency_id=self.agency.data,
            municipality_id=self.municipality.data,
            report_count=self.report_count.data or 1,
            impact=Impact(self.impact.data),
            visibility=Visibility(self.visibility.data),
        )

    def load(self, signal) -> None:
        """Fill the form from a stored signal (for editing)."""
        self.title.data = signal.title
        self.description.data = signal.description
        self.occurred_on.data = signal.occurred_on
        self.channel.data = signal.channel.value
        self.municipality.data = signal.municipality_id
        self.agency.data = signal.agency_id
        self.schemes.data = [s.id for s in signal.schemes]
        self.themes.data = [t.id for t in signal.themes]
        self.impact.data = signal.impact.value
        self.report_count.data = signal.report_count
        self.visibility.data = signal.visibility.value


class ReportForm(FlaskForm):
    """ "Ook gemeld" on an existing signal."""

    channel = SelectField(
        _l("Hoe kwam het binnen?"),
        choices=[(c.value, c.label) for c in Channel if c is not Channel.API],
    )
    occurred_on = DateField(
        _l("Wanneer gebeurde het? (mag leeg)"),
        validators=[Optional()],
        format=["%Y-%m-%d", "%d-%m-%Y"],
    )
    client_count = WholeNumberField(
        _l("Aantal cliënten"),
        default=1,
        validators=[
            InputRequired(_l("Vul een aantal in.")),
            NumberRange(
                min=1, max=MAX_REPORT_COUNT, message=_l("Vul een aantal van 1 of meer in.")
            ),
        ],
    )
    note = TextAreaField(
        _l("Wat speelde er bij uw cliënt? (mag leeg)"),
        validators=[
            Length(max=REPORT_NOTE_MAX_LENGTH, message=_l("De toelichting is te lang.")),
        ],
        render_kw={"rows": 3},
    )


class StatusForm(FlaskForm):
    status = SelectField(_l("Nieuwe status"), choices=[(s.value, s.label) for s in Status])
    reason = TextAreaField(
        _l("Reden of toelichting"),
        validators=[Length(max=REASON_MAX_LENGTH, message=_l("De reden is te lang."))],
        render_kw={"rows": 2},
    )


class MergeForm(FlaskForm):
    target = WholeNumberField(
        _l("Nummer van het knelpunt waarmee dit samengaat"),
        validators=[InputRequired(_l("Vul het nummer van het knelpunt in."))],
    )
    # Set by the confirmation page; without it a POST only shows that page.
    confirm = HiddenField()


class BulkForm(FlaskForm):
    action = SelectField(
        _l("Actie"),
        choices=[
            ("status", _l("Status wijzigen")),
            ("add_theme", _l("Thema toevoegen")),
            ("visibility", _l("Zichtbaarheid wijzigen")),
        ],
    )
    status = SelectField(_l("Status"), choices=[(s.value, s.label) for s in Status])
    theme = SelectField(_l("Thema"), coerce=_int_or_none, validate_choice=False)
    visibility = SelectField(_l("Zichtbaarheid"), choices=[(v.value, v.label) for v in Visibility])
    reason = StringField(_l("Reden (bij opgelost of afgesloten)"))
    ids = SelectMultipleField(_l("Knelpunten"), coerce=coerce_id, validate_choice=False)
    confirm = HiddenField()


class ImportUploadForm(FlaskForm):
    file = FileField(
        _l("Bestand (CSV of Excel .xlsx)"),
        validators=[FileRequired(_l("Kies een CSV- of Excel-bestand."))],
    )


class ImportMappingForm(FlaskForm):
    """Step two: which column of the file holds which field; the file stays on the server
    (``signals.uploads``), only its token travels along."""

    upload = HiddenField()
    redact = BooleanField(
        _l("Persoonsgegevens vervangen door [BSN], [TELEFOON], … (anders weigeren)")
    )
    confirm = HiddenField(default="")

    def mapping(self) -> dict[str, str]:
        return {
            c: getattr(self, f"map_{c}").data for c in COLUMNS if getattr(self, f"map_{c}").data
        }

    def column_fields(self) -> list:
        return [getattr(self, f"map_{c}") for c in COLUMNS]


def mapping_form(header: list[str], guessed: dict[str, str], **kwargs) -> ImportMappingForm:
    """A mapping form with one select per column of ours, offering the file's headers."""
    choices = [("", str(_l("– niet gebruiken –"))), *((h, h) for h in header)]
    fields = {
        f"map_{column}": SelectField(column, choices=choices, default=guessed.get(column, ""))
        for column in COLUMNS
    }
    form_class = type("ImportMapping", (ImportMappingForm,), fields)
    return form_class(**kwargs)
