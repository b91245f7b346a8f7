"""The information bank: search, facets, visibility, permalinks and exports of the filtered list."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook

from signalen.auth.models import Role
from signalen.signals import services
from signalen.signals.models import Visibility
from tests.conftest import login


def test_search_finds_signals_with_highlights_and_facets(client, login_as, make_signal):
    make_signal(
        title="Terugvordering zorgtoeslag",
        description="Hoge terugvordering zonder uitleg.",
        themes=("Terugvordering/Hoge terugvordering",),
        agency="Belastingdienst/Toeslagen",
    )
    make_signal(
        title="WW te laat betaald",
        description="De WW-uitkering kwam te laat.",
        themes=("Betaling",),
        agency="UWV",
    )
    login_as(Role.READER)
    page = client.get("/zoeken?q=terugvordering").get_data(as_text=True)
    assert "1 resultaat" in page
    assert re.search(r"<mark[^>]*>Terugvordering</mark> zorgtoeslag", page)
    assert "WW te laat betaald" not in page
    assert "Belastingdienst/Toeslagen" in page  # facet value label


def test_facet_filters_combine_and_export_matches_the_list(client, login_as, make_signal, taxonomy):
    uwv_ww = dict(agency="UWV", themes=("Betaling",))
    make_signal(title="WW te laat", description="Uitkering te laat betaald.", **uwv_ww)
    make_signal(title="WW gestopt", description="Uitkering zonder bericht gestopt.", **uwv_ww)
    make_signal(
        title="Toeslag terug",
        description="Terugvordering toeslag.",
        agency="Belastingdienst/Toeslagen",
        themes=("Terugvordering",),
    )
    user = login_as(Role.COORDINATOR)
    uwv = taxonomy.agencies["uwv"].id
    page = client.get(f"/zoeken?uitvoerder={uwv}").get_data(as_text=True)
    assert "2 resultaten" in page
    assert "Toeslag terug" not in page

    export = client.get(f"/zoeken/export.csv?uitvoerder={uwv}")
    assert export.status_code == 200
    assert export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(r["titel"] for r in rows) == ["WW gestopt", "WW te laat"]
    assert {r["uitvoerder"] for r in rows} == {"UWV"}
    assert rows[0]["thema"] == "Betaling"
    assert list(rows[0]) == [
        "id",
        "titel",
        "omschrijving",
        "datum",
        "kanaal",
        "thema",
        "regeling",
        "uitvoerder",
        "gemeente",
        "aantal_meldingen",
        "impact",
        "zichtbaarheid",
        "status",
        "organisatie",
        "aangemaakt",
    ]
    xlsx = client.get(f"/zoeken/export.xlsx?uitvoerder={uwv}&q=gestopt")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = list(sheet.values)
    assert values[0][1] == "titel"
    assert [row[1] for row in values[1:]] == ["WW gestopt"]
    assert user.organisation_id


def test_exports_neutralise_spreadsheet_formulas(client, login_as, make_signal):
    make_signal(title='=HYPERLINK("http://x","klik")', description="+cmd|' /C calc'!A0 formule")
    login_as(Role.COORDINATOR)
    rows = list(csv.reader(io.StringIO(client.get("/zoeken/export.csv").get_data(as_text=True))))
    assert rows[1][1].startswith("'=")
    assert rows[1][2].startswith("'+")
    sheet = load_workbook(io.BytesIO(client.get("/zoeken/export.xlsx").data)).active
    cell = list(sheet.values)[1][1]
    assert cell.startswith("'=")


def test_visibility_in_hits_counts_and_exports(client, make_user, make_signal, make_organisation):
    secret = make_signal(title="Interne melding vertrouwelijk", visibility=Visibility.INTERNAL)
    make_signal(title="Netwerk melding", visibility=Visibility.NETWORK)
    public = make_signal(title="Openbare melding", visibility=Visibility.PUBLIC)
    services.approve_public(public, make_user(Role.COORDINATOR, organisation=public.organisation))

    anonymous = client.get("/zoeken?q=melding").get_data(as_text=True)
    assert "1 resultaat" in anonymous
    assert f'href="/signalen/{public.id}"' in anonymous
    assert client.get("/zoeken/export.csv").status_code == 302  # log in first

    login(client, make_user(Role.COORDINATOR, organisation=make_organisation()))
    page = client.get("/zoeken?q=melding").get_data(as_text=True)
    assert "2 resultaten" in page
    assert "vertrouwelijk" not in page
    assert "vertrouwelijk" not in client.get("/zoeken/export.csv?q=melding").get_data(as_text=True)
    assert f'href="/signalen/{secret.id}"' not in client.get("/zoeken?q=vertrouwelijk").get_data(
        as_text=True
    )


def test_bad_search_input_never_breaks_the_page(client, make_signal):
    make_signal()
    for query in ['"open', "AND OR (", "title:", "*", "x" * 5000, "%", "NOT"]:
        response = client.get("/zoeken", query_string={"q": query})
        assert response.status_code == 200, query
    # A character XML forbids is refused with a message before any search (see test_hostile_input).
    response = client.get("/zoeken", query_string={"q": "thema:\x00"})
    assert response.status_code == 400
    assert "teken dat niet kan" in response.get_data(as_text=True)
    response = client.get("/zoeken?thema=abc&van=gisteren&pagina=-3&sorteer=raar")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Een of meer filters klopten niet" in page
    assert "klopt niet (gebruik jjjj-mm-dd)" in page


def test_spelling_suggestion(client, make_signal):
    public = make_signal(
        title="Terugvordering kinderopvangtoeslag",
        description="Terugvordering van kinderopvangtoeslag.",
        visibility=Visibility.PUBLIC,
    )
    from signalen.auth.models import User
    from signalen.extensions import db

    coordinator = db.session.get(User, public.created_by_id)
    coordinator.role = Role.COORDINATOR
    db.session.commit()
    services.approve_public(public, coordinator)
    page = client.get("/zoeken?q=terugvordring").get_data(as_text=True)
    assert "Bedoelde u:" in page
    assert "terugvordering" in page


def test_permalink_keeps_every_filter(client, make_signal, taxonomy):
    make_signal()
    uwv = taxonomy.agencies["uwv"].id
    page = client.get(f"/zoeken?q=toeslag&uitvoerder={uwv}&status=nieuw&van=2026-01-01").get_data(
        as_text=True
    )
    assert f"q=toeslag&amp;uitvoerder={uwv}&amp;status=nieuw&amp;van=2026-01-01" in page


def test_a_main_theme_finds_the_signals_of_its_sub_themes(app, make_signal, taxonomy):
    from signalen.search import services as search
    from signalen.search.documents import SearchQuery

    sub = make_signal(title="Uitkering te laat", themes=("Betaling/Uitkering te laat",))
    main = taxonomy.themes["betaling"]
    sub_theme = taxonomy.themes["betaling/uitkering te laat"]
    assert sub_theme.parent_id == main.id
    for theme in (main, sub_theme):
        result = search.search(SearchQuery(filters={"thema": [str(theme.id)]}), None)
        assert [hit.id for hit in result.hits] == [sub.id]
    assert dict(result.facets["thema"]) == {str(main.id): 1, str(sub_theme.id): 1}
