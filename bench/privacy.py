"""Benchmark the privacy guard: recall and false alarms per kind, and its speed.

Runs the guard over the labelled evaluation set (``tests/data/privacy_eval.tsv``) and prints
per kind ``recall=`` and ``false_alarm_rate=``, then times ``find_personal_data`` on a
1,000-character Dutch case note after warm-up and prints ``guard_p95_ms=``. Also prints how
long the name model took to load in this process (``names_load_s=``).

    .venv/bin/python bench/privacy.py
"""

from __future__ import annotations

import time
from pathlib import Path

from signalen.privacy import names
from signalen.privacy.evaluation import evaluate, guard_timings_ms, load

EVAL_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "privacy_eval.tsv"

NOTE = (
    "Mevrouw belde over de terugvordering van de huurtoeslag. Zij kreeg in maart een brief "
    "van de Belastingdienst dat ze 1.245 euro moet terugbetalen, maar haar inkomen is niet "
    "veranderd. Haar zoon helpt haar met de post. Ze heeft gebeld met Toeslagen, maar kreeg "
    "steeds een ander antwoord. Het UWV zegt dat de WW-uitkering goed is doorgegeven. De "
    "gemeente Deventer verwijst naar de Voedselbank Deventer en het Juridisch Loket. Ze wil "
    "bezwaar maken, maar weet niet hoe. De termijn van zes weken loopt over tien dagen af. "
    "Op 12 januari is er een overleg met de werkpleinmanager. Meneer de Vries van de "
    "cliëntenraad neemt het mee. Bel haar terug op 06-12345678. Zij is van 1961 en woont "
    "aan de Molenstraat 14-B. Haar dochter Anouk vult formulieren in. Het knelpunt speelt bij "
    "meer cliënten: de brief is in moeilijke taal geschreven en noemt geen bedrag per maand."
)


def main() -> None:
    started = time.perf_counter()
    names.wait_until_ready()
    print(f"names_load_s={time.perf_counter() - started:.1f}")
    samples = load(EVAL_SET)
    result = evaluate(samples)
    print(f"sentences={len(samples)} counts={result.counts}")
    for kind, recall in result.recall.items():
        print(
            f"kind={kind} n={result.counts.get(kind, 0)} recall={recall:.3f} "
            f"false_alarm_rate={result.false_alarm_rate[kind]:.3f}"
        )
    print(f"overall false_alarm_rate={result.overall_false_alarm_rate:.3f}")
    for sample in result.misses:
        print(f"  miss {sample.kind}: {sample.sentence}")
    for sample, kinds in result.false_alarms:
        print(f"  false alarm {','.join(kinds)}: {sample.sentence}")
    text = (NOTE * 2)[:1000]
    timings = guard_timings_ms(text)
    p50 = timings[len(timings) // 2]
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(f"text_chars={len(text)} guard_p50_ms={p50:.1f} guard_p95_ms={p95:.1f}")


if __name__ == "__main__":
    main()
