"""The one filter object behind the search page, its permalinks, exports and feeds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from signalen.core.dates import local_today
from signalen.core.pagination import with_changes
from signalen.core.validation import parse_date, parse_id, parse_int, parse_month
from signalen.search.dates import DATE_FACET, date_cover
from signalen.search.documents import SearchQuery
from signalen.signals.models import Impact, Status

ID_FACETS = ("thema", "regeling", "uitvoerder", "gemeente", "organisatie")
FACETS = (*ID_FACETS, "status", "impact", "periode", "soort")
KINDS = ("knelpunt", "artikel")
# The informatiebank searches these index kinds only (the sociale kaart has its own search).
INDEX_KINDS = ("signal", "article")
SORTS = ("relevantie", "datum")
MAX_VALUES_PER_FACET = 50
DATE_ARGS = (
    ("van", "date_from"),
    ("tot", "date_to"),
    ("aangemaakt_van", "created_from"),
    ("aangemaakt_tot", "created_to"),
)
EARLIEST_DAY = date(1900, 1, 1)
NOTHING = "-"  # a facet value no document has: an empty range finds nothing


def _valid(facet: str, value: str) -> bool:
    if facet in ID_FACETS:
        return parse_id(value) is not None
    if facet == "status":
        return value in {s.value for s in Status}
    if facet == "impact":
        return value in {i.value for i in Impact}
    if facet == "periode":
        return parse_month(value) is not None
    if facet == "soort":
        return value in KINDS
    return False


@dataclass
class SearchFilters:
    """What the visitor asked for: free text plus facet values, dates, order and page."""

    q: str = ""
    values: dict[str, list[str]] = field(default_factory=dict)
    date_from: date | None = None  # van/tot: the knelpunt's date (datum, else registration)
    date_to: date | None = None
    created_from: date | None = None  # aangemaakt_van/aangemaakt_tot: registration date
    created_to: date | None = None
    sort: str = "relevantie"
    page: int = 1
    errors: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: MultiDict) -> SearchFilters:
        """Read the query string; wrong values are dropped and reported, never fatal."""
        filters = cls(q=" ".join((args.get("q") or "").split()))
        for facet in FACETS:
            values = [v.strip() for v in args.getlist(facet) if v.strip()]
            good = [v for v in dict.fromkeys(values) if _valid(facet, v)][:MAX_VALUES_PER_FACET]
            if len(good) != len(set(values)):
                filters.errors.append(
                    str(_l("Een of meer filters klopten niet en zijn weggelaten."))
                )
            if good:
                filters.values[facet] = good
        for name, attribute in DATE_ARGS:
            raw = (args.get(name) or "").strip()
            if raw:
                if parse_date(raw) is not None:
                    setattr(filters, attribute, parse_date(raw))
                else:
                    filters.errors.append(
                        str(
                            _l(
                                "De datum '%(value)s' klopt niet (gebruik jjjj-mm-dd).",
                                value=raw[:20],
                            )
                        )
                    )
        sort = args.get("sorteer") or ("relevantie" if filters.q else "datum")
        filters.sort = sort if sort in SORTS else "relevantie"
        page = args.get("pagina", "1")
        filters.page = parse_int(page, 1, 9_999) or 1
        known = {*FACETS, "q", *(name for name, _attribute in DATE_ARGS), "sorteer", "pagina"}
        filters.unknown = sorted(set(args.keys()) - known)
        return filters

    def to_query(self, per_page: int = 20, kinds: list[str] | None = None) -> SearchQuery:
        """The engine's query: van/tot become the day, month and year values of the
        ``datum`` facet that cover the range; aangemaakt_* the engine's own date range."""
        filters = dict(self.values)
        if self.date_from or self.date_to:
            # No document is dated after tomorrow (signals) or today (articles).
            latest = local_today() + timedelta(days=1)
            start = max(self.date_from or EARLIEST_DAY, EARLIEST_DAY)
            end = min(self.date_to or latest, latest)
            filters[DATE_FACET] = date_cover(start, end) or [NOTHING]
        return SearchQuery(
            text=self.q,
            filters=filters,
            kinds=list(INDEX_KINDS) if kinds is None else kinds,
            date_from=self.created_from,
            date_to=self.created_to,
            sort="date" if self.sort == "datum" else "relevance",
            page=self.page,
            per_page=per_page,
        )

    def args(self, **changes) -> list[tuple[str, str]]:
        """Query-string pairs for this search, with ``changes`` applied (None removes)."""
        pairs: list[tuple[str, str]] = []
        if self.q:
            pairs.append(("q", self.q))
        for facet in FACETS:
            for value in self.values.get(facet, []):
                pairs.append((facet, value))
        if self.date_from:
            pairs.append(("van", self.date_from.isoformat()))
        if self.date_to:
            pairs.append(("tot", self.date_to.isoformat()))
        if self.created_from:
            pairs.append(("aangemaakt_van", self.created_from.isoformat()))
        if self.created_to:
            pairs.append(("aangemaakt_tot", self.created_to.isoformat()))
        if self.sort != ("relevantie" if self.q else "datum"):
            pairs.append(("sorteer", self.sort))
        return with_changes(pairs, changes)

    def query_string(self, **changes) -> str:
        return urlencode(self.args(**changes))

    def toggled(self, facet: str, value: str) -> str:
        """The query string with one facet value switched on or off (and page 1)."""
        current = self.values.get(facet, [])
        values = [v for v in current if v != value] if value in current else [*current, value]
        pairs = [(k, v) for k, v in self.args() if k != facet]
        pairs += [(facet, v) for v in values]
        return urlencode(pairs)

    def is_active(self, facet: str, value: str) -> bool:
        return value in self.values.get(facet, [])

    @property
    def is_empty(self) -> bool:
        return not (
            self.q
            or self.values
            or self.date_from
            or self.date_to
            or self.created_from
            or self.created_to
        )
