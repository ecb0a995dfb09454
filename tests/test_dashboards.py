"""A client's dashboard counts in SQL what hand-counting the known mentions gives: volume against the previous
period, sentiment (a person's correction wins), sources, authors, alerts and board work, on days of the agency's
zone (summer time ends in Paris on 25 October 2026, inside the previous period). Bad periods answer 400."""
import re
from io import BytesIO
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from babel.numbers import format_percent
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import update

from saas import db, tenancy
from saas.auth.models import User
from tenants.boards import cards, service as boards
from tenants.boards.models import BoardActivity
from tenants.clients.models import Client
from tenants.crisis.models import AlertRule, CrisisAlert
from tenants.dashboards import figures, periods
from tenants.monitoring.models import Mention
from tests.conftest import login
from tests.test_workspace_home import agency  # noqa: F401  (fixture: an agency in Europe/Paris)

PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")
EN = {"Accept-Language": "en"}
FR = {"Accept-Language": "fr"}
WEEK = "period=custom&from=2026-11-01&to=2026-11-07"  # against 25-31 October


def paris(month, day, hour, minute=0):
    """A Paris wall-clock time as the UTC moment the app stores (SQLite keeps a datetime's own clock)."""
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS).astimezone(UTC)


@pytest.fixture
def known(app, agency):
    """Danone's mentions, alerts and board work around the first week of November 2026; Evian's are elsewhere."""
    with app.app_context(), tenancy.agency_scope(agency.id):
        danone, evian = Client(name="Danone"), Client(name="Evian")
        db.session.add_all([danone, evian])
        db.session.flush()
        n = iter(range(1000))

        def mention(client, when, sentiment="neutral", corrected=None, kind="rss", name="Le Monde", author=None,
                    score=0.0, title="Said"):
            db.session.add(Mention(client_id=client.id, source_kind=kind, source_name=name, item_key=f"k{next(n)}",
                                   title=title, published_at=when, sentiment=sentiment, sentiment_corrected=corrected,
                                   author=author, sentiment_score=score))

        mention(danone, paris(11, 1, 0, 30), "negative", score=-0.4, title="Rappel de produits")  # 31 Oct 23:30 UTC
        mention(danone, paris(11, 1, 10), "positive", author="alice")
        mention(danone, paris(11, 2, 9), "negative", corrected="positive")
        for minute in range(3):
            mention(danone, paris(11, 3, 12, minute), kind="mastodon", name="mastodon.social", author="bob")
        mention(danone, paris(11, 7, 23, 30), "negative", score=-0.9, title="Scandale à l'usine")  # 22:30 UTC
        mention(danone, paris(11, 8, 0, 10), "negative")  # the next day: not in the period
        # The previous period, 25 to 31 October: 01:30 on the 25th is still summer time (23:30 UTC on the 24th).
        mention(danone, paris(10, 25, 1, 30), "negative")
        mention(danone, paris(10, 31, 20))
        mention(danone, paris(10, 24, 23))  # before the previous period
        mention(evian, paris(11, 3, 12), "negative", name="Ouest-France")  # another client
        rule = AlertRule(client_id=danone.id, name="Veille Danone", secret="s" * 48)
        db.session.add(rule)
        db.session.flush()
        for kind, when in (("crisis", paris(11, 3, 13)), ("buzz", paris(11, 5, 8)), ("buzz", paris(10, 30, 8))):
            db.session.add(CrisisAlert(rule_id=rule.id, kind=kind, window_start=when, score=72.4, created_at=when))
        owner = db.session.get(User, agency.owner_id)
        board = boards.get_or_create_board(danone)
        columns = boards.list_columns(board)
        done = next(c for c in columns if c.done)
        first = cards.create_card(board, columns[0], {"title": "Communiqué"}, owner)
        cards.create_card(board, columns[0], {"title": "Post LinkedIn"}, owner)
        cards.move_card(board, first, done, None, owner)
        first.approval_state, first.approval_decided_at = "approved", paris(11, 4, 10)
        db.session.flush()
        db.session.execute(update(BoardActivity).values(created_at=paris(11, 4, 9)))
        db.commit()
        return {"danone": danone.id, "evian": evian.id}


def dashboard_page(client, agency, client_id, query=WEEK, headers=EN, status=200):
    response = client.get(f"/a/{agency.slug}/clients/{client_id}/dashboard?{query}", headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def text_of(page, testid):
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</(?:div|table|ol|dl|ul)>', page, re.S)
    assert match, testid
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def test_the_figures_are_the_hand_counted_ones_on_the_agencys_days(app, agency, known):
    with app.test_request_context(), tenancy.agency_scope(agency.id):
        period = periods.custom(datetime(2026, 11, 1).date(), datetime(2026, 11, 7).date())
        d = figures.client_dashboard(known["danone"], period)
    assert [day.total for day in d.days] == [2, 1, 3, 0, 0, 0, 1]  # 00:30 on the 1st and 23:30 on the 7th count
    assert [day.previous for day in d.days] == [1, 0, 0, 0, 0, 0, 1]  # 25 Oct (summer time) and 31 Oct
    assert (d.current.positive, d.current.neutral, d.current.negative) == (2, 3, 2)  # the correction wins
    assert (d.previous.total, d.change) == (2, 2.5)
    assert d.sources == [("rss", "Le Monde", 4, 2), ("mastodon", "mastodon.social", 3, 0)]
    assert d.authors == [("bob", 3, 0), ("alice", 1, 0)]
    assert [m.title for m in d.most_negative] == ["Scandale à l'usine", "Rappel de produits"]
    assert d.visible[0].source_kind == "rss"  # a news outlet reaches further than a toot
    assert [(kind, round(score)) for _at, kind, score, *_rest in d.alerts] == [("crisis", 72), ("buzz", 72)]
    assert d.board == {"created": 2, "done": 1, "approved": 1, "changes": 0}


def test_the_dashboard_page_shows_the_figures_in_the_readers_language(app, client, agency, known):
    login(client, agency.owner_email)
    page = dashboard_page(client, agency, known["danone"])
    assert text_of(page, "kpi-mentions") == "7"
    assert text_of(page, "kpi-negative") == "29%"  # 2 of 7
    assert "+250%" in page and "2 before" in page
    assert "Nov 1, 2026 to Nov 7, 2026" in page and "compared with Oct 25, 2026 to Oct 31, 2026" in page
    assert text_of(page, "top-sources").startswith("Source Mentions Negative Le Monde rss 4 50%")
    assert "bob 3" in text_of(page, "top-authors")
    assert text_of(page, "board-activity") == "Cards created 2 Cards done 1 Approved by the client 1 Changes asked by the client 0"
    assert "Veille Danone" in text_of(page, "alert-timeline")
    # The charts are SVG with a title, a description and one titled bar per day, and their values as a table.
    assert '<title id="dash-volume-title">Mentions per day, Nov 1, 2026 to Nov 7, 2026</title>' in page
    assert "<title>Nov 3: 3 mentions</title>" in page
    assert page.count('class="dash-bar"') == 7
    french = dashboard_page(client, agency, known["danone"], headers=FR)
    assert format_percent(2.5, locale="fr") in french and "1 nov. 2026" in french


def test_a_month_is_compared_with_the_month_before(app, client, agency, known):
    login(client, agency.owner_email)
    page = dashboard_page(client, agency, known["danone"], "period=month&month=2026-11")
    assert "Nov 1, 2026 to Nov 30, 2026" in page and "Oct 1, 2026 to Oct 31, 2026" in page
    assert text_of(page, "kpi-mentions") == "8"  # the 8th of November counts in the month


def test_another_clients_mentions_are_not_counted(app, client, agency, known):
    login(client, agency.owner_email)
    page = dashboard_page(client, agency, known["evian"])
    assert text_of(page, "kpi-mentions") == "1" and "Le Monde" not in page and "Ouest-France" in page


@pytest.mark.parametrize("query, message", [
    ("period=custom&from=2026-11-07&to=2026-11-01", "The end of the period must not be before its start."),
    ("period=custom&from=2024-01-01&to=2026-11-01", "A period covers at most 366 days."),
    ("period=month&month=2026-13", "must be a month like 2026-03"),
    ("period=year", "must be one of"),
])
def test_a_bad_period_is_a_400_that_says_why(app, client, agency, known, query, message):
    login(client, agency.owner_email)
    assert message in dashboard_page(client, agency, known["danone"], query, status=400)


def test_the_client_page_links_to_its_dashboard(app, client, agency, known):
    login(client, agency.owner_email)
    page = client.get(f"/a/{agency.slug}/clients/{known['danone']}").get_data(as_text=True)
    assert f'href="/a/{agency.slug}/clients/{known["danone"]}/dashboard"' in page


def test_the_pdf_holds_the_same_figures_as_the_page(app, client, agency, known):
    login(client, agency.owner_email)
    response = client.get(f"/a/{agency.slug}/clients/{known['danone']}/dashboard.pdf?{WEEK}", headers=FR)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(BytesIO(response.data))
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert "Agence Alpha" in text and "Danone · Tableau de bord" in text
    assert "du 1 nov. 2026 au 7 nov. 2026" in text and "comparé à la période du 25 oct. 2026 au 31 oct. 2026" in text
    assert "Mentions 7" in text and "29 %" in text.replace("\u202f", " ").replace("\xa0", " ")
    assert "Le Monde rss 4 50" in text and "Scandale à l'usine" in text and "Veille Danone" in text
    assert "Cartes terminées 1" in text


def test_a_bad_period_for_the_pdf_is_a_400_before_any_rendering(app, client, agency, known):
    login(client, agency.owner_email)
    response = client.get(f"/a/{agency.slug}/clients/{known['danone']}/dashboard.pdf?period=custom&from=2026-11-07&to=2026-11-01")
    assert response.status_code == 400


def test_the_spreadsheet_holds_the_figures_in_sheets(app, client, agency, known):
    login(client, agency.owner_email)
    response = client.get(f"/a/{agency.slug}/clients/{known['danone']}/dashboard.xlsx?{WEEK}", headers=EN)
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(BytesIO(response.data), read_only=True)
    assert book.sheetnames == ["Summary", "Days", "Sources", "Authors", "Alerts", "Press coverage"]
    summary = {row[0]: row[1:] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Mentions"] == (7, 2) and summary["Negative"] == (2, 1) and summary["Positive"] == (2, 0)
    days = list(book["Days"].iter_rows(min_row=2, values_only=True))
    assert [row[4] for row in days] == [2, 1, 3, 0, 0, 0, 1] and [row[5] for row in days] == [1, 0, 0, 0, 0, 0, 1]
    assert list(book["Sources"].iter_rows(min_row=2, values_only=True))[0] == ("rss", "Le Monde", 4, 2)
    assert [row[1] for row in book["Alerts"].iter_rows(min_row=2, values_only=True)] == ["Crisis", "Buzz"]


def test_accepted_press_coverage_of_the_period_is_counted_and_listed(app, client, agency, known):
    from tenants.dashboards import snapshot
    from tenants.press.models import PressCoverage

    with app.app_context(), tenancy.agency_scope(agency.id):
        def piece(client_id, n, when, status="accepted", reach=None, value=None, url=None):
            db.session.add(PressCoverage(client_id=client_id, scope=f"client:{client_id}", url_key=f"{n:040d}",
                                         url=url or f"https://presse.example/{n}", outlet="Le Parisien",
                                         headline=f"Article {n}", published_at=when, status=status, origin="manual",
                                         reach=reach, media_value=value))
        piece(known["danone"], 1, paris(11, 2, 10), reach=120_000, value=1500.5)
        piece(known["danone"], 2, paris(11, 7, 23, 30), reach=30_000, url="javascript:alert(1)")
        piece(known["danone"], 3, paris(11, 3, 9), status="rejected", reach=10**9)
        piece(known["danone"], 4, paris(11, 8, 0, 10), reach=10**9)  # the next day: not in the period
        piece(known["evian"], 5, paris(11, 3, 9), reach=10**9)  # another client
        db.commit()
    with app.test_request_context(), tenancy.agency_scope(agency.id):
        period = periods.custom(datetime(2026, 11, 1).date(), datetime(2026, 11, 7).date())
        d = figures.client_dashboard(known["danone"], period)
        assert {k: d.coverage[k] for k in ("count", "reach", "value")} == {"count": 2, "reach": 150_000, "value": 1500.5}
        assert [item[0] for item in d.coverage["items"]] == ["Article 2", "Article 1"]  # newest first
        thawed = snapshot.thaw(snapshot.freeze(d), period)
        assert thawed.coverage["items"][1][3] == d.coverage["items"][1][3] and thawed.coverage["count"] == 2
        assert snapshot.thaw({}, period).coverage == {}  # a report made before: no block
    login(client, agency.owner_email)
    page = dashboard_page(client, agency, known["danone"], headers=FR)
    block = text_of(page, "dash-coverage")
    assert "Retombées acceptées 2" in block and "150 000" in block.replace("\u202f", " ").replace("\xa0", " ")
    assert 'href="https://presse.example/1"' in page and "javascript:alert" not in page
    workbook = load_workbook(BytesIO(client.get(f"/a/{agency.slug}/clients/{known['danone']}/dashboard.xlsx?{WEEK}",
                                                headers=EN).data))
    sheet = workbook["Press coverage"]
    assert [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["Article 2", "Article 1"]
