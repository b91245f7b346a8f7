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
    "linked": _l("Gekoppeld: ook gemeld bij een andere organisatie"),
    "privacy_redacted": _l("Persoonsgegevens vervangen (controle van alles wat is opgeslagen)"),
    "client_outcome": _l("Antwoord op: is het voor de cliënt opgelost?"),
}
CLIENT_OUTCOME_LABELS = {
    "ja": _l("Opgelost voor de cliënt: ja"),
    "nee": _l("Opgelost voor de cliënt: nee"),
    "weet_niet": _l("Opgelost voor de cliënt: weet niet"),
}
MERGE_LABELS = {
    "merged_in": "merged_from",
    "merged_away": "merged_into",
    "linked": "linked",
}


def event_label(event: SignalEvent) -> str:
    if event.kind == "status" and event.to_status:
        return str(_l("Status: %(status)s", status=Status(event.to_status).label))
    if event.kind == "client_outcome":
        answer = (event.changes or {}).get("opgelost", [None, None])[-1]
        if answer in CLIENT_OUTCOME_LABELS:
            return str(CLIENT_OUTCOME_LABELS[answer])
    label = str(EVENT_LABELS.get(event.kind, event.kind))
    change = (event.changes or {}).get(MERGE_LABELS.get(event.kind, ""))
    if isinstance(change, list) and len(change) == 2 and isinstance(change[1], int):
        if event.kind == "merged_in":
            return str(_l("Knelpunt #%(id)d is hierin samengevoegd", id=change[1]))
        if event.kind == "merged_away":
            return str(_l("Samengevoegd met knelpunt #%(id)d", id=change[1]))
        return str(_l("Gekoppeld aan knelpunt #%(id)d (ook gemeld bij)", id=change[1]))
    return label
