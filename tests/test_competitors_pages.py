"""The competitors page: add, rename, remove a competitor, add and remove its keywords (the client's query language,
its validation and the plan's keyword limit); removals ask first and are for owners and admins."""
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from sqlalchemy import func, select

from saas import db, tenancy
from saas.auth.models import Agency
from saas.db import utcnow
from tenants.clients.models import Client
from tenants.monitoring import competitors
from tenants.monitoring.models import ClientSource, Competitor, CompetitorMention, Keyword
from tests.conftest import login
from tests.fake_stripe import billing_on, fake_stripe  # noqa: F401  (fixtures)
from tests.test_billing import set_subscription

EN = {"Accept-Language": "en"}


def brand(app, agency, name="Danone"):
    with app.app_context(), tenancy.agency_scope(agency.id):
        client = Client(name=name)
        db.session.add(client)
        db.session.flush()
        db.session.add(Keyword(client_id=client.id, query=name, backfill_state="done"))
        db.commit()
        return client.id


def rows(app, agency, model, **where):
    with app.app_context(), tenancy.agency_scope(agency.id):
        return db.session.scalars(select(model).filter_by(**where).order_by(model.id)).all()


def test_staff_add_rename_and_give_keywords_to_a_competitor(app, client, make_agency):
    agency = make_agency()
    client_id = brand(app, agency)
    login(client, agency.owner_email)
    page = f"/a/{agency.slug}/clients/{client_id}/competitors"
    assert 'data-testid="no-competitor"' in client.get(page).get_data(as_text=True)
    assert client.post(page, data={"name": "Lactalis"}).status_code == 302
    again = client.post(page, data={"name": " lactalis ", "color": "#123456"}, headers=EN)
    assert again.status_code == 422 and "already has a competitor of this name" in again.get_data(as_text=True)
    bad = client.post(page, data={"name": "Bel", "color": "red"}, headers=EN)
    assert bad.status_code == 422 and "Choose a colour like #4f46e5." in bad.get_data(as_text=True)
    assert client.post(page, data={"name": ""}, headers=EN).status_code == 422
    (lactalis,) = rows(app, agency, Competitor)
    assert lactalis.color == competitors.PALETTE[0]
    base = f"/a/{agency.slug}/competitors/{lactalis.id}"
    assert client.post(base, data={"name": "Groupe Lactalis", "color": "#0f766e"}).status_code == 302
    assert (rows(app, agency, Competitor)[0].name, rows(app, agency, Competitor)[0].color) == ("Groupe Lactalis", "#0f766e")
    added = client.post(f"{base}/keywords", data={"query": "Lactalis OR Président", "language": "fr"})
    assert added.status_code == 302 and added.location.endswith(f"#competitor-{lactalis.id}")
    broken = client.post(f"{base}/keywords", data={"query": "Lactalis AND (lait"}, headers=EN)
    assert broken.status_code == 422 and 'value="Lactalis AND (lait"' in broken.get_data(as_text=True)
    taken = client.post(f"{base}/keywords", data={"query": "Danone"}, headers=EN)
    assert taken.status_code == 422 and "This client already monitors this query." in taken.get_data(as_text=True)
    mine = client.post(f"/a/{agency.slug}/clients/{client_id}/keywords", data={"query": "Lactalis OR Président"},
                       headers=EN)
    assert mine.status_code == 422 and "A competitor of this client is already monitored" in mine.get_data(as_text=True)
    keyword = rows(app, agency, Keyword, competitor_id=lactalis.id)[0]
    assert (keyword.client_id, keyword.language) == (client_id, "fr")
    listed = client.get(page, headers=EN).get_data(as_text=True)
    assert "<code>Lactalis OR Président</code>" in listed and "Groupe Lactalis" in listed
    monitoring = client.get(f"/a/{agency.slug}/clients/{client_id}/monitoring").get_data(as_text=True)
    assert "Lactalis OR Président" not in monitoring and 'data-testid="competitors-link"' in monitoring


def test_competitor_keywords_count_in_the_plans_keywords(app, client, billing_on, make_agency):
    agency = make_agency()
    set_subscription(app, agency, plan="solo")
    client_id = brand(app, agency)
    with app.app_context(), tenancy.agency_scope(agency.id):
        rival = competitors.create_competitor(client_id, "Lactalis")
        for n in range(24):  # with the client's own keyword: the plan's 25
            db.session.add(Keyword(client_id=client_id, competitor_id=rival.id, query=f"Lactalis {n}",
                                   backfill_state="done"))
        db.commit()
        rival_id = rival.id
    login(client, agency.owner_email)
    refused = client.post(f"/a/{agency.slug}/competitors/{rival_id}/keywords", data={"query": "Président"},
                          headers=EN)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 402
    assert "Your Solo plan includes 25 active keywords and they are all in use." in body
    assert 'value="Président"' in body
    own = client.post(f"/a/{agency.slug}/clients/{client_id}/keywords", data={"query": "Blédina"}, headers=EN)
    assert own.status_code == 402  # the competitor's keywords fill the client's plan too
    assert len(rows(app, agency, Keyword)) == 25


def test_removals_ask_first_are_for_managers_and_take_the_mentions(app, client, make_agency, make_member):
    agency = make_agency()
    client_id = brand(app, agency)
    with app.app_context(), tenancy.agency_scope(agency.id):
        rival = competitors.create_competitor(client_id, "Lactalis")
        first = competitors.add_keyword(rival, "Lactalis", None)
        second = competitors.add_keyword(rival, "Président", None)
        source = competitors.service.follow_feed(client_id, "https://news.example/feed.xml")
        for n, keyword in enumerate((first, first, second)):
            db.session.add(CompetitorMention(client_id=client_id, competitor_id=rival.id, keyword_id=keyword.id,
                                             source_id=source.id, source_kind="rss", item_key=f"k{n}",
                                             published_at=utcnow()))
        db.commit()
        ids = (rival.id, first.id, second.id)
    member = make_member(agency, "member@agency.test", role="member")
    login(client, member)
    page = client.get(f"/a/{agency.slug}/clients/{client_id}/competitors").get_data(as_text=True)
    assert 'data-testid="delete-competitor"' not in page and 'data-testid="remove-competitor-keyword"' not in page
    assert client.post(f"/a/{agency.slug}/competitors/{ids[0]}/delete").status_code in (403, 404)
    login(client, agency.owner_email)
    page = client.get(f"/a/{agency.slug}/clients/{client_id}/competitors", headers=EN).get_data(as_text=True)
    assert len(re.findall(r"<form[^>]*data-confirm=", page)) == 3  # the competitor and its two keywords
    other = client.post(f"/a/{agency.slug}/competitors/{ids[0]}/keywords/{ids[0] + 10_000}/remove")
    assert other.status_code == 404
    removed = client.post(f"/a/{agency.slug}/competitors/{ids[0]}/keywords/{ids[1]}/remove", headers=EN,
                          follow_redirects=True)
    assert "Keyword “Lactalis” removed, with its 2 mentions." in removed.get_data(as_text=True)
    assert [m.keyword_id for m in rows(app, agency, CompetitorMention)] == [ids[2]]
    assert client.post(f"/a/{agency.slug}/competitors/{ids[0]}/delete").status_code == 302
    assert rows(app, agency, Competitor) == [] and rows(app, agency, CompetitorMention) == []
    assert [k.query for k in rows(app, agency, Keyword)] == ["Danone"]
    with app.app_context(), tenancy.agency_scope(agency.id):
        searches = db.session.scalar(select(func.count()).select_from(ClientSource)
                                     .where(ClientSource.keyword_id.in_(ids[1:])))
    assert searches == 0
    assert client.post(f"/a/{agency.slug}/competitors/{ids[0]}/delete").status_code == 404


def test_at_most_eight_competitors(app, client, make_agency):
    agency = make_agency()
    client_id = brand(app, agency)
    with app.app_context(), tenancy.agency_scope(agency.id):
        for n in range(competitors.MAX_COMPETITORS):
            competitors.create_competitor(client_id, f"Rival {n}")
        db.commit()
    login(client, agency.owner_email)
    refused = client.post(f"/a/{agency.slug}/clients/{client_id}/competitors", data={"name": "One more"}, headers=EN)
    assert refused.status_code == 422 and "at most 8 competitors" in refused.get_data(as_text=True)
    assert len(set(c.color for c in rows(app, agency, Competitor))) == 8  # each its own colour


def test_each_competitor_shows_what_was_said_about_it_lately_in_the_agency_s_zone(app, client, make_agency):
    agency, other = make_agency(), make_agency("Agence Ombre")
    client_id, other_client = brand(app, agency), brand(app, other, "Bel")
    now = utcnow().replace(microsecond=0)
    with app.app_context():
        with tenancy.agency_scope(agency.id):
            db.session.get(Agency, agency.id).timezone = "Asia/Tokyo"  # UTC+9 all year: the times move by 9 hours
            lactalis = competitors.create_competitor(client_id, "Lactalis")
            bel = competitors.create_competitor(client_id, "Bel")
            quiet = competitors.create_competitor(client_id, "Savencia")
            keyword = competitors.add_keyword(lactalis, "Lactalis", None)
            bel_keyword = competitors.add_keyword(bel, "Bel", None)
            said = [(lactalis, keyword, f"Lactalis {n}", now - timedelta(hours=n), "neutral") for n in range(7)]
            said += [(lactalis, keyword, "Lactalis old", now - timedelta(days=40), "neutral"),
                     (bel, bel_keyword, "<script>alert(1)</script> Bel rappelle", now - timedelta(days=2), "negative")]
            for n, (rival, found_by, title, published, sentiment) in enumerate(said):
                db.session.add(CompetitorMention(client_id=client_id, competitor_id=rival.id, keyword_id=found_by.id,
                                                 source_kind="rss", source_name="Le Monde", item_key=f"k{n}",
                                                 url=f"https://news.example/{n}", title=title,
                                                 published_at=published, sentiment=sentiment))
            db.commit()
            ids = (lactalis.id, bel.id, quiet.id)
        with tenancy.agency_scope(other.id):  # another agency's competitor of the same name says nothing here
            rival = competitors.create_competitor(other_client, "Lactalis")
            theirs = competitors.add_keyword(rival, "Lactalis", None)
            db.session.add(CompetitorMention(client_id=other_client, competitor_id=rival.id, keyword_id=theirs.id,
                                             source_kind="rss", item_key="x", title="Lactalis elsewhere",
                                             published_at=now))
            db.commit()
    login(client, agency.owner_email)
    page = client.get(f"/a/{agency.slug}/clients/{client_id}/competitors", headers=EN).get_data(as_text=True)
    panels = {competitor_id: page.split(f'id="competitor-{competitor_id}"')[1].split("</section>")[0]
              for competitor_id in ids}
    lactalis_panel = panels[ids[0]]
    assert "7 mentions in the last 30 days" in lactalis_panel
    assert re.findall(r">(Lactalis \d)</a>", lactalis_panel) == [f"Lactalis {n}" for n in range(5)]  # newest first
    assert "Lactalis old" not in page and "Lactalis elsewhere" not in page
    shown = format_datetime(now, "short", tzinfo=ZoneInfo("Asia/Tokyo"), locale="en")
    assert f'<time datetime="{now.isoformat()}">{shown}</time>' in lactalis_panel
    assert 'rel="noopener noreferrer nofollow"' in lactalis_panel
    assert "1 mention in the last 30 days" in panels[ids[1]] and "Negative</span>" in panels[ids[1]]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Bel rappelle" in panels[ids[1]] and "<script>alert" not in page
    assert "No mention in the last 30 days" in panels[ids[2]]
    french = client.get(f"/a/{agency.slug}/clients/{client_id}/competitors", headers={"Accept-Language": "fr"})
    assert "7 mentions ces 30 derniers jours" in french.get_data(as_text=True)
    assert "Aucune mention ces 30 derniers jours" in french.get_data(as_text=True)
