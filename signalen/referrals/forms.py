"""Forms of the doorverwijzingen: the referral form (with "op maat" criteria) and the outcome."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from signalen.core.forms import WholeNumberField
from signalen.core.validation import coerce_id, parse_id
from signalen.directory.services.validation import language_choices
from signalen.referrals.matching import referable_services
from signalen.referrals.models import OUTCOME_LABELS, TEXT_MAX_LENGTH, Outcome
from signalen.referrals.services import MAX_AGE, ReferralInput
from signalen.taxonomy import services as taxonomy
from signalen.taxonomy.models import Municipality

OTHER = "anders"  # radio value: the service chosen in the "andere dienst" list
DATE_MESSAGE = _l("Vul een datum in als jjjj-mm-dd, of laat het veld leeg.")
LENGTH_MESSAGE = _l("Dit mag hoogstens %(max)d tekens hebben.")


class DutchDateField(DateField):
    """A date field whose complaint about a wrong date is in plain Dutch."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(str(DATE_MESSAGE)) from None


def _int_or_none(value):
    return parse_id(value)


class ReferralForm(FlaskForm):
    """Step 1 what the client needs (for the suggestions), step 2 the service, step 3 what
    was done. The client's age is only used for the suggestions and kept as an age group."""

    themes = SelectMultipleField(_l("Thema('s)"), coerce=coerce_id, validate_choice=False)
    municipality = SelectField(
        _l("Gemeente van de cliënt"), coerce=_int_or_none, validate_choice=False
    )
    age = WholeNumberField(
        _l("Leeftijd van de cliënt (ongeveer, mag leeg)"),
        validators=[
            Optional(),
            NumberRange(min=0, max=MAX_AGE, message=_l("Vul een leeftijd in jaren in.")),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    language = SelectField(
        _l("Taal waarin de cliënt hulp nodig heeft"),
        choices=[("", _l("Nederlands (of onbekend)")), *language_choices(dutch=False)],
        validators=[Optional()],
    )
    service = RadioField(_l("Dienst"), choices=[], validate_choice=False)
    other_service = SelectField(_l("Andere dienst"), choices=[], validate_choice=False)
    reason = TextAreaField(
        _l("Waarom verwijst u door?"),
        validators=[
            DataRequired(_l("Schrijf op waarom u doorverwijst.")),
            Length(max=TEXT_MAX_LENGTH, message=LENGTH_MESSAGE),
        ],
        render_kw={"rows": 4},
    )
    advice = TextAreaField(
        _l("Welk advies heeft u gegeven? (mag leeg)"),
        validators=[Length(max=TEXT_MAX_LENGTH, message=LENGTH_MESSAGE)],
        render_kw={"rows": 3},
    )
    warm_handover = BooleanField(_l("Warme overdracht: ik heb zelf contact gelegd met de dienst"))
    follow_up_on = DutchDateField(
        _l("Wanneer vragen we na of het gelukt is? (mag leeg)"),
        validators=[Optional()],
        format=["%Y-%m-%d", "%d-%m-%Y"],
    )
    accept_redaction = BooleanField(_l("Gebruik de versie zonder persoonsgegevens"))

    def fill_choices(self) -> None:
        none = [(None, str(_l("– onbekend –")))]
        self.municipality.choices = none + [(m.id, m.name) for m in taxonomy.active(Municipality)]
        self.themes.choices = {
            group: [(int(value), label) for value, label in options]
            for group, options in taxonomy.theme_choices()
        }
        groups: dict[str, list[tuple[str, str]]] = {}
        for service in referable_services():
            groups.setdefault(service.organization.name, []).append((str(service.id), service.name))
        # Rendered by the template as one "choose" option plus a group per organisation.
        self.other_groups = sorted(groups.items(), key=lambda item: item[0].casefold())

    def chosen_service_id(self) -> str | None:
        """The radio choice, or the "andere dienst" list when that is chosen (or only that)."""
        radio = (self.service.data or "").strip()
        other = (self.other_service.data or "").strip()
        if radio == OTHER or (not radio and other):
            return other or None
        return radio or None

    def to_input(self, signal_id: int | None = None) -> ReferralInput:
        return ReferralInput(
            service_id=self.chosen_service_id(),
            reason=self.reason.data or "",
            advice=self.advice.data or "",
            warm_handover=bool(self.warm_handover.data),
            follow_up_on=self.follow_up_on.data,
            theme_ids=[int(i) for i in self.themes.data or []],
            municipality_id=self.municipality.data,
            age=self.age.data,
            signal_id=signal_id,
        )


class OutcomeForm(FlaskForm):
    outcome = RadioField(
        _l("Wat is de uitkomst?"),
        choices=[(outcome.value, OUTCOME_LABELS[outcome]) for outcome in Outcome],
        validators=[InputRequired(_l("Kies een uitkomst."))],
    )
    note = TextAreaField(
        _l("Toelichting (mag leeg)"),
        validators=[Length(max=TEXT_MAX_LENGTH, message=LENGTH_MESSAGE)],
        render_kw={"rows": 3},
    )
    accept_redaction = BooleanField(_l("Gebruik de versie zonder persoonsgegevens"))


class FollowUpForm(FlaskForm):
    follow_up_on = DutchDateField(
        _l("Nieuwe opvolgdatum (leeg: niet meer navragen)"),
        validators=[Optional()],
        format=["%Y-%m-%d", "%d-%m-%Y"],
    )
