"""Which stored text goes through the privacy guard, and why the rest need not.

Every text column of every model is listed here once: either in :data:`GUARDED` (free text a
user types; the service that stores it runs the guard, and the sweep checks it) or in
:data:`NOT_FREE_TEXT` with the reason it holds no client data. ``tests/web/test_privacy_names.py``
enumerates the models and fails for a text column that is in neither, so a new free-text
field cannot slip past the guard unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Guarded:
    """A table whose free-text columns the guard checks on the way in."""

    table: str
    columns: tuple[str, ...]
    guarded_by: str  # the service function that refuses (or redacts) personal data
    json_columns: tuple[str, ...] = ()  # JSON columns whose string values the sweep checks
    organisation: str = "organisation_id"  # attribute path to the owning organisation id
    warn_only: bool = False  # articles may name public people: warn, do not block or redact


GUARDED = (
    Guarded("signal", ("title", "description", "close_reason"), "signals.services.guard_privacy"),
    Guarded(
        "signal_event",
        ("note",),
        "signals.services._set_status (status reasons; edits store guarded values)",
        json_columns=("changes",),
        organisation="signal.organisation_id",
    ),
    Guarded("referral", ("reason", "advice", "outcome_note"), "referrals.services"),
    Guarded("meeting", ("title", "location", "participants", "minutes"), "meetings.services"),
    Guarded(
        "meeting_item",
        ("title", "description", "discussion", "agency_response"),
        "meetings.services",
        organisation="meeting.organisation_id",
    ),
    Guarded(
        "meeting_agreement",
        ("description", "owner"),
        "meetings.services",
        organisation="item.meeting.organisation_id",
    ),
    Guarded(
        "digest",
        ("title", "introduction", "change_note"),
        "digests.services._clean_text",
        json_columns=("remarks",),
    ),
    Guarded("signal_report", ("note",), "signals.services (ook gemeld: the volunteer's words)"),
    Guarded("radar_mark", ("reason",), "radar.services.mark"),
    Guarded("synonym_group", ("terms",), "taxonomy.services (synonym groups)", organisation=""),
    Guarded(
        "directory_change_request",
        ("explanation",),
        "directory.services.change_requests (meld een wijziging)",
        organisation="",
    ),
    Guarded(
        "directory_change_request_item",
        ("proposed_value",),
        "directory.services.change_requests (meld een wijziging)",
        organisation="",
    ),
    Guarded("article", ("title", "body"), "articles.services._clean", warn_only=True),
    Guarded(
        "saved_search",
        ("name", "query"),
        "savedsearches.services.save_search (name and search words)",
        organisation="user.organisation_id",
    ),
    Guarded(
        "audit_event",
        ("object_label",),
        "audit.services.record (labels and changes of guarded objects; staff data is skipped)",
        json_columns=("changes",),
    ),
)

HSDS_EXTRA = (
    "HSDS 3.0 fields and sub-objects of the sociale kaart that Signalen does not model "
    "(funding, accessibility, recurrence, …), imported from another HSDS system and only "
    "given back by the HSDS export; they describe organisations and services, never clients"
)

# Text columns that are not free text about clients, with the reason.
NOT_FREE_TEXT = {
    "agency": "taxonomy: names and descriptions of agencies, kept by beheerders",
    "municipality": "CBS codes and names of gemeenten",
    "organisation": "name of a client organisation",
    "scheme": "taxonomy: schemes and laws",
    "theme": "taxonomy: themes",
    "user_account": "accounts of staff (e-mail, name, password hash): own data, not clients'",
    "api_token": "token name, hash and prefix",
    "audit_event.actor_label": "e-mail of the acting user",
    "audit_event.action": "code",
    "audit_event.object_type": "code",
    "audit_event.object_id": "code",
    "signal_event.actor_label": "name of the acting user",
    "signal_event.kind": "code",
    "signal_event.from_status": "code",
    "signal_event.to_status": "code",
    "digest.period_label": "code such as 2026-H1",
    "digest.figures": "counts computed from the signals; texts only of approved public signals",
    "import_value_mapping": (
        "a value of a list column (thema, regeling, …) of an imported spreadsheet and the list "
        "name it means; a value in which the privacy guard finds personal data is not remembered"
    ),
    "radar_mark.series_key": "code of a radar series (kind and taxonomy ids, or one word)",
    "radar_notice.series_key": "code of a radar series (kind and taxonomy ids, or one word)",
    "search_outbox": "kind, id and operation of records still to be indexed",
    "search_documents": "the PostgreSQL engine's index: ids, kinds and the analysed terms of "
    "texts that passed the guard when they were stored (redacted with them by the sweep's "
    "reindex)",
    "search_words": "the PostgreSQL engine's vocabulary: single words of indexed texts",
    "search_terms": "the PostgreSQL engine's statistics: per analysed term of indexed texts, "
    "how many documents hold it",
    "search_facet_values": "codes of facet values (ids, statuses, dates) with their numbers",
    "notification.text": "composed by notifications.services from codes and texts that "
    "passed the guard already (signal titles, close reasons, agency responses)",
    "notification.kind": "code",
    "notification.subject_type": "code",
    "notification.subject_id": "id of the subject",
    "notification.answer": "code (ja / nee / weet_niet)",
    "notification_preference": "codes: kind and mode",
    "feed_key": "hash of a private feed key",
    "mail_outbox": "messages to staff and subscribers, rendered from templates with the texts "
    "of approved public signals and digests, staff names and links; the recipient's address "
    "is not client data; sent rows are deleted after MAIL_KEEP_DAYS",
    "mail_subscription": "the e-mail address of a subscriber (not a client: someone who asked "
    "for mail about a public feed, used for nothing else and deleted on unsubscribe), the "
    "feed's address and title, a secret token and codes",
    "referral.service_name": "copied from the sociale kaart",
    "referral.organization_name": "copied from the sociale kaart",
    "referral.age_group": "code",
    "directory_change_request.reporter_email": "the logged-in reporter's own address",
    "directory_change_request.status": "code",
    "directory_change_request_item.field_name": "code",
    "directory_change_request_item.status": "code",
    # The sociale kaart describes organisations and is kept by coordinators (HSDS data):
    "directory_organization": "sociale kaart: organisations",
    "directory_service": "sociale kaart: services",
    "directory_location": "sociale kaart: locations",
    "directory_address": "sociale kaart: addresses of organisations",
    "directory_contact": "sociale kaart: contact persons of organisations, published on purpose",
    "directory_phone": "sociale kaart: numbers of organisations",
    "directory_language": "sociale kaart: languages",
    "directory_schedule": "sociale kaart: opening hours",
    "directory_service_area": "sociale kaart: areas",
    "directory_service_at_location": "sociale kaart: service at a location",
    "directory_metadata": "sociale kaart change log (HSDS metadata) of the fields above",
    # HSDS fields Signalen does not model, kept from an import (JSON): about services, not
    # clients; the tables are listed above already, named here so the reason is on record.
    "directory_organization.hsds_extra": HSDS_EXTRA,
    "directory_service.hsds_extra": HSDS_EXTRA,
    "directory_language.hsds_extra": HSDS_EXTRA,
    "directory_location.hsds_extra": HSDS_EXTRA,
    "directory_address.hsds_extra": HSDS_EXTRA,
    "directory_service_at_location.hsds_extra": HSDS_EXTRA,
    "directory_contact.hsds_extra": HSDS_EXTRA,
    "directory_phone.hsds_extra": HSDS_EXTRA,
    "directory_schedule.hsds_extra": HSDS_EXTRA,
    "directory_service_area.hsds_extra": HSDS_EXTRA,
}


def guarded_columns() -> set[str]:
    """``table.column`` of every guarded text column (JSON columns included)."""
    return {f"{g.table}.{c}" for g in GUARDED for c in (*g.columns, *g.json_columns)}


def exempt(table: str, column: str) -> bool:
    """Whether ``table.column`` is listed as not holding free text about clients."""
    return table in NOT_FREE_TEXT or f"{table}.{column}" in NOT_FREE_TEXT
