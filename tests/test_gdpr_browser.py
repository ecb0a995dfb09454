"""Data rights in Chromium: the account page's data and deletion forms, the deleted agency's banner (1366, 390)."""
import pytest

from saas import db
from saas.auth.models import Agency
from saas.db import utcnow
from tests.a11y import audit, report, small_targets
from tests.browser import chromium, screenshot
from tests.conftest import run_worker
from tests.test_a11y_browser import SIZES, layout_problems, new_page, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def export_dir(app, tmp_path):
    previous = app.config["EXPORT_DIR"]
    app.config["EXPORT_DIR"] = str(tmp_path / "exports")
    yield
    app.config["EXPORT_DIR"] = previous


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("locale", ["fr", "en"])
def test_account_data_forms_and_deletion_banner_pass_axe_and_fit(app, live_server, make_agency, size, locale):
    from datetime import timedelta

    agency = make_agency("Agence Lumière")
    findings, layout = {}, {}
    with chromium() as browser:
        page = new_page(browser, locale, size)
        sign_in(page, live_server, agency.owner_email)
        page.goto(f"{live_server}/account")
        page.locator("[data-testid=account-delete]").wait_for()
        findings["account"] = audit(page)
        layout["account"] = layout_problems(page, size)
        screenshot(page, f"gdpr/{size}-{locale}-account")
        # The deletion asks the browser's confirmation first: dismissed, nothing is sent.
        page.fill("#delete_password", "whatever")
        page.once("dialog", lambda dialog: dialog.dismiss())
        page.click("[data-testid=account-delete] button[type=submit]")
        assert page.url.endswith("/account")

        page.goto(f"{live_server}/a/{agency.slug}/members/")
        page.locator("[data-testid=agency-delete]").wait_for()
        findings["team"] = audit(page)
        layout["team"] = layout_problems(page, size)
        screenshot(page, f"gdpr/{size}-{locale}-team")
        if size == "laptop" and locale == "en":  # the export: started by htmx, its progress polled to the link
            page.click("[data-testid=export-start]")
            page.locator("#export-progress[hx-get]").wait_for()
            run_worker(app, "default")
            page.locator("[data-testid=export-download]").wait_for(timeout=10_000)
            assert page.locator("#export-progress[hx-get]").count() == 0  # 286: the polling stopped
        with app.app_context():
            db.session.get(Agency, agency.id).purge_after = utcnow() + timedelta(days=30)
            db.commit()
        page.goto(f"{live_server}/a/{agency.slug}/members/")
        banner = page.locator("[data-testid=deletion-banner]")
        banner.wait_for()
        assert banner.locator("button").is_visible()
        findings["deleted-team"] = audit(page)
        layout["deleted-team"] = layout_problems(page, size)
        screenshot(page, f"gdpr/{size}-{locale}-deletion-banner")
        if size == "phone":
            assert not small_targets(page)
        banner.locator("button").click()
        page.wait_for_load_state()
        assert page.locator("[data-testid=deletion-banner]").count() == 0
    layout = {name: problems for name, problems in layout.items() if problems}
    assert not layout, layout
    assert not {name: v for name, v in findings.items() if v}, report(findings)
