"""Atom/RSS feeds through the real app, read back with feedparser as a feed reader would."""

from __future__ import annotations

import re
from datetime import timedelta

import feedparser
import pytest

from signalen.articles import services as articles
from signalen.auth.models import Role
from signalen.core.dates import local_today
from signalen.digests import periods
from signalen.digests import services as digests
from signalen.extensions import db
from signalen.signals import services as signal_services
from signalen.signals.models import Visibility

ATOM = "application/atom+xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
TRICKY_TITLE = 'Terugvordering & "UWV" <te snel> AT&T'


@pytest.fixture
def publish(make_signal, make_user):
    """Make a signal openbaar and approve its wording, as a coordinator does."""

    def make(title: str = "Terugvordering zonder uitleg", **kwargs):
        signal = make_signal(title=title, visibility=Visibility.PUBLIC, **kwargs)
        coordinator = make_user(Role.COORDINATOR, organisation=signal.organisation)
        signal_services.approve_public(signal, coordinator)
        return signal

    return make


def read(client, url: str, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return response, parsed


def ids(parsed) -> list[str]:
    return [entry.id for entry in parsed.entries]


def self_link(parsed) -> str:
    return next(link.href for link in parsed.feed.links if link.rel == "self")


def test_search_feed_is_valid_atom_and_rss_with_exact_titles(client, publish, taxonomy):
    signal = publish(TRICKY_TITLE, themes=("Betaling",), agency="UWV", municipality="Utrecht")
    theme = taxonomy.themes["betaling"].id

    response, atom = read(client, f"/zoeken.atom?q=terugvordering&thema={theme}")
    assert response.content_type == ATOM
    assert atom.version == "atom10"
    [entry] = atom.entries
    assert entry.title == TRICKY_TITLE
    assert entry.id == f"tag:signalen.local,{signal.created_at.year}:signaal/{signal.id}"
    assert entry.link == f"http://localhost/signalen/{signal.id}"
    assert "UWV" in entry.content[0].value and "Utrecht" in entry.content[0].value
    assert [tag.term for tag in entry.tags] == ["Betaling"]
    assert self_link(atom) == f"http://localhost/zoeken.atom?q=terugvordering&thema={theme}"
    assert atom.feed.link == f"http://localhost/zoeken?q=terugvordering&thema={theme}"
    assert atom.feed.id.startswith("tag:signalen.local,2026:feeds/zoeken?")

    response, rss = read(client, f"/zoeken.rss?thema={theme}&q=terugvordering")
    assert response.content_type == RSS
    assert rss.version == "rss20"
    [item] = rss.entries
    # RSS readers may read <title> as HTML: the angle brackets become look-alikes there.
    assert item.title == 'Terugvordering & "UWV" \u2039te snel\u203a AT&T'
    assert "&lt;" not in response.get_data(as_text=True).split("<item>")[1].split("</title>")[0]
    assert item.id == entry.id  # <guid isPermaLink="false">
    assert item.link == entry.link
    assert self_link(rss) == f"http://localhost/zoeken.rss?q=terugvordering&thema={theme}"
    assert rss.feed.link == f"http://localhost/zoeken?q=terugvordering&thema={theme}"

    # The search itself, with the same characters, in the feed's title.
    for fmt, bracket in (("atom", "<"), ("rss", "\u2039")):
        _, parsed = read(client, f"/zoeken.{fmt}?q=AT%26T+%22UWV%22+%3Cte")
        assert parsed.feed.title == f'Signalen: zoeken naar “AT&T "UWV" {bracket}te”'
        assert self_link(parsed).endswith("?q=AT%26T+%22UWV%22+%3Cte")


def test_only_public_content_in_any_feed(
    client, app, publish, make_signal, make_user, login_as, taxonomy
):
    facets = {"themes": ("Betaling",), "agency": "UWV", "municipality": "Utrecht"}
    public = publish("Terugvordering openbaar", **facets)
    make_signal(title="Terugvordering intern", visibility=Visibility.INTERNAL, **facets)
    make_signal(title="Terugvordering netwerk", visibility=Visibility.NETWORK, **facets)
    make_signal(title="Terugvordering niet goedgekeurd", visibility=Visibility.PUBLIC, **facets)
    editor = make_user(Role.COORDINATOR)
    shown = articles.ArticleInput(
        "Terugvordering: wat te doen", "Bel de uitvoerder.", [], Visibility.PUBLIC, True
    )
    articles.save_article(shown, editor)
    for visibility, published in ((Visibility.NETWORK, True), (Visibility.PUBLIC, False)):
        hidden = articles.ArticleInput(
            "Terugvordering verborgen", "Alleen intern.", [], visibility, published
        )
        articles.save_article(hidden, editor)
    urls = [
        "/zoeken.atom?q=terugvordering",
        "/zoeken.rss",
        f"/feeds/thema/{taxonomy.themes['betaling'].id}.atom",
        f"/feeds/uitvoerder/{taxonomy.agencies['uwv'].id}.rss",
        "/feeds/gemeente/GM0344.atom",
    ]
    expected = {f"signaal/{public.id}"}
    for url in urls:
        _, parsed = read(client, url)
        titles = {entry.title for entry in parsed.entries}
        assert "Terugvordering openbaar" in titles, url
        assert not {t for t in titles if "intern" in t or "netwerk" in t or "niet" in t}, url
        assert not {t for t in titles if "verborgen" in t}, url
        signals = {i.split(":", 2)[2] for i in ids(parsed) if ":signaal/" in i}
        assert signals == expected, url
    _, search = read(client, "/zoeken.atom?q=terugvordering")
    assert {e.title for e in search.entries} == {"Terugvordering openbaar", shown.title}

    # A logged-in coordinator, who sees more on /zoeken, still gets only public content.
    login_as(Role.COORDINATOR, organisation=public.organisation)
    _, parsed = read(client, "/zoeken.atom?q=terugvordering")
    assert {e.title for e in parsed.entries} == {"Terugvordering openbaar", shown.title}


def test_new_signal_is_exactly_one_new_entry_then_304(client, publish, make_signal, taxonomy):
    theme = taxonomy.themes["betaling"].id
    publish("Eerste terugvordering", themes=("Betaling",))
    publish("Ander thema", themes=("Bereikbaarheid",))
    for url in (f"/zoeken.atom?thema={theme}", f"/feeds/thema/{theme}.rss"):
        first, before = read(client, url)
        again, same = read(client, url)
        assert again.data == first.data  # nothing changed: byte for byte the same
        assert ids(same) == ids(before) and len(before.entries) == 1
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
        assert etag == again.headers["ETag"] and modified == again.headers["Last-Modified"]
        assert first.headers["Cache-Control"] == "public, no-cache"

        for headers in ({"If-None-Match": etag}, {"If-Modified-Since": modified}):
            response = client.get(url, headers=headers)
            assert response.status_code == 304
            assert response.data == b""
            assert response.headers["ETag"] == etag

    atom_before = read(client, f"/zoeken.atom?thema={theme}")
    rss_before = read(client, f"/feeds/thema/{theme}.rss")
    make_signal(title="Nog niet openbaar", themes=("Betaling",), visibility=Visibility.NETWORK)
    assert client.get(f"/zoeken.atom?thema={theme}", headers={
        "If-None-Match": atom_before[0].headers["ETag"]}).status_code == 304  # fmt: skip
    new = publish("Nieuwe terugvordering & meer", themes=("Betaling",))

    for url, (old_response, old) in (
        (f"/zoeken.atom?thema={theme}", atom_before),
        (f"/feeds/thema/{theme}.rss", rss_before),
    ):
        etag = old_response.headers["ETag"]
        response, now = read(client, url, **{"If-None-Match": etag})
        added = [entry for entry in now.entries if entry.id not in ids(old)]
        assert [entry.title for entry in added] == ["Nieuwe terugvordering & meer"]
        assert added[0].id.endswith(f":signaal/{new.id}")
        assert ids(now)[0] == added[0].id  # newest first
        assert ids(now)[1:] == ids(old)
        # The next poll with the new validators: nothing new.
        assert (
            client.get(url, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
        )
        since = {"If-Modified-Since": response.headers["Last-Modified"]}
        assert client.get(url, headers=since).status_code == 304
        # A reader that last looked before the change gets the new feed.
        long_ago = {"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"}
        assert client.get(url, headers=long_ago).status_code == 200


def test_updated_comes_from_the_data(client, publish):
    signal = publish("Terugvordering met datum")
    _, first = read(client, "/zoeken.atom?q=terugvordering")
    assert first.feed.updated == first.entries[0].updated
    assert first.entries[0].updated_parsed[:6] == signal.updated_at.utctimetuple()[:6]
    _, second = read(client, "/zoeken.atom?q=terugvordering")
    assert second.feed.updated == first.feed.updated
    assert second.entries[0].updated == first.entries[0].updated

    _, empty = read(client, "/zoeken.atom?q=bestaatnietzo")
    assert empty.entries == [] and empty.feed.updated.startswith("2026-01-01T00:00:00")


def test_ids_do_not_depend_on_the_request_host(client, app_factory, publish):
    signal = publish()
    _, local = read(client, "/zoeken.atom")
    response = client.get("/zoeken.atom", base_url="https://signalen.example.org")
    other = feedparser.parse(response.data)
    assert (
        ids(other)
        == ids(local)
        == [f"tag:signalen.local,{signal.created_at.year}:signaal/{signal.id}"]
    )
    assert other.feed.id == local.feed.id
    assert self_link(other) == "https://signalen.example.org/zoeken.atom"
    assert other.entries[0].link == f"https://signalen.example.org/signalen/{signal.id}"

    configured = app_factory(FEED_TAG_AUTHORITY="signalen.example.nl")
    with configured.app_context():
        parsed = feedparser.parse(configured.test_client().get("/zoeken.atom").data)
    assert ids(parsed) == [f"tag:signalen.example.nl,{signal.created_at.year}:signaal/{signal.id}"]


BAD_SEARCHES = [
    "/zoeken.atom?thema=999999",
    "/zoeken.rss?thema=abc",
    "/zoeken.atom?sorteer=xyz",
    "/zoeken.atom?periode=2026-1x",
    "/zoeken.atom?periode=garbage",
    "/zoeken.atom?van=gisteren",
    "/zoeken.atom?status=weg",
    "/zoeken.atom?soort=video",
    "/zoeken.atom?uitvoerder=42424242",
    "/zoeken.atom?onbekend=1",
    "/zoeken.atom?q=" + "x" * 300,
]
UNKNOWN_FEEDS = [
    "/feeds/thema/999999.atom",
    "/feeds/uitvoerder/999999.rss",
    "/feeds/gemeente/GM9999.atom",
    "/feeds/thema/abc.atom",
    "/feeds/thema/1.json",
    "/feeds/onbekend.atom",
]


def test_bad_filters_give_a_clear_400_and_unknown_feeds_404(client, taxonomy):
    for url in BAD_SEARCHES:
        response = client.get(url)
        assert response.status_code == 400, url
        page = response.get_data(as_text=True)
        assert "Deze feed bestaat niet" in page
        assert re.search(r"Onbekend|klopt niet|te lang", page), url
    for url in UNKNOWN_FEEDS:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "niet gevonden" in response.get_data(as_text=True)


def test_valid_but_ignored_arguments_are_fine(client, publish, taxonomy):
    publish()
    for url in ("/zoeken.atom?sorteer=relevantie&pagina=3", "/zoeken.rss?q=&thema="):
        _, parsed = read(client, url)
        assert len(parsed.entries) == 1
    gemeente = read(client, "/feeds/gemeente/gm0344.atom")[1]  # code in any case
    assert self_link(gemeente) == "http://localhost/feeds/gemeente/GM0344.atom"


def test_feed_reader_sees_one_new_digest_entry_then_304(app, client, make_user):
    """Done when: after publishing, a feed reader sees exactly one new entry, then a 304."""
    from tests.conftest import login, post_form

    coordinator = make_user(Role.COORDINATOR)
    earlier = digests.create_digest(
        periods.parse_period(f"{local_today().year - 1}-Q3"), coordinator
    )
    digests.publish(earlier, coordinator)
    reader = app.test_client()  # a feed reader: no cookies, remembers the validators
    response, before = read(reader, "/feeds/digests.atom")
    assert response.content_type == ATOM and len(before.entries) == 1
    validators = {"If-None-Match": response.headers["ETag"]}

    # A new draft is not public: the feed has not changed.
    period = periods.parse_period(f"{local_today().year - 1}-Q4")
    draft = digests.create_digest(period, coordinator, 'Rapportage & <overzicht> "Q4"')
    assert reader.get("/feeds/digests.atom", headers=validators).status_code == 304

    # The coordinator publishes it on its page.
    login(client, coordinator)
    response = post_form(
        client,
        f"/rapportages/{draft.id}/publiceren",
        {"bevestigd": "1"},
        token_from=f"/rapportages/{draft.id}",
    )
    assert response.status_code == 302

    response, after = read(reader, "/feeds/digests.atom", **validators)
    new = [entry for entry in after.entries if entry.id not in ids(before)]
    assert len(new) == 1 and ids(after)[1:] == ids(before)
    [entry] = new
    assert entry.title == 'Rapportage & <overzicht> "Q4"'
    assert entry.id == f"tag:signalen.local,{draft.created_at.year}:rapportage/{draft.id}"
    assert entry.link == f"http://localhost/rapportages/{draft.id}"
    assert "nieuwe knelpunten" in entry.content[0].value
    db.session.refresh(draft)
    assert entry.updated_parsed[:6] == draft.published_at.utctimetuple()[:6]
    assert after.feed.updated == entry.updated  # the feed changed when the data did
    assert self_link(after) == "http://localhost/feeds/digests.atom"

    # The next poll with the new validators: 304, by ETag and by date.
    for headers in (
        {"If-None-Match": response.headers["ETag"]},
        {"If-Modified-Since": response.headers["Last-Modified"]},
    ):
        again = reader.get("/feeds/digests.atom", headers=headers)
        assert again.status_code == 304 and again.data == b""

    response, rss = read(reader, "/feeds/digests.rss")
    assert response.content_type == RSS
    assert ids(rss) == ids(after)
    assert rss.entries[0].title == 'Rapportage & \u2039overzicht\u203a "Q4"'


def test_a_corrected_digest_is_the_same_entry_updated(client, make_user):
    coordinator = make_user(Role.COORDINATOR)
    period = periods.parse_period(f"{local_today().year - 1}-Q4")
    digest = digests.publish(digests.create_digest(period, coordinator), coordinator)
    digest.published_at -= timedelta(days=2)  # published two days ago
    db.session.commit()
    response, first = read(client, "/feeds/digests.atom")
    [original] = first.entries

    correction = digests.create_correction(digest, coordinator)
    correction.change_note = "Cijfers aangevuld & verbeterd"
    digests.publish(correction, coordinator)
    response, atom = read(
        client, "/feeds/digests.atom", **{"If-None-Match": response.headers["ETag"]}
    )
    [entry] = atom.entries  # still one entry per digest
    assert entry.id == original.id
    assert entry.updated_parsed > original.updated_parsed
    assert entry.published_parsed == original.published_parsed
    assert entry.title.endswith("(versie 2)")
    assert entry.link == f"http://localhost/rapportages/{correction.id}"
    assert "Cijfers aangevuld &amp; verbeterd</p>" in entry.content[0].value  # HTML, escaped


def test_autodiscovery_links_on_pages(client, taxonomy, login_as, make_user):
    theme = taxonomy.themes["betaling"].id
    page = client.get(f"/zoeken?thema={theme}&q=terugvordering&pagina=2").get_data(as_text=True)
    atom = f"/zoeken.atom?q=terugvordering&amp;thema={theme}"
    link = '<link rel="alternate" type="application/atom+xml" title="Deze zoekopdracht (Atom)"'
    assert f'{link} href="{atom}">' in page
    assert f'href="/zoeken.rss?q=terugvordering&amp;thema={theme}"' in page
    assert "Volg deze zoekopdracht" in page
    assert feedparser.parse(client.get(atom.replace("&amp;", "&")).data).bozo is False

    digest_links = (
        '<link rel="alternate" type="application/atom+xml" '
        'title="Signaleringsrapportages (Atom)" href="/feeds/digests.atom">',
        '<link rel="alternate" type="application/rss+xml" '
        'title="Signaleringsrapportages (RSS)" href="/feeds/digests.rss">',
    )
    coordinator = make_user(Role.COORDINATOR)
    period = periods.parse_period(f"{local_today().year - 1}-Q4")
    digest = digests.publish(digests.create_digest(period, coordinator), coordinator)
    for url in ("/", "/rapportages/", f"/rapportages/{digest.id}"):
        page = client.get(url).get_data(as_text=True)
        assert all(link in page for link in digest_links), url
    assert "Volg nieuwe rapportages in uw feedlezer" in client.get("/rapportages/").get_data(
        as_text=True
    )

    login_as(Role.VOLUNTEER)
    page = client.get("/zoeken?q=x").get_data(as_text=True)
    assert "alleen openbare resultaten" in page


def test_search_feed_while_the_index_is_rebuilt_is_503(client, publish, monkeypatch):
    from signalen.feeds import services as feeds

    publish()
    monkeypatch.setattr(feeds.search, "matching_ids", lambda *args, **kwargs: [])
    monkeypatch.setattr(feeds.search, "status", lambda: "degraded")
    response = client.get("/zoeken.atom")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "120"
    assert "zoekindex" in response.get_data(as_text=True)
    assert client.get("/feeds/digests.atom").status_code == 200  # no index needed


def test_theme_feed_includes_sub_themes_and_search_feed_of_a_sub_theme(client, publish, taxonomy):
    late = publish("Uitkering weer te laat", themes=("Uitkering te laat",))
    main, sub = taxonomy.themes["betaling"].id, taxonomy.themes["uitkering te laat"].id
    for url in (
        f"/feeds/thema/{main}.atom",
        f"/feeds/thema/{sub}.rss",
        f"/zoeken.atom?thema={main}",
    ):
        _, parsed = read(client, url)
        assert [entry.id.rsplit("/", 1)[1] for entry in parsed.entries] == [str(late.id)], url
    _, parsed = read(client, f"/feeds/thema/{sub}.atom")
    assert parsed.feed.title == "Signalen: knelpunten over Betaling › Uitkering te laat"


def test_search_feed_lists_the_newest_published_first_however_old_the_signal(
    app, client, publish, make_signal, make_user
):
    # Registered first, approved last, and a weaker match than the 25 signals published
    # before it: it must still lead the feed, which shows only the two newest publications.
    app.config["FEED_MAX_ENTRIES"] = 2
    waiting = make_signal(title="Terugvordering lang blijven liggen", visibility=Visibility.PUBLIC)
    for number in range(1, 26):
        publish(f"Terugvordering terugvordering terugvordering nummer {number}")
    _response, before = read(client, "/zoeken.atom?q=terugvordering")
    assert [entry.title.rsplit(" ", 1)[1] for entry in before.entries] == ["25", "24"]

    coordinator = make_user(Role.COORDINATOR, organisation=waiting.organisation)
    signal_services.approve_public(waiting, coordinator)
    _response, after = read(client, "/zoeken.atom?q=terugvordering")
    assert [entry.title for entry in after.entries] == [
        "Terugvordering lang blijven liggen",
        "Terugvordering terugvordering terugvordering nummer 25",
    ]
