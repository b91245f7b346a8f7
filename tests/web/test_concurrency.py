"""Twenty volunteers submit at once to gunicorn with several worker processes.

Every accepted signal must be in the database and in the search index, none twice.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from signalen.auth.models import Role
from signalen.extensions import db
from signalen.search import services as search
from signalen.search.documents import SearchQuery
from signalen.search.models import IndexOutbox
from signalen.search.services import engine_name
from signalen.signals.models import Signal
from tests.conftest import PASSWORD

SUBMITTERS = 20
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gunicorn(app, tmp_path, migrated_database):
    executable = Path(sys.executable).with_name("gunicorn")
    if not executable.exists() and not shutil.which("gunicorn"):
        pytest.skip("gunicorn is not installed (pip install -e '.[test]')")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNALEN_")}
    env.update(
        SIGNALEN_INSTANCE_PATH=app.instance_path,
        SIGNALEN_SQLALCHEMY_DATABASE_URI=migrated_database,
        SIGNALEN_SECRET_KEY=app.config["SECRET_KEY"],
        SIGNALEN_RATELIMIT_ENABLED="false",
        SIGNALEN_ARGON2_TIME_COST="1",
        SIGNALEN_ARGON2_MEMORY_COST="1024",
        SIGNALEN_ARGON2_PARALLELISM="1",
        # Each worker loads the name model of the privacy guard in the background; until
        # then the intake says "even geduld". Here requests wait for it instead.
        SIGNALEN_PRIVACY_NAMES_WAIT="600",
        # The same search engine as the test's app (the PostgreSQL run uses PostgreSQL's).
        SIGNALEN_SEARCH_ENGINE=engine_name(app),
    )
    process = subprocess.Popen(
        [
            str(executable),
            "--workers",
            "3",
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "--graceful-timeout",
            "5",
            "signalen:create_app()",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):
                break
        except OSError:
            if process.poll() is not None:
                pytest.fail(process.communicate()[0])
            time.sleep(0.2)
    yield base
    process.terminate()
    output = process.communicate(timeout=20)[0]
    assert "Traceback" not in output, output


def _submit(base: str, email: str, title: str) -> int | None:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )

    def post(path: str, fields: dict) -> str:
        with opener.open(base + path, timeout=30) as response:
            token = TOKEN.search(response.read().decode()).group(1)
        data = urllib.parse.urlencode({"csrf_token": token, **fields}).encode()
        with opener.open(base + path, data=data, timeout=60) as response:
            return response.geturl()

    post("/inloggen", {"email": email, "password": PASSWORD})
    final = post(
        "/signalen/nieuw",
        {
            "title": title,
            "description": f"{title}: de uitkering is niet ontvangen en er kwam geen brief.",
            "channel": "telefoon",
            "impact": "middel",
            "report_count": "1",
            "visibility": "netwerk",
            "municipality": "",
            "agency": "",
            "similar_checked": "1",
        },
    )
    match = re.search(r"/signalen/(\d+)$", final)
    return int(match.group(1)) if match else None


def _word() -> str:
    """A unique searchable word of letters only: random digits can look like a phone
    number or BSN, which the privacy guard would (rightly) refuse."""
    return "".join(chr(ord("a") + int(digit, 16)) for digit in uuid.uuid4().hex[:12])


def test_concurrent_submitters_lose_nothing(app, gunicorn, make_user, make_organisation):
    organisation = make_organisation()
    emails = [make_user(Role.VOLUNTEER, organisation=organisation).email for _ in range(SUBMITTERS)]
    db.session.commit()
    titles = [f"Knelpunt {_word()}" for _ in range(SUBMITTERS)]
    with ThreadPoolExecutor(max_workers=SUBMITTERS) as pool:
        ids = list(pool.map(_submit, [gunicorn] * SUBMITTERS, emails, titles))

    assert None not in ids, ids
    assert len(set(ids)) == SUBMITTERS
    db.session.expire_all()
    stored = dict(db.session.execute(select(Signal.id, Signal.title)).all())
    assert sorted(stored) == sorted(ids)
    assert sorted(stored.values()) == sorted(titles)
    assert db.session.scalar(select(func.count()).select_from(IndexOutbox)) == 0

    for signal_id, title in zip(ids, titles, strict=True):
        result = search.search(SearchQuery(text=title.split()[1]), None)
        assert [hit.id for hit in result.hits] == [signal_id], title
    assert search.document_count() == SUBMITTERS
