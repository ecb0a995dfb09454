"""Share of voice against competitors, counted in SQL on the agency's days and checked against hand-counted data:
Danone 30 mentions in the week of 1-7 November 2026, its competitor Lactalis 15, Bel 5 -> 60 %, 30 %, 10 %;
the week before (25-31 October, summer time ends on the 25th) Danone 10, Lactalis 10, Bel 0 -> 50 %, 50 %, 0 %.
Competitors' mentions never appear as the client's own: dashboard figures, inbox, API, exports, crisis."""
import re
from datetime import date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from saas import db, signals, tenancy
from tenants.clients.models import Client
from tenants.crisis import service as crisis
from tenants.dashboards import figures, periods, reports, snapshot
from tenants.dashboards.models import Report
from tenants.monitoring import competitors
from tenants.monitoring.models import CompetitorMention, Keyword, Mention
from tests.conftest import login
from tests.test_api import bearer, make_token
from tests.test_workspace_home import agency  # noqa: F401  (fixture: an agency in Europe/Paris)

PARIS, UTC = ZoneInfo("Europe/Paris"), ZoneInfo("UTC")
EN, FR = {"Accept-Language": "en"}, {"Accept-Language": "fr"}
WEEK = "period=custom&from=2026-11-01&to=2026-11-07"


def paris(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS).astimezone(UTC)


@pytest.fixture
def voices(app, agency):
    """Danone with two competitors, Evian (another client) with one; every count known by hand."""
    with app.app_context(), tenancy.agency_scope(agency.id):
        danone, evian = Client(name="Danone", color="#2563eb"), Client(name="Evian")
        db.session.add_all([danone, evian])
        db.session.flush()
        own = Keyword(client_id=danone.id, query="Danone", backfill_state="done")
        lactalis = competitors.create_competitor(danone.id, "Lactalis")
        bel = competitors.create_competitor(danone.id, "=Bel")  # a name that looks like a formula
        nestle = competitors.create_competitor(evian.id, "Nestlé")
        db.session.add(own)
        db.session.flush()
        keys = {c.id: Keyword(client_id=c.client_id, competitor_id=c.id, query=c.name.strip("="),
                              backfill_state="done") for c in (lactalis, bel, nestle)}
        db.session.add_all(keys.values())
        db.session.flush()
        n = iter(range(10_000))

        def said(times, competitor=None, moment=None, sentiment="neutral"):
            for _ in range(times):
                if competitor is None:
                    db.session.add(Mention(client_id=danone.id, keyword_id=own.id, source_kind="rss",
                                           item_key=f"m{next(n)}", title="Danone", published_at=moment,
                                           sentiment=sentiment))
                else:
                    db.session.add(CompetitorMention(
                        client_id=competitor.client_id, competitor_id=competitor.id, keyword_id=keys[competitor.id].id,
                        source_kind="rss", item_key=f"c{next(n)}", title=competitor.name, published_at=moment,
                        sentiment=sentiment))

        said(9, moment=paris(11, 1, 10))
        said(1, moment=paris(11, 1, 0, 30), sentiment="negative")  # 23:30 UTC on 31 October
        said(20, moment=paris(11, 3, 12), sentiment="positive")
        said(10, moment=paris(10, 28, 9))  # the previous week
        said(5, lactalis, paris(11, 1, 0, 30), "negative")  # 23:30 UTC on 31 October: Paris's 1 November
        said(10, lactalis, paris(11, 7, 23, 30))  # 22:30 UTC: still the 7th in Paris
        said(1, lactalis, paris(11, 8, 0, 10))  # the 8th: after the period
        said(10, lactalis, paris(10, 25, 1, 30))  # summer time still: 23:30 UTC on the 24th, Paris's 25th
        said(5, bel, paris(11, 2, 15), "positive")
        said(7, nestle, paris(11, 3, 12))  # Evian's competitor: not Danone's
        db.commit()
        return {"danone": danone.id, "evian": evian.id, "lactalis": lactalis.id, "bel": bel.id,
                "lactalis_keyword": keys[lactalis.id].id, "own_keyword": own.id}


def week():
    return periods.custom(date(2026, 11, 1), date(2026, 11, 7))


def test_share_of_voice_is_the_hand_counted_one_on_the_agencys_days(app, agency, voices):
    with app.test_request_context(), tenancy.agency_scope(agency.id):
        d = figures.client_dashboard(voices["danone"], week())
    v = d.voice
    assert [b.name for b in v.brands] == ["Danone", "Lactalis", "=Bel"] and v.brands[0].own
    assert [b.current.total for b in v.brands] == [30, 15, 5] and v.total == 50
    assert [b.share for b in v.brands] == [0.6, 0.3, 0.1]
    assert [b.previous.total for b in v.brands] == [10, 10, 0]
    assert [b.previous_share for b in v.brands] == [0.5, 0.5, 0.0]
    assert [round(b.change, 3) for b in v.brands] == [0.1, -0.2, 0.1]
    assert [b.days for b in v.brands] == [[10, 0, 20, 0, 0, 0, 0], [5, 0, 0, 0, 0, 0, 10], [0, 5, 0, 0, 0, 0, 0]]
    assert (v.brands[1].current.negative, v.brands[2].current.positive) == (5, 5)
    assert v.brands[1].volume_change == 0.5 and v.brands[2].volume_change is None
    assert d.current.total == 30 and d.previous.total == 10  # the client's own figures: none of its competitors'


def test_a_client_without_competitors_has_no_share_of_voice(app, agency, voices):
    with app.test_request_context(), tenancy.agency_scope(agency.id):
        assert figures.client_dashboard(voices["evian"], week()).voice.brands[1].current.total == 7
        db.session.execute(CompetitorMention.__table__.delete())
        competitors.delete_competitor(db.session.get(competitors.Competitor, voices["lactalis"]))
        competitors.delete_competitor(db.session.get(competitors.Competitor, voices["bel"]))
        assert figures.client_dashboard(voices["danone"], week()).voice is None


def block(page):
    match = re.search(r'data-testid="share-of-voice".*?</section>', page, re.S)
    assert match
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0))).strip()


def test_the_dashboard_page_shows_the_share_of_voice_in_the_readers_language(app, client, agency, voices):
    login(client, agency.owner_email)
    page = client.get(f"/a/{agency.slug}/clients/{voices['danone']}/dashboard?{WEEK}", headers=EN).get_data(as_text=True)
    text = block(page)
    assert "Danone (client) 30 +200% 60% 50% (10) +10.0 pts" in text
    assert "Lactalis 15 +50% 30% 50% (10) -20.0 pts 0% 33%" in text
    assert "=Bel 5 10% 0% (0) +10.0 pts 100% 0%" in text
    assert re.search(r'<svg[^>]*aria-labelledby="dash-voice-title dash-voice-desc"', page)
    assert '<title id="dash-voice-title">Mentions per day by brand, Nov 1, 2026 to Nov 7, 2026</title>' in page
    assert "Danone: 60% of the 50 mentions of the brands compared in the period." in page
    assert "<title>Nov 7, Lactalis: 10 mentions</title>" in page
    assert 'data-testid="kpi-mentions">30<' in page.replace(" ", "")
    french = block(client.get(f"/a/{agency.slug}/clients/{voices['danone']}/dashboard?{WEEK}",
                              headers=FR).get_data(as_text=True))
    assert "Danone (client) 30 +200 % 60 % 50 % (10) +10,0 pts" in french.replace("\u202f", " ").replace("\xa0", " ")
    assert "Part de voix" in french


def test_pdf_and_workbook_carry_the_share_of_voice(app, client, agency, voices):
    login(client, agency.owner_email)
    base = f"/a/{agency.slug}/clients/{voices['danone']}/dashboard"
    pdf = client.get(f"{base}.pdf?{WEEK}", headers=EN)
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf.data)).pages)
    assert "Share of voice" in text and "Lactalis" in text and "60%" in text
    book = load_workbook(BytesIO(client.get(f"{base}.xlsx?{WEEK}", headers=EN).data))
    assert book.sheetnames[2:4] == ["Share of voice", "Share of voice by day"]
    rows = list(book["Share of voice"].values)
    assert rows[1][:6] == ("Danone", 30, 60.0, 10, 50.0, 10.0)
    assert rows[3][:3] == ("=Bel", 5, 10.0) and book["Share of voice"]["A4"].data_type == "s"  # text, not a formula
    days = list(book["Share of voice by day"].values)
    assert days[0][1:] == ("Danone", "Lactalis", "=Bel") and days[7][1:] == (0, 10, 0)


def test_a_report_freezes_the_share_of_voice_and_an_old_one_without_it_still_renders(app, client, agency, voices):
    login(client, agency.owner_email)
    with app.test_request_context(), tenancy.agency_scope(agency.id):
        danone = db.session.get(Client, voices["danone"])
        report = reports.create_report(danone, week(), {"language": "en"}, agency.owner_id)
        frozen = snapshot.freeze(figures.client_dashboard(danone.id, week()))
        old = reports.create_report(danone, week(), {"language": "en"}, agency.owner_id)
        old.figures = {key: value for key, value in frozen.items() if key != "voice"}
        db.commit()
        ids = (report.id, old.id)
    assert [b["current"] for b in frozen["voice"]["brands"]][1] == {"positive": 0, "neutral": 10, "negative": 5}
    with app.test_request_context(), tenancy.agency_scope(agency.id):
        thawed = snapshot.thaw(db.session.get(Report, ids[0]).figures, week()).voice
        assert [b.share for b in thawed.brands] == [0.6, 0.3, 0.1] and thawed.days[0] == date(2026, 11, 1)
        db.session.execute(CompetitorMention.__table__.delete())  # later changes do not move a report
        db.commit()
    base = f"/a/{agency.slug}/clients/{voices['danone']}/reports"
    assert "Lactalis 15 +50% 30%" in block(client.get(f"{base}/{ids[0]}", headers=EN).get_data(as_text=True))
    page = client.get(f"{base}/{ids[1]}", headers=EN)
    assert page.status_code == 200 and 'data-testid="share-of-voice"' not in page.get_data(as_text=True)


def test_competitor_mentions_never_show_as_the_clients_own(app, client, agency, voices):
    login(client, agency.owner_email)
    a = f"/a/{agency.slug}"
    inbox = client.get(f"{a}/mentions/", headers=EN).get_data(as_text=True)
    assert "Danone" in inbox and "Lactalis" not in inbox and "Nestlé" not in inbox
    assert "Lactalis" not in client.get(f"{a}/mentions/?client={voices['danone']}").get_data(as_text=True)
    csv = client.get(f"{a}/mentions/export.csv", headers=EN).get_data(as_text=True)
    assert csv.count("\n") == 41 and "Lactalis" not in csv  # a header and Danone's 40
    _token_id, secret = make_token(app, agency)
    listed, after = [], ""
    while True:
        page = client.get(f"/api/v1/mentions/?{after}", headers=bearer(secret)).get_json()
        listed += page["items"]
        if not page.get("next_cursor"):
            break
        after = f"after={page['next_cursor']}"
    assert len(listed) == 40 and {m["client_id"] for m in listed} == {voices["danone"]}
    keywords = client.get(f"/api/v1/clients/{voices['danone']}/keywords", headers=bearer(secret)).get_json()
    assert [k["query"] for k in keywords] == ["Danone"]
    monitoring = client.get(f"{a}/clients/{voices['danone']}/monitoring").get_data(as_text=True)
    assert "<code>Danone</code>" in monitoring and "<code>Lactalis</code>" not in monitoring
    with app.test_request_context(), tenancy.agency_scope(agency.id):
        assert [k.query for k, _m, _s in crisis.keyword_summary(voices["danone"])] == ["Danone"]
    refused = client.post(f"{a}/crisis/clients/{voices['danone']}/rules", headers=EN,
                          data={"name": "Rival", "keyword_id": str(voices["lactalis_keyword"])})
    assert refused.status_code == 422 and "one of this client" in refused.get_data(as_text=True)


def test_ingestion_matches_competitor_keywords_and_announces_only_the_clients_mentions(app, agency):
    from tenants.monitoring import service
    from tenants.monitoring.pipeline.feeds import Item
    from tenants.monitoring.pipeline.ingest import ingest

    announced = []

    def listen(sender, **kwargs):
        announced.append((sender, kwargs.get("mention_ids")))

    signals.event_happened.connect(listen)
    try:
        with app.app_context(), tenancy.agency_scope(agency.id):
            danone = Client(name="Danone")
            db.session.add(danone)
            db.session.flush()
            service.create_keyword(danone.id, "Danone", None)
            rival = competitors.create_competitor(danone.id, "Lactalis")
            competitors.add_keyword(rival, "Lactalis OR Président", None)
            source = service.follow_feed(danone.id, "https://news.example/feed.xml")
            items = [Item(external_id=str(n), url=f"https://news.example/{n}", title=title, text="", author=None,
                          published=paris(11, 2, 10), source="rss") for n, title in enumerate(
                ["Danone et Lactalis face aux prix", "Lactalis rappelle du lait", "Le Président des fromages",
                 "Danone seul", "Rien à voir"])]
            counts = ingest(source, items)
            db.commit()
            own = sorted(m.title for m in db.session.query(Mention).all())
            theirs = sorted(m.title for m in db.session.query(CompetitorMention).all())
    finally:
        signals.event_happened.disconnect(listen)
    assert counts == {agency.id: 5}
    assert own == ["Danone et Lactalis face aux prix", "Danone seul"]  # an article naming both counts for both
    assert theirs == ["Danone et Lactalis face aux prix", "Lactalis rappelle du lait", "Le Président des fromages"]
    created = [ids for sender, ids in announced if sender == "mention.created"]
    assert len(created) == 1 and len(created[0]) == 2  # webhooks hear of the client's two mentions only
