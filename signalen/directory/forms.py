"""Forms of the sociale kaart: meld een wijziging, edit a service, verify, decide."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from signalen.directory.models import STATUS_LABELS
from signalen.directory.services import FIELD_LABELS, PROPOSABLE_FIELDS


class ChangeRequestForm(FlaskForm):
    """Anyone may propose a correction; a coordinator decides."""

    field_name = SelectField(
        _l("Welk gegeven klopt niet?"),
        choices=[(name, FIELD_LABELS[name]) for name in PROPOSABLE_FIELDS],
        validators=[DataRequired()],
    )
    proposed_value = TextAreaField(
        _l("Wat moet het worden?"), validators=[Optional(), Length(max=2000)]
    )
    explanation = TextAreaField(
        _l("Toelichting (niet verplicht)"), validators=[Optional(), Length(max=2000)]
    )
    reporter_email = StringField(
        _l("Uw e-mailadres (niet verplicht, voor een vraag terug)"),
        validators=[Optional(), Length(max=254)],
    )
    submit = SubmitField(_l("Wijziging doorgeven"))


class ServiceForm(FlaskForm):
    """Edit a service; saving also marks it as checked today."""

    name = StringField(_l("Naam"), validators=[DataRequired(), Length(max=200)])
    status = SelectField(
        _l("Status"), choices=[(status.value, label) for status, label in STATUS_LABELS.items()]
    )
    description = TextAreaField(_l("Omschrijving"), validators=[Length(max=5000)])
    eligibility_description = TextAreaField(_l("Voor wie"), validators=[Length(max=2000)])
    minimum_age = IntegerField(
        _l("Minimumleeftijd"), validators=[Optional(), NumberRange(min=0, max=130)]
    )
    maximum_age = IntegerField(
        _l("Maximumleeftijd"), validators=[Optional(), NumberRange(min=0, max=130)]
    )
    application_process = TextAreaField(_l("Hoe aanmelden"), validators=[Length(max=2000)])
    fees_description = TextAreaField(_l("Kosten"), validators=[Length(max=1000)])
    url = StringField(_l("Website"), validators=[Length(max=500)])
    email = StringField(_l("E-mailadres"), validators=[Length(max=254)])
    phone = StringField(_l("Telefoonnummer"), validators=[Length(max=50)])
    languages = StringField(FIELD_LABELS["languages"], validators=[Length(max=200)])
    review_interval_months = IntegerField(
        _l("Controleren elke … maanden"), validators=[DataRequired(), NumberRange(min=1, max=36)]
    )
    submit = SubmitField(_l("Opslaan en markeren als gecontroleerd"))

    FIELDS = (
        "name",
        "status",
        "description",
        "eligibility_description",
        "minimum_age",
        "maximum_age",
        "application_process",
        "fees_description",
        "url",
        "email",
        "phone",
        "languages",
        "review_interval_months",
    )

    def values(self) -> dict[str, object]:
        return {name: getattr(self, name).data for name in self.FIELDS}


class VerifyForm(FlaskForm):
    """Only the CSRF token: "gecontroleerd, ongewijzigd"."""

    submit = SubmitField(_l("Gecontroleerd, klopt nog"))


class DecideForm(FlaskForm):
    """Only the CSRF token; the decision is in the URL."""
