"""Services in the shared search index (kind ``service``), apart from the informatiebank."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from sqlalchemy import func, select

from signalen.directory.models import Service
from signalen.extensions import db
from signalen.search import services as search
from signalen.search.documents import SearchDocument, SearchQuery

KIND = "service"
# Services are public information; the directory pages decide who may browse.
ACCESS = ["directory"]


def doc_id(service_id: uuid.UUID) -> str:
    """The search document id: record ids in the index are numbers, so the UUID's integer."""
    return f"{KIND}:{service_id.int}"


def to_document(service: Service) -> SearchDocument:
    """The search document of a service: its names, texts, organisation and themes."""
    themes = {str(theme.id) for theme in service.themes}
    themes |= {str(theme.parent_id) for theme in service.themes if theme.parent_id}
    body = "\n".join(
        part
        for part in (
            service.alternate_name,
            service.description,
            service.eligibility_description,
            service.application_process,
            service.organization.name,
            " ".join(theme.name for theme in service.themes),
        )
        if part
    )
    return SearchDocument(
        doc_id=doc_id(service.id),
        kind=KIND,
        title=service.name,
        body=body,
        access=ACCESS,
        facets={"thema": sorted(themes), "status": [service.status]},
        date=service.updated_at or datetime.now(UTC),
        version=service.updated_at,
    )


def _all_documents() -> Iterator[SearchDocument]:
    for service in db.session.scalars(select(Service).execution_options(yield_per=200)):
        yield to_document(service)


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Service)) or 0


def _texts(ids: list[int]) -> dict[int, tuple[str, str]]:
    uuids = [uuid.UUID(int=number) for number in ids]
    rows = db.session.scalars(select(Service).where(Service.id.in_(uuids))) if uuids else []
    return {row.id.int: (row.name, to_document(row).body) for row in rows}


def _documents(numbers: list[int]) -> list[SearchDocument]:
    """The documents of the services with these record ids (UUID integers) that exist."""
    ids = [uuid.UUID(int=number) for number in numbers]
    return [
        to_document(service)
        for service in db.session.scalars(select(Service).where(Service.id.in_(ids)))
    ]


def _key(service: Service) -> int | None:
    return service.id.int if service.id is not None else None


def register() -> None:
    """Register the ``service`` kind with the search service (called from init_app)."""
    search.register_source(
        KIND, _all_documents, _count, _texts, load=_documents, model=Service, key=_key
    )


def index_services(service_ids: Iterable[uuid.UUID]) -> None:
    """Bring these services up to date in the index after a commit.

    Changes of the services themselves are in the outbox already (session hook); this
    adds those whose document changed through another record (an organisation's name),
    then applies the outbox. A busy index leaves the rows for the next drain.
    """
    from signalen.search import outbox

    ids = list(service_ids)
    if ids:
        outbox.record(KIND, [service_id.int for service_id in ids])
        db.session.commit()
    outbox.drain()


def matching_service_ids(text: str, limit: int = 5_000) -> list[uuid.UUID] | None:
    """Ids of services matching ``text``, best first; None when the search failed."""
    numbers = search.matching_ids(SearchQuery(text=text, kinds=[KIND]), None, limit)
    if not numbers and search.search(SearchQuery(text=text, kinds=[KIND], per_page=1), None).error:
        return None  # no ids can also mean the index failed: only then ask for the reason
    return [uuid.UUID(int=number) for number in numbers]
