"""Reports in a real Chromium on a laptop and a phone: a report asked for, its progress polled until a real worker
has made the PDF, the report's page and list; nothing runs off the side, touch targets big enough, axe finds nothing
serious. Screenshots kept in test-artifacts/reports/."""
import os

import pytest
from sqlalchemy import select

from saas import db, tenancy
from saas.auth.models import Membership, User
from tenants.clients.models import Client
from tenants.guests import service as guests

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


def add_guest(app, agency, client_id, make_member):
    """A guest of Danone (its portal lists the ready reports)."""
    email = make_member(agency, "marc@danone.test", role="guest", name="Marc")
    with app.app_context(), tenancy.agency_scope(agency.id):
        user = db.session.scalar(select(User).where(User.email == email))
        membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
        guests.set_guest_clients(membership, [db.session.get(Client, client_id)])
        db.commit()
    return email


@pytest.mark.parametrize("size", SIZES)
def test_a_report_is_asked_for_made_and_read_on_a_laptop_and_a_phone(app, live_server, busy_client, make_member,  # noqa: F811
                                                                     size):
    agency, client_id = busy_client
    guest = add_guest(app, agency, client_id, make_member)
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
        # The client's guest finds it in the portal and opens its PDF.
        page = sign_in(new_page(browser, "fr", size), live_server, guest)
        page.goto(f"{live_server}/a/{agency.slug}/portal/")
        link = page.locator("[data-testid=portal-report-pdf]")
        assert link.count() == 1
        shot(page, f"portal-reports-fr-{size}")
        pdf = page.request.get(f"{live_server}{link.get_attribute('href')}")
        assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
        assert overflow(page)["excess"] <= 0
        if size != "laptop":
            assert not small_targets(page)
        if audit(page):
            findings["portal"] = audit(page)
    assert not findings, report(findings)


def test_a_report_pdf_page_drawn_by_pdftoppm_looks_like_what_an_agency_sends(app, busy_client, tmp_path):  # noqa: F811
    """The PDF a client receives, its pages drawn as PNG by poppler's pdftoppm (test-artifacts/reports/pdf-page-N.png):
    every page drawn, none blank, the first one in A4 portrait."""
    import subprocess
    from datetime import timedelta

    from PIL import Image

    from saas.db import utcnow
    from tenants.dashboards import periods, reports
    from tenants.press.models import PressCoverage

    agency, danone_id = busy_client
    today = utcnow().date()
    with app.app_context(), tenancy.agency_scope(agency.id):
        for n, (outlet, headline, days_ago) in enumerate((
                ("Le Parisien", "Danone rappelle des yaourts : ce qu’il faut savoir", 9),
                ("Les Échos", "Danone : des résultats trimestriels au-dessus des attentes", 3))):
            db.session.add(PressCoverage(client_id=danone_id, scope=f"client:{danone_id}", url_key=f"{n:040d}",
                                         url=f"https://presse.example/{n}", outlet=outlet, headline=headline,
                                         published_at=utcnow() - timedelta(days=days_ago), status="accepted",
                                         origin="manual", reach=250_000 * (n + 1), media_value=4_800.0 * (n + 1)))
        report = reports.create_report(
            db.session.get(Client, danone_id), periods.custom(today - timedelta(days=29), today),
            {"language": "fr", "summary": "", "highlights": "Rappel géré en deux heures\nRésultats salués par la presse"},
            None)
        db.commit()
        content = reports.render_pdf(report)
    (tmp_path / "report.pdf").write_bytes(content)
    subprocess.run(["pdftoppm", "-png", "-r", "70", str(tmp_path / "report.pdf"), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2
    os.makedirs(SHOTS, exist_ok=True)
    for number, drawn in enumerate(pages, start=1):
        image = Image.open(drawn)
        assert image.getextrema() != ((255, 255), (255, 255), (255, 255))  # something is drawn on it
        image.save(os.path.join(SHOTS, f"pdf-page-{number}.png"))
    first = Image.open(pages[0])
    assert abs(first.height / first.width - 297 / 210) < 0.02  # A4 portrait
