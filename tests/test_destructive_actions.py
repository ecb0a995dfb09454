"""Nothing a person built vanishes on one click: archive and restore keywords, undo a feed removal and a bulk
archive, delete for good only behind a real confirmation (the browser side: test_confirm_browser.py)."""
import glob
import os
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from saas import db, tenancy
from saas.billing.limits import count_usage
from tenants.monitoring.pipeline.feeds import Item
from tenants.monitoring.pipeline.ingest import backfill, ingest
from tenants.monitoring.models import ClientSource, Keyword, Mention, Source
from tests.factories import watched_client
from tests.conftest import login
from tests.fake_stripe import billing_on, fake_stripe  # noqa: F401  (fixtures)
from tests.test_billing import set_subscription

EN = {"Accept-Language": "en"}
FR = {"Accept-Language": "fr"}
BASE = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def watched(app, client, make_agency):
    """Danone watched by the keyword "Danone" with three mentions (one read); the owner signed in."""
    agency = make_agency()
    with app.app_context(), tenancy.agency_scope(agency.id):
        brand, keyword = watched_client()
        for n in range(3):
            db.session.add(Mention(client_id=brand.id, keyword_id=keyword.id, source_kind="rss", source_name="Le Fil",
                                   item_key=f"item-{n}", url=f"https://news.example/{n}", title=f"Danone news {n}",
                                   excerpt="Danone.", published_at=BASE + timedelta(hours=n),
                                   status="read" if n == 0 else "new"))
        db.commit()
        ids = {"client": brand.id, "keyword": keyword.id}
    login(client, agency.owner_email)
    return agency, ids


def scoped(app, agency, query):
    with app.app_context(), tenancy.agency_scope(agency.id):
        return db.session.execute(query).all()


def keyword_row(app, agency, keyword_id):
    with app.app_context(), tenancy.agency_scope(agency.id):
        return db.session.get(Keyword, keyword_id)


def mention_count(app, agency):
    return scoped(app, agency, select(func.count()).select_from(Mention))[0][0]


def test_archiving_a_keyword_keeps_its_mentions_in_the_inbox_and_can_be_undone(app, client, watched):
    agency, ids = watched
    base = f"/a/{agency.slug}"
    response = client.post(f"{base}/keywords/{ids['keyword']}/archive", headers=EN)
    assert response.status_code == 302
    keyword = keyword_row(app, agency, ids["keyword"])
    assert keyword.archived_at is not None and keyword.active is False
    assert mention_count(app, agency) == 3
    page = client.get(f"{base}/clients/{ids['client']}/monitoring", headers=EN).get_data(as_text=True)
    assert "archived: it no longer looks for mentions" in page
    inbox = client.get(f"{base}/mentions/", headers=EN).get_data(as_text=True)
    assert inbox.count('class="mention ') == 3  # the mentions of an archived keyword stay in the inbox
    undo = re.search(r'<form method="post" action="([^"]+/restore)"', page).group(1)
    assert 'data-testid="archived-keywords"' in page and "Delete for good" in page
    assert client.post(undo, headers=EN).status_code == 302
    keyword = keyword_row(app, agency, ids["keyword"])
    assert keyword.archived_at is None and keyword.active is True
    assert mention_count(app, agency) == 3


def test_an_archived_keyword_stops_matching_and_its_feed_items_wait_for_a_restore(app, client, watched):
    agency, ids = watched
    client.post(f"/a/{agency.slug}/clients/{ids['client']}/feeds", data={"url": "https://feed.example/rss"})
    client.post(f"/a/{agency.slug}/keywords/{ids['keyword']}/archive")
    item = Item("fresh-1", "https://feed.example/fresh", "Danone encore", "Danone rappelle des yaourts", None,
                BASE + timedelta(days=1), "Le Fil", "fr")
    with app.app_context(), tenancy.all_agencies():
        source = db.session.scalars(select(Source)).one()
        assert ingest(source, [item]) == {}  # nobody follows with an active keyword
        db.commit()
    assert mention_count(app, agency) == 3
    client.post(f"/a/{agency.slug}/keywords/{ids['keyword']}/restore")
    with app.app_context(), tenancy.agency_scope(agency.id):  # restored: its backfill finds what it missed
        assert backfill(db.session.get(Keyword, ids["keyword"]), [source.id]) == 1
        db.commit()
    assert mention_count(app, agency) == 4


def test_archived_keywords_do_not_count_in_the_plan(app, billing_on, client, watched):  # noqa: F811
    agency, ids = watched
    set_subscription(app, agency, plan="solo")
    with app.app_context(), tenancy.agency_scope(agency.id):
        db.session.add_all([Keyword(client_id=ids["client"], query=f"Danone {n}", backfill_state="done")
                            for n in range(24)])
        db.commit()
        assert count_usage("keywords") == 25
    refused = client.post(f"/a/{agency.slug}/clients/{ids['client']}/keywords", data={"query": "Blédina"}, headers=EN)
    assert refused.status_code == 402
    client.post(f"/a/{agency.slug}/keywords/{ids['keyword']}/archive")
    with app.app_context(), tenancy.agency_scope(agency.id):
        assert count_usage("keywords") == 24
    added = client.post(f"/a/{agency.slug}/clients/{ids['client']}/keywords", data={"query": "Blédina"}, headers=EN)
    assert added.status_code == 302
    # The plan is full again: restoring brings the keyword back paused, with a word about the plan.
    client.post(f"/a/{agency.slug}/keywords/{ids['keyword']}/restore", headers=EN)
    keyword = keyword_row(app, agency, ids["keyword"])
    assert keyword.archived_at is None and keyword.active is False
    page = client.get(f"/a/{agency.slug}/clients/{ids['client']}/monitoring", headers=EN).get_data(as_text=True)
    assert "restored, paused" in page and "25 active keywords" in page
    with app.app_context(), tenancy.agency_scope(agency.id):
        assert count_usage("keywords") == 25


def test_a_keyword_is_deleted_only_from_the_archive_behind_a_page_that_counts_its_mentions(
        app, client, watched, make_member):
    agency, ids = watched
    url = f"/a/{agency.slug}/keywords/{ids['keyword']}/delete"
    refused = client.post(url, data={"confirm": "delete"}, headers=EN)
    assert refused.status_code == 409 and "Archive the keyword first" in refused.get_data(as_text=True)
    assert keyword_row(app, agency, ids["keyword"]) is not None  # not archived yet
    client.post(f"/a/{agency.slug}/keywords/{ids['keyword']}/archive")
    page = client.get(url, headers=EN)
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "the 3 mentions it found" in body and "cannot be undone" in body
    french = client.get(url, headers=FR).get_data(as_text=True)
    assert "les 3 mentions qu’il a trouvées" in french
    assert client.post(url, headers=EN).status_code == 422  # the button of the page was not pressed
    assert mention_count(app, agency) == 3
    make_member(agency, "cm@lumiere.test", pole="cm")
    member = app.test_client()
    login(member, "cm@lumiere.test")
    assert member.post(url, data={"confirm": "delete"}).status_code == 403
    done = client.post(url, data={"confirm": "delete"}, headers=EN)
    assert done.status_code == 302
    assert keyword_row(app, agency, ids["keyword"]) is None and mention_count(app, agency) == 0


def test_removing_a_feed_offers_undo_and_following_it_again_keeps_its_history(app, client, watched):
    agency, ids = watched
    base = f"/a/{agency.slug}/clients/{ids['client']}"
    assert client.post(f"{base}/feeds", data={"url": "https://feed.example/rss"}).status_code == 302
    source_id = scoped(app, agency, select(ClientSource.source_id))[0][0]
    with app.app_context():
        db.session.get(Source, source_id).title = "Le Fil Conso"
        db.commit()
    page = client.get(f"{base}/monitoring", headers=EN).get_data(as_text=True)
    assert re.search(r'action="[^"]+/feeds/%d/remove" data-confirm="Stop following' % source_id, page)
    client.post(f"{base}/feeds/{source_id}/remove", headers=EN)
    assert scoped(app, agency, select(ClientSource)) == []
    page = client.get(f"{base}/monitoring", headers=EN).get_data(as_text=True)
    assert "Feed “Le Fil Conso” removed" in page
    form = re.search(r'<form method="post" action="([^"]+/feeds)" class="inline">(.*?)</form>', page, re.S)
    fields = dict(re.findall(r'name="(url|again)" value="([^"]*)"', form.group(2)))
    assert fields == {"url": "https://feed.example/rss", "again": "1"}
    assert client.post(form.group(1), data=fields, headers=EN).status_code == 302
    assert scoped(app, agency, select(ClientSource.source_id)) == [(source_id,)]  # the same source, its history
    assert "Feed followed again, with its history." in client.get(f"{base}/monitoring", headers=EN).get_data(as_text=True)


def test_undo_of_a_bulk_archive_puts_back_exactly_those_mentions_as_they_were(app, client, watched):
    agency, ids = watched
    chosen = [m for (m,) in scoped(app, agency, select(Mention.id).order_by(Mention.id))][:2]  # one read, one new
    response = client.post(f"/a/{agency.slug}/mentions/bulk", data={"action": "archive", "ids": [str(i) for i in chosen],
                                                                   "next": f"/a/{agency.slug}/mentions/?client={ids['client']}"},
                           headers=EN)
    assert response.status_code == 302
    page = client.get(response.location, headers=EN).get_data(as_text=True)
    assert "2 mentions archived." in page and page.count('class="mention ') == 1
    form = re.search(r'<form method="post" action="([^"]+/mentions/bulk/undo)" class="inline">(.*?)</form>', page, re.S)
    fields = dict(re.findall(r'name="(restore|next)" value="([^"]*)"', form.group(2)))
    client.post(f"/a/{agency.slug}/mentions/bulk", data={"action": "archive", "ids": [str(chosen[1] + 1)]})
    undone = client.post(form.group(1), data={k: v.replace("&amp;", "&") for k, v in fields.items()}, headers=EN)
    assert undone.status_code == 302 and undone.location.endswith(f"?client={ids['client']}")
    statuses = dict(scoped(app, agency, select(Mention.id, Mention.status)))
    assert statuses == {chosen[0]: "read", chosen[1]: "new", chosen[1] + 1: "archived"}  # the third stays archived
    assert client.post(form.group(1), data={"restore": "new:zz;boom"}).status_code == 400


def test_every_irreversible_form_asks_for_a_confirmation_that_really_appears():
    """hx-confirm does nothing on a plain form: forms say data-confirm, which static/js/app.js asks in a dialog."""
    irreversible = re.compile(r"url_for\('[a-z_]+\.(delete\w*|remove|revoke\w*|cancel_invitation|rotate\w*|"
                              r"close_crisis|unfollow_feed|archive_keyword|send_release|resend_failed)'")
    unconfirmed = []
    for path in glob.glob(os.path.join(ROOT, "templates", "**", "*.html"), recursive=True):
        text = open(path, encoding="utf-8").read()
        assert "hx-confirm" not in text, path
        for form in re.findall(r"<form\b[^>]*>", text, re.S):
            target = irreversible.search(form)
            if target and "data-confirm=" not in form and not path.endswith(("delete.html", "delete_keyword.html")):
                unconfirmed.append(f"{os.path.relpath(path, ROOT)}: {target.group(1)}")
    assert not unconfirmed, "Irreversible actions without data-confirm:\n" + "\n".join(unconfirmed)
    script = open(os.path.join(ROOT, "static", "js", "app.js"), encoding="utf-8").read()
    assert "data-confirm" in script and "window.confirm" in script
