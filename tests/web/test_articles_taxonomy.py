"""Knowledge articles (sanitised Markdown, visibility) and taxonomy management by beheerders."""

from sqlalchemy import select

from signalen.articles.models import Article
from signalen.auth.models import Role
from signalen.extensions import db
from signalen.taxonomy.models import Agency, Municipality, Scheme, Theme
from tests.conftest import csrf_token, login, post_form


def test_seed_data_is_complete(app, taxonomy):
    assert db.session.query(Municipality).count() == 342
    assert (
        db.session.scalar(select(Municipality.code).where(Municipality.name == "Utrecht"))
        == "GM0344"
    )
    mains = db.session.scalars(select(Theme).where(Theme.parent_id.is_(None))).all()
    assert len(mains) >= 12 and all(main.children for main in mains)
    assert db.session.scalar(select(Scheme).where(Scheme.short_name == "WW")) is not None
    assert db.session.scalar(select(Agency).where(Agency.name == "UWV")) is not None
    from signalen.taxonomy.services import seed_taxonomies

    assert seed_taxonomies() == {"thema": 0, "regeling": 0, "uitvoerder": 0, "gemeente": 0}


def test_coordinator_writes_an_article_that_is_sanitised_and_searchable(client, login_as, taxonomy):
    login_as(Role.COORDINATOR)
    theme = taxonomy.themes["terugvordering"].id
    response = post_form(
        client,
        "/artikelen/nieuw",
        {
            "title": "Wat te doen bij een terugvordering",
            "body": "## Stappen\n\n- **Bezwaar** maken\n\n<script>alert(1)</script>\n\n"
            "[klik](javascript:alert(1)) [goed](https://www.rijksoverheid.nl)",
            "themes": str(theme),
            "visibility": "openbaar",
            "published": "y",
        },
    )
    assert response.status_code == 302
    article = db.session.scalar(select(Article))
    page = client.get(f"/artikelen/{article.id}").get_data(as_text=True)
    assert "<h2>Stappen</h2>" in page
    assert "<strong>Bezwaar</strong>" in page
    assert "<script>alert(1)</script>" not in page
    assert 'href="javascript:' not in page
    assert 'href="https://www.rijksoverheid.nl"' in page
    client.post("/uitloggen", data={"csrf_token": csrf_token(client, "/")})
    assert client.get(f"/artikelen/{article.id}").status_code == 200  # openbaar
    results = client.get("/zoeken?q=terugvordering&soort=artikel").get_data(as_text=True)
    assert f"/artikelen/{article.id}" in results


def test_articles_with_personal_data_or_from_volunteers_are_refused(client, login_as):
    login_as(Role.COORDINATOR)
    response = post_form(
        client,
        "/artikelen/nieuw",
        {
            "title": "Bel ons",
            "body": "Bel Henk op 06-12345678.",
            "visibility": "netwerk",
        },
    )
    assert response.status_code == 422
    assert "persoonsgegevens" in response.get_data(as_text=True)
    assert db.session.scalar(select(Article)) is None


def test_draft_articles_stay_within_the_organisation(client, make_user, make_organisation):
    author = make_user(Role.COORDINATOR)
    login(client, author)
    post_form(
        client,
        "/artikelen/nieuw",
        {"title": "Concept", "body": "Nog niet af.", "visibility": "netwerk"},
    )
    article = db.session.scalar(select(Article))
    assert not article.published
    client.post("/uitloggen", data={"csrf_token": csrf_token(client, "/")})
    login(client, make_user(Role.COORDINATOR, organisation=make_organisation()))
    assert client.get(f"/artikelen/{article.id}").status_code == 404
    assert client.get(f"/artikelen/{article.id}/bewerken").status_code == 404
    login_volunteer = make_user(Role.VOLUNTEER, organisation=author.organisation)
    client.post("/uitloggen", data={"csrf_token": csrf_token(client, "/")})
    login(client, login_volunteer)
    assert client.get(f"/artikelen/{article.id}").status_code == 200
    assert client.get(f"/artikelen/{article.id}/bewerken").status_code == 403


def test_beheerder_adds_and_deactivates_terms(client, login_as, taxonomy):
    login_as(Role.ADMINISTRATOR)
    parent = taxonomy.themes["betaling"].id
    response = post_form(
        client,
        "/beheer/indeling/thema/nieuw",
        {"name": "Vakantiegeld te laat", "description": "", "parent": str(parent), "active": "y"},
    )
    assert response.status_code == 302
    theme = db.session.scalar(select(Theme).where(Theme.name == "Vakantiegeld te laat"))
    assert theme.parent_id == parent
    response = post_form(
        client,
        f"/beheer/indeling/thema/{theme.id}",
        {"name": "Vakantiegeld te laat", "parent": str(parent)},
    )
    db.session.refresh(theme)
    assert theme.active is False
    duplicate = post_form(
        client, "/beheer/indeling/regeling/nieuw", {"name": "wajong", "active": "y"}
    )
    assert duplicate.status_code == 422
    assert "Deze naam bestaat al." in duplicate.get_data(as_text=True)
    gemeente = post_form(
        client,
        "/beheer/indeling/gemeente/nieuw",
        {"name": "Nieuwe Gemeente", "code": "GM0344", "province": "Utrecht", "active": "y"},
    )
    assert gemeente.status_code == 422
    assert "Deze code bestaat al." in gemeente.get_data(as_text=True)
    assert client.get("/beheer/indeling/onbekend").status_code == 404


def test_only_beheerders_manage_the_taxonomy(client, login_as):
    login_as(Role.COORDINATOR)
    assert client.get("/beheer/indeling/thema").status_code == 403
