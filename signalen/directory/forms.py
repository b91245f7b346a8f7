"""Forms of the sociale kaart: meld een wijziging, edit a service, an organisation, a
location or a contact, verify, decide, import."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from signalen.core.forms import WholeNumberField
from signalen.core.validation import coerce_id
from signalen.directory.hours import PERIODS_PER_DAY, WEEKDAY_LABELS, WEEKDAYS
from signalen.directory.models import (
    DEFAULT_REVIEW_INTERVAL_MONTHS,
    STATUS_LABELS,
    Contact,
    Location,
    LocationType,
    Organization,
    Service,
)
from signalen.directory.services.catalogue import EDITABLE_FIELDS, NewAddress, current_value
from signalen.directory.services.change_requests import MAX_EXPLANATION_LENGTH, PROPOSABLE_FIELDS
from signalen.directory.services.contacts import CONTACT_FIELDS, contact_value
from signalen.directory.services.locations import LOCATION_FIELDS, location_value, own_services_at
from signalen.directory.services.organizations import ORGANIZATION_FIELDS, organization_value
from signalen.directory.services.validation import FIELD_LABELS, TEXT_LIMITS, Areas, area_value
from signalen.extensions import db
from signalen.taxonomy import services as taxonomy
from signalen.taxonomy.models import Municipality

# Shown at once in "meld een wijziging"; the others behind "Naam, omschrijving en aanmelden".
FIRST_PROPOSALS = ("phone", "email", "url", "address", "status", "other")
STATUS_CHOICES = [(status.value, label) for status, label in STATUS_LABELS.items()]


def name_field() -> StringField:
    """The name of a service, organisation or location: required, at most 200 characters."""
    return StringField(
        _l("Naam"), validators=[DataRequired(_l("Vul een naam in.")), Length(max=200)]
    )


class ChangeRequestForm(FlaskForm):
    """Anyone may say what is wrong: only the fields filled in count; a coordinator decides
    per field. The checks are those of the service (:func:`create_change_request`)."""

    phone = StringField(_l("Telefoonnummer"), validators=[Optional(), Length(max=50)])
    email = EmailField(_l("E-mailadres"), validators=[Optional(), Length(max=254)])
    url = StringField(_l("Website"), validators=[Optional(), Length(max=500)])
    address = StringField(
        _l("Adres (straat, huisnummer, postcode en plaats)"),
        validators=[Optional(), Length(max=TEXT_LIMITS["address"])],
    )
    status = SelectField(
        _l("Status"),
        choices=[("", _l("– klopt –")), *STATUS_CHOICES],
        validators=[Optional()],
    )
    name = StringField(_l("Naam"), validators=[Optional(), Length(max=TEXT_LIMITS["name"])])
    description = TextAreaField(
        _l("Omschrijving"), validators=[Optional(), Length(max=TEXT_LIMITS["description"])]
    )
    eligibility_description = TextAreaField(
        _l("Voor wie"),
        validators=[Optional(), Length(max=TEXT_LIMITS["eligibility_description"])],
    )
    application_process = TextAreaField(
        _l("Hoe aanmelden"),
        validators=[Optional(), Length(max=TEXT_LIMITS["application_process"])],
    )
    fees_description = TextAreaField(
        _l("Kosten"), validators=[Optional(), Length(max=TEXT_LIMITS["fees_description"])]
    )
    other = TextAreaField(
        _l("Iets anders, zoals de openingstijden"),
        validators=[Optional(), Length(max=TEXT_LIMITS["other"])],
    )
    explanation = TextAreaField(
        _l("Toelichting (niet verplicht)"),
        validators=[Optional(), Length(max=MAX_EXPLANATION_LENGTH)],
    )
    reporter_email = EmailField(
        _l("Uw e-mailadres (niet verplicht, voor een vraag terug)"),
        validators=[Optional(), Length(max=254)],
    )

    FIRST = FIRST_PROPOSALS
    MORE = tuple(name for name in PROPOSABLE_FIELDS if name not in FIRST_PROPOSALS)

    def more_in_use(self) -> bool:
        """Whether a field behind "meer" is filled in or wrong (then it is shown open)."""
        return any(self[name].data or self[name].errors for name in self.MORE)

    def proposals(self) -> dict[str, str]:
        return {name: getattr(self, name).data or "" for name in PROPOSABLE_FIELDS}


class ServiceForm(FlaskForm):
    """Edit a service; saving also marks it as checked today."""

    name = name_field()
    status = SelectField(_l("Status"), choices=STATUS_CHOICES)
    description = TextAreaField(_l("Omschrijving"), validators=[Length(max=5000)])
    eligibility_description = TextAreaField(_l("Voor wie"), validators=[Length(max=2000)])
    minimum_age = WholeNumberField(
        _l("Minimumleeftijd"), validators=[Optional(), NumberRange(min=0, max=130)]
    )
    maximum_age = WholeNumberField(
        _l("Maximumleeftijd"), validators=[Optional(), NumberRange(min=0, max=130)]
    )
    application_process = TextAreaField(_l("Hoe aanmelden"), validators=[Length(max=2000)])
    fees_description = TextAreaField(_l("Kosten"), validators=[Length(max=1000)])
    url = StringField(_l("Website"), validators=[Length(max=500)])
    email = EmailField(_l("E-mailadres"), validators=[Length(max=254)])
    phone = StringField(_l("Telefoonnummer"), validators=[Length(max=50)])
    languages = StringField(FIELD_LABELS["languages"], validators=[Length(max=200)])
    themes = SelectMultipleField(_l("Thema's"), coerce=coerce_id, validate_choice=False)
    national = BooleanField(_l("Werkt in heel Nederland (landelijk)"))
    provinces = SelectMultipleField(_l("Werkt in deze provincies"), validate_choice=False)
    municipalities = SelectMultipleField(
        _l("Werkt in deze gemeenten"), coerce=coerce_id, validate_choice=False
    )
    review_interval_months = WholeNumberField(
        _l("Controleren elke … maanden"),
        validators=[
            DataRequired(_l("Vul een aantal maanden in (1 tot 36).")),
            NumberRange(min=1, max=36, message=_l("Vul een aantal maanden in (1 tot 36).")),
        ],
    )

    # The form's fields in order; "areas" is shown as national, provinces and municipalities.
    SHOWN = tuple(
        part
        for name in EDITABLE_FIELDS
        for part in (("national", "provinces", "municipalities") if name == "areas" else (name,))
    )

    def hint(self, name: str):
        return None

    def fill_choices(self) -> None:
        self.themes.choices = {
            group: [(int(value), label) for value, label in options]
            for group, options in taxonomy.theme_choices()
        }
        municipalities = taxonomy.active(Municipality)
        self.municipalities.choices = [(m.id, m.name) for m in municipalities]
        self.provinces.choices = [(p, p) for p in sorted({m.province for m in municipalities})]

    def load(self, service: Service) -> None:
        """Fill the form with the service as it is now."""
        for name in EDITABLE_FIELDS:
            if name in ("themes", "areas"):
                continue
            value = current_value(service, name)
            getattr(self, name).data = getattr(service, name) if name.endswith("_age") else value
        self.review_interval_months.data = service.review_interval_months
        self.themes.data = [theme.id for theme in service.themes]
        areas = area_value(service.service_areas)
        self.national.data = areas.national
        self.provinces.data = list(areas.provinces)
        self.municipalities.data = list(areas.municipality_ids)

    def values(self) -> dict[str, object]:
        values = {
            name: getattr(self, name).data
            for name in EDITABLE_FIELDS
            if name not in ("themes", "areas")
        }
        values["themes"] = list(self.themes.data or [])
        values["areas"] = Areas(
            national=bool(self.national.data),
            provinces=tuple(self.provinces.data or ()),
            municipality_ids=tuple(self.municipalities.data or ()),
        )
        return values


class NewServiceForm(ServiceForm):
    """A new service: the organisation (or a new one), a visiting address and the fields of
    :class:`ServiceForm`."""

    organization = SelectField(_l("Organisatie"), validate_choice=False)
    organization_name = StringField(
        _l("Of de naam van een nieuwe organisatie"), validators=[Optional(), Length(max=200)]
    )
    street = StringField(_l("Straat en huisnummer (mag leeg)"), validators=[Length(max=200)])
    postal_code = StringField(_l("Postcode"), validators=[Length(max=10)])
    city = StringField(_l("Plaats"), validators=[Length(max=200)])

    def fill_choices(self) -> None:
        super().fill_choices()
        organizations = db.session.scalars(select(Organization).order_by(Organization.name))
        self.organization.choices = [("", _l("– nieuwe organisatie –"))] + [
            (str(o.id), o.name) for o in organizations
        ]
        if not self.is_submitted():
            self.status.data = "active"
            self.review_interval_months.data = DEFAULT_REVIEW_INTERVAL_MONTHS

    def address(self) -> NewAddress:
        return NewAddress(self.street.data or "", self.postal_code.data or "", self.city.data or "")


def _hours_form() -> type[FlaskForm]:
    """A form with, per weekday, two periods of an opening and a closing time."""
    fields: dict[str, object] = {}
    for day in WEEKDAYS:
        for number in range(1, PERIODS_PER_DAY + 1):
            later = number > 1
            fields[f"{day}_opens_{number}"] = StringField(
                _l("en van") if later else _l("Open van"),
                validators=[Optional(), Length(max=5)],
                render_kw={"type": "time", "class": "time-input"},
            )
            fields[f"{day}_closes_{number}"] = StringField(
                _l("tot"),
                validators=[Optional(), Length(max=5)],
                render_kw={"type": "time", "class": "time-input"},
            )

    def load(self, hours) -> None:
        for day, periods in hours.items():
            for number, (opens, closes) in enumerate(periods[:PERIODS_PER_DAY], start=1):
                self[f"{day}_opens_{number}"].data = opens.strftime("%H:%M")
                self[f"{day}_closes_{number}"].data = closes.strftime("%H:%M")

    def typed(self) -> dict[str, list[tuple[str, str]]]:
        return {
            day: [
                (self[f"{day}_opens_{n}"].data or "", self[f"{day}_closes_{n}"].data or "")
                for n in range(1, PERIODS_PER_DAY + 1)
            ]
            for day in WEEKDAYS
        }

    return type(
        "HoursForm",
        (FlaskForm,),
        {**fields, "load": load, "typed": typed, "DAYS": WEEKDAYS, "LABELS": WEEKDAY_LABELS},
    )


HoursForm = _hours_form()


def phones_field(label: object = _l("Telefoonnummers")) -> TextAreaField:
    """Phone numbers, one a line."""
    return TextAreaField(label, validators=[Length(max=500)], render_kw={"rows": 3})


class FieldsForm(FlaskForm):
    """A form of the fields ``SHOWN`` of one object, read as text by ``read`` (phone numbers,
    written "a; b", one a line)."""

    SHOWN: tuple[str, ...] = ()

    @staticmethod
    def read(item: object, name: str) -> str:
        raise NotImplementedError

    def load(self, item: object) -> None:
        """Fill the form with ``item`` as it is now."""
        for name in self.SHOWN:
            self[name].data = self.read(item, name)
        self.phones.data = self.phones.data.replace("; ", "\n")

    def values(self) -> dict[str, object]:
        return {name: self[name].data or "" for name in self.SHOWN}


class OrganizationForm(FieldsForm):
    """Edit an organisation; the checks are those of a service's fields."""

    name = name_field()
    alternate_name = StringField(_l("Andere naam of afkorting"), validators=[Length(max=200)])
    description = TextAreaField(_l("Omschrijving"), validators=[Length(max=5000)])
    website = StringField(_l("Website"), validators=[Length(max=500)])
    email = EmailField(_l("E-mailadres"), validators=[Length(max=254)])
    phones = phones_field()

    SHOWN = ORGANIZATION_FIELDS

    @staticmethod
    def read(item: Organization, name: str) -> str:  # type: ignore[override]
        return organization_value(item, name)


class ContactForm(FieldsForm):
    """Add or edit a contact person or desk of an organisation or a service."""

    name = name_field()
    title = StringField(_l("Functie (mag leeg)"), validators=[Length(max=200)])
    department = StringField(_l("Afdeling (mag leeg)"), validators=[Length(max=200)])
    email = EmailField(_l("E-mailadres (mag leeg)"), validators=[Length(max=254)])
    phones = phones_field(_l("Telefoonnummers (mag leeg)"))

    SHOWN = CONTACT_FIELDS

    @staticmethod
    def read(item: Contact, name: str) -> str:  # type: ignore[override]
        return contact_value(item, name)


class MultiCheckboxField(SelectMultipleField):
    """A choice of several, as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


LOCATION_TYPE_CHOICES = [
    (LocationType.PHYSICAL.value, _l("Een adres om langs te komen")),
    (LocationType.POSTAL.value, _l("Alleen een postadres")),
    (LocationType.VIRTUAL.value, _l("Online (een website, chat of videobellen)")),
]


class LocationForm(FlaskForm):
    """Add or edit a location of an organisation, and which of its services are there."""

    location_type = RadioField(
        _l("Soort locatie"),
        choices=LOCATION_TYPE_CHOICES,
        default=LocationType.PHYSICAL.value,
        validators=[DataRequired(_l("Kies een soort locatie."))],
        validate_choice=False,
    )
    name = name_field()
    address_1 = StringField(_l("Straat en huisnummer"), validators=[Length(max=200)])
    address_2 = StringField(_l("Tweede adresregel (mag leeg)"), validators=[Length(max=200)])
    postal_code = StringField(_l("Postcode"), validators=[Length(max=10)])
    city = StringField(_l("Plaats"), validators=[Length(max=200)])
    municipality = SelectField(_l("Gemeente"), validate_choice=False)
    latitude = StringField(_l("Breedtegraad (mag leeg)"), validators=[Length(max=30)])
    longitude = StringField(_l("Lengtegraad (mag leeg)"), validators=[Length(max=30)])
    url = StringField(_l("Webadres (voor een online locatie)"), validators=[Length(max=500)])
    description = TextAreaField(_l("Omschrijving (mag leeg)"), validators=[Length(max=5000)])
    transportation = StringField(
        _l("Bereikbaarheid, zoals bus, tram of parkeren (mag leeg)"),
        validators=[Length(max=500)],
    )
    services = MultiCheckboxField(_l("Diensten op deze locatie"), validate_choice=False)

    ADDRESS = ("address_1", "address_2", "postal_code", "city", "municipality")
    MAP = ("latitude", "longitude")
    OTHER = ("url", "description", "transportation")

    def fill_choices(self, organization: Organization) -> None:
        self.municipality.choices = [("", _l("– volgens de plaats –"))] + [
            (str(m.id), m.name) for m in taxonomy.active(Municipality)
        ]
        self.services.choices = [(str(s.id), s.name) for s in organization.services]

    def load(self, location: Location) -> None:
        """Fill the form with the location as it is now (coordinates with a decimal comma)."""
        for name in LOCATION_FIELDS:
            if name not in ("municipality", "services"):
                self[name].data = location_value(location, name)
        for name in self.MAP:
            self[name].data = self[name].data.replace(".", ",")
        self.municipality.data = str(location.municipality_id or "")
        self.services.data = [str(service.id) for service in own_services_at(location)]

    def values(self) -> dict[str, object]:
        values: dict[str, object] = {name: self[name].data or "" for name in LOCATION_FIELDS}
        values["services"] = list(self.services.data or [])
        return values


class VerifyForm(FlaskForm):
    """Only the CSRF token: "gecontroleerd, ongewijzigd"."""


class DecideForm(FlaskForm):
    """Only the CSRF token; the decision is in the URL."""


class ImportForm(FlaskForm):
    """Upload HSDS 3.0: a JSON file, or a ZIP of the CSV datapackage."""

    file = FileField(
        _l("HSDS-bestand (.json of .zip met CSV-bestanden)"),
        validators=[FileRequired(_l("Kies een bestand."))],
    )
    mode = RadioField(
        _l("Wat wilt u doen?"),
        choices=[
            ("controleren", _l("Alleen controleren (er wordt niets opgeslagen)")),
            ("importeren", _l("Controleren en importeren als alles klopt")),
        ],
        default="controleren",
        validators=[DataRequired()],
    )
