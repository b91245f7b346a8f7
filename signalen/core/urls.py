"""Absolute addresses of the site: from the configured site address, not the Host header."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, url_for


def site_base_url() -> str | None:
    """The site's own address from ``BASE_URL``, else ``SERVER_NAME``; None when neither."""
    config = current_app.config
    base = str(config.get("BASE_URL") or "").strip()
    if not base and config.get("SERVER_NAME"):
        scheme = config.get("PREFERRED_URL_SCHEME") or "http"
        base = f"{scheme}://{config['SERVER_NAME']}"
    return base.rstrip("/") or None


def external_url(endpoint: str, **values) -> str:
    """An absolute address for a feed: from the configured site address, never from the
    request's Host header (which a client chooses); the Host header only without one."""
    base = site_base_url()
    if base is None:
        return url_for(endpoint, _external=True, **values)
    path = url_for(endpoint, **values)
    script_root = urlsplit(base).path.rstrip("/")
    if script_root and path.startswith(script_root + "/"):
        path = path[len(script_root) :]
    return base + path
