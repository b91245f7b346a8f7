"""Configuration: defaults in code, then ``instance/config.py``, then ``SIGNALEN_*`` variables."""

from __future__ import annotations

import copy
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

DEFAULTS: dict[str, Any] = {
    "SQLALCHEMY_DATABASE_URI": None,  # filled in with the instance folder's SQLite file
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_NAME": "signalen_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 14,
    "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "MAX_FORM_MEMORY_SIZE": 512 * 1024,
    "WTF_CSRF_TIME_LIMIT": 60 * 60 * 8,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_HEADERS_ENABLED": True,
    "LOGIN_RATE_LIMIT": "10 per minute;50 per hour",
    "BABEL_DEFAULT_LOCALE": "nl",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
    "LANGUAGES": ["nl", "en"],
    "SITE_NAME": "Signalen",
    # Argon2id cost; the defaults follow argon2-cffi's RFC 9106 "low memory" profile.
    "ARGON2_TIME_COST": 3,
    "ARGON2_MEMORY_COST": 65536,
    "ARGON2_PARALLELISM": 4,
    "PASSWORD_MIN_LENGTH": 10,
    "PASSWORD_LINK_MAX_AGE": 60 * 60 * 24 * 7,
    "SQLITE_BUSY_TIMEOUT_MS": 5000,
    # Number of reverse proxies in front of the app whose X-Forwarded-* headers to trust.
    "PROXY_COUNT": 0,
    # The site's own address for links in e-mails, feeds and the CLI ("https://signalen.example.nl");
    # empty: from SERVER_NAME, else the request.
    "BASE_URL": "",
    # Extra sources for the CSP img-src (a map tile server adds its own, see MAP_TILE_URL).
    "CSP_EXTRA_IMG_SRC": [],
    # --- search (informatiebank) ---
    # "whoosh" (empty: the default, files in the instance folder) or "postgresql" (tables in the
    # PostgreSQL database; nothing on the app hosts). Env SIGNALEN_SEARCH_ENGINE.
    "SEARCH_ENGINE": "",
    # Test apps on PostgreSQL without a SEARCH_ENGINE take this one (the suite's PostgreSQL run).
    "TEST_SEARCH_ENGINE": "",
    "SEARCH_INDEX_PATH": None,  # None: <instance>/search-index
    "SEARCH_WRITER_TIMEOUT": 5.0,  # seconds to wait for the index lock
    "SEARCH_MAX_QUERY_LENGTH": 200,
    "SEARCH_HEAL_INTERVAL": 60.0,  # seconds between comparing the index with the database
    "SEARCH_WARM_AT_START": True,  # read the index's arrays in the background at start
    # --- feeds ---
    # Authority of the entries' tag: URIs; None = host of SERVER_NAME, else "signalen.local".
    # Set it once and never change it: readers would see every entry as new.
    "FEED_TAG_AUTHORITY": None,
    "FEED_MAX_ENTRIES": 50,
    # --- CSV import of signals: seconds an uploaded file waits for its check ---
    "IMPORT_UPLOAD_MAX_AGE": 3600,
    # --- privacy guard: the name model ---
    "PRIVACY_NAMES_PRELOAD": True,  # load it in the background at start
    "PRIVACY_NAMES_WAIT": 0,  # seconds a web request waits for it (0: "even geduld" at once)
    "PRIVACY_NAMES_WAIT_OFFLINE": 600.0,  # seconds a command or script waits for it
    "PRIVACY_NAMES_CACHE": None,  # None: ~/.cache/signalen
    # --- sociale kaart ---
    # Browse and search without logging in; False: only logged-in users.
    "DIRECTORY_PUBLIC": True,
    # "Meld een wijziging" per client IP.
    "DIRECTORY_CHANGE_RATE_LIMIT": "5 per 10 minutes;20 per day",
    # Tile server for the map, e.g. "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
    # empty: no map and nothing loaded from elsewhere.
    "MAP_TILE_URL": "",
    "MAP_ATTRIBUTION": "",
    # Days before the review date that a service counts as "binnenkort".
    "DIRECTORY_DUE_SOON_DAYS": 30,
    # --- e-mail and the worker ---
    # SMTP; without MAIL_SERVER every message is written to instance/mail/*.eml and logged.
    "MAIL_SERVER": "",
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_FROM": "",
    "MAIL_TIMEOUT": 30,
    # Retries: 1, 2, 4 … minutes after a failed attempt, at most MAIL_RETRY_MAX seconds
    # apart; after MAIL_MAX_ATTEMPTS attempts a message is marked failed.
    "MAIL_RETRY_BASE": 60,
    "MAIL_RETRY_MAX": 6 * 60 * 60,
    "MAIL_MAX_ATTEMPTS": 12,
    # A worker that took a message and died: others send it again after this many seconds.
    "MAIL_CLAIM_SECONDS": 300,
    # Sent messages are deleted from the outbox after this many days.
    "MAIL_KEEP_DAYS": 30,
    # Ask the worker to send right after a commit that queued mail (else: within a minute).
    "MAIL_SEND_AFTER_COMMIT": True,
    # Job queue: Redis address (redis://…); empty: a SQLite file instance/jobs.db.
    "JOB_QUEUE_URL": "",
    # The common Redis address; the job queue uses it when JOB_QUEUE_URL is empty.
    "REDIS_URL": "",
    # "Wachtwoord vergeten" per client IP.
    "PASSWORD_RESET_RATE_LIMIT": "5 per 10 minutes;20 per day",
    # --- subscriptions ---
    # POST /abonneren per client IP.
    "SUBSCRIBE_RATE_LIMIT": "5 per 10 minutes;20 per day",
    # --- doorverwijzingen ---
    # Default follow-up date of a new referral: this many days from today (0: empty).
    "REFERRALS_FOLLOW_UP_DAYS": 14,
    # How many "op maat" suggestions the referral form shows.
    "REFERRALS_SUGGESTION_LIMIT": 8,
    # --- API (/api/v1) and widget; origins: a list or a string separated by commas ---
    "API_WRITE_RATE_LIMIT": "60 per minute",
    # Every request of one token (reads too), so every answer carries the rate-limit headers.
    "API_RATE_LIMIT": "1200 per minute",
    # The public address of the API for the description's `servers` ("/" = this server).
    "API_SERVER_URL": "/",
    "API_CORS_ORIGINS": [],
    "API_WIDGET_RATE_LIMIT": "10 per hour",
    "API_WIDGET_ORIGINS": [],
    "API_WIDGET_FORM_MAX_AGE": 4 * 60 * 60,
}

SECRET_KEY_FILE = "secret_key"  # noqa: S105 (a file name)


def instance_path_from_env() -> str | None:
    """Return the instance folder chosen with ``SIGNALEN_INSTANCE_PATH``, if any."""
    path = os.environ.get("SIGNALEN_INSTANCE_PATH")
    return str(Path(path).resolve()) if path else None


def normalise_database_url(url: str) -> str:
    """Let plain ``postgres://``/``postgresql://`` URLs use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Fill ``app.config`` in order: defaults, instance file, environment, explicit overrides."""
    app.config.from_mapping(copy.deepcopy(DEFAULTS))  # no app changes another's lists
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("SIGNALEN")
    if overrides:
        app.config.from_mapping(overrides)

    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        database = Path(app.instance_path) / "signalen.db"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{database}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = read_or_create_secret_key(Path(app.instance_path))


def read_or_create_secret_key(instance: Path) -> str:
    """Read the instance's secret key, generating one (mode 0600) at first start."""
    key_file = instance / SECRET_KEY_FILE
    if key_file.exists():
        key = key_file.read_text(encoding="ascii").strip()
        if key:
            return key
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key
