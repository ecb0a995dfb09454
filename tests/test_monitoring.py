"""Monitoring end to end: feeds and searches fetched once, matched, fanned out per agency."""

import pytest
from rq import Worker
from sqlalchemy import func, select

from saas import db, tenancy
from saas.jobs import enqueue, get_queue, redis_connection
from tenants.monitoring.pipeline.jobs import enqueue_due_sources, refresh_source
from tenants.monitoring.models import Keyword, Mention, Source
from tests.conftest import login, run_worker
from tests.local_server import allow_local, local_server  # noqa: F401  (fixtures)

HX = {"HX-Request": "true", "Accept-Language": "en"}

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Le Fil Conso</title><link>https://filconso.example/</link><language>fr</language>
<item><guid>conso-1</guid><title>Rappel produit : Danone retire des yaourts</title>
<link>https://filconso.example/articles/danone-rappel</link><pubDate>Wed, 25 Nov 2026 08:00:00 +0000</pubDate>
<description><![CDATA[<p>C'est pas terrible : <b>Danone</b> rappelle un lot de yaourts.</p><script>alert('xss')</script><img src=x onerror="alert(1)">]]></description></item>
<item><guid>conso-2</guid><title>Airbus livre un A350 record</title>
<link>https://filconso.example/articles/airbus-a350</link><pubDate>Wed, 25 Nov 2026 09:00:00 +0000</pubDate>
<description>Une belle réussite pour Airbus, bravo aux équipes !</description></item>
<item><guid>conso-3</guid><title>La météo du jour</title>
<link>https://filconso.example/articles/meteo</link><pubDate>Wed, 25 Nov 2026 10:00:00 +0000</pubDate>
<description>Il pleut sur Toulouse.</description></item>
</channel></rss>""".encode()

HN = b"""{"hits": [{"objectID": "4242", "created_at_i": 1795600000, "title": "Danone open-sources its supply chain tools",
"url": "https://news.example/danone-tools", "author": "pg", "story_text": null, "comment_text": null, "_tags": ["story"]},
{"objectID": "4243", "created_at_i": 1795600100, "comment_text": "Danone support was terrible, never again",
"story_title": "Ask HN: worst customer service?", "author": "jdoe", "_tags": ["comment"]}], "nbHits": 2}"""



@pytest.fixture
def feed_url(local_server, allow_local):  # noqa: F811
    local_server.reply("/rss", FEED, headers={"Content-Type": "application/rss+xml", "ETag": '"v1"'})
    return local_server.url_for("/rss")


def add_client(app, web, agency, name):
    """Create a client through the page; return its id."""
    from tenants.clients.models import Client

    assert web.post(f"/a/{agency.slug}/clients/", data={"name": name}, headers=HX).status_code == 200
    with app.app_context(), tenancy.agency_scope(agency.id):
        return db.session.scalars(select(Client.id).where(Client.name == name)).one()


def mentions_of(app, agency):
    with app.app_context(), tenancy.agency_scope(agency.id):
        return db.session.scalars(select(Mention).order_by(Mention.id)).all()


@pytest.fixture
def two_agencies_on_one_feed(app, make_agency, feed_url):
    agencies = []
    for name, brand in (("Agence Alpha", "Danone"), ("Agence Beta", "Airbus")):
        agency = make_agency(name)
        web = app.test_client()
        login(web, agency.owner_email)
        client_id = add_client(app, web, agency, brand)
        assert web.post(f"/a/{agency.slug}/clients/{client_id}/keywords", data={"query": brand}).status_code == 302
        assert web.post(f"/a/{agency.slug}/clients/{client_id}/feeds", data={"url": feed_url}).status_code == 302
        agencies.append((agency, web, client_id))
    return agencies


def test_two_agencies_on_one_feed_share_one_fetch(app, local_server, two_agencies_on_one_feed):  # noqa: F811
    (alpha, alpha_web, _), (beta, beta_web, _) = two_agencies_on_one_feed
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Source)) == 1
        enqueue(enqueue_due_sources)
    run_worker(app)
    assert local_server.paths_seen().count("/rss") == 1  # one fetch for both agencies
    alpha_mentions, beta_mentions = mentions_of(app, alpha), mentions_of(app, beta)
    assert [m.title for m in alpha_mentions] == ["Rappel produit : Danone retire des yaourts"]
    assert [m.title for m in beta_mentions] == ["Airbus livre un A350 record"]
    alpha_page = alpha_web.get(f"/a/{alpha.slug}/mentions/").get_data(as_text=True)
    assert "Danone" in alpha_page and "Airbus" not in alpha_page
    beta_page = beta_web.get(f"/a/{beta.slug}/mentions/").get_data(as_text=True)
    assert "Danone" not in beta_page


def test_mentions_carry_language_sentiment_and_highlight(app, two_agencies_on_one_feed):
    (alpha, alpha_web, _), _ = two_agencies_on_one_feed
    with app.app_context():
        enqueue(enqueue_due_sources)
    run_worker(app)
    (mention,) = mentions_of(app, alpha)
    assert mention.language == "fr"
    assert mention.sentiment == "negative"  # "c'est pas terrible", a product recall
    start, end = mention.highlights[0]
    assert mention.excerpt[start:end] == "Danone"
    page = alpha_web.get(f"/a/{alpha.slug}/mentions/").get_data(as_text=True)
    assert "<mark>Danone</mark>" in page
    assert "<script>alert" not in page and "onerror" not in page  # hostile HTML from the feed stays inert


def test_refetching_and_retried_jobs_never_duplicate(app, local_server, two_agencies_on_one_feed):  # noqa: F811
    (alpha, _, _), _ = two_agencies_on_one_feed
    with app.app_context():
        source_id = db.session.scalars(select(Source.id)).one()
        for _ in range(3):
            enqueue(refresh_source, source_id)
    run_worker(app)
    assert len(mentions_of(app, alpha)) == 1
    conditional = [r for r in local_server.requests if r.path == "/rss"][1:]
    assert conditional and all(r.headers.get("if-none-match") == '"v1"' for r in conditional)


def test_failing_source_backs_off_and_says_why(app, local_server, allow_local, make_agency):  # noqa: F811
    local_server.reply("/broken", b"oops", status=500)
    agency = make_agency()
    web = app.test_client()
    login(web, agency.owner_email)
    client_id = add_client(app, web, agency, "Danone")
    web.post(f"/a/{agency.slug}/clients/{client_id}/keywords", data={"query": "Danone"})
    web.post(f"/a/{agency.slug}/clients/{client_id}/feeds", data={"url": local_server.url_for("/broken")})
    with app.app_context():
        enqueue(enqueue_due_sources)
    run_worker(app)
    with app.app_context():
        source = db.session.scalars(select(Source)).one()
        assert source.failures == 1 and source.last_status == 500
        assert source.next_fetch_at > source.last_fetched_at
        assert enqueue_due_sources.original() == 0  # backing off: not due again yet
    page = web.get(f"/a/{agency.slug}/clients/{client_id}/monitoring", headers={"Accept-Language": "en"})
    assert "temporary problem" in page.get_data(as_text=True) and "HTTP 500" in page.get_data(as_text=True)


@pytest.mark.parametrize("body", [
    b"<html><body>Not a feed</body></html>",
    b"",
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><rss><channel><title>&b;</title></channel></rss>',
    b'<?xml version="1.0"?><rss><channel><title>cut',
])
def test_hostile_feed_becomes_a_source_error_and_keeps_stored_mentions(app, local_server, two_agencies_on_one_feed, body):  # noqa: F811
    (alpha, _, _), _ = two_agencies_on_one_feed
    with app.app_context():
        enqueue(enqueue_due_sources)
    run_worker(app)
    local_server.reply("/rss", body, headers={"Content-Type": "application/rss+xml"})
    with app.app_context():
        source = db.session.scalars(select(Source)).one()
        enqueue(refresh_source, source.id)
    run_worker(app)
    with app.app_context():
        source = db.session.scalars(select(Source)).one()
        assert source.failures == 1 and source.last_error
    assert len(mentions_of(app, alpha)) == 1


def test_new_keyword_backfills_from_search_connectors(app, local_server, allow_local, make_agency):  # noqa: F811
    local_server.reply("/api/v1/search_by_date", HN, headers={"Content-Type": "application/json"})
    app.config["SEARCH_API_BASES"] = {"hackernews": f"{local_server.url}/api/v1"}
    try:
        agency = make_agency()
        web = app.test_client()
        login(web, agency.owner_email)
        client_id = add_client(app, web, agency, "Danone")
        web.post(f"/a/{agency.slug}/clients/{client_id}/connectors", data={"connectors": ["hackernews"],
                                                                            "mastodon_instances": "mastodon.social"})
        web.post(f"/a/{agency.slug}/clients/{client_id}/keywords", data={"query": "Danone", "language": ""})
        with app.app_context(), tenancy.agency_scope(agency.id):
            keyword = db.session.scalars(select(Keyword)).one()
        progress = web.get(f"/a/{agency.slug}/keywords/{keyword.id}/progress", headers={"Accept-Language": "en"})
        assert progress.status_code == 200 and "first mentions" in progress.get_data(as_text=True)
        run_worker(app)
        done = web.get(f"/a/{agency.slug}/keywords/{keyword.id}/progress")
        assert done.status_code == 286  # htmx stops polling
    finally:
        app.config["SEARCH_API_BASES"] = {}
    titles = sorted(m.title or m.excerpt for m in mentions_of(app, agency))
    assert len(titles) == 2 and "Danone open-sources its supply chain tools" in titles
    assert any("/api/v1/search_by_date?query=Danone" in path for path in local_server.paths_seen())


def test_a_new_keyword_gets_the_whole_month_a_busy_feed_still_holds(app, feed_url, make_agency):
    """A feed bringing ~90 items a day holds 2,600 from the last 29 days: the new keyword's backfill reads them
    all, oldest included (it read the newest 2,000 only, so the crisis baseline's first weeks were short)."""
    from datetime import timedelta

    from saas.db import utcnow
    from tenants.monitoring.models import SourceItem

    agency = make_agency()
    web = app.test_client()
    login(web, agency.owner_email)
    client_id = add_client(app, web, agency, "Danone")
    assert web.post(f"/a/{agency.slug}/clients/{client_id}/feeds", data={"url": feed_url}).status_code == 302
    run_worker(app)  # the feed's first fetch
    now = utcnow()
    with app.app_context(), tenancy.all_agencies():
        source_id = db.session.scalars(select(Source.id)).one()
        db.session.add_all(SourceItem(source_id=source_id, external_id=f"busy-{n}", url=f"https://busy.example/{n}",
                                      title=f"Danone, dépêche {n}" if n % 100 == 0 else f"Dépêche {n}", text="",
                                      published_at=now - timedelta(minutes=16 * n), language="fr")
                           for n in range(2600))
        db.commit()
    assert web.post(f"/a/{agency.slug}/clients/{client_id}/keywords", data={"query": "Danone"}).status_code == 302
    run_worker(app)
    mentions = mentions_of(app, agency)
    assert len(mentions) == 26 + 1  # one in a hundred of the busy month, and the feed's recall notice
    assert min(m.published_at for m in mentions) <= now - timedelta(days=27)


@pytest.mark.parametrize("query, fragment", [
    ('"Danone', "quote opened at position 1"),
    ("(Danone OR Evian", "parenthesis opened at position 1"),
    ("Danone OR", "or at position 8"),
    ("-Danone", "only excludes words"),
])
def test_invalid_query_is_422_with_a_pointer(app, client, make_agency, query, fragment):
    agency = make_agency()
    login(client, agency.owner_email)
    client_id = add_client(app, client, agency, "Danone")
    response = client.post(f"/a/{agency.slug}/clients/{client_id}/keywords", data={"query": query},
                           headers={"Accept-Language": "en"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and fragment in body.lower()
    assert "Danone" in body  # the query comes back in the field


def test_preview_highlights_a_pasted_sample(app, client, make_agency):
    agency = make_agency()
    login(client, agency.owner_email)
    client_id = add_client(app, client, agency, "L'Oréal")
    response = client.post(f"/a/{agency.slug}/clients/{client_id}/keywords/preview",
                           data={"query": "oréal -recrutement", "sample": "J'adore la nouvelle crème de L’Oréal !"},
                           headers=HX)
    assert response.status_code == 200
    assert "<mark>Oréal</mark>" in response.get_data(as_text=True)


def test_network_failure_is_recorded_and_retried_with_backoff(app, local_server, allow_local, make_agency):  # noqa: F811
    from rq.registry import ScheduledJobRegistry

    local_server.reply("/down", b"busy", status=503)
    agency = make_agency()
    web = app.test_client()
    login(web, agency.owner_email)
    client_id = add_client(app, web, agency, "Danone")
    web.post(f"/a/{agency.slug}/clients/{client_id}/feeds", data={"url": local_server.url_for("/down")})
    with app.app_context():
        source_id = db.session.scalars(select(Source.id)).one()
        job = enqueue(refresh_source, source_id)
        Worker([get_queue("monitoring")], connection=redis_connection()).work(burst=True)
        job.refresh()
        assert job.get_status() == "scheduled" and job.retries_left == 1  # retried later, with backoff
        assert job.id in ScheduledJobRegistry(queue=get_queue("monitoring")).get_job_ids()
        source = db.session.get(Source, source_id)
        assert source.failures == 1 and source.last_status == 503  # shown to the agency meanwhile
