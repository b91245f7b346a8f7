"""Search ("informatiebank"): one interface over a swappable engine (Whoosh now).

Other packages import from :mod:`signalen.search.services` and
:mod:`signalen.search.documents`; they never see the engine.
"""

from signalen.search.documents import (
    IndexUnavailable,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResult,
    make_doc_id,
)
from signalen.search.services import init_app

__all__ = [
    "IndexUnavailable",
    "SearchDocument",
    "SearchHit",
    "SearchQuery",
    "SearchResult",
    "init_app",
    "make_doc_id",
]
