"""One way to page through query results (``?pagina=``) and to build their links."""

from flask import request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from signalen.core.validation import parse_int
from signalen.extensions import db

PAGE_ARG = "pagina"


def paginate(query: Select, per_page: int = 50) -> Pagination:
    """Page ``query`` by the request's ``pagina`` argument; a bad number shows page 1."""
    page = parse_int(request.args.get(PAGE_ARG, "1"), 1, 99_999) or 1
    return db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)


def with_changes(pairs: list[tuple[str, str]], changes: dict) -> list[tuple[str, str]]:
    """Query-string ``pairs`` with each key in ``changes`` replaced (a value of None drops it)."""
    for key, value in changes.items():
        pairs = [(k, v) for k, v in pairs if k != key]
        if value is not None:
            pairs.append((key, str(value)))
    return pairs
