"""The workspace home watches the clients: open crises first with their score, then today's mentions per client
(the agency's day) and their negative share; the "Crises" menu link counts the open crises on every staff page.
The home's query count does not grow with the number of clients; the menu's count is one query, or none."""
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.numbers import format_percent
from sqlalchemy import select

from saas import db, tenancy
from saas.auth.models import Agency
from saas.i18n import agency_zone
from tenants.clients.models import Client
from tenants.crisis.models import AlertRule, Crisis, CrisisAlert
from tenants.monitoring.models import Mention
from tenants.workspace import pulse
from tests.conftest import login
from tests.querycount import count_queries

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=PARIS)  # a Friday afternoon in Paris (UTC+1)
TODAY, YESTERDAY = NOW.date(), NOW.date() - timedelta(days=1)
EN = {"Accept-Language": "en"}
FR = {"Accept-Language": "fr"}


def paris(day, hour, minute=0):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    """The home's "now" is a fixed Paris afternoon, so that "today" and "yesterday" are known."""
    monkeypatch.setattr(pulse, "local_now", lambda: NOW.astimezone(agency_zone()))


def add_client(agency_id, name, color="#0e9384"):
    client = Client(name=name, color=color)
    db.session.add(client)
    db.session.flush()
    return client


def add_mention(client, when, sentiment="neutral", corrected=None, key=None):
    db.session.add(Mention(client_id=client.id, source_kind="rss", item_key=key or f"{client.id}-{when.isoformat()}",
                           title="Something said", published_at=when, sentiment=sentiment,
                           sentiment_corrected=corrected))


def open_a_crisis(client, score=88.0, opened=None, status="open"):
    rule = AlertRule(client_id=client.id, name="Watch", secret="s" * 48)
    crisis = Crisis(client_id=client.id, status=status, peak_score=score, last_score=score,
                    opened_at=opened or paris(TODAY, 9, 12))
    db.session.add_all([rule, crisis])
    db.session.flush()
    alert = CrisisAlert(rule_id=rule.id, crisis_id=crisis.id, window_start=crisis.opened_at, score=score)
    db.session.add(alert)
    db.session.flush()
    return crisis, alert


@pytest.fixture
def agency(app, make_agency):
    made = make_agency("Agence Alpha")
    with app.app_context(), tenancy.agency_scope(made.id):
        db.session.get(Agency, made.id).timezone = "Europe/Paris"
        db.commit()
    return made


@pytest.fixture
def watched(app, agency):
    """Three clients: Danone in crisis (88/100), Evian and Badoit calm; mentions around midnight in Paris."""
    with app.app_context(), tenancy.agency_scope(agency.id):
        evian, danone, badoit = add_client(agency.id, "Evian"), add_client(agency.id, "Danone"), add_client(agency.id, "Badoit")
        crisis, alert = open_a_crisis(danone)
        # Today in Paris: 00:30 is still yesterday in UTC (23:30 UTC), and counts today.
        add_mention(danone, paris(TODAY, 0, 30), "negative")
        add_mention(danone, paris(TODAY, 10))
        add_mention(danone, paris(TODAY, 14), "negative", corrected="positive")  # a person said it is not
        # Yesterday in Paris: 23:30 is not today (22:30 UTC), 09:00 is before this time yesterday.
        add_mention(danone, paris(YESTERDAY, 23, 30), "negative")
        add_mention(danone, paris(YESTERDAY, 9))
        add_mention(danone, paris(TODAY - timedelta(days=2), 12), "negative")  # the day before: not counted
        for n in range(5):
            add_mention(evian, paris(TODAY, 8, n), "positive", key=f"evian-{n}")
        db.commit()
        ids = {"danone": danone.id, "evian": evian.id, "badoit": badoit.id, "crisis": crisis.id, "alert": alert.id}
    return ids


def home(client, agency, headers=EN):
    response = client.get(f"/a/{agency.slug}/", headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def rows_of(page):
    """The client ids of the home's "Today" lines, in order, with whether each is a crisis line."""
    return [(int(client_id), kind == "pulse-crisis")
            for kind, client_id in re.findall(r'data-testid="(pulse-crisis|pulse-client)" data-client="(\d+)"', page)]


def row(page, client_id):
    match = re.search(rf'<li [^>]*data-client="{client_id}">(.*?)</li>', page, re.S)
    assert match, f"no line for client {client_id}"
    return re.sub(r"[ \t\r\n]+", " ", match.group(1))  # no-break spaces kept


def test_an_open_crisis_comes_first_on_home_with_its_score_and_a_link_to_its_alert(app, client, agency, watched):
    login(client, agency.owner_email)
    page = home(client, agency)
    assert rows_of(page) == [(watched["danone"], True), (watched["evian"], False), (watched["badoit"], False)]
    danone = row(page, watched["danone"])
    assert "Critical · 88<small>/100</small>" in danone and "Crisis in progress" in danone
    assert f'href="/a/{agency.slug}/crisis/alerts/{watched["alert"]}"' in danone
    assert "Open since 27 Nov, 09:12" in danone  # Paris time
    assert "1 open crisis" in page


def test_today_is_the_agencys_day_and_the_negative_share_follows_corrections(app, client, agency, watched):
    login(client, agency.owner_email)
    page = home(client, agency)
    danone, evian, badoit = row(page, watched["danone"]), row(page, watched["evian"]), row(page, watched["badoit"])
    # 00:30 (23:30 UTC the day before), 10:00 and 14:00 today in Paris; not yesterday's 23:30 in Paris.
    assert "<strong>3</strong> mentions today" in danone
    assert "<strong>33%</strong> negative" in danone  # 00:30 only: the 14:00 one was corrected to positive
    assert "+2 vs. yesterday at this time" in danone  # 3 today against yesterday's 09:00 (23:30 is later in the day)
    assert "<strong>5</strong> mentions today" in evian and "<strong>0%</strong> negative" in evian
    assert "No mention today" in badoit and "yesterday" not in badoit


def test_the_counts_move_with_the_agencys_time_zone(app, client, agency, watched):
    with app.app_context(), tenancy.agency_scope(agency.id):
        db.session.get(Agency, agency.id).timezone = "UTC"
        db.commit()
    login(client, agency.owner_email)
    danone = row(home(client, agency), watched["danone"])
    # 15:00 in Paris is 14:00 UTC: in UTC, today holds 10:00 and 14:00 Paris only (00:30 Paris is 23:30 UTC).
    assert "<strong>2</strong> mentions today" in danone and "<strong>0%</strong> negative" in danone


def test_the_home_speaks_french_numbers(app, client, agency, watched):
    login(client, agency.owner_email)
    page = home(client, agency, FR)
    danone = row(page, watched["danone"])
    thirty_three = format_percent(1 / 3, locale="fr")  # "33 %" with the no-break space Babel puts (U+00A0 today)
    assert re.fullmatch("33[\u00a0\u202f]%", thirty_three)
    assert f"<strong>{thirty_three}</strong> négatives" in danone
    assert "3</strong> mentions aujourd’hui" in danone and "Critique · 88" in danone
    assert "Crise en cours" in danone and "Ouverte depuis le 27 nov., 09:12" in danone


def test_the_crises_menu_link_counts_open_crises_on_every_staff_page(app, client, agency, watched, make_agency):
    with app.app_context():
        other = make_agency("Agence Beta")
        with tenancy.agency_scope(other.id):  # another agency's crises are never counted
            for name in ("Perrier", "Vittel", "Contrex"):
                open_a_crisis(add_client(other.id, name))
            db.commit()
        with tenancy.agency_scope(agency.id):
            volvic = add_client(agency.id, "Volvic")
            open_a_crisis(volvic, score=61)
            open_a_crisis(add_client(agency.id, "Salvetat"), status="closed")  # closed: not counted
            db.commit()
            volvic_id = volvic.id
    login(client, agency.owner_email)
    for path in ("/", "/clients/", "/crisis/", "/mentions/", "/boards/", f"/clients/{watched['evian']}"):
        page = client.get(f"/a/{agency.slug}{path}", headers=EN).get_data(as_text=True)
        link = re.search(r'<a href="/a/[^"]+/crisis/"[^>]*>(.*?)</a>', page, re.S).group(1)
        assert re.search(r'data-testid="crisis-count"><span aria-hidden="true">2</span>'
                         r'<span class="sr-only">2 open crises</span>', link), (path, link)
    page = client.get(f"/a/{agency.slug}/crisis/", headers=FR).get_data(as_text=True)
    assert '<span class="sr-only">2 crises en cours</span>' in page
    assert rows_of(home(client, agency))[:3] == [(watched["danone"], True), (volvic_id, True), (watched["evian"], False)]


def test_no_count_on_the_menu_without_an_open_crisis(app, client, agency, watched):
    with app.app_context(), tenancy.agency_scope(agency.id):
        db.session.get(Crisis, watched["crisis"]).status = "closed"
        db.commit()
    login(client, agency.owner_email)
    for path in ("/", "/clients/", "/crisis/"):
        page = client.get(f"/a/{agency.slug}{path}", headers=EN).get_data(as_text=True)
        assert 'data-testid="crisis-count"' not in page and not re.search(r"\d+ open cris", page), path
    assert rows_of(home(client, agency))[0] == (watched["evian"], False)


def test_guests_never_see_the_home_nor_the_count(app, client, agency, watched, make_member):
    make_member(agency, "guest@brand.test", role="guest")
    login(client, "guest@brand.test")
    response = client.get(f"/a/{agency.slug}/", headers=EN)
    assert response.status_code == 302 and response.location.endswith("/portal/")
    with count_queries(app) as queries:
        portal = client.get(response.location, headers=EN).get_data(as_text=True)
    assert 'data-testid="crisis-count"' not in portal and 'data-testid="home-pulse"' not in portal
    assert not queries.matching(r"\bcrises\b"), queries.report()


def make_clients(app, agency, n):
    """n clients with two mentions each today, one with an open crisis."""
    with app.app_context(), tenancy.agency_scope(agency.id):
        for k in range(n):
            made = add_client(agency.id, f"Client {k:02d}")
            add_mention(made, paris(TODAY, 10), "negative", key=f"a{k}")
            add_mention(made, paris(TODAY, 11), key=f"b{k}")
            if k == 0:
                open_a_crisis(made)
        db.commit()


def home_queries(app, client, agency):
    client.get(f"/a/{agency.slug}/", headers=EN)  # warm: the session's sign-in bookkeeping is done
    with count_queries(app) as queries:
        page = home(client, agency)
    return queries, page


def test_the_homes_query_count_does_not_grow_with_the_clients(app, make_agency):
    small, large = make_agency("Agence Petite"), make_agency("Agence Grande")
    make_clients(app, small, 2)
    make_clients(app, large, 20)
    browser = app.test_client()
    login(browser, small.owner_email)
    few, page = home_queries(app, browser, small)
    assert len(rows_of(page)) == 2
    browser = app.test_client()
    login(browser, large.owner_email)
    many, page = home_queries(app, browser, large)
    assert len(rows_of(page)) == 20 and rows_of(page)[0][1]
    assert many.count == few.count, few.report() + "\n---" + many.report()
    assert len(many.matching(r"\bFROM mentions\b")) == 1, many.report()  # one GROUP BY for every client
    assert len(many.matching(r"\bFROM crises\b")) == 1, many.report()  # the open crises; the menu reuses them


def test_the_menu_count_is_one_query_and_none_for_an_htmx_fragment(app, client, agency, watched):
    login(client, agency.owner_email)
    client.get(f"/a/{agency.slug}/clients/", headers=EN)
    with count_queries(app) as queries:
        client.get(f"/a/{agency.slug}/clients/", headers=EN)
    assert len(queries.matching(r"\bFROM crises\b")) == 1, queries.report()
    with app.app_context(), tenancy.agency_scope(agency.id):
        latest = max(db.session.scalars(select(Mention.id)).all())
        add_mention(db.session.get(Client, watched["evian"]), paris(TODAY, 14, 30), key="live")
        db.commit()
    with count_queries(app) as queries:
        live = client.get(f"/a/{agency.slug}/mentions/live?since={latest}", headers={**EN, "HX-Request": "true"})
    assert live.status_code == 200 and "<html" not in live.get_data(as_text=True)
    assert not queries.matching(r"\bcrises\b"), queries.report()


def test_the_crisis_status_reads_as_a_state_in_french_not_a_verb(app, client, agency, watched):
    login(client, agency.owner_email)
    page = client.get(f"/a/{agency.slug}/crisis/{watched['crisis']}", headers=FR).get_data(as_text=True)
    assert re.search(r'live-badge">Ouverte</span>', page) and "Ouvrir" not in page
    with app.app_context(), tenancy.agency_scope(agency.id):
        closed = db.session.get(Crisis, watched["crisis"])
        closed.status, closed.closed_at = "closed", NOW
        db.commit()
    page = client.get(f"/a/{agency.slug}/crisis/{watched['crisis']}", headers=FR).get_data(as_text=True)
    assert 'badge-ok">Clôturée</span>' in page
    agencies = client.get("/agencies", headers=FR).get_data(as_text=True)
    assert ">Ouvrir</a>" in agencies  # the button keeps its verb


def test_a_calm_clients_line_opens_its_dashboard(app, client, agency, watched):
    login(client, agency.owner_email)
    evian = row(home(client, agency), watched["evian"])
    assert f'href="/a/{agency.slug}/clients/{watched["evian"]}/dashboard"' in evian
