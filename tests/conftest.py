"""Fixtures: a migrated real database (SQLite, or PostgreSQL when configured) and factories.

Set ``SIGNALEN_TEST_DATABASE_URL`` (for example
``postgresql+psycopg://postgres@127.0.0.1:5432/test``) to run the suite against PostgreSQL;
the suite then works in a schema of its own that it creates and drops.
"""

from __future__ import annotations

import contextvars
import gc
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from jinja2.bccache import Bucket, BytecodeCache
from werkzeug.routing.rules import Rule

from signalen import create_app
from signalen.auth import services as accounts
from signalen.auth.models import Role, User
from signalen.extensions import db
from signalen.organisations import services as organisations
from signalen.organisations.models import MemberOrganisation
from signalen.privacy import names as privacy_names

pytest_plugins = ["tests.browser_support"]

PASSWORD = "een-goed-wachtwoord"
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    url = os.environ.get("SIGNALEN_TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    schema = f"signalen_test_{uuid.uuid4().hex[:12]}"
    admin_engine = sa.create_engine(url)
    with admin_engine.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in url else "?"
    try:
        # A test database need not survive a power cut: commits do not wait for the disk
        # (visibility and isolation are unchanged), which saves ~0.35 ms per commit.
        options = f"-csearch_path%3D{schema}%20-csynchronous_commit%3Doff"
        yield f"{url}{separator}options={options}"
    finally:
        with admin_engine.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin_engine.dispose()


def _share_url_builders() -> None:
    """Let every test app reuse the URL builder functions Werkzeug generates per rule.

    Werkzeug turns each of the ~700 routes into Python source and compiles it when an app
    is built: about two thirds of ``create_app``, which runs for every test. The generated
    function depends only on the rule and its defaults, and reads the rule's converters
    through the ``self`` it is bound to, so one compiled function can serve the same rule
    in every app. Without this (a Werkzeug without ``_compile_builder``) tests are slower,
    not different.
    """
    original = getattr(Rule, "_compile_builder", None)
    if original is None or getattr(original, "shared", False):
        return
    builders: dict[tuple, object] = {}

    def compile_builder(self: Rule, append_unknown: bool = True):
        key = (
            self.rule,
            self.subdomain,
            self.host,
            self.merge_slashes,
            tuple(self._trace),
            repr(list((self.defaults or {}).items())),
            append_unknown,
        )
        if key not in builders:
            builders[key] = original(self, append_unknown)
        return builders[key]

    compile_builder.shared = True
    Rule._compile_builder = compile_builder


_share_url_builders()


def _freeze_long_lived_objects() -> None:
    """Once the privacy guard's name model has loaded, keep the collector away from it.

    The model is millions of objects that live as long as the process. Every full garbage
    collection walked all of them: during the tests, and once more at the end of the run,
    where pytest collects "harder" (a minute and more on a loaded machine). ``gc.freeze()``
    moves what exists now into a generation that is never collected; later objects,
    including every test's own garbage, are collected as before.
    """
    global _frozen
    if _frozen or not privacy_names.MODEL.ready:
        return
    gc.collect()
    gc.freeze()
    _frozen = True


_frozen = False


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    _freeze_long_lived_objects()


class SharedTemplateCode(BytecodeCache):
    """Compiled templates shared by every test app of the process.

    Each test builds its own app, and so its own Jinja environment that would parse and
    compile every template it renders again (about 0.2 s a test). Jinja's bytecode cache is
    made for reusing compiled templates across environments with the same settings; the
    key includes a checksum of the template's source.
    """

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = SharedTemplateCode()


class IsolatedClient(FlaskClient):
    """A test client whose requests get their own app context, as in production.

    The test's own session is committed first, so the request sees the test's data
    and the test afterwards reloads what the request changed.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()
        return contextvars.Context().run(self._open_and_read, *args, **kwargs)

    def _open_and_read(self, *args, **kwargs):
        # Streamed bodies are read inside the request's own context, as a server would.
        response = super().open(*args, **kwargs)
        response.get_data()
        return response


def app_config(database_url: str, instance: Path, **extra) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-secret-" + uuid.uuid4().hex,
        # Cheap hashing keeps the suite fast; production cost is tested separately.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "ARGON2_PARALLELISM": 1,
        # No background healing thread per test app; tests of it switch it on. Nor warming
        # at start (a thread per test app); its own test switches it on.
        "SEARCH_HEAL_INTERVAL": 0,
        "SEARCH_WARM_AT_START": False,
        # The name model of the privacy guard loads once per test process (a module-level
        # singleton); requests wait for it instead of answering "even geduld".
        "PRIVACY_NAMES_WAIT": 600,
        **extra,
    }


@pytest.fixture(scope="session")
def migrated_database(database_url: str, tmp_path_factory) -> str:
    app = create_app(app_config(database_url, tmp_path_factory.mktemp("migrate")))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database_url


def empty_all_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    # The PostgreSQL engine's trigger counts deleted documents off search_terms: documents
    # first, so that no count goes below zero for the next test.
    tables.sort(key=lambda table: table.name != "search_documents")
    for table in tables:
        db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app_factory(migrated_database: str, tmp_path: Path):
    """Build apps on the migrated database; every table is emptied afterwards."""
    apps: list[Flask] = []

    def make(**extra) -> Flask:
        app = create_app(app_config(migrated_database, tmp_path / "instance", **extra))
        app.test_client_class = IsolatedClient
        app.jinja_env.bytecode_cache = TEMPLATE_CODE
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
    if apps:
        # Any app of this test on the shared database can empty it (building one costs ~0.1 s).
        cleaner = next(
            (a for a in apps if a.config["SQLALCHEMY_DATABASE_URI"] == migrated_database), None
        ) or create_app(app_config(migrated_database, tmp_path / "instance"))
        with cleaner.app_context():
            empty_all_tables()
            db.engine.dispose()
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(app_factory) -> Iterator[Flask]:
    app = app_factory()
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_organisation(app):
    counter = iter(range(1, 10_000))

    def make(name: str | None = None, active: bool = True) -> MemberOrganisation:
        organisation = organisations.create_organisation(name or f"Cliëntenraad {next(counter)}")
        if not active:
            organisations.update_organisation(organisation, name=organisation.name, active=False)
        return organisation

    return make


@pytest.fixture
def make_user(app, make_organisation):
    counter = iter(range(1, 10_000))

    def make(
        role: Role = Role.VOLUNTEER,
        organisation: MemberOrganisation | None = None,
        email: str | None = None,
        password: str | None = PASSWORD,
        active: bool = True,
    ) -> User:
        if organisation is None and role is not Role.ADMINISTRATOR:
            organisation = make_organisation()
        number = next(counter)
        user = accounts.create_user(
            None,
            email or f"{role.value}{number}@example.org",
            f"{role.value.title()} {number}",
            role,
            organisation,
            password=password,
        )
        if not active:
            user.active = False
            db.session.commit()
        return user

    return make


def csrf_token(client: FlaskClient, path: str = "/inloggen") -> str:
    """The CSRF token of the client's session, read from a real form."""
    page = client.get(path).get_data(as_text=True)
    match = CSRF_INPUT.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(client: FlaskClient, path: str, data: dict, token_from: str | None = None):
    """POST ``data`` to ``path`` with a CSRF token taken from ``token_from`` (default: path)."""
    token = csrf_token(client, token_from or path)
    return client.post(path, data={"csrf_token": token, **data})


def login(client: FlaskClient, user_or_email, password: str = PASSWORD):
    email = getattr(user_or_email, "email", user_or_email)
    return post_form(client, "/inloggen", {"email": email, "password": password})


@pytest.fixture
def login_as(client, make_user):
    """Log the test client in as a new user with ``role``; returns that user."""

    def log_in(role: Role = Role.VOLUNTEER, **kwargs) -> User:
        user = make_user(role, **kwargs)
        response = login(client, user)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return log_in


@pytest.fixture
def taxonomy(app):
    """The shipped themes, schemes, agencies and gemeenten, plus a name lookup."""
    from signalen.taxonomy.services import NameIndex, seed_taxonomies

    seed_taxonomies()
    return NameIndex.load()


@pytest.fixture
def make_signal(app, taxonomy, make_user):
    """Create a signal through the real service (privacy guard, history, index)."""
    from signalen.signals import services
    from signalen.signals.models import Channel, Visibility

    def make(
        title: str = "Toeslag gestopt zonder brief",
        description: str = "De zorgtoeslag is gestopt zonder dat de cliënt een brief kreeg.",
        user: User | None = None,
        visibility: Visibility = Visibility.NETWORK,
        themes: tuple[str, ...] = (),
        scheme: str | None = None,
        agency: str | None = None,
        municipality: str | None = None,
        report_count: int = 1,
    ):
        user = user or make_user(Role.VOLUNTEER)
        agency_obj, agency_municipality = taxonomy.agency(agency) if agency else (None, None)
        data = services.SignalInput(
            title=title,
            description=description,
            channel=Channel.PHONE,
            theme_ids=[taxonomy.themes[t.casefold()].id for t in themes],
            scheme_ids=[taxonomy.schemes[scheme.casefold()].id] if scheme else [],
            agency_id=agency_obj.id if agency_obj else None,
            agency_municipality_id=agency_municipality.id if agency_municipality else None,
            municipality_id=taxonomy.municipalities[municipality.casefold()].id
            if municipality
            else None,
            report_count=report_count,
            visibility=visibility,
        )
        return services.create_signal(data, user, user.organisation_id)

    return make
