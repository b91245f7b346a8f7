"""HTTP conventions shared by the JSON interfaces (``/api/v1``, ``/hsds``)."""

from __future__ import annotations

from flask import Response, request


def conditional(response: Response) -> Response:
    """An ETag on every successful GET; a matching If-None-Match gives 304 without a body.
    A streamed answer is left alone: its body is not known in advance."""
    if (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and not response.is_streamed
    ):
        response.add_etag()
        response.make_conditional(request)
    return response
