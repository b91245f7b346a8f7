"""The web CSV import keeps the uploaded file on the server between its steps.

The file is stored in the instance folder (``<instance>/uploads/import/``) under a random
token; the token is bound to the user (part of the file name) and to the session (kept in
it), removed after the import or when the coordinator stops, and expired after
``IMPORT_UPLOAD_MAX_AGE`` seconds (default one hour). Only the token travels in the form,
so a file up to ``MAX_CONTENT_LENGTH`` fits (re-posting it as base64 did not).
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from flask import current_app, session

from signalen.config import DEFAULTS

SESSION_KEY = "import_upload"
DEFAULT_MAX_AGE = DEFAULTS["IMPORT_UPLOAD_MAX_AGE"]
TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "uploads" / "import"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _max_age() -> int:
    return int(current_app.config.get("IMPORT_UPLOAD_MAX_AGE", DEFAULT_MAX_AGE))


def _path(token: str, user_id: int) -> Path | None:
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        return None
    return _folder() / f"{int(user_id)}-{token}.csv"


def purge_expired() -> int:
    """Remove uploads older than the maximum age; returns how many were removed."""
    limit = time.time() - _max_age()
    removed = 0
    for path in _folder().glob("*.csv"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def save(raw: bytes, user_id: int) -> str:
    """Store ``raw`` for ``user_id`` and this session; returns the token for the form."""
    purge_expired()
    token = secrets.token_urlsafe(24)
    path = _path(token, user_id)
    assert path is not None
    path.write_bytes(raw)
    path.chmod(0o600)
    session[SESSION_KEY] = token
    return token


def load(token: str, user_id: int) -> bytes | None:
    """The stored file, when ``token`` is this session's and ``user_id``'s and not expired."""
    path = _path(token, user_id)
    if path is None or session.get(SESSION_KEY) != token:
        return None
    try:
        if path.stat().st_mtime < time.time() - _max_age():
            path.unlink(missing_ok=True)
            return None
        return path.read_bytes()
    except FileNotFoundError:
        return None


def remove(token: str, user_id: int) -> None:
    """Remove the stored file (after the import, or when the coordinator stops)."""
    path = _path(token, user_id)
    if path is not None and session.get(SESSION_KEY) == token:
        path.unlink(missing_ok=True)
        session.pop(SESSION_KEY, None)
