"""The workspace home with an open crisis, in a real Chromium on a laptop and a phone: the crisis line comes first,
nothing overflows the page, axe finds nothing serious (the menu's red count included), screenshots kept."""
from datetime import timedelta

import pytest

from saas import db, tenancy
from saas.db import utcnow
from tenants.clients.models import Client
from tenants.crisis.models import AlertRule, Crisis, CrisisAlert
from tenants.monitoring.models import Mention
from tests.a11y import audit, report
from tests.browser import chromium, screenshot
from tests.test_a11y_browser import SIZES, new_page, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def home_with_a_crisis(app, make_agency):
    """Danone in crisis (88/100) and two calm clients with mentions in the last hours."""
    agency = make_agency("Agence Lumière")
    now = utcnow()
    with app.app_context(), tenancy.agency_scope(agency.id):
        made = {}
        for name, color in (("Danone", "#0e9384"), ("Evian", "#e11d48"), ("Badoit Eaux Minérales Naturelles", "#7c3aed")):
            made[name] = Client(name=name, color=color, sector="Food")
            db.session.add(made[name])
        db.session.flush()
        rule = AlertRule(client_id=made["Danone"].id, name="Veille", secret="s" * 48)
        crisis = Crisis(client_id=made["Danone"].id, peak_score=88.0, last_score=81.0,
                        opened_at=now - timedelta(minutes=50))
        db.session.add_all([rule, crisis])
        db.session.flush()
        db.session.add(CrisisAlert(rule_id=rule.id, crisis_id=crisis.id, window_start=crisis.opened_at, score=88.0))
        for name, count, negative in (("Danone", 41, 27), ("Evian", 6, 1)):
            for n in range(count):
                db.session.add(Mention(client_id=made[name].id, source_kind="rss", item_key=f"{name}-{n}",
                                       title="Dit sur la marque", published_at=now - timedelta(minutes=n),
                                       sentiment="negative" if n < negative else "neutral"))
        db.commit()
    return agency


@pytest.mark.parametrize("size", SIZES)
def test_the_home_shows_the_crisis_first_on_a_laptop_and_a_phone(live_server, home_with_a_crisis, size):
    agency = home_with_a_crisis
    with chromium() as browser:
        page = sign_in(new_page(browser, "fr", size), live_server, agency.owner_email)
        page.goto(f"{live_server}/a/{agency.slug}/")
        first = page.locator("[data-testid=home-pulse] li").first
        assert first.get_attribute("data-testid") == "pulse-crisis"
        assert "88" in first.inner_text() and first.is_visible()
        screenshot(page, f"home-crisis-fr-{size}")
        wide = page.evaluate("""() => [...document.querySelectorAll('main *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
        assert not wide, wide  # nothing in the page's content runs off the side
        findings = audit(page)
        page.goto(f"{live_server}/a/{agency.slug}/clients/")
        if size == "laptop":  # the phone's menu is folded away (another change reworks it)
            assert page.locator("[data-testid=crisis-count]").inner_text().startswith("1")
        findings += audit(page)
    assert not findings, report({"home": findings})
