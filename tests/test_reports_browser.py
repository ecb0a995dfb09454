"""Reports in a real Chromium on a laptop and a phone: a report asked for, its progress polled until a real worker
has made the PDF, the report's page and list; nothing runs off the side, touch targets big enough, axe finds nothing
serious. Screenshots kept in test-artifacts/reports/."""
import os

import pytest

from tests.a11y import audit, overflow, report, small_targets
from tests.browser import ARTIFACTS, chromium
from tests.conftest import run_worker
from tests.test_a11y_browser import SIZES, new_page, sign_in
from tests.test_dashboards_browser import busy_client  # noqa: F401  (fixture: Danone with 60 days of mentions)

pytestmark = pytest.mark.browser
SHOTS = os.path.join(ARTIFACTS, "reports")


def shot(page, name):
    """Keep a full-page screenshot in test-artifacts/reports/."""
    os.makedirs(SHOTS, exist_ok=True)
    path = os.path.join(SHOTS, f"{name}.png")
    page.screenshot(path=path, full_page=True)
    return path


@pytest.mark.parametrize("size", SIZES)
def test_a_report_is_asked_for_made_and_read_on_a_laptop_and_a_phone(app, live_server, busy_client, size):  # noqa: F811
    agency, client_id = busy_client
    findings = {}
    with chromium() as browser:
        page = sign_in(new_page(browser, "fr", size), live_server, agency.owner_email)
        page.goto(f"{live_server}/a/{agency.slug}/clients/{client_id}/dashboard")
        page.click("[data-testid=dashboard-reports]")
        page.check("[data-testid=report-form] input[name=period][value='30d']")
        page.fill("#summary", "Un mois porté par la nouvelle gamme ; le rappel de yaourts a été contenu en deux jours.")
        page.fill("#highlights", "Pic de mentions le jour du rappel\nTon positif en hausse sur Mastodon")
        page.click("[data-testid=report-form] button[type=submit]")
        page.wait_for_selector("[data-testid=report-progress][data-status=queued]")
        shot(page, f"report-progress-{size}")
        run_worker(app, "default")
        page.wait_for_selector("[data-testid=report-progress][data-status=ready]", timeout=15000)
        assert page.locator("[data-testid=report-commentary]").inner_text().startswith("Synthèse")
        assert page.locator("[data-testid=volume-chart] svg rect.dash-bar").count() == 30
        shot(page, f"report-fr-{size}")
        for name in ("report", "list"):
            if name == "list":
                page.goto(f"{live_server}/a/{agency.slug}/clients/{client_id}/reports")
                shot(page, f"reports-list-fr-{size}")
            sideways = overflow(page)
            assert sideways["excess"] <= 0, (name, sideways)
            if size != "laptop":
                assert not small_targets(page), name
            if audit(page):
                findings[name] = audit(page)
        if size == "laptop":  # the report's PDF, kept beside the screenshots
            link = page.locator("a", has_text="PDF").first.get_attribute("href")
            pdf = page.request.get(f"{live_server}{link}")
            assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
            with open(os.path.join(SHOTS, "report-fr.pdf"), "wb") as kept:
                kept.write(pdf.body())
    assert not findings, report(findings)
