"""The judged relevance set as signals: for the relevance test and ``bench/relevance.py``."""

from __future__ import annotations

from pathlib import Path

from signalen.auth.models import User
from signalen.extensions import db
from signalen.search.evaluation import JudgedDocument, read_corpus
from signalen.signals.models import Channel, Visibility
from signalen.signals.services import SignalInput, create_signals, reindex
from signalen.taxonomy.services import NameIndex

JUDGED_SET = Path(__file__).resolve().parents[2] / "tests" / "data" / "relevance"


def _input(document: JudgedDocument, names: NameIndex) -> SignalInput:
    agency, municipality = names.agency(document.agency) if document.agency else (None, None)
    theme = names.themes[document.theme.casefold()] if document.theme else None
    scheme = names.schemes[document.scheme.casefold()] if document.scheme else None
    return SignalInput(
        title=document.title,
        description=document.description,
        channel=Channel.PHONE,
        theme_ids=[theme.id] if theme else [],
        scheme_ids=[scheme.id] if scheme else [],
        agency_id=agency.id if agency else None,
        agency_municipality_id=municipality.id if municipality else None,
        visibility=Visibility.NETWORK,
    )


def load_judged_corpus(user: User, directory: Path = JUDGED_SET) -> dict[int, str]:
    """Store and index the judged corpus as signals of ``user``'s organisation (the taxonomy
    must be seeded); returns the key of each signal id."""
    documents = read_corpus(directory)
    names = NameIndex.load()
    ids = create_signals([_input(d, names) for d in documents], user, user.organisation_id)
    db.session.commit()
    reindex(ids)
    return {signal_id: document.key for signal_id, document in zip(ids, documents, strict=True)}
