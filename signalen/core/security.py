"""Security headers for every response, and safe redirect targets."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def content_security_policy() -> str:
    """The CSP; hosts in ``CSP_EXTRA_IMG_SRC`` (e.g. a configured map tile server) may serve
    images."""
    extra = current_app.config.get("CSP_EXTRA_IMG_SRC") or []
    if not extra:
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace(
        "img-src 'self' data:", "img-src 'self' data: " + " ".join(extra)
    )


def add_security_headers(response: Response) -> Response:
    """Set CSP (no inline script, no CDNs), framing, sniffing and referrer headers."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint and not request.endpoint.endswith("static"):
        headers.setdefault("Cache-Control", "no-store")
    return response


def safe_next_url(target: str | None) -> str | None:
    """Return ``target`` only when it is a path on this site (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return None
    return target


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
