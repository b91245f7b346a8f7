from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from signalen.radar.models import REASON_MAX_LENGTH, Verdict


class MarkForm(FlaskForm):
    """A coordinator marks one rise for one window as "bekend" or "geen signaal"."""

    series_key = HiddenField(validators=[DataRequired(), Length(max=200)])
    window_start = DateField(validators=[DataRequired()], format="%Y-%m-%d")
    weeks = IntegerField(validators=[DataRequired(), NumberRange(1, 13)])
    verdict = RadioField(
        _l("Wat is het?"),
        choices=[
            (Verdict.KNOWN.value, _l("Bekend: we weten dit al en werken eraan")),
            (Verdict.NO_SIGNAL.value, _l("Geen signaal: toeval of een andere verklaring")),
        ],
        validators=[DataRequired(message=_l("Kies bekend of geen signaal."))],
    )
    reason = TextAreaField(
        _l("Waarom?"),
        validators=[
            DataRequired(message=_l("Schrijf kort waarom.")),
            Length(max=REASON_MAX_LENGTH),
        ],
    )


class WithdrawForm(FlaskForm):
    """Withdraw a mark (the form carries only its CSRF token)."""
