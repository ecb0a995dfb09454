"""Press coverage and reviews in a real Chromium at 1366 and 390 px, French and English: axe, no sideways scroll,
touch targets, a proposal accepted through htmx, a bad figure refused in place, the portal's review.
Screenshots in test-artifacts/press/."""
import pytest

from saas import db, tenancy
from saas.db import utcnow
from tenants.press.models import PressCoverage
from tests.a11y import audit, report
from tests.browser import chromium, screenshot
from tests.factories import populate
from tests.test_a11y_browser import (SIZES, guest_sections, layout_problems, new_page, sign_in, staff_sections,
                                     visit)

pytestmark = pytest.mark.browser


@pytest.fixture
def press(app, make_agency):
    """A populated agency whose sent release has accepted coverage (in a shared review) and two proposals."""
    agency = make_agency("Agence Lumière")
    ids = populate(app, agency, "Lumière").ids
    with app.app_context(), tenancy.agency_scope(agency.id):
        for n, (outlet, headline, author) in enumerate((
                ("Le Quotidien de Bretagne", "Les yaourts au lait de brebis de Lumière arrivent dans les rayons "
                 "des supermarchés de tout l'Ouest", "Camille Martin-Durand"),
                ("Blog Gourmand", "<b>Essai</b> : la gamme Été de Lumière", ""))):
            db.session.add(PressCoverage(
                client_id=ids["client_id"], release_id=ids["release_id"], scope=f"release:{ids['release_id']}",
                url_key=f"{n:040d}", url=f"https://www.site-{n}.example/{'tres-long-chemin/' * 6}article", outlet=outlet,
                author=author, headline=headline, published_at=utcnow(), sentiment="positive" if n else "neutral"))
        db.commit()
    return agency, ids


def pages(slug, ids):
    base = f"/a/{slug}/press"
    return [("coverage-release", f"{base}/releases/{ids['release_id']}"),
            ("coverage-client", f"{base}/clients/{ids['client_id']}/coverage"),
            ("reviews", f"{base}/reviews/"), ("review", f"{base}/reviews/{ids['review_id']}")]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("locale", ("fr", "en"))
def test_coverage_pages_pass_axe_and_fit_the_window(live_server, press, locale, size):
    agency, ids = press
    findings, layout = {}, {}
    with chromium() as browser:
        page = sign_in(new_page(browser, locale, size), live_server, agency.owner_email)
        for name, path in pages(agency.slug, ids):
            visit(page, live_server + path, locale)
            problems = layout_problems(page, size, staff_sections(agency.slug))
            if problems:
                layout[name] = problems
            findings[name] = audit(page)
            screenshot(page, f"press/{size}-{locale}-{name}")
        guest = sign_in(new_page(browser, locale, size), live_server, f"guest@{agency.slug}.test")
        visit(guest, f"{live_server}/a/{agency.slug}/portal/press-reviews/{ids['review_id']}", locale)
        problems = layout_problems(guest, size, guest_sections(agency.slug, ids))
        if problems:
            layout["portal-review"] = problems
        findings["portal-review"] = audit(guest)
        screenshot(guest, f"press/{size}-{locale}-portal-review")
    findings = {name: found for name, found in findings.items() if found}
    assert not layout, "\n".join(f"[{name}] {problem}" for name, problems in layout.items() for problem in problems)
    assert not findings, f"axe found violations ({locale}, {size}):" + report(findings)


@pytest.mark.parametrize("size", SIZES)
def test_a_proposal_is_accepted_in_place_and_a_bad_figure_refused(app, live_server, press, size):
    agency, ids = press
    with chromium() as browser:
        page = sign_in(new_page(browser, "fr", size), live_server, agency.owner_email)
        page.goto(f"{live_server}/a/{agency.slug}/press/releases/{ids['release_id']}")
        proposal = page.locator("[data-testid=coverage-item][data-status=proposed]").first
        proposal.locator("[data-testid=coverage-accept]").click()
        page.locator("[data-testid=coverage-item][data-status=accepted]").nth(1).wait_for()
        assert page.locator("[data-testid=coverage-item][data-status=proposed]").count() == 1
        assert page.locator("#coverage-count").inner_text().startswith("2 acceptées")
        assert page.locator(".coverage-headline b").count() == 0  # the headline's markup is text
        accepted = page.locator("[data-testid=coverage-item][data-status=accepted]").first
        accepted.locator("input[name=reach]").fill("-40")
        accepted.locator(".coverage-figures button[type=submit]").click()
        page.locator(".coverage-figures .error").first.wait_for()
        assert "audience" in page.locator(".coverage-figures .error").first.inner_text().lower()
        screenshot(page, f"press/{size}-fr-coverage-decided")
