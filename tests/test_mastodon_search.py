"""Mastodon full-text search with the agency's access token, beside the hashtag timelines (issue 17).

The answers are shaped like Mastodon's documented `GET /api/v2/search` (accounts, statuses, hashtags);
a local server checks the token reaches the instance, and only the instance.
"""
import json

import pytest
from sqlalchemy import select

from saas import db, tenancy
from saas.http import fetch
from tenants.monitoring.models import ClientSource, Mention, MonitoringSettings, Source
from tenants.monitoring.pipeline.connectors import mastodon_search_url, parse_search
from tenants.monitoring.pipeline.jobs import refresh
from tests.conftest import login
from tests.local_server import LocalServer, allow_local, local_server  # noqa: F401  (fixtures)
from tests.test_monitoring import add_client

TOKEN = "Zk3_q8V1sXo-2bJcY7wTn4LmPa9EhRd0uFgKiOzS"
EN = {"Accept-Language": "en"}

# https://docs.joinmastodon.org/methods/search/#v2 : one status, the shape of the documentation's example.
SEARCH_ANSWER = {
    "accounts": [],
    "statuses": [{
        "id": "113503848470301934", "created_at": "2026-11-27T08:41:22.000Z", "in_reply_to_id": None,
        "sensitive": False, "spoiler_text": "", "visibility": "public", "language": "fr",
        "uri": "https://piaille.fr/users/margaux/statuses/113503848470301934",
        "url": "https://piaille.fr/@margaux/113503848470301934", "replies_count": 2, "reblogs_count": 5,
        "favourites_count": 9,
        "content": "<p>Trois semaines pour un remboursement chez Maison Lumière, c’est long…</p>",
        "account": {"id": "1093", "username": "margaux", "acct": "margaux", "display_name": "Margaux",
                    "url": "https://piaille.fr/@margaux"},
        "media_attachments": [], "mentions": [], "tags": [], "emojis": [], "card": None, "poll": None,
    }],
    "hashtags": [],
}


def test_the_search_url_asks_for_statuses_only():
    assert mastodon_search_url("Maison Lumière", "https://piaille.fr/") == (
        "https://piaille.fr/api/v2/search?q=Maison+Lumi%C3%A8re&type=statuses&limit=40&resolve=false")


def test_a_search_answer_becomes_items_like_a_timeline():
    (item,) = parse_search("mastodon", json.dumps(SEARCH_ANSWER).encode())
    assert item.url == "https://piaille.fr/@margaux/113503848470301934"
    assert item.author == "margaux@piaille.fr" and item.language == "fr"
    assert "remboursement chez Maison Lumière" in item.text


def test_the_token_goes_to_the_instance_and_never_follows_a_redirect_elsewhere(local_server, allow_local):  # noqa: F811
    other = LocalServer().start()
    try:
        other.reply("/landing", b"[]")
        local_server.reply("/api/v2/search", b"[]")
        local_server.reply("/moved", status=302, headers={"Location": other.url_for("/landing")})
        fetch(local_server.url_for("/api/v2/search"), authorization=f"Bearer {TOKEN}")
        fetch(local_server.url_for("/moved"), authorization=f"Bearer {TOKEN}")
        assert [r.headers.get("authorization") for r in local_server.requests] == [f"Bearer {TOKEN}"] * 2
        assert [r.headers.get("authorization") for r in other.requests] == [None]
    finally:
        other.stop()


def settings_of(app, agency, client_id):
    with app.app_context(), tenancy.agency_scope(agency.id):
        return db.session.scalars(select(MonitoringSettings).where(MonitoringSettings.client_id == client_id)).one()


def followed_sources(app, agency, client_id):
    with app.app_context(), tenancy.agency_scope(agency.id):
        ids = db.session.scalars(select(ClientSource.source_id).where(ClientSource.client_id == client_id)).all()
        return db.session.scalars(select(Source).where(Source.id.in_(ids)).order_by(Source.id)).all()


@pytest.fixture
def searched(app, local_server, allow_local, make_agency):  # noqa: F811
    """An agency whose client searches Mastodon (the local server stands for piaille.fr) with a token."""
    local_server.reply("/api/v2/search", json.dumps(SEARCH_ANSWER).encode(),
                       headers={"Content-Type": "application/json; charset=utf-8"})
    local_server.reply("/api/v1/timelines/tag/MaisonLumi%C3%A8re", b"[]",
                       headers={"Content-Type": "application/json; charset=utf-8"})
    app.config["SEARCH_API_BASES"] = {"mastodon": local_server.url}
    agency = make_agency()
    web = app.test_client()
    login(web, agency.owner_email)
    client_id = add_client(app, web, agency, "Maison Lumière")
    saved = web.post(f"/a/{agency.slug}/clients/{client_id}/connectors",
                     data={"connectors": ["mastodon"], "mastodon_instances": "piaille.fr", "mastodon_token": TOKEN})
    assert saved.status_code == 302
    web.post(f"/a/{agency.slug}/clients/{client_id}/keywords", data={"query": "Maison Lumière", "language": ""})
    yield agency, web, client_id
    app.config["SEARCH_API_BASES"] = {}


def test_a_client_with_a_token_searches_mastodon_in_full_text(app, local_server, searched):  # noqa: F811
    agency, web, client_id = searched
    sources = followed_sources(app, agency, client_id)
    assert [s.full_text for s in sources] == [False, True]  # the hashtag timeline stays, the search is added
    full_text = sources[1]
    assert full_text.url.startswith(f"{local_server.url}/api/v2/search?q=Maison+Lumi%C3%A8re&type=statuses")
    assert TOKEN not in full_text.key and TOKEN not in full_text.url
    with app.app_context(), tenancy.all_agencies():
        refresh(db.session.get(Source, full_text.id))
        db.commit()
    searches = [r for r in local_server.requests if r.path.startswith("/api/v2/search")]
    assert [r.headers.get("authorization") for r in searches] == [f"Bearer {TOKEN}"]
    with app.app_context(), tenancy.agency_scope(agency.id):
        (mention,) = db.session.scalars(select(Mention)).all()
    assert mention.url == "https://piaille.fr/@margaux/113503848470301934"

    page = web.get(f"/a/{agency.slug}/clients/{client_id}/monitoring", headers=EN).get_data(as_text=True)
    assert "A token is saved" in page and "(full-text search)" in page
    assert TOKEN not in page  # never shown again


def test_saving_without_a_token_keeps_it_and_forgetting_it_stops_the_search(app, searched):
    agency, web, client_id = searched
    url = f"/a/{agency.slug}/clients/{client_id}/connectors"
    web.post(url, data={"connectors": ["mastodon"], "mastodon_instances": "piaille.fr"})
    assert settings_of(app, agency, client_id).mastodon_token == TOKEN
    assert any(s.full_text for s in followed_sources(app, agency, client_id))
    web.post(url, data={"connectors": ["mastodon"], "mastodon_instances": "piaille.fr", "forget_token": "1"})
    assert settings_of(app, agency, client_id).mastodon_token is None
    assert [s.full_text for s in followed_sources(app, agency, client_id)] == [False]


def test_a_malformed_token_is_refused_with_what_was_typed_kept(app, searched):
    agency, web, client_id = searched
    answer = web.post(f"/a/{agency.slug}/clients/{client_id}/connectors", headers=EN,
                      data={"connectors": ["mastodon"], "mastodon_instances": "piaille.fr, mastodon.social",
                            "mastodon_token": "Bearer <script>"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "Paste the access token exactly as Mastodon shows it" in page
    assert "piaille.fr, mastodon.social" in page and "<script>" not in page
    assert settings_of(app, agency, client_id).mastodon_token == TOKEN  # the saved one is untouched


def test_another_agency_never_follows_nor_sees_the_full_text_search(app, searched, make_agency):
    agency, _web, _client_id = searched
    other = make_agency("Agence Voisine")
    web = app.test_client()
    login(web, other.owner_email)
    other_client = add_client(app, web, other, "Maison Lumière")
    web.post(f"/a/{other.slug}/clients/{other_client}/connectors",
             data={"connectors": ["mastodon"], "mastodon_instances": "piaille.fr"})
    web.post(f"/a/{other.slug}/clients/{other_client}/keywords", data={"query": "Maison Lumière", "language": ""})
    theirs = followed_sources(app, other, other_client)
    assert [s.full_text for s in theirs] == [False]  # the shared hashtag timeline only
    page = web.get(f"/a/{other.slug}/clients/{other_client}/monitoring", headers=EN).get_data(as_text=True)
    assert "A token is saved" not in page and "full-text search" not in page
