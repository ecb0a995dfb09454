"""The mentions inbox: filters, full-text search, keyset pages, bulk actions, CSV, corrections, live.

The exports in detail (formulas, French Excel, time zone, bad filters): test_inbox_export.py.
"""
import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from saas import db, tenancy
from tenants.clients.models import Client
from tenants.monitoring.models import Keyword, Mention
from tests.conftest import login

EN = {"Accept-Language": "en"}
BASE = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def inbox(app, client, make_agency):
    """An agency with two clients and 120 mentions of various kinds."""
    agency = make_agency()
    with app.app_context(), tenancy.agency_scope(agency.id):
        danone, airbus = Client(name="Danone"), Client(name="Airbus")
        db.session.add_all([danone, airbus])
        db.session.flush()
        k1 = Keyword(client_id=danone.id, query="Danone", backfill_state="done")
        k2 = Keyword(client_id=airbus.id, query="Airbus", backfill_state="done")
        db.session.add_all([k1, k2])
        db.session.flush()
        for i in range(120):
            brand, keyword = (danone, k1) if i % 2 == 0 else (airbus, k2)
            db.session.add(Mention(
                client_id=brand.id, keyword_id=keyword.id, source_kind="rss" if i % 3 else "reddit",
                source_name="Le Fil", item_key=f"item-{i}", url=f"https://news.example/{i}",
                title=f"{brand.name} news number {i}" + (" yaourt rappel" if i == 42 else ""),
                excerpt=f"Something about {brand.name}.", highlights=[[16, 16 + len(brand.name)]],
                published_at=BASE + timedelta(hours=i), language="fr" if i % 4 else "en",
                sentiment=("negative", "neutral", "positive")[i % 3], sentiment_score=0.0, status="new"))
        db.commit()
        ids = {"danone": danone.id, "airbus": airbus.id, "k1": k1.id}
    login(client, agency.owner_email)
    return agency, ids


def rows(response):
    return response.get_data(as_text=True).count('class="mention ')


def test_newest_first_in_pages_of_50_with_keyset_cursor(client, inbox):
    agency, _ = inbox
    first = client.get(f"/a/{agency.slug}/mentions/").get_data(as_text=True)
    assert first.count('class="mention ') == 50
    assert first.index("news number 119") < first.index("news number 118")
    cursor = first.split("after=")[1].split("&")[0].split('"')[0]
    second = client.get(f"/a/{agency.slug}/mentions/?after={cursor}", headers={"HX-Request": "true"})
    body = second.get_data(as_text=True)
    assert "<html" not in body and "news number 69" in body and "news number 70" not in body


def test_filters_by_client_source_sentiment_language_and_dates(client, inbox):
    agency, ids = inbox
    url = f"/a/{agency.slug}/mentions/"
    assert rows(client.get(f"{url}?client={ids['airbus']}&status=new")) == 50
    body = client.get(f"{url}?client={ids['danone']}&source=reddit&sentiment=negative").get_data(as_text=True)
    assert "Airbus news" not in body and rows(client.get(f"{url}?client={ids['danone']}&source=reddit&sentiment=negative")) == 20
    assert rows(client.get(f"{url}?lang=en&from=2026-11-20&to=2026-11-20")) == 4
    bad = client.get(f"{url}?from=yesterday", headers=EN)
    assert bad.status_code == 200 and "Use dates like" in bad.get_data(as_text=True)


def test_full_text_search_uses_postgres(client, inbox):
    agency, _ = inbox
    body = client.get(f"/a/{agency.slug}/mentions/?q=yaourt rappel").get_data(as_text=True)
    assert body.count('class="mention ') == 1 and "news number 42" in body


def test_bulk_actions_and_archived_filter(app, client, inbox):
    agency, _ = inbox
    with app.app_context(), tenancy.agency_scope(agency.id):
        chosen = db.session.scalars(select(Mention.id).order_by(Mention.id).limit(3)).all()
    response = client.post(f"/a/{agency.slug}/mentions/bulk", data={"action": "archive", "ids": [str(i) for i in chosen]})
    assert response.status_code == 302
    assert rows(client.get(f"/a/{agency.slug}/mentions/?status=archived")) == 3
    client.post(f"/a/{agency.slug}/mentions/bulk", data={"action": "read", "ids": [str(chosen[0])]})
    with app.app_context(), tenancy.agency_scope(agency.id):
        assert db.session.get(Mention, chosen[0]).status == "read"
    assert client.post(f"/a/{agency.slug}/mentions/bulk", data={"action": "explode", "ids": ["1"]}).status_code == 400


def test_sentiment_correction_is_kept_and_shown(app, client, inbox):
    agency, _ = inbox
    with app.app_context(), tenancy.agency_scope(agency.id):
        mention = db.session.scalars(select(Mention).where(Mention.sentiment == "negative")).first()
    response = client.post(f"/a/{agency.slug}/mentions/{mention.id}/sentiment", data={"sentiment": "positive"},
                           headers={**EN, "HX-Request": "true"})
    assert response.status_code == 200 and "corrected" in response.get_data(as_text=True)
    with app.app_context(), tenancy.agency_scope(agency.id):
        stored = db.session.get(Mention, mention.id)
        assert (stored.sentiment, stored.sentiment_corrected) == ("negative", "positive")
    assert client.post(f"/a/{agency.slug}/mentions/{mention.id}/sentiment", data={"sentiment": "furious"}).status_code == 400


def test_csv_export_streams_every_matching_row(client, inbox):
    agency, ids = inbox
    response = client.get(f"/a/{agency.slug}/mentions/export.csv?client={ids['danone']}", headers=EN)
    assert response.status_code == 200
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert table[0][:3] == ["Published (Europe/Paris)", "Client", "Keyword"]
    assert len(table) == 61 and all(row[1] == "Danone" for row in table[1:])


def test_live_endpoint_returns_only_newer_mentions(app, client, inbox):
    agency, ids = inbox
    with app.app_context(), tenancy.agency_scope(agency.id):
        latest = db.session.scalars(select(Mention.id).order_by(Mention.id.desc())).first()
    assert client.get(f"/a/{agency.slug}/mentions/live?since={latest}").status_code == 204
    with app.app_context(), tenancy.agency_scope(agency.id):
        db.session.add(Mention(client_id=ids["danone"], source_kind="rss", item_key="fresh", title="Fresh Danone news",
                               excerpt="", published_at=BASE, language="fr", sentiment="neutral"))
        db.commit()
    response = client.get(f"/a/{agency.slug}/mentions/live?since={latest}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Fresh Danone news" in body and 'id="live-poll"' in body
    assert client.get(f"/a/{agency.slug}/mentions/live?since=abc").status_code == 400


def test_forged_cursor_is_refused_with_a_message(client, inbox):
    agency, _ = inbox
    response = client.get(f"/a/{agency.slug}/mentions/?after=not-a-cursor", headers=EN)
    assert response.status_code == 400 and "Go back to the first page" in response.get_data(as_text=True)


def test_a_mention_becomes_a_card_and_the_link_holds_both_ways(app, client, inbox):
    from tenants.boards.models import BoardCard

    agency, ids = inbox
    with app.app_context(), tenancy.agency_scope(agency.id):
        mention = db.session.scalars(select(Mention).where(Mention.sentiment == "negative")).first()
    response = client.post(f"/a/{agency.slug}/mentions/{mention.id}/card", headers=EN)
    assert response.status_code == 302 and "/boards/cards/" in response.location
    card_page = client.get(response.location, headers=EN).get_data(as_text=True)
    assert mention.title in card_page and f"mention={mention.id}" in card_page
    with app.app_context(), tenancy.agency_scope(agency.id):
        card = db.session.scalars(select(BoardCard)).one()
        assert (card.title, card.source_url, card.pole) == (mention.title, mention.url, "cm")
        assert "negative" in card.description
    again = client.post(f"/a/{agency.slug}/mentions/{mention.id}/card")
    assert again.location == response.location  # one card per mention
    inbox_page = client.get(f"/a/{agency.slug}/mentions/?mention={mention.id}&status=read", headers=EN).get_data(as_text=True)
    assert "Open its card" in inbox_page and inbox_page.count('class="mention ') == 1
