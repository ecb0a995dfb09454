"""The built-in press catalogue: its shape (offline), and following outlets from the monitoring page."""
from urllib.parse import urlsplit

from sqlalchemy import func, select

from saas import db, tenancy
from tenants.monitoring import catalogue
from tenants.monitoring.models import ClientSource, Source
from tests.conftest import login
from tests.test_monitoring import HX, add_client


def test_the_catalogue_has_enough_outlets_of_every_kind_with_their_own_feeds():
    outlets = catalogue.outlets()
    assert len(outlets) >= 60
    assert len({outlet["id"] for outlet in outlets}) == len(outlets)
    feeds = [url for outlet in outlets for url in outlet["feeds"]]
    assert len(set(feeds)) == len(feeds)
    for outlet in outlets:
        assert set(outlet) == {"id", "name", "type", "language", "country", "site", "feeds"}, outlet["id"]
        assert outlet["type"] in catalogue.TYPES and len(outlet["language"]) == 2 and len(outlet["country"]) == 2
        assert outlet["feeds"] and all(url.startswith(("https://", "http://")) for url in outlet["feeds"])
        # The outlet's own feeds: on its domain or one of its feed hosts, never an aggregator.
        site = urlsplit(outlet["site"]).hostname.removeprefix("www.").split(".")[-2]
        assert all(site in urlsplit(url).hostname for url in outlet["feeds"]), outlet["id"]
    counts = {kind: len(group) for kind, group in catalogue.by_type()}
    assert counts["national"] >= 15 and counts["regional"] >= 10 and counts["trade"] >= 10
    assert counts["international"] >= 10


def test_an_outlet_or_a_group_is_followed_in_one_click_and_shared_by_agencies(app, client, make_agency):
    first, second = make_agency(), make_agency("Agence Rivale")
    login(client, first.owner_email)
    client_id = add_client(app, client, first, "Lactalis")
    url = f"/a/{first.slug}/clients/{client_id}/catalogue"
    page = client.get(f"/a/{first.slug}/clients/{client_id}/monitoring", headers={"Accept-Language": "fr"})
    assert "Presse régionale" in page.get_data(as_text=True) and "Ouest-France" in page.get_data(as_text=True)
    assert client.post(url, data={"outlet": "lemonde"}).status_code == 302
    assert client.post(url, data={"outlet": "lemonde"}).status_code == 302  # twice: still one subscription
    assert client.post(url, data={"group": "regional"}).status_code == 302
    assert client.post(url, data={"outlet": "nope"}, headers=HX).status_code == 404
    regional = [url for _, group in catalogue.by_type() if _ == "regional" for o in group for url in o["feeds"]]
    with app.app_context(), tenancy.agency_scope(first.id):
        followed = set(db.session.scalars(select(Source.url).join(ClientSource, ClientSource.source_id == Source.id)))
        assert followed == {"https://www.lemonde.fr/rss/une.xml", "https://www.lemonde.fr/economie/rss_full.xml",
                            *regional}
        assert db.session.scalar(select(Source.title).where(Source.url == "https://www.lemonde.fr/rss/une.xml")) \
            == "Le Monde"
    body = client.get(f"/a/{first.slug}/clients/{client_id}/monitoring").get_data(as_text=True)
    assert "Followed" in body or "Suivi" in body
    other = app.test_client()
    login(other, second.owner_email)
    other_client = add_client(app, other, second, "Danone")
    assert other.post(f"/a/{second.slug}/clients/{other_client}/catalogue", data={"outlet": "lemonde"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Source).where(
            Source.url == "https://www.lemonde.fr/rss/une.xml")) == 1  # fetched once for all agencies


def test_google_news_per_keyword_and_youtube_channel_feeds(app, client, make_agency):
    from tenants.monitoring.models import Keyword
    from tenants.monitoring.service import feed_address

    agency = make_agency()
    login(client, agency.owner_email)
    client_id = add_client(app, client, agency, "Lactalis")
    assert client.post(f"/a/{agency.slug}/clients/{client_id}/keywords",
                       data={"query": '"Lactalis" OR Président -recrutement'}).status_code == 302
    with app.app_context(), tenancy.agency_scope(agency.id):
        keyword_id = db.session.scalars(select(Keyword.id)).one()
    assert client.post(f"/a/{agency.slug}/keywords/{keyword_id}/google-news").status_code == 302
    channel = "https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv"
    assert client.post(f"/a/{agency.slug}/clients/{client_id}/feeds", data={"url": channel}).status_code == 302
    with app.app_context(), tenancy.agency_scope(agency.id):
        followed = set(db.session.scalars(select(Source.url).join(ClientSource, ClientSource.source_id == Source.id)
                                          .where(ClientSource.keyword_id.is_(None))))
    assert followed == {"https://news.google.com/rss/search?q=%22Lactalis%22&hl=fr&gl=FR&ceid=FR%3Afr",
                        "https://news.google.com/rss/search?q=Pr%C3%A9sident&hl=fr&gl=FR&ceid=FR%3Afr",
                        "https://www.youtube.com/feeds/videos.xml?channel_id=UCabcdefghijklmnopqrstuv"}
    assert feed_address("https://www.youtube.com/playlist?list=PLabcdefghijk") == \
        "https://www.youtube.com/feeds/videos.xml?playlist_id=PLabcdefghijk"
    assert feed_address("https://www.lemonde.fr/rss/une.xml") == "https://www.lemonde.fr/rss/une.xml"
