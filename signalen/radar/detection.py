"""The statistics of the signaalradar, without the database: weekly series in, rises out.

The method follows public-health outbreak detection (Farrington et al. 1996, the "flexible"
variant of Noufaily et al. 2013, and the EARS C-methods), simplified to what a few hundred
short series need:

1. Per series the baseline (default 26 weeks before the window) gives its usual level
   relative to how busy the whole network was (the median week-on-average of all series with
   some volume); that level times the network's activity in the window is the expected count
   (a proportional baseline, as in syndromic surveillance: season, holidays and a growing
   network move every series alike and explain no rise; one rising series does not).
2. The baseline weeks also give a quasi-Poisson over-dispersion ``phi``: the Pearson chi² of
   the weekly counts against their expectation divided by the degrees of freedom, at least
   the dispersion that the meldingen per knelpunt cause by themselves.
3. The recent count is compared with a negative binomial with that mean and variance
   ``phi * E * (1 + W/B)`` (the second part is the uncertainty of ``mu`` itself): the upper
   tail probability is the p-value of the series.
4. Benjamini–Hochberg over all series tested at once keeps the share of false alarms among
   the reported rises below ``alpha``. A rise must also reach a minimum count and a minimum
   ratio over the expected level; a rise reported by one organisation only must be ten times
   more certain.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from signalen.search.analysis import DUTCH_STOP_WORDS, KEPT_WORDS


@dataclass(frozen=True)
class Settings:
    """The parameters of the radar (see the README for what each means)."""

    weeks: int = 4  # length of the recent window
    baseline_weeks: int = 26  # weeks before the window that say what is normal
    alpha: float = 0.05  # false discovery rate (Benjamini–Hochberg)
    min_count: int = 8  # meldingen in the window before a rise counts
    min_ratio: float = 1.5  # recent / expected
    single_organisation_factor: float = 0.1  # alpha for a rise from one organisation
    # New words
    min_documents: int = 5
    min_word_ratio: float = 3.0
    max_words: int = 10


@dataclass
class SeriesResult:
    """One tested series: its weekly counts and the outcome of the test."""

    index: int
    recent: float
    expected: float
    organisations: int
    p_value: float
    q_value: float = 1.0
    score: float = 0.0
    is_rise: bool = False


def detect_rises(
    counts: np.ndarray,
    totals: np.ndarray,
    organisations: np.ndarray,
    settings: Settings,
    weight_dispersion: float = 1.0,
) -> list[SeriesResult]:
    """Test every row of ``counts`` (series × weeks, oldest first, the window last).

    ``totals`` are the meldingen of the whole network per week. How busy the network was
    each week (:func:`network_activity`) sets the expected level of a series week by week, so
    the season, holidays and organisations joining raise or lower every expectation alike.
    ``organisations`` is the number of different organisations per series in the window;
    ``weight_dispersion`` is E[w²]/E[w] of the meldingen per knelpunt: a weighted count varies
    at least that much more than a plain Poisson count (compound Poisson), also in a series
    too sparse to show it. Returns one result per series, rises marked.
    """
    weeks, baseline_weeks = settings.weeks, settings.baseline_weeks
    if counts.size == 0:
        return []
    counts = counts[:, -(weeks + baseline_weeks) :]
    activity = network_activity(counts, totals[-(weeks + baseline_weeks) :], baseline_weeks)
    rest = np.broadcast_to(activity, counts.shape)
    baseline, rest_baseline = counts[:, :-weeks], rest[:, :-weeks]
    recent, rest_recent = counts[:, -weeks:].sum(axis=1), rest[:, -weeks:].sum(axis=1)
    b = baseline.shape[1]
    proportional = np.full(counts.shape[0], activity[:-weeks].sum() > 0)
    weights = np.ones_like(baseline)
    share, phi = _fit(baseline, rest_baseline, weights, proportional, weight_dispersion)
    # Farrington's reweighting: baseline weeks far above their expectation (an earlier rise)
    # count less, so a past outbreak does not make the next one look normal. In a busy series
    # (``ROBUST_MIN_WEEKLY`` meldingen a week or more) it starts from the median week (an
    # earlier rise of a few weeks does not move it) and is repeated, so the weights settle on
    # the weeks that are really out of line. A sparse series is reweighted once, from the
    # average: its single busy weeks are chance (one knelpunt with many meldingen), and
    # weighting them away would make the series look calmer than it is.
    busy = baseline.mean(axis=1) >= ROBUST_MIN_WEEKLY
    share = np.where(busy, _robust_start(baseline, rest_baseline, proportional, share), share)
    for round_number in range(REWEIGHTING_ROUNDS):
        weekly = _weekly_expected(share, rest_baseline, proportional)
        residual = (baseline - weekly) / np.sqrt(phi[:, None] * weekly)
        weights = np.where(residual > 1, 1 / np.maximum(residual, 1) ** 2, 1.0)
        again = _fit(baseline, rest_baseline, weights, proportional, weight_dispersion)
        if round_number == 0:
            share, phi = again
        else:
            share, phi = np.where(busy, again[0], share), np.where(busy, again[1], phi)
    expected = np.where(proportional, share * rest_recent, share * weeks)
    expected = np.maximum(expected, 1e-9)
    variance = phi * expected * (1 + weeks / b)
    p_values = _upper_tail(recent, expected, variance)
    q_values = benjamini_hochberg(p_values)
    results = []
    for i in range(len(recent)):
        orgs = int(organisations[i])
        needed = settings.alpha * (settings.single_organisation_factor if orgs < 2 else 1.0)
        rise = bool(
            recent[i] >= settings.min_count
            and recent[i] >= settings.min_ratio * expected[i]
            and q_values[i] <= needed
        )
        results.append(
            SeriesResult(
                index=i,
                recent=float(recent[i]),
                expected=float(expected[i]),
                organisations=orgs,
                p_value=float(p_values[i]),
                q_value=float(q_values[i]),
                score=spread_score(float(q_values[i]), orgs),
                is_rise=rise,
            )
        )
    return results


MIN_WEEKLY_FOR_ACTIVITY = 2.0
REWEIGHTING_ROUNDS = 3
ROBUST_MIN_WEEKLY = 5.0


def _robust_start(
    baseline: np.ndarray, rest: np.ndarray, proportional: np.ndarray, share: np.ndarray
) -> np.ndarray:
    """The level of the median baseline week where it is below the average one (an earlier
    rise pulls the average up, not the median)."""
    ratio = np.where(proportional[:, None], baseline / np.maximum(rest, 1e-9), baseline)
    median = np.median(ratio, axis=1)
    return np.where(median > 0, np.minimum(share, median), share)


def network_activity(counts: np.ndarray, totals: np.ndarray, baseline_weeks: int) -> np.ndarray:
    """How busy the network was each week, 1 = the baseline's average week.

    The median over the series with some volume of each series' week divided by its own
    average: a few series that rise (or fall) do not move it, a season or a holiday that
    touches every series does. With fewer than three such series, the network's totals.
    """
    base = counts[:, :baseline_weeks]
    mean = base.mean(axis=1)
    big = mean >= MIN_WEEKLY_FOR_ACTIVITY
    if big.sum() >= 3:
        activity = np.median(counts[big] / mean[big, None], axis=0)
    else:
        activity = totals.astype(float)
    level = activity[:baseline_weeks].mean()
    return activity / level if level > 0 else np.ones(counts.shape[1])


def _weekly_expected(share: np.ndarray, rest: np.ndarray, proportional: np.ndarray) -> np.ndarray:
    """Expected count per series and week: its share of the rest, or a flat level."""
    weekly = np.where(proportional[:, None], share[:, None] * rest, share[:, None])
    return np.maximum(weekly, 1e-9)


def _fit(
    baseline: np.ndarray,
    rest: np.ndarray,
    weights: np.ndarray,
    proportional: np.ndarray,
    weight_dispersion: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted share of the rest (or weekly level) and over-dispersion of every series.

    Half a melding is added to every baseline: a silent series still has an expectation.
    """
    level = (weights * baseline).sum(axis=1) + 0.5
    rest_level = (weights * rest).sum(axis=1)
    share = np.where(
        proportional, level / np.maximum(rest_level, 1e-9), level / weights.sum(axis=1)
    )
    weekly = _weekly_expected(share, rest, proportional)
    used = np.maximum(weights.sum(axis=1) - 1, 1)
    pearson = (weights * (baseline - weekly) ** 2 / weekly).sum(axis=1) / used
    return share, np.maximum(pearson, max(weight_dispersion, 1.0))


def _upper_tail(observed: np.ndarray, mean: np.ndarray, variance: np.ndarray) -> np.ndarray:
    """P(X >= observed) for a negative binomial with this mean and variance (Poisson if equal)."""
    observed = np.round(observed)
    over = variance > mean * (1 + 1e-9)
    p_values = stats.poisson.sf(observed - 1, mean)
    if over.any():
        m, v = mean[over], variance[over]
        n = m * m / (v - m)
        p = m / v
        p_values[over] = stats.nbinom.sf(observed[over] - 1, n, p)
    return np.clip(p_values, 0.0, 1.0)


def benjamini_hochberg(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values), in the order given."""
    p = np.asarray(p_values, dtype=float)
    if p.size == 0:
        return p
    return stats.false_discovery_control(p, method="bh")


def spread_score(q_value: float, organisations: int) -> float:
    """How strong a rise is: its certainty (-log10 q), weighted up by the number of
    organisations that see it (one organisation counts once, five count about 3.3 times)."""
    certainty = min(-math.log10(max(q_value, 1e-300)), 50.0)
    return round(certainty * (1 + math.log2(max(organisations, 1))), 1)


# New words ---------------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"\[[A-Z][A-Z-]*\]")
WORD = re.compile(r"[a-z]{3,}")
# Words that are everywhere in knelpunten and placeholders' words: never a "new word".
EXTRA_STOP_WORDS = frozenset(
    {
        "client",
        "cliente",
        "clienten",
        "naam",
        "bsn",
        "iban",
        "telefoon",
        "mail",
        "adres",
        "postcode",
        "geboortedatum",
        "wordt",
        "worden",
        "heeft",
        "hebben",
        "zijn",
        "niet",
        "geen",
        "ook",
        "nog",
        "wel",
        "maar",
        "per",
    }
)
STOP_WORDS = DUTCH_STOP_WORDS | KEPT_WORDS | EXTRA_STOP_WORDS


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", PLACEHOLDER.sub(" ", text).lower())
    folded = folded.encode("ascii", "ignore").decode()
    return [w for w in WORD.findall(folded) if w not in STOP_WORDS]


def terms(text: str, only: set[str] | None = None) -> set[str]:
    """The words (three letters or more) and two-word phrases of ``text``, folded, without
    stop words and privacy placeholders; with ``only``, just the terms in it."""
    found = _terms(text)
    return set(found) if only is None else set(found & only)


# Texts whose terms are kept between runs: a run reads about 12,000 texts at 100,000
# signals, and the same texts again on the next run (the page, the feed, the digest).
TERMS_CACHE_SIZE = 25_000


@functools.lru_cache(maxsize=TERMS_CACHE_SIZE)
def _terms(text: str) -> frozenset[str]:
    words = _words(text)
    return frozenset(
        itertools.chain(words, (f"{a} {b}" for a, b in itertools.pairwise(words) if a != b))
    )


@dataclass
class WordRise:
    """A word or phrase that became much more frequent in the window."""

    term: str
    recent: int  # signals with the word in the window
    expected: float  # what the baseline's share would give
    organisations: int
    g2: float
    q_value: float
    score: float
    signal_ids: list[int] = field(default_factory=list)


def g_squared(a: float, b: float, n1: float, n2: float) -> float:
    """Dunning's log-likelihood ratio G² of a count ``a`` of ``n1`` against ``b`` of ``n2``."""
    total = a + b
    e1 = n1 * total / (n1 + n2)
    e2 = n2 * total / (n1 + n2)
    g = 0.0
    if a > 0:
        g += a * math.log(a / e1)
    if b > 0:
        g += b * math.log(b / e2)
    return 2 * g


def new_words(
    recent_docs: Iterable[tuple[int, int, str]],
    baseline_docs: Iterable[tuple[int, int, str]],
    settings: Settings,
) -> list[WordRise]:
    """Terms much more frequent in the window than in the baseline (G², BH-corrected).

    Each document is (signal id, organisation id, text); a term counts once per signal.
    """
    recent = [
        (signal_id, organisation_id, _terms(text))
        for signal_id, organisation_id, text in recent_docs
    ]
    n1 = len(recent)
    # Counted in C (Counter over one chain), not term by term in Python: a run reads about
    # 11,000 texts with some 60 terms each.
    frequency = Counter(itertools.chain.from_iterable(found for *_ids, found in recent))
    minimum = settings.min_documents
    wanted = frozenset(term for term, count in frequency.items() if count >= minimum)
    if not wanted:
        return []
    baseline_terms = [wanted & _terms(text) for *_ids, text in baseline_docs]
    n2 = len(baseline_terms)
    if n2 == 0:
        return []
    baseline_counts = Counter(itertools.chain.from_iterable(baseline_terms))
    ratios = {
        term: (frequency[term], baseline_counts[term])
        for term in wanted
        if frequency[term] / n1 >= settings.min_word_ratio * (baseline_counts[term] + 0.5) / n2
    }
    if not ratios:
        return []
    # Which signals (and organisations) hold a term: only for the few terms left to test.
    hits_of: dict[str, list[tuple[int, int]]] = {term: [] for term in ratios}
    for signal_id, organisation_id, found in recent:
        for term in found & ratios.keys():
            hits_of[term].append((signal_id, organisation_id))
    tested = [
        (term, hits_of[term], b, g_squared(a, b, n1, n2)) for term, (a, b) in sorted(ratios.items())
    ]
    p_values = stats.chi2.sf([g2 for *_rest, g2 in tested], df=1)
    q_values = benjamini_hochberg(p_values)
    found = []
    for (term, hits, b, g2), q in zip(tested, q_values, strict=True):
        orgs = len({organisation for _id, organisation in hits})
        needed = settings.alpha * (settings.single_organisation_factor if orgs < 2 else 1.0)
        if q > needed:
            continue
        found.append(
            WordRise(
                term=term,
                recent=len(hits),
                expected=round(b * n1 / n2, 1),
                organisations=orgs,
                g2=round(g2, 1),
                q_value=float(q),
                score=spread_score(float(q), orgs),
                signal_ids=[signal_id for signal_id, _org in hits],
            )
        )
    return _without_parts(sorted(found, key=lambda w: (-w.g2, w.term)))[: settings.max_words]


def _without_parts(words: list[WordRise]) -> list[WordRise]:
    """Drop a single word that only rises as part of a stronger phrase found with it."""
    phrases = [w for w in words if " " in w.term]
    kept = []
    for word in words:
        if " " not in word.term and any(
            word.term in p.term.split() and p.recent >= 0.8 * word.recent for p in phrases
        ):
            continue
        kept.append(word)
    return kept
