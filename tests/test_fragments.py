"""Kept fragments (saas/fragments.py): inbox rows rendered once, then reused, never stale nor shared.

A kept row must show what the mention is now, escape what was typed, carry the reader's own CSRF
token and return address, and never reach another agency.
"""
import re
from datetime import datetime, timezone

import pytest

from saas import db, tenancy
from tenants.monitoring.models import Mention
from tests.factories import watched_client
from tests.conftest import CSRF_RE, login

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def add_agency_with_mention(app, make_agency, name, title):
    agency = make_agency(name)
    with app.app_context(), tenancy.agency_scope(agency.id):
        brand, keyword = watched_client()
        mention = Mention(client_id=brand.id, keyword_id=keyword.id, source_kind="rss", source_name="Le Fil",
                          item_key="same-item", url="https://news.example/1", title=title, excerpt="Danone.",
                          highlights=[], published_at=datetime(2026, 11, 20, 8, tzinfo=timezone.utc), language="fr",
                          sentiment="neutral", sentiment_score=0.0, status="new")
        db.session.add(mention)
        db.commit()
        return agency, mention.id


@pytest.fixture
def two_agencies(app, make_agency):
    first = add_agency_with_mention(app, make_agency, "Agence Une", HOSTILE)
    second = add_agency_with_mention(app, make_agency, "Agence Deux", "Une autre histoire")
    return first, second


def inbox(client, agency, query=""):
    return client.get(f"/a/{agency.slug}/mentions/{query}", headers={"Accept-Language": "fr"}).get_data(as_text=True)


def test_a_kept_row_escapes_what_was_typed_and_carries_this_readers_token(app, client, two_agencies):
    (agency, _mention_id), _ = two_agencies
    login(client, agency.owner_email)
    first, second = inbox(client, agency), inbox(client, agency)  # drawn, then from the kept rows
    for page in (first, second):
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert" in page
        assert "relais-csrf-mark" not in page and "relais-next-mark" not in page
        token = CSRF_RE.search(page).group(1)
        assert page.count(f'name="csrf_token" value="{token}"') >= 3  # sentiment, card, share: this session's
    # The share form sends the person back to the page they were on, filters included.
    filtered = inbox(client, agency, "?sentiment=neutral")
    assert 'name="next" value="/a/agence-une/mentions/?sentiment=neutral"' in filtered


def test_another_person_gets_their_own_token_on_the_same_kept_rows(app, client, two_agencies):
    (agency, _), _ = two_agencies
    login(client, agency.owner_email)
    mine = CSRF_RE.search(inbox(client, agency)).group(1)
    other = app.test_client()
    login(other, agency.owner_email)
    theirs_page = inbox(other, agency)
    theirs = CSRF_RE.search(theirs_page).group(1)
    assert theirs != mine and f'value="{mine}"' not in theirs_page


def test_a_changed_mention_is_drawn_again(app, client, two_agencies):
    (agency, mention_id), _ = two_agencies
    login(client, agency.owner_email)
    assert 'data-testid="mention-share"' in inbox(client, agency)
    assert client.post(f"/a/{agency.slug}/mentions/{mention_id}/sentiment", data={"sentiment": "negative"}).status_code == 200
    assert client.post(f"/a/{agency.slug}/guests/mentions/{mention_id}/share", data={"shared": "1"}).status_code in (200, 302)
    page = inbox(client, agency)
    assert "mention mention-negative" in page
    assert re.search(r'<option value="negative" selected', page)
    assert 'data-testid="mention-unshare"' in page


def test_kept_rows_never_reach_another_agency(app, client, two_agencies):
    (first, first_id), (second, second_id) = two_agencies
    login(client, first.owner_email)
    inbox(client, first)
    other = app.test_client()
    login(other, second.owner_email)
    page = inbox(other, second)
    assert "Une autre histoire" in page and "&lt;script&gt;" not in page
    assert f"/a/{second.slug}/mentions/{second_id}/sentiment" in page and f"/a/{first.slug}/" not in page
