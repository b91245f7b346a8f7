"""Signals import of real spreadsheets: .xlsx and Dutch Excel CSV, value reconciliation
(web and CLI), remembered mappings, a complete dry run and large files in batches."""

from __future__ import annotations

import csv
import io
import re
from io import BytesIO

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from signalen.auth.models import Role
from signalen.extensions import db
from signalen.signals import importing, reconciling
from signalen.signals.models import ImportValueMapping, Signal
from signalen.taxonomy.models import Scheme
from tests.conftest import csrf_token

HEADER = ["titel", "omschrijving", "datum", "thema", "regeling", "uitvoerder", "impact"]
# A helpdesk's own spellings: "Participatiewet" and "midden" are clear, "Toeslagen" is not.
ROWS = [
    ["Bijstand gestopt", "De bijstand stopte zonder bericht", "2026-02-01", "Betaling",
     "Participatiewet", "Gemeente Utrecht", "midden"],
    ["Toeslag terug", "Er moet veel toeslag terug", "2026-02-03", "Terugvordering",
     "Toeslagen", "Belastingdienst/Toeslagen", "hoog"],
    ["Bijstand te laat", "De bijstand kwam te laat", "", "Betaling", "Participatiewet", "",
     "midden"],
]  # fmt: skip


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Signal))


def xlsx(rows, *, title_rows=(), sheet_before=False) -> bytes:
    """A real .xlsx as Excel writes it (openpyxl), header under a few title lines."""
    workbook = Workbook()
    sheet = workbook.active
    if sheet_before:
        sheet.title = "Toelichting"
        sheet.append(["Dit werkblad legt alleen uit hoe de lijst werkt."])
        sheet = workbook.create_sheet("Knelpunten")
    for line in title_rows:
        sheet.append(line)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def excel_csv(rows, encoding: str) -> bytes:
    """CSV as Dutch Excel saves it: semicolons, CRLF, cp1252 or UTF-8 with BOM."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


@pytest.fixture
def cli(app, taxonomy, make_organisation):
    organisation = make_organisation("Helpdesk Utrecht")
    runner = app.test_cli_runner()

    def invoke(tmp_path, content: bytes, *args, name="import.csv"):
        path = tmp_path / name
        path.write_bytes(content)
        result = runner.invoke(
            args=["import-signals", str(path), "--organisation", "Helpdesk Utrecht", *args]
        )
        db.session.expire_all()
        return result

    invoke.organisation = organisation
    return invoke


# Reading -------------------------------------------------------------------------------


def test_xlsx_on_any_sheet_with_title_lines_above_the_header(cli, tmp_path):
    content = xlsx(
        [HEADER[:3], ["WW te laat", "De WW kwam te laat", "2026-02-01"]],
        title_rows=[["Knelpunten helpdesk 2026"], []],
        sheet_before=True,
    )
    assert importing.is_xlsx(content)
    result = cli(tmp_path, content, name="lijst.xlsx")
    assert result.exit_code == 0, result.output
    signal = db.session.scalars(select(Signal)).one()
    assert signal.title == "WW te laat"
    assert signal.occurred_on.isoformat() == "2026-02-01"


def test_xlsx_dates_and_numbers_as_excel_stores_them(cli, tmp_path):
    from datetime import datetime

    content = xlsx(
        [
            ["titel", "omschrijving", "datum", "aantal_meldingen"],
            ["WW te laat", "De WW kwam te laat", datetime(2026, 1, 5), 4],
        ]
    )
    result = cli(tmp_path, content, name="lijst.xlsx")
    assert result.exit_code == 0, result.output
    signal = db.session.scalars(select(Signal)).one()
    assert (signal.occurred_on.isoformat(), signal.report_count) == ("2026-01-05", 4)


def test_row_numbers_are_the_sheets_own(cli, tmp_path):
    content = xlsx(
        [["titel", "omschrijving"], ["Goed", "Tekst"], ["Zonder omschrijving", ""]],
        title_rows=[["Titel van de lijst"]],
    )
    result = cli(tmp_path, content, "--dry-run", name="lijst.xlsx")
    assert result.exit_code == 1
    assert "Regel 4, kolom omschrijving" in result.output


def test_broken_xlsx_gets_a_clear_message(cli, tmp_path):
    result = cli(tmp_path, b"PK\x03\x04 kapot", name="lijst.xlsx")
    assert result.exit_code == 1
    assert "Excel-bestand is niet te lezen" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
def test_csv_as_dutch_excel_writes_it(cli, tmp_path, encoding):
    rows = [
        ["titel", "omschrijving", "kanaal"],
        ["Café dicht", "Het loket is één week dicht; €50 kosten", "spreekuur"],
    ]
    content = excel_csv(rows, encoding)
    if encoding == "utf-8-sig":
        assert content.startswith(b"\xef\xbb\xbf")
    result = cli(tmp_path, content)
    assert result.exit_code == 0, result.output
    signal = db.session.scalars(select(Signal)).one()
    assert signal.title == "Café dicht"
    assert signal.description == "Het loket is één week dicht; €50 kosten"
    assert signal.channel.value == "spreekuur"


# Suggestions ---------------------------------------------------------------------------


def test_suggestions_preselect_only_clear_matches(app, taxonomy):
    vocabulary = reconciling.Vocabulary.load()
    values = {
        reconciling.key("regeling", "Participatiewet"): ("Participatiewet", 2),
        reconciling.key("regeling", "Toeslagen"): ("Toeslagen", 1),
        reconciling.key("impact", "midden"): ("midden", 2),
        reconciling.key("regeling", "WW"): ("WW", 1),  # an abbreviation matches exactly
        reconciling.key("thema", "Ruimtevaart"): ("Ruimtevaart", 1),
    }
    result = reconciling.reconcile(values, None, vocabulary)
    found = {u.value: u for u in result.unknown}
    assert set(found) == {"Participatiewet", "Toeslagen", "midden", "Ruimtevaart"}
    assert found["Participatiewet"].preselected == "Participatiewet (bijstand)"
    assert found["midden"].preselected == "middel"
    assert found["Toeslagen"].preselected is None
    assert len(found["Toeslagen"].suggestions) > 1
    assert found["Ruimtevaart"].preselected is None


def test_synonyms_count_as_suggestions(app, taxonomy):
    from signalen.taxonomy.services import save_synonym_group

    save_synonym_group(None, terms="Wet werk en bijstand, Participatiewet (bijstand)")
    vocabulary = reconciling.Vocabulary.load()
    suggestions = vocabulary.suggest("regeling", "Wet werk en bijstand")
    assert suggestions[0][0] == "Participatiewet (bijstand)"


# Web -----------------------------------------------------------------------------------


def upload(client, content: bytes, name: str = "lijst.xlsx") -> tuple[str, str]:
    token = csrf_token(client, "/signalen/importeren")
    response = client.post(
        "/signalen/importeren",
        data={"csrf_token": token, "file": (BytesIO(content), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    hidden = re.search(r'name="upload" type="hidden" value="([^"]+)"', response.get_data(True))
    assert hidden is not None
    return token, hidden.group(1)


def mapping_data(token: str, upload_token: str) -> dict:
    return {
        "csrf_token": token,
        "upload": upload_token,
        **{f"map_{column}": column for column in HEADER},
    }


def value_fields(page: str) -> dict[str, tuple[str, str, str | None]]:
    """value -> (index, column, pre-selected choice) of the reconciliation screen."""
    fields = {}
    for index, column, value in re.findall(
        r'name="kolom-(\d+)" value="([^"]+)">\s*<input type="hidden" name="waarde-\1" '
        r'value="([^"]+)"',
        page,
    ):
        select_html = re.search(
            rf'<select name="keuze-{index}".*?</select>', page, re.DOTALL
        ).group(0)
        chosen = re.search(r'<option value="([^"]*)" selected>', select_html)
        fields[value] = (index, column, chosen.group(1) if chosen else None)
    return fields


def test_web_reconciliation_once_then_remembered(client, login_as, taxonomy):
    user = login_as(Role.COORDINATOR)
    content = xlsx([HEADER, *ROWS])
    token, upload_token = upload(client, content)
    data = mapping_data(token, upload_token)
    response = client.post("/signalen/importeren/controleren", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "waarden kiezen" in page
    fields = value_fields(page)
    # Each distinct unknown value once; exact ones (Betaling, Gemeente Utrecht) not at all.
    assert set(fields) == {"Participatiewet", "Toeslagen", "midden"}
    assert fields["Participatiewet"][2] == "=Participatiewet (bijstand)"
    assert fields["midden"][2] == "=middel"
    assert fields["Toeslagen"][2] is None
    assert 'value="+"' not in page  # only a beheerder adds to the lists

    choices = {"stap": "waarden"}
    for value, (index, column, chosen) in fields.items():
        choices[f"kolom-{index}"] = column
        choices[f"waarde-{index}"] = value
        choices[f"keuze-{index}"] = chosen or ""
    # Toeslagen not chosen yet: the screen comes back with an error, nothing remembered.
    response = client.post("/signalen/importeren/controleren", data={**data, **choices})
    assert response.status_code == 422
    assert "Kies bij elke waarde" in response.get_data(as_text=True)
    index = fields["Toeslagen"][0]
    choices[f"keuze-{index}"] = "=Zorgtoeslag"
    response = client.post("/signalen/importeren/controleren", data={**data, **choices})
    assert response.status_code == 200
    assert "Alles klopt: 3 knelpunten" in response.get_data(as_text=True)
    response = client.post("/signalen/importeren/controleren", data={**data, "confirm": "1"})
    assert response.status_code == 302
    signals = db.session.scalars(select(Signal).order_by(Signal.id)).all()
    assert [s.impact.value for s in signals] == ["middel", "hoog", "middel"]
    assert [sorted(x.name for x in s.schemes) for s in signals] == [
        ["Participatiewet (bijstand)"],
        ["Zorgtoeslag"],
        ["Participatiewet (bijstand)"],
    ]
    remembered = db.session.scalars(select(ImportValueMapping)).all()
    assert {(m.column, m.source, m.target) for m in remembered} == {
        ("regeling", "participatiewet", "Participatiewet (bijstand)"),
        ("regeling", "toeslagen", "Zorgtoeslag"),
        ("impact", "midden", "middel"),
    }
    assert {m.organisation_id for m in remembered} == {user.organisation_id}

    # The second import of the same sheet: no reconciliation screen at all.
    token, upload_token = upload(client, content)
    response = client.post(
        "/signalen/importeren/controleren", data=mapping_data(token, upload_token)
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "waarden kiezen" not in page
    assert "Alles klopt: 3 knelpunten" in page


def test_web_leave_empty_and_beheerder_adds_to_the_list(
    client, login_as, taxonomy, make_organisation
):
    login_as(Role.ADMINISTRATOR, organisation=make_organisation())
    rows = [HEADER, ["Titel", "Omschrijving", "", "Ruimtevaart", "Nieuwe regeling X", "", ""]]
    token, upload_token = upload(client, excel_csv(rows, "cp1252"), "lijst.csv")
    data = mapping_data(token, upload_token)
    page = client.post("/signalen/importeren/controleren", data=data).get_data(as_text=True)
    fields = value_fields(page)
    assert set(fields) == {"Ruimtevaart", "Nieuwe regeling X"}
    assert 'value="+"' in page
    choices = {"stap": "waarden"}
    for value, (index, column, _chosen) in fields.items():
        choices[f"kolom-{index}"] = column
        choices[f"waarde-{index}"] = value
        choices[f"keuze-{index}"] = "+" if column == "regeling" else "-"
    response = client.post("/signalen/importeren/controleren", data={**data, **choices})
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert db.session.scalar(select(Scheme).where(Scheme.name == "Nieuwe regeling X"))
    response = client.post("/signalen/importeren/controleren", data={**data, "confirm": "1"})
    assert response.status_code == 302
    signal = db.session.scalars(select(Signal)).one()
    assert [s.name for s in signal.schemes] == ["Nieuwe regeling X"]
    assert signal.themes == []


def test_web_rejects_a_choice_that_is_not_in_the_list(client, login_as, taxonomy):
    login_as(Role.COORDINATOR)
    token, upload_token = upload(client, xlsx([HEADER, ROWS[0]]))
    data = mapping_data(token, upload_token)
    page = client.post("/signalen/importeren/controleren", data=data).get_data(as_text=True)
    index, column, _chosen = value_fields(page)["Participatiewet"]
    choices = {
        "stap": "waarden",
        f"kolom-{index}": column,
        f"waarde-{index}": "Participatiewet",
        f"keuze-{index}": "=<script>bestaat niet</script>",
    }
    response = client.post("/signalen/importeren/controleren", data={**data, **choices})
    assert response.status_code == 422
    assert "<script>bestaat" not in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ImportValueMapping)) == 0


def test_web_form_cap_points_to_the_cli(client, login_as, taxonomy, monkeypatch):
    login_as(Role.COORDINATOR)
    monkeypatch.setattr(importing, "MAX_ROWS", 2)
    token = csrf_token(client, "/signalen/importeren")
    content = b"titel,omschrijving\na,b\nc,d\ne,f\n"
    response = client.post(
        "/signalen/importeren",
        data={"csrf_token": token, "file": (BytesIO(content), "lijst.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "signalen import-signals" in response.get_data(as_text=True)


# CLI -----------------------------------------------------------------------------------


def test_cli_applies_clear_matches_and_prints_them(cli, tmp_path):
    rows = [HEADER, ROWS[0], ROWS[2]]
    result = cli(tmp_path, xlsx(rows), name="lijst.xlsx")
    assert result.exit_code == 0, result.output
    assert "'Participatiewet' wordt 'Participatiewet (bijstand)'" in result.output
    assert "'midden' wordt 'middel'" in result.output
    assert "2 knelpunten geïmporteerd" in result.output


def test_cli_unknown_values_fail_or_stay_empty(cli, tmp_path):
    content = xlsx([HEADER, *ROWS])
    result = cli(tmp_path, content, name="lijst.xlsx")
    assert result.exit_code == 1
    assert "Regel 3, kolom regeling: Onbekende regeling 'Toeslagen'" in result.output
    assert count() == 0

    result = cli(tmp_path, content, "--unknown-values", "empty", name="lijst.xlsx")
    assert result.exit_code == 0, result.output
    assert "Waarschuwing: kolom regeling: 'Toeslagen' staat niet in de lijst" in result.output
    signals = db.session.scalars(select(Signal).order_by(Signal.id)).all()
    assert len(signals) == 3
    assert signals[1].schemes == []


def test_cli_uses_the_remembered_mappings(cli, tmp_path):
    db.session.add(
        ImportValueMapping(
            organisation_id=cli.organisation.id,
            column="regeling",
            source="toeslagen",
            target="Huurtoeslag",
        )
    )
    db.session.commit()
    result = cli(tmp_path, xlsx([HEADER, *ROWS]), name="lijst.xlsx")
    assert result.exit_code == 0, result.output
    assert "'toeslagen' wordt 'Huurtoeslag' (eerder zo gekozen)" in result.output
    schemes = db.session.scalars(select(Signal).order_by(Signal.id)).all()[1].schemes
    assert [s.name for s in schemes] == ["Huurtoeslag"]


def test_dry_run_lists_every_problem_of_a_row(cli, tmp_path):
    rows = [
        ["titel", "omschrijving", "thema", "impact"],
        ["Bellen", "Cliënt is bereikbaar op 06-12345678", "Ruimtevaart", "enorm"],
    ]
    result = cli(tmp_path, excel_csv(rows, "utf-8-sig"), "--dry-run")
    assert result.exit_code == 1
    for expected in (
        "Regel 2, kolom omschrijving: persoonsgegevens (telefoonnummer)",
        "Regel 2, kolom thema: Onbekend thema 'Ruimtevaart'",
        "Regel 2, kolom impact: Onbekende impact 'enorm'",
    ):
        assert expected in result.output, expected
    assert "06-12345678" not in result.output


def test_cli_batches_are_all_or_nothing(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(importing, "CLI_BATCH", 3)
    lines = [["titel", "omschrijving"]]
    lines += [[f"Knelpunt {n}", f"Omschrijving {n}"] for n in range(10)]
    lines.append(["Laatste", ""])  # a problem after three stored batches
    result = cli(tmp_path, excel_csv(lines, "utf-8-sig"))
    assert result.exit_code == 1
    assert "Regel 12, kolom omschrijving" in result.output
    assert count() == 0
    result = cli(tmp_path, excel_csv(lines[:-1], "utf-8-sig"))
    assert result.exit_code == 0, result.output
    assert count() == 10


def test_cli_has_no_row_cap(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 3)
    lines = [["titel", "omschrijving"]] + [[f"K {n}", f"O {n}"] for n in range(5)]
    result = cli(tmp_path, excel_csv(lines, "utf-8-sig"))
    assert result.exit_code == 0, result.output
    assert count() == 5
