"""How signal history reads in the UI."""

from flask_babel import lazy_gettext as _l

from signalen.signals.models import SignalEvent, Status

EVENT_LABELS = {
    "created": _l("Geregistreerd"),
    "edited": _l("Gewijzigd"),
    "approved": _l("Tekst goedgekeurd voor openbaar"),
    "also_reported": _l("Ook gemeld"),
    "merged_in": _l("Ander knelpunt hierin samengevoegd"),
    "merged_away": _l("Samengevoegd met een ander knelpunt"),
    "imported": _l("Geïmporteerd"),
    "privacy_redacted": _l("Persoonsgegevens vervangen (controle van alles wat is opgeslagen)"),
}


def event_label(event: SignalEvent) -> str:
    if event.kind == "status" and event.to_status:
        return str(_l("Status: %(status)s", status=Status(event.to_status).label))
    return str(EVENT_LABELS.get(event.kind, event.kind))
