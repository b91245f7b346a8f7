"""Signalen: knelpunten of clients, from registration to signalering."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

__version__ = "0.1.0"

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Feature packages that wire themselves up through their own ``init_app(app)``.
FEATURES = (
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
    _register_blueprints(app)
    _register_commands(app)
    _init_features(app)
    _init_search(app)
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


def _register_blueprints(app: Flask) -> None:
    from signalen.admin.routes import bp as admin_bp
    from signalen.articles.routes import bp as articles_bp
    from signalen.auth.routes import bp as auth_bp
    from signalen.core.i18n import bp as i18n_bp
    from signalen.dashboard.routes import bp as dashboard_bp
    from signalen.health.routes import bp as health_bp
    from signalen.home.routes import bp as home_bp
    from signalen.infobank.routes import bp as infobank_bp
    from signalen.signals import import_routes  # noqa: F401 (adds the import pages)
    from signalen.signals.routes import bp as signals_bp
    from signalen.signals.templating import event_label
    from signalen.taxonomy.routes import bp as taxonomy_bp

    for blueprint in (
        home_bp,
        auth_bp,
        admin_bp,
        taxonomy_bp,
        signals_bp,
        infobank_bp,
        articles_bp,
        dashboard_bp,
        health_bp,
        i18n_bp,
    ):
        app.register_blueprint(blueprint)
    app.jinja_env.globals["event_label"] = event_label


def _register_commands(app: Flask) -> None:
    from signalen.auth.cli import create_user_command
    from signalen.demo.cli import demo_command, seed_demo_command
    from signalen.organisations.cli import create_organisation_command
    from signalen.search.cli import reindex_command
    from signalen.signals.cli import import_signals_command
    from signalen.taxonomy.cli import seed_taxonomy_command

    for command in (
        create_user_command,
        create_organisation_command,
        seed_taxonomy_command,
        import_signals_command,
        reindex_command,
        seed_demo_command,
        demo_command,
    ):
        app.cli.add_command(command)


def _init_features(app: Flask) -> None:
    from importlib import import_module

    for name in FEATURES:
        import_module(f"signalen.{name}").init_app(app)


def _init_search(app: Flask) -> None:
    """Register what the search index holds, then open it (rebuilt when missing)."""
    import click

    from signalen.articles.services import register as register_articles
    from signalen.search import healing, outbox
    from signalen.search import services as search
    from signalen.signals.indexing import register as register_signals
    from signalen.taxonomy.services import active_synonym_groups

    register_signals(app)
    register_articles(app)
    with app.app_context():
        search.register_synonyms(active_synonym_groups)
    search.init_app(app)
    outbox.init_app(app)
    healing.init_app(app, in_command=click.get_current_context(silent=True) is not None)
