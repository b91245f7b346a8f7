"""CSV import: dry run with every problem, privacy guard per row, all-or-nothing."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from signalen.auth.models import Role
from signalen.extensions import db
from signalen.signals.models import Signal
from tests.conftest import csrf_token

HEADER = (
    "titel;omschrijving;datum;kanaal;thema;regeling;uitvoerder;gemeente;aantal_meldingen;"
    "impact;zichtbaarheid\n"
)
GOOD = (
    "WW te laat;De WW kwam te laat;2026-02-01;telefoon;Betaling;WW;UWV;Utrecht;3;hoog;netwerk\n"
    "Bijstand gestopt;Bijstand zonder bericht gestopt;;spreekuur;Betaling/Uitkering te laat;"
    "Participatiewet (bijstand);Gemeente Utrecht;utrecht;1;middel;intern\n"
)


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Signal))


@pytest.fixture
def cli(app, taxonomy, make_organisation):
    make_organisation("Helpdesk Utrecht")
    runner = app.test_cli_runner()

    def invoke(tmp_path, content: bytes, *args):
        path = tmp_path / "import.csv"
        path.write_bytes(content)
        result = runner.invoke(
            args=["import-signals", str(path), "--organisation", "Helpdesk Utrecht", *args]
        )
        db.session.expire_all()
        return result

    return invoke


def test_import_good_file(cli, tmp_path):
    result = cli(tmp_path, (HEADER + GOOD).encode())
    assert result.exit_code == 0, result.output
    assert "2 knelpunten geïmporteerd" in result.output
    signals = db.session.scalars(select(Signal).order_by(Signal.id)).all()
    assert [s.report_count for s in signals] == [3, 1]
    assert signals[1].agency.name == "Gemeente"
    assert signals[1].agency_municipality.name == "Utrecht"
    assert signals[1].visibility.value == "intern"
    assert signals[0].events[0].kind == "imported"


def test_dry_run_stores_nothing(cli, tmp_path):
    result = cli(tmp_path, (HEADER + GOOD).encode(), "--dry-run")
    assert result.exit_code == 0
    assert "2 knelpunten kunnen worden geïmporteerd" in result.output
    assert count() == 0


def test_every_bad_row_is_reported_and_nothing_is_stored(cli, tmp_path):
    bad = (
        HEADER
        + GOOD
        + "Zonder omschrijving;;2026-01-01;telefoon;;;;;1;laag;netwerk\n"
        + "Datum fout;Tekst;31-02-2026;fax;Onbekend thema;WW;NASA;Atlantis;nul;enorm;geheim\n"
    )
    result = cli(tmp_path, bad.encode())
    assert result.exit_code == 1
    for expected in [
        "Regel 4, kolom omschrijving",
        "Regel 5, kolom datum",
        "Regel 5, kolom kanaal",
        "Regel 5, kolom thema",
        "Regel 5, kolom uitvoerder",
        "Regel 5, kolom gemeente",
        "Regel 5, kolom aantal_meldingen",
        "Regel 5, kolom impact",
        "Regel 5, kolom zichtbaarheid",
        "er is niets opgeslagen",
    ]:
        assert expected in result.output, expected
    assert count() == 0


def test_personal_data_fails_the_import_unless_redacted(cli, tmp_path):
    rows = HEADER + GOOD + "Bellen;Cliënt is bereikbaar op 06-12345678;;;;;;;1;;\n"
    result = cli(tmp_path, rows.encode())
    assert result.exit_code == 1
    assert "Regel 4, kolom omschrijving: persoonsgegevens (telefoonnummer)" in result.output
    assert "06-12345678" not in result.output
    assert count() == 0

    result = cli(tmp_path, rows.encode(), "--redact")
    assert result.exit_code == 0, result.output
    stored = db.session.scalars(select(Signal.description)).all()
    assert "Cliënt is bereikbaar op [TELEFOON]" in stored
    assert not any("06-12345678" in text for text in stored)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Het bestand is leeg."),
        (b"titel\n", "geen regels onder de kopregel"),
        ("\ufefftitel,omschrijving\n".encode("utf-16"), "UTF-16"),
        (b'titel;omschrijving\n"kapot;x\n', "Regel 2, kolom omschrijving"),
        ("titel;omschrijving\nCaf\xe9;Omschrijving in Windows-1252\n".encode("cp1252"), None),
    ],
)
def test_malformed_files_get_clear_messages(cli, tmp_path, content, message):
    result = cli(tmp_path, content)
    if message is None:  # Excel's Windows-1252 is read correctly
        assert result.exit_code == 0, result.output
        assert db.session.scalar(select(Signal.title)) == "Café"
    else:
        assert result.exit_code == 1
        assert message in result.output
        assert "Traceback" not in result.output


def test_unknown_organisation(app, taxonomy, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text(HEADER + GOOD, encoding="utf-8")
    result = app.test_cli_runner().invoke(
        args=["import-signals", str(path), "--organisation", "Niemand"]
    )
    assert result.exit_code == 1
    assert "bestaat niet" in result.output


def test_web_import_with_column_mapping(client, login_as, taxonomy):
    login_as(Role.COORDINATOR)
    content = b"Onderwerp,Tekst,Kanaal\nWW te laat,De WW kwam te laat,telefoon\n"
    token = csrf_token(client, "/signalen/importeren")
    from io import BytesIO

    response = client.post(
        "/signalen/importeren",
        data={"csrf_token": token, "file": (BytesIO(content), "lijst.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Welke kolom uit uw bestand hoort bij welk veld?" in page
    hidden = re.search(r'name="upload" type="hidden" value="([^"]+)"', page)
    assert hidden is not None
    assert base64.b64encode(content).decode() not in page  # the file stays on the server
    mapping = {
        "csrf_token": token,
        "upload": hidden.group(1),
        "map_titel": "Onderwerp",
        "map_omschrijving": "Tekst",
        "map_kanaal": "Kanaal",
    }
    response = client.post("/signalen/importeren/controleren", data=mapping)
    assert response.status_code == 200
    assert "Alles klopt: 1 knelpunten" in response.get_data(as_text=True)
    assert count() == 0
    response = client.post("/signalen/importeren/controleren", data={**mapping, "confirm": "1"})
    assert response.status_code == 302
    assert db.session.scalar(select(Signal.title)) == "WW te laat"
    # Used once: the stored file is gone, and the same token cannot import again.
    assert not list((Path(client.application.instance_path) / "uploads" / "import").iterdir())
    again = client.post("/signalen/importeren/controleren", data={**mapping, "confirm": "1"})
    assert again.status_code == 302
    assert count() == 1


def upload_csv(client, content: bytes) -> tuple[str, str]:
    """Step one of the web import; returns the CSRF token and the upload token."""
    from io import BytesIO

    token = csrf_token(client, "/signalen/importeren")
    response = client.post(
        "/signalen/importeren",
        data={"csrf_token": token, "file": (BytesIO(content), "lijst.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    hidden = re.search(r'name="upload" type="hidden" value="([^"]+)"', response.get_data(True))
    assert hidden is not None
    return token, hidden.group(1)


def test_web_import_of_a_file_of_nearly_two_megabytes(client, login_as, taxonomy):
    """Step two no longer re-posts the file, so a 1.9 MB file (413 before) imports."""
    login_as(Role.COORDINATOR)
    row = "Toeslag te laat betaald,De zorgtoeslag kwam weken te laat zonder uitleg {n},telefoon\n"
    lines, size = ["titel,omschrijving,kanaal\n"], 0
    while size < 1_900_000:
        lines.append(row.format(n=len(lines)))
        size += len(lines[-1])
    content = "".join(lines).encode()
    assert 1_850_000 < len(content) < 2_000_000
    token, upload = upload_csv(client, content)
    response = client.post(
        "/signalen/importeren/controleren",
        data={"csrf_token": token, "upload": upload, "map_titel": "titel"},
    )
    assert response.status_code == 200  # checked on the server, not a 413
    page = response.get_data(as_text=True)
    assert f"Alles klopt: {len(lines) - 1} knelpunten" in page
    assert count() == 0


def test_web_import_upload_is_bound_to_the_user_and_removed_on_stop(
    app, client, login_as, make_user, taxonomy
):
    from tests.conftest import login

    login_as(Role.COORDINATOR)
    token, upload = upload_csv(client, b"titel,omschrijving\nWW te laat,De WW kwam te laat\n")
    folder = Path(app.instance_path) / "uploads" / "import"
    assert len(list(folder.iterdir())) == 1
    other = app.test_client()
    login(other, make_user(Role.COORDINATOR))
    stolen = other.post(
        "/signalen/importeren/controleren",
        data={"csrf_token": csrf_token(other, "/signalen/importeren"), "upload": upload},
    )
    assert stolen.status_code == 302  # back to step one: not this user's file
    assert len(list(folder.iterdir())) == 1
    stopped = client.post(
        "/signalen/importeren/controleren",
        data={"csrf_token": token, "upload": upload, "cancel": "1"},
    )
    assert stopped.status_code == 302
    assert not list(folder.iterdir())
    assert count() == 0


def test_web_import_upload_expires(app, client, login_as, taxonomy):
    import os

    login_as(Role.COORDINATOR)
    token, upload = upload_csv(client, b"titel,omschrijving\nWW te laat,De WW kwam te laat\n")
    [path] = (Path(app.instance_path) / "uploads" / "import").iterdir()
    old = path.stat().st_mtime - 7200
    os.utime(path, (old, old))
    response = client.post(
        "/signalen/importeren/controleren",
        data={"csrf_token": token, "upload": upload, "map_titel": "titel"},
    )
    assert response.status_code == 302
    assert not path.exists()


def test_volunteers_cannot_import(client, login_as):
    login_as(Role.VOLUNTEER)
    assert client.get("/signalen/importeren").status_code == 403
