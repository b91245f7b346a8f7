"""A realistic history of knelpunten over many weeks: for the demo, the radar's tests and
``bench/radar.py`` (one generator, so all three see the same kind of data).

Every week each kind of knelpunt (a template of :mod:`signalen.demo.corpus`) arrives at its own
rate: popular kinds more often, a yearly season (busier in January and September, quieter in
the summer holidays and around Christmas) and week-to-week noise (a gamma-distributed factor,
so counts vary more than Poisson, as real counts do). Organisations differ in size and mostly
report from their own gemeente. Rises of a known size can be injected: a kind of knelpunt
(``subthema``) or a gemeente (``gemeente``) gets ``factor`` times its usual number in the
weeks before ``end``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert, select, text

from signalen.demo.corpus import MUNICIPALITIES, TEMPLATES, GeneratedSignal, render
from signalen.extensions import db
from signalen.signals.models import Signal, signal_scheme, signal_theme
from signalen.taxonomy.services import NameIndex

# A kind of knelpunt that is rare until something changes (a new letter, a new rule): the
# demo's rise on first start, and the new words the radar should notice.
RISING_TEMPLATES = [
    (
        "Schulden",
        "Incassokosten lopen op",
        "Zorgtoeslag",
        "Belastingdienst/Toeslagen",
        "Incassobureau rekent hoge incassokosten",
        "Cliënt kreeg een aanmaning van een incassobureau voor een oude schuld van € {small}. "
        "Er staan € {minutes} incassokosten bij, na de tweede aanmaning nog meer. Hij wist niet dat "
        "er een schuld was, omdat de eerste brief alleen in de Berichtenbox stond.",
    ),
]
ALL_TEMPLATES = TEMPLATES + RISING_TEMPLATES
REPORT_COUNTS = [1] * 12 + [2] * 4 + [3] * 2 + [5, 8]
# The usual share of each kind: popular kinds first, the rising kind rare.
RARE_SHARE = 0.004


@dataclass(frozen=True)
class HistoryRise:
    """An injected rise: ``kind`` "subthema" (``target`` = template number in ALL_TEMPLATES)
    or "gemeente" (``target`` = name), ``factor`` times as many over ``weeks`` weeks to ``end``."""

    kind: str
    target: int | str
    end: date
    factor: float
    weeks: int = 4
    extra: int | None = None  # a fixed number of extra knelpunten instead of the factor


@dataclass(frozen=True)
class HistorySignal:
    item: GeneratedSignal
    organisation: int  # index of the organisation, 0 = largest
    day: date  # date of the knelpunt
    created: datetime  # registered (UTC)
    dated: bool  # whether the volunteer filled in the date
    template: int
    injected: bool = False


def season(day: date) -> float:
    """How busy helpdesks are on ``day`` compared with an average day."""
    factor = 1 + 0.2 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 20) / 365.25)
    factor += 0.1 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 260) / 182.6)
    if (day.month, day.day) >= (12, 22) or (day.month, day.day) <= (1, 3):
        factor *= 0.5
    elif day.month in (7, 8):
        factor *= 0.8
    return factor


def template_shares() -> list[float]:
    weights = [1 / (rank + 1) ** 0.7 for rank in range(len(TEMPLATES))]
    total = sum(weights)
    shares = [(1 - RARE_SHARE * len(RISING_TEMPLATES)) * w / total for w in weights]
    return shares + [RARE_SHARE] * len(RISING_TEMPLATES)


def municipality_shares() -> list[float]:
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(MUNICIPALITIES))]
    return [w / sum(weights) for w in weights]


def generate_history(
    signals: int,
    *,
    organisations: int = 20,
    weeks: int = 78,
    until: date,
    rises: list[HistoryRise] | None = None,
    seed: int = 16,
    noise: float = 30.0,
) -> list[HistorySignal]:
    """About ``signals`` knelpunten over ``weeks`` weeks up to ``until``, plus injected rises.

    ``noise`` is the shape of the weekly gamma factor (higher is calmer; 30 gives about 18%).
    """
    rng = random.Random(seed)
    rises = rises or []
    first = until - timedelta(weeks=weeks) + timedelta(days=1)
    days = [first + timedelta(days=i) for i in range((until - first).days + 1)]
    day_weight = [season(day) for day in days]
    per_day = signals / sum(day_weight)
    shares = template_shares()
    muni_shares = municipality_shares()
    org_weights = [1 / (rank + 1) ** 0.6 for rank in range(organisations)]
    org_homes = [MUNICIPALITIES[i % len(MUNICIPALITIES)] for i in range(organisations)]
    out: list[HistorySignal] = []
    for start in range(0, len(days), 7):
        week_days = days[start : start + 7]
        week_rate = per_day * sum(day_weight[start : start + 7])
        for template, share in enumerate(shares):
            rate = week_rate * share * rng.gammavariate(noise, 1 / noise)
            for _ in range(_poisson(rng, rate)):
                out.append(_one(rng, template, rng.choice(week_days), org_weights, org_homes,
                                muni_shares, until))  # fmt: skip
    for rise in rises:
        out += _inject(rng, rise, per_day, day_weight, days, shares, muni_shares, org_weights,
                       org_homes, until)  # fmt: skip
    out.sort(key=lambda s: (s.created, s.template))
    return out


def _poisson(rng: random.Random, rate: float) -> int:
    if rate > 50:
        return max(0, round(rng.gauss(rate, math.sqrt(rate))))
    threshold, count, product = math.exp(-rate), 0, rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def _one(rng, template, day, org_weights, org_homes, muni_shares, until, municipality=None):
    organisation = rng.choices(range(len(org_weights)), org_weights)[0]
    if municipality is None:
        municipality = (
            org_homes[organisation]
            if rng.random() < 0.7
            else rng.choices(MUNICIPALITIES, muni_shares)[0]
        )
    item = render(ALL_TEMPLATES[template], municipality, rng, until)
    item = replace(item, occurred_on=day, report_count=rng.choice(REPORT_COUNTS))
    lag = timedelta(days=min(rng.expovariate(0.7), 6), hours=rng.uniform(8, 17))
    created = datetime.combine(day, time.min, UTC) + lag
    return HistorySignal(item, organisation, day, created, rng.random() < 0.9, template)


def _inject(rng, rise, per_day, day_weight, days, shares, muni_shares, org_weights, org_homes,
            until) -> list[HistorySignal]:  # fmt: skip
    """(factor - 1) times the usual number of the rise's target in its window."""
    window = [
        i for i, day in enumerate(days) if rise.end - timedelta(weeks=rise.weeks) < day <= rise.end
    ]
    usual = per_day * sum(day_weight[i] for i in window)
    if rise.kind == "subthema":
        usual *= shares[int(rise.target)]
    else:
        home = sum(w for w, h in zip(org_weights, org_homes, strict=True) if h == rise.target)
        share = muni_shares[MUNICIPALITIES.index(str(rise.target))]
        usual *= 0.7 * home / sum(org_weights) + 0.3 * share
    extra = []
    count = rise.extra if rise.extra is not None else max(1, round(usual * (rise.factor - 1)))
    for _ in range(count):
        day = days[rng.choice(window)]
        if rise.kind == "subthema":
            signal = _one(rng, int(rise.target), day, org_weights, org_homes, muni_shares, until)
        else:
            template = rng.choices(range(len(shares)), shares)[0]
            signal = _one(rng, template, day, org_weights, org_homes, muni_shares, until,
                          municipality=str(rise.target))  # fmt: skip
        extra.append(replace(signal, injected=True))
    return extra


def insert_history(history: list[HistorySignal], organisation_ids: list[int], chunk: int = 10_000):
    """Bulk-insert ``history`` (SQLAlchemy Core, no index, no events); returns the new ids."""
    names = NameIndex.load()
    first_id = (db.session.scalar(select(Signal.id).order_by(Signal.id.desc()).limit(1)) or 0) + 1
    rows, themes, schemes, ids = [], [], [], []
    for number, signal in enumerate(history):
        item = signal.item
        agency, agency_municipality = names.agency(item.agency)
        municipality = names.municipalities.get(item.municipality.casefold())
        if agency is not None and agency.is_municipal:
            agency_municipality = municipality
        visibility = ("netwerk", "netwerk", "openbaar", "intern")[number % 4]
        signal_id = first_id + number
        ids.append(signal_id)
        rows.append(
            {
                "id": signal_id,
                "title": item.title,
                "description": item.description,
                "occurred_on": signal.day if signal.dated else None,
                "channel": item.channel,
                "impact": item.impact,
                "status": "nieuw",
                "visibility": visibility,
                "public_approved_at": signal.created if visibility == "openbaar" else None,
                "agency_id": agency.id if agency else None,
                "agency_municipality_id": agency_municipality.id if agency_municipality else None,
                "municipality_id": municipality.id if municipality else None,
                "report_count": item.report_count,
                "organisation_id": organisation_ids[signal.organisation % len(organisation_ids)],
                "index_pending": False,
                "created_at": signal.created,
                "updated_at": signal.created,
            }
        )
        themes.append({"signal_id": signal_id, "theme_id": names.themes[item.theme.casefold()].id})
        schemes.append(
            {"signal_id": signal_id, "scheme_id": names.schemes[item.scheme.casefold()].id}
        )
        if len(rows) >= chunk:
            _flush(rows, themes, schemes)
    _flush(rows, themes, schemes)
    if db.engine.dialect.name == "postgresql":  # the ids were given: move the sequence on
        db.session.execute(
            text("SELECT setval(pg_get_serial_sequence('signal', 'id'), :last)"),
            {"last": first_id + len(history)},
        )
    db.session.commit()
    return ids


def _flush(rows: list, themes: list, schemes: list) -> None:
    if rows:
        db.session.execute(insert(Signal.__table__), rows)
        db.session.execute(insert(signal_theme), themes)
        db.session.execute(insert(signal_scheme), schemes)
        rows.clear()
        themes.clear()
        schemes.clear()
