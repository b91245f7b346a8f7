"""Forms for drafting and publishing digests."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from signalen.core.dates import add_months, local_today
from signalen.digests.models import TEXT_MAX_LENGTH, TITLE_MAX_LENGTH
from signalen.digests.periods import parse_period, period_title
from signalen.digests.services import SECTIONS

FREE_PERIOD = "vrij"
DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y"]


def _steps_back(start: date, months: int, count: int) -> list[date]:
    """``start`` and the ``count - 1`` dates before it, ``months`` apart."""
    return [add_months(start, -months * step) for step in range(count)]


def period_choices(today: date | None = None) -> list[tuple[str, str]]:
    """Recent quarters, half years and months to choose from, plus a free period."""
    today = today or local_today()
    month = today.replace(day=1)
    quarter = month.replace(month=(month.month - 1) // 3 * 3 + 1)
    half = month.replace(month=1 if month.month <= 6 else 7)
    labels = [
        *(f"{d.year}-Q{(d.month - 1) // 3 + 1}" for d in _steps_back(quarter, 3, 4)),
        *(f"{d.year}-H{1 if d.month <= 6 else 2}" for d in _steps_back(half, 6, 2)),
        *(f"{d.year}-{d.month:02d}" for d in _steps_back(month, 1, 6)),
    ]
    choices = [(label, period_title(parse_period(label))) for label in labels]
    return [*choices, (FREE_PERIOD, _("Vrije periode (vul hieronder de datums in)"))]


class NewDigestForm(FlaskForm):
    period = SelectField(_l("Periode"))
    date_from = DateField(
        _l("Van (bij een vrije periode)"), validators=[Optional()], format=DATE_FORMATS
    )
    date_to = DateField(
        _l("Tot en met (bij een vrije periode)"), validators=[Optional()], format=DATE_FORMATS
    )
    title = StringField(
        _l("Titel (mag leeg: dan maken wij er een)"),
        validators=[Optional(), Length(max=TITLE_MAX_LENGTH, message=_l("De titel is te lang."))],
    )

    def fill_choices(self) -> None:
        self.period.choices = period_choices()


def _text(label) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[Length(max=TEXT_MAX_LENGTH, message=_l("Deze tekst is te lang."))],
        render_kw={"rows": 4},
    )


class DigestForm(FlaskForm):
    """Title, introduction and a remark per section; the change note for corrections."""

    title = StringField(
        _l("Titel"),
        validators=[
            DataRequired(_l("Geef de rapportage een titel.")),
            Length(max=TITLE_MAX_LENGTH, message=_l("De titel is te lang.")),
        ],
    )
    introduction = TextAreaField(
        _l("Inleiding"),
        validators=[Length(max=TEXT_MAX_LENGTH, message=_l("Deze tekst is te lang."))],
        render_kw={"rows": 8},
    )
    change_note = _text(_l("Wat is er veranderd ten opzichte van de vorige versie?"))
    remark_totals = _text(_l("Opmerking bij: nieuwe knelpunten"))
    remark_themes = _text(_l("Opmerking bij: per thema"))
    remark_agencies = _text(_l("Opmerking bij: per uitvoerder"))
    remark_schemes = _text(_l("Opmerking bij: per regeling"))
    remark_municipalities = _text(_l("Opmerking bij: per gemeente"))
    remark_top = _text(_l("Opmerking bij: meest gemelde knelpunten"))
    remark_followup = _text(_l("Opmerking bij: eerder besproken knelpunten"))
    remark_referrals = _text(_l("Opmerking bij: doorverwijzingen"))

    def remarks(self) -> dict[str, str]:
        return {key: getattr(self, f"remark_{key}").data or "" for key in SECTIONS}

    def remark_fields(self):
        return [getattr(self, f"remark_{key}") for key in SECTIONS]


class ActionForm(FlaskForm):
    """A button that posts (publish, refresh, correct, delete): only the CSRF token."""
