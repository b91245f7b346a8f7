"""Signalen: knelpunten of clients, from registration to signalering."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

__version__ = "0.1.0"

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Every feature package wires itself through its own ``init_app(app)`` (blueprints, CLI
# commands, search sources, audit action names, template helpers), in this order. A new
# feature adds its name here. ``search`` comes after every feature with a search source
# (it opens the index, rebuilding it from the sources registered so far); ``demo`` is last.
FEATURES = (
    "home",
    "auth",
    "admin",
    "organisations",
    "taxonomy",
    "signals",
    "infobank",
    "articles",
    "dashboard",
    "health",
    "directory",
    "referrals",
    "hsds",
    "meetings",
    "digests",
    "feeds",
    "api",
    "privacy",
    "radar",
    "mail",
    "subscriptions",
    "savedsearches",
    "notifications",
    "search",
    "demo",
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Signalen app; ``config`` overrides every other source of settings."""
    from signalen.config import instance_path_from_env, load_config

    instance_path = (config or {}).get("INSTANCE_PATH") or instance_path_from_env()
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    load_config(app, config)

    proxies = int(app.config["PROXY_COUNT"])
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    _init_extensions(app)
    _init_features(app)
    return app


def _init_extensions(app: Flask) -> None:
    from signalen.core import errors, i18n, security, templating
    from signalen.core.models import render_migration_item
    from signalen.core.validation import DatabaseIdConverter, refuse_forbidden_characters_in_request
    from signalen.extensions import babel, csrf, db, limiter, login_manager, migrate

    # Every <int:…> in a route stops at what the database stores (before any route is added).
    app.url_map.converters["int"] = DatabaseIdConverter
    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(PROJECT_ROOT / "migrations"),
        render_as_batch=True,
        compare_type=True,
        render_item=render_migration_item,
    )
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    from flask_babel import lazy_gettext

    login_manager.login_message = lazy_gettext("Log in om deze pagina te zien.")
    login_manager.session_protection = "strong"
    security.init_app(app)
    errors.init_app(app)
    app.before_request(refuse_forbidden_characters_in_request)
    templating.init_app(app)
    i18n.init_app(app)


def _init_features(app: Flask) -> None:
    from importlib import import_module

    for name in FEATURES:
        import_module(f"signalen.{name}").init_app(app)
