"""A client's dashboard in a real Chromium on a laptop and a phone: charts drawn (the share of voice against two
competitors too), nothing runs off the side, touch targets big enough, axe finds nothing serious; the competitors
page likewise; screenshots kept in test-artifacts/pages/."""
import random
from datetime import timedelta

import pytest

from saas import db, tenancy
from saas.db import utcnow
from tenants.clients.models import Client
from tenants.crisis.models import AlertRule, CrisisAlert
from tenants.monitoring import competitors
from tenants.monitoring.models import CompetitorMention, Keyword, Mention
from tests.a11y import audit, overflow, report, small_targets
from tests.browser import chromium, screenshot
from tests.test_a11y_browser import SIZES, new_page, sign_in

pytestmark = pytest.mark.browser
OUTLETS = (("rss", "Le Monde"), ("rss", "Les Échos"), ("mastodon", "mastodon.social"), ("reddit", "r/france"),
           ("bluesky", "bsky.social"), ("hackernews", "Hacker News"))
AUTHORS = ("Camille Martin", "Léa Dubois", "Hugo Bernard", "Chloé Petit", None)


@pytest.fixture
def busy_client(app, make_agency):
    """Danone with 60 days of mentions (a bump 9 days ago), a crisis and a buzz alert."""
    agency = make_agency("Agence Lumière")
    now, pick = utcnow(), random.Random(19)
    with app.app_context(), tenancy.agency_scope(agency.id):
        danone = Client(name="Danone", color="#0e9384", sector="Food")
        db.session.add(danone)
        db.session.flush()
        n = 0
        for day in range(60):
            for _ in range(8 + pick.randrange(8) + (40 if day == 9 else 0)):
                kind, name = pick.choice(OUTLETS)
                sentiment = pick.choices(("positive", "neutral", "negative"), (3, 5, 6 if day == 9 else 2))[0]
                db.session.add(Mention(
                    client_id=danone.id, source_kind=kind, source_name=name, item_key=f"m{n}",
                    title=f"Danone : {pick.choice(('nouvelle gamme', 'rappel de yaourts', 'résultats trimestriels', 'usine de Bailleul'))}",
                    url=f"https://example.com/{n}", author=pick.choice(AUTHORS), sentiment=sentiment,
                    sentiment_score={"negative": -pick.random(), "positive": pick.random()}.get(sentiment, 0.0),
                    published_at=now - timedelta(days=day, minutes=pick.randrange(1440))))
                n += 1
        for name, daily in (("Lactalis", 6), ("Bel Group", 3)):
            rival = competitors.create_competitor(danone.id, name)
            keyword = Keyword(client_id=danone.id, competitor_id=rival.id, query=name, backfill_state="done")
            db.session.add(keyword)
            db.session.flush()
            for day in range(60):
                for _ in range(daily + pick.randrange(daily)):
                    db.session.add(CompetitorMention(
                        client_id=danone.id, competitor_id=rival.id, keyword_id=keyword.id, source_kind="rss",
                        source_name="Le Monde", item_key=f"c{n}", title=f"{name} : article {n}",
                        url=f"https://example.com/c{n}", published_at=now - timedelta(
                            days=day, minutes=pick.randrange(1440)),
                        sentiment=pick.choice(("positive", "neutral", "negative"))))
                    n += 1
        rule = AlertRule(client_id=danone.id, name="Veille Danone", secret="s" * 48)
        db.session.add(rule)
        db.session.flush()
        for kind, days in (("crisis", 9), ("buzz", 3)):
            when = now - timedelta(days=days)
            db.session.add(CrisisAlert(rule_id=rule.id, kind=kind, window_start=when, score=78.0, created_at=when))
        db.commit()
        return agency, danone.id


@pytest.mark.parametrize("size", SIZES)
def test_the_dashboard_reads_well_on_a_laptop_and_a_phone(live_server, busy_client, size):
    agency, client_id = busy_client
    with chromium() as browser:
        page = sign_in(new_page(browser, "fr", size), live_server, agency.owner_email)
        page.goto(f"{live_server}/a/{agency.slug}/clients/{client_id}/dashboard")
        assert page.locator("[data-testid=volume-chart] svg rect.dash-bar").count() == 30
        assert page.locator("[data-testid=sentiment-chart] svg").is_visible()
        assert page.locator("[data-testid=voice-table] tbody tr").count() == 3
        assert page.locator("[data-testid=voice-chart] svg rect").count() > 60
        screenshot(page, f"dashboard-fr-{size}")
        voice = screenshot(page, f"dashboard-voice-fr-{size}")
        page.locator("[data-testid=share-of-voice]").screenshot(path=voice)  # the block alone, to look at closely
        sideways = overflow(page)
        assert sideways["excess"] <= 0, sideways
        if size != "laptop":
            assert not small_targets(page)
        findings = audit(page)
        if size == "laptop":  # the PDF of the same dashboard, kept beside the screenshots
            pdf = page.request.get(f"{live_server}/a/{agency.slug}/clients/{client_id}/dashboard.pdf")
            assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
            with open(screenshot(page, "dashboard-fr-laptop").replace(".png", ".pdf"), "wb") as kept:
                kept.write(pdf.body())
    assert not findings, report({"dashboard": findings})


@pytest.mark.parametrize("size", SIZES)
def test_the_competitors_page_reads_well_on_a_laptop_and_a_phone(live_server, busy_client, size):
    agency, client_id = busy_client
    with chromium() as browser:
        page = sign_in(new_page(browser, "fr", size), live_server, agency.owner_email)
        page.goto(f"{live_server}/a/{agency.slug}/clients/{client_id}/competitors")
        assert page.locator("[data-testid=competitor]").count() == 2
        for panel in page.locator("[data-testid=competitor]").all():  # what was said lately about each, newest first
            assert panel.locator("[data-testid=competitor-mentions] li").count() == 5
            assert "ces 30 derniers jours" in panel.inner_text()
        page.fill("#competitor-name", "Nestlé")
        page.click("text=Ajouter le concurrent")
        assert page.locator("[data-testid=competitor]").count() == 3
        page.locator("[data-testid=competitor]").last.locator("input[name=query]").fill("Nestlé OR Nespresso")
        page.locator("[data-testid=competitor]").last.locator("button[type=submit]", has_text="Ajouter le mot-clé").click()
        assert page.locator("[data-testid=competitor]").last.locator("code", has_text="Nestlé OR Nespresso").is_visible()
        screenshot(page, f"competitors-fr-{size}")
        sideways = overflow(page)
        assert sideways["excess"] <= 0, sideways
        if size != "laptop":
            assert not small_targets(page)
        findings = audit(page)
    assert not findings, report({"competitors": findings})
