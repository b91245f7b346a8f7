"""One way to page through query results, with the page number in ``?pagina=``."""

from flask import request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from signalen.extensions import db

PAGE_ARG = "pagina"


def paginate(query: Select, per_page: int = 50) -> Pagination:
    """Page ``query`` by the request's ``pagina`` argument; a bad number shows page 1."""
    page = request.args.get(PAGE_ARG, default=1, type=int)
    page = page if page and 0 < page < 100_000 else 1
    return db.paginate(query, page=page, per_page=per_page, error_out=False, count=True)
