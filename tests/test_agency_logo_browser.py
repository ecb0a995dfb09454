"""The agency's logo in a real Chromium, on a laptop (1366 px) and a phone (390 px): chosen on the team page's
settings and saved, a refused file's message beside the field, then the logo on a stored report's page, a press
review, the report's print layout and the client portal's bar; axe finds nothing serious, nothing runs off the side.
Screenshots kept in test-artifacts/logo/."""
import os

import pytest
from PIL import Image, ImageDraw
from flask import g, render_template

from saas import db, tenancy
from saas.auth import logo
from saas.auth.models import Agency
from tenants.clients.models import Client
from saas import pdf
from tenants.dashboards import reports
from tenants.dashboards.models import Report
from tests.a11y import audit, overflow, report, small_targets
from tests.browser import ARTIFACTS, chromium
from tests.test_a11y_browser import SIZES, new_page, sign_in
from tests.test_guests import world  # noqa: F401  (fixture: Agence Alpha, its guest, a report, a shared review)

pytestmark = pytest.mark.browser
SHOTS = os.path.join(ARTIFACTS, "logo")


def shot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def logo_file(tmp_path):
    """A wide logo as a designer would export it: a mark and a word on transparency, 1500 px wide."""
    image = Image.new("RGBA", (1500, 420), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((20, 40, 360, 380), radius=70, fill=(79, 70, 229, 255))
    draw.ellipse((110, 130, 270, 290), fill=(255, 255, 255, 255))
    for n in range(5):
        draw.rectangle((440 + n * 210, 150, 600 + n * 210, 270), fill=(17, 24, 39, 255))
    path = tmp_path / "alpha-logo.png"
    image.save(path, "PNG")
    return str(path)


def print_layout(app, world):  # noqa: F811
    """The report's print layout as WeasyPrint receives it (the logo as a data: URI)."""
    with app.app_context(), tenancy.agency_scope(world.agency_id), app.test_request_context("/"):
        report_row = db.session.get(Report, world.ids["report_id"])
        agency = db.session.get(Agency, world.agency_id)
        g.agency = agency
        return render_template("dashboards/report_print.html", stylesheet=pdf.print_stylesheet(), agency=agency,
                               logo=logo.data_uri(agency), made_on=report_row.created_at.date(),
                               **reports.page_context(report_row, db.session.get(Client, report_row.client_id), True))


@pytest.mark.parametrize("size", SIZES)
def test_the_logo_is_chosen_on_the_team_page_and_signs_reports_reviews_and_the_portal(
        app, live_server, world, tmp_path, size):  # noqa: F811
    findings, layout = {}, {}

    def check(page, name):
        sideways = overflow(page)
        if sideways["excess"] > 0:
            layout[name] = f"scrolls sideways by {sideways['excess']} px: {sideways['culprits']}"
        if size == "phone" and small_targets(page):
            layout[name] = f"touch targets under 44 px: {small_targets(page)[:8]}"
        found = audit(page)
        if found:
            findings[name] = found
        shot(page, f"{name}-{size}")

    bad = tmp_path / "logo.png"
    bad.write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>")
    a = f"{live_server}/a/{world.slug}"
    with chromium() as browser:
        page = sign_in(new_page(browser, "fr", size), live_server, world.owner)
        page.goto(f"{a}/members/")
        page.select_option("#timezone", "America/Toronto")
        page.set_input_files("#logo", str(bad))
        page.locator("[data-testid=agency-settings] button[type=submit]").click()
        page.locator("[data-testid=logo-error]").wait_for()
        assert "n’est pas une image PNG ou JPEG" in page.locator("[data-testid=logo-error]").inner_text()
        assert page.locator("#timezone").input_value() == "America/Toronto"  # what was chosen stays chosen
        page.locator("#logo").scroll_into_view_if_needed()
        check(page, "settings-refused")

        page.set_input_files("#logo", logo_file(tmp_path))
        page.locator("[data-testid=agency-settings] button[type=submit]").click()
        page.locator("[data-testid=logo-preview] img").wait_for()
        preview = page.locator("[data-testid=logo-preview] img")
        assert preview.get_attribute("alt") == "Agence Alpha"
        assert preview.evaluate("img => img.complete && img.naturalWidth") == 600  # served, re-encoded 600 px wide
        page.locator("[data-testid=agency-settings]").scroll_into_view_if_needed()
        check(page, "settings-with-logo")

        page.goto(f"{a}/clients/{world.ids['client_id']}/reports/{world.ids['report_id']}")
        assert page.locator(".report-logo").evaluate("img => img.naturalWidth") == 600
        check(page, "report-page")
        page.goto(f"{a}/press/reviews/{world.ids['review_id']}")
        assert page.locator(".review-logo").evaluate("img => img.naturalWidth") == 600
        check(page, "press-review")

        guest = sign_in(new_page(browser, "fr", size), live_server, world.guest)
        guest.goto(f"{a}/portal/")
        brand = guest.locator("[data-testid=portal-brand] img")
        assert brand.get_attribute("alt") == "Agence Alpha" and brand.evaluate("img => img.naturalWidth") == 600
        check(guest, "portal")

        if size == "laptop":  # the print layout (what WeasyPrint lays out) as a picture
            printed = browser.new_context(viewport={"width": 794, "height": 1123}).new_page()
            printed.set_content(print_layout(app, world))
            assert printed.locator(".print-logo").evaluate("img => img.complete && img.naturalWidth") == 600
            shot(printed, "report-print-layout")

        page.goto(f"{a}/members/")
        page.once("dialog", lambda dialog: dialog.dismiss())  # "Remove the logo?" — no: nothing changes
        page.locator("[data-testid=remove-logo]").click()
        assert page.locator("[data-testid=logo-preview] img").is_visible()
        page.once("dialog", lambda dialog: dialog.accept())
        page.locator("[data-testid=remove-logo]").click()
        page.wait_for_load_state()
        page.locator("[data-testid=agency-settings]").wait_for()
        assert page.locator("[data-testid=logo-preview]").count() == 0
    assert not layout, layout
    assert not findings, report(findings)
