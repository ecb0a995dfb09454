"""In a real browser: the "why this alert" view, a client's crisis watch, a rule with its backtest, the crisis card."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from saas import db, tenancy
from tenants.crisis.models import CrisisAlert, CrisisCard
from tests.browser import chromium, screenshot
from tests.conftest import PASSWORD
from tests.test_crisis import WEEKS, add_mentions, add_rule, detect, make_client, spike_rows, stream
from tests.test_crisis_routes import NOW

pytestmark = pytest.mark.browser


def daily(moment):
    """A brand's day: quiet at night, busy in the afternoon."""
    hour = moment.hour + moment.minute / 60
    return 3 + 9 * max(0.0, 1 - abs(hour - 15) / 8)


def test_why_this_alert_in_a_browser(app, live_server, make_agency, make_member):
    agency = make_agency("Agence Lumière")
    make_member(agency, "rita@lumiere.test", pole="rp", name="Rita Presse")
    make_member(agency, "camille@lumiere.test", pole="cm", name="Camille Social")
    client_id, keyword_id = make_client(app, agency.id)
    rule_id = add_rule(app, agency.id, client_id, name="Veille crise Danone")
    rows = stream(daily, NOW - WEEKS, NOW, negative=0.12, kinds=("bluesky", "mastodon", "rss"))
    rows += spike_rows(end=NOW - timedelta(days=4, hours=3), seed=40, per_hour=30)
    add_mentions(app, agency.id, client_id, keyword_id, rows + spike_rows(end=NOW, minutes=60, per_hour=70))
    detect(app, agency.id, NOW)
    with app.app_context(), tenancy.agency_scope(agency.id):
        alert_id = db.session.scalar(select(CrisisAlert.id))
        card_id = db.session.scalar(select(CrisisCard.card_id))
    base = f"{live_server}/a/{agency.slug}"
    with chromium() as browser:
        page = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900}).new_page()
        page.goto(f"{live_server}/login")
        page.fill("#email", agency.owner_email)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.click("nav >> text=Crises")
        screenshot(page, "crisis-00-crises")
        page.locator("[data-testid=open-crises] .crisis-tile", has_text="Danone").click()
        page.locator("[data-testid=close-crisis]").wait_for()
        screenshot(page, "crisis-05-crisis")
        page.click("text=Why it opened")
        page.wait_for_url(f"{base}/crisis/alerts/{alert_id}")
        assert page.locator("[data-testid=crisis-parts] .part").count() == 5
        assert page.locator("[data-testid=crisis-chart] svg .chart-band").is_visible()
        assert page.locator("[data-testid=top-terms] .term", has_text="listeria").is_visible()
        assert page.locator("[data-testid=sample-mentions] .mention").count() >= 3
        screenshot(page, "crisis-01-why-this-alert")

        page.click("[data-testid=crisis-card]")
        page.wait_for_url(f"**/boards/cards/{card_id}")
        page.locator(".checklist li").nth(3).wait_for()
        assert page.locator(".checklist li").count() == 4
        screenshot(page, "crisis-02-crisis-card")

        page.goto(f"{base}/crisis/clients/{client_id}")
        page.locator("[data-testid=rules]", has_text="Veille crise Danone").wait_for()
        screenshot(page, "crisis-03-client-watch")
        ticks_read_apart(page)
        page.set_viewport_size({"width": 390, "height": 844})  # a phone: the chart drawn 760 wide shrinks
        page.reload()
        ticks_read_apart(page)
        screenshot(page, "crisis-06-client-watch-phone")
        page.set_viewport_size({"width": 1280, "height": 900})

        page.goto(f"{base}/crisis/rules/{rule_id}")
        page.locator("[data-testid=backtest-summary]").wait_for()
        assert "Would have fired" in page.locator("[data-testid=backtest-summary]").inner_text()
        page.select_option("#sensitivity", "low")
        page.click("[data-testid=run-backtest]")
        page.locator("#backtest", has_text="low sensitivity").wait_for()
        screenshot(page, "crisis-04-rule-backtest")


def ticks_read_apart(page):
    """The week chart's visible tick labels are readable (9 px high at least) and none touches another."""
    boxes = page.evaluate("""() => [...document.querySelectorAll('[data-testid=crisis-chart] svg .chart-tick')]
        .filter(t => getComputedStyle(t).display !== 'none')
        .map(t => { const r = t.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, t.textContent]; })""")
    assert len(boxes) >= 6
    for _left, top, _right, bottom, text in boxes:
        assert bottom - top >= 9, text
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
