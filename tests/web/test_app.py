"""App factory, configuration, instance folder, database types and health."""

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from signalen import create_app
from signalen.config import normalise_database_url
from signalen.extensions import db
from signalen.organisations.models import MemberOrganisation
from tests.search_engine_support import indexed_after_commit


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    instance = tmp_path / "inst"
    first = create_app({"INSTANCE_PATH": str(instance), "TESTING": True})
    key_file = instance / "secret_key"
    assert key_file.exists()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert len(first.config["SECRET_KEY"]) == 64
    second = create_app({"INSTANCE_PATH": str(instance), "TESTING": True})
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]
    other = create_app({"INSTANCE_PATH": str(tmp_path / "other"), "TESTING": True})
    assert other.config["SECRET_KEY"] != first.config["SECRET_KEY"]


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'signalen.db'}"


def test_config_order_defaults_then_instance_file_then_environment(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text(
        "SITE_NAME = 'Signalen Utrecht'\nPASSWORD_MIN_LENGTH = 14\n", encoding="utf-8"
    )
    monkeypatch.setenv("SIGNALEN_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SIGNALEN_PASSWORD_MIN_LENGTH", "16")
    monkeypatch.setenv("SIGNALEN_SESSION_COOKIE_SECURE", "true")
    app = create_app()
    assert app.instance_path == str(tmp_path)
    assert app.config["SITE_NAME"] == "Signalen Utrecht"  # from the instance file
    assert app.config["PASSWORD_MIN_LENGTH"] == 16  # environment wins over the file
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["MAX_CONTENT_LENGTH"] == 2 * 1024 * 1024  # default kept


def test_postgresql_urls_use_psycopg3():
    assert normalise_database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalise_database_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_timestamps_come_back_as_utc_and_timezone_aware(app):
    amsterdam = timezone(timedelta(hours=1))
    moment = datetime(2026, 11, 23, 15, 30, tzinfo=amsterdam)
    organisation = MemberOrganisation(name="Tijdzone", created_at=moment, updated_at=moment)
    db.session.add(organisation)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(MemberOrganisation, organisation.id)
    assert stored.created_at.tzinfo is not None
    assert stored.created_at.utcoffset() == timedelta(0)
    assert stored.created_at == datetime(2026, 11, 23, 14, 30, tzinfo=UTC)


def test_naive_datetimes_are_refused(app):
    db.session.add(MemberOrganisation(name="Naïef", created_at=datetime(2026, 1, 1)))
    with pytest.raises(sa.exc.StatementError):
        db.session.commit()
    db.session.rollback()


def test_sqlite_runs_in_wal_mode_with_busy_timeout_and_foreign_keys(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "database": "ok",
        "rate_limit_storage": "ok",
        "search": "ok",
        "search_engine": "postgresql" if app_engine_is_postgresql(client.application) else "whoosh",
    }


def app_engine_is_postgresql(app) -> bool:
    from signalen.search import services

    return services.engine_name(app) == "postgresql"


def test_healthz_reports_a_broken_database(app_factory, tmp_path):
    # A directory cannot be opened as an SQLite database.
    broken = tmp_path / "not-a-database"
    broken.mkdir()
    app = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{broken}")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "error"
    assert response.json["database"] == "error"


def test_healthz_reports_unreachable_rate_limit_storage(app_factory):
    app = app_factory(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["rate_limit_storage"] == "error"
    assert response.json["database"] == "ok"


def test_security_headers_and_csp_without_inline_script(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_pages_have_no_inline_script_and_no_external_assets(client):
    page = client.get("/inloggen").get_data(as_text=True)
    # Only external scripts from /static (the menu button), never inline code.
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/js/menu.js" defer>']
    assert not re.search(r"<script[^>]*>[^<]", page)
    assert " style=" not in page
    assert "http://" not in page.replace("http://localhost", "")
    assert "https://" not in page


def test_secure_cookies_and_hsts_when_configured(app_factory):
    app = app_factory(SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    response = client.get("/inloggen")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_is_httponly_and_samesite_lax(client):
    response = client.get("/inloggen")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("signalen_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_static_assets_are_served_locally(client):
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert "@media" in response.get_data(as_text=True)
    response.close()


def test_healthz_with_rate_limiting_switched_off(app_factory):
    app = app_factory(RATELIMIT_ENABLED=False)
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json["rate_limit_storage"] == "disabled"


@indexed_after_commit
def test_healthz_reports_search_degraded_while_writes_wait_for_catch_up(client, make_signal):
    from signalen.search import outbox

    signal = make_signal()
    outbox.record("signal", [signal.id])
    db.session.commit()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "degraded"
    assert response.json["search"] == "degraded"
