"""Measuring the privacy guard on a labelled set of Dutch sentences.

The set (``tests/data/privacy_eval.tsv``) has one sentence a line: the kind it contains and
the text of that kind, or ``GEEN`` for a sentence that looks personal but is not. Per kind:

- recall: the share of that kind's sentences in which a finding of that kind covers the
  labelled text;
- false_alarm_rate: the share of ``GEEN`` sentences with a finding of that kind (and overall:
  with any finding).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from signalen.privacy.services import KINDS, find_personal_data

NEGATIVE = "GEEN"


@dataclass
class Sample:
    kind: str
    expected: str
    sentence: str


@dataclass
class Evaluation:
    recall: dict[str, float] = field(default_factory=dict)
    false_alarm_rate: dict[str, float] = field(default_factory=dict)
    overall_false_alarm_rate: float = 0.0
    misses: list[Sample] = field(default_factory=list)
    false_alarms: list[tuple[Sample, list[str]]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def load(path: Path) -> list[Sample]:
    """The labelled sentences in ``path`` (lines starting with ``#`` are comments)."""
    samples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, expected, sentence = line.split("\t")
        if kind != NEGATIVE and (kind not in KINDS or expected not in sentence):
            raise ValueError(f"bad line: {line!r}")
        samples.append(Sample(kind, expected, sentence))
    return samples


def _found(sample: Sample) -> bool:
    start = sample.sentence.index(sample.expected)
    end = start + len(sample.expected)
    return any(
        f.kind == sample.kind and f.start < end and f.end > start
        for f in find_personal_data(sample.sentence)
    )


def evaluate(samples: list[Sample]) -> Evaluation:
    """Recall per kind and false-alarm rates on ``samples``."""
    result = Evaluation()
    hits: dict[str, int] = defaultdict(int)
    totals: dict[str, int] = defaultdict(int)
    alarms: dict[str, int] = defaultdict(int)
    negatives = [s for s in samples if s.kind == NEGATIVE]
    for sample in samples:
        if sample.kind == NEGATIVE:
            continue
        totals[sample.kind] += 1
        if _found(sample):
            hits[sample.kind] += 1
        else:
            result.misses.append(sample)
    for sample in negatives:
        kinds = sorted({f.kind for f in find_personal_data(sample.sentence)})
        for kind in kinds:
            alarms[kind] += 1
        if kinds:
            result.false_alarms.append((sample, kinds))
    for kind in KINDS:
        if totals[kind]:
            result.recall[kind] = hits[kind] / totals[kind]
        result.false_alarm_rate[kind] = alarms[kind] / len(negatives) if negatives else 0.0
    result.overall_false_alarm_rate = (
        len(result.false_alarms) / len(negatives) if negatives else 0.0
    )
    result.counts = {**totals, NEGATIVE: len(negatives)}
    return result


def guard_timings_ms(text: str, runs: int = 200, warm_up: int = 20) -> list[float]:
    """Milliseconds per ``find_personal_data(text)``, after ``warm_up`` untimed runs."""
    for _ in range(warm_up):
        find_personal_data(text)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        find_personal_data(text)
        timings.append((time.perf_counter() - started) * 1000)
    return sorted(timings)
