from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from signalen.articles.models import BODY_MAX_LENGTH, TITLE_MAX_LENGTH
from signalen.articles.services import ArticleInput
from signalen.core.validation import coerce_id
from signalen.signals.models import Visibility
from signalen.taxonomy.services import theme_choices


class ArticleForm(FlaskForm):
    title = StringField(
        _l("Titel"),
        validators=[
            DataRequired(_l("Geef het artikel een titel.")),
            Length(max=TITLE_MAX_LENGTH, message=_l("De titel is te lang.")),
        ],
    )
    body = TextAreaField(
        _l("Tekst"),
        validators=[
            DataRequired(_l("Schrijf de tekst van het artikel.")),
            Length(max=BODY_MAX_LENGTH, message=_l("De tekst is te lang.")),
        ],
        render_kw={"rows": 16},
    )
    themes = SelectMultipleField(_l("Thema('s)"), coerce=coerce_id)
    visibility = RadioField(
        _l("Wie mag dit lezen?"),
        choices=[(v.value, v.label) for v in Visibility],
        default=Visibility.NETWORK.value,
    )
    published = BooleanField(_l("Gepubliceerd (anders alleen zichtbaar voor uw organisatie)"))

    def fill_choices(self) -> None:
        self.themes.choices = {
            group: [(int(value), label) for value, label in options]
            for group, options in theme_choices()
        }

    def to_input(self) -> ArticleInput:
        return ArticleInput(
            title=self.title.data or "",
            body=self.body.data or "",
            theme_ids=list(self.themes.data or []),
            visibility=Visibility(self.visibility.data),
            published=bool(self.published.data),
        )
