"""Press releases in a real Chromium at 1366 and 390 px, French and English: axe, no sideways scroll, the live
preview typed into, a send whose progress htmx polls while a real RQ worker mails it. Screenshots in
test-artifacts/press/."""
import pytest

from saas import db, tenancy
from tenants.press.models import PressRelease
from tests.a11y import audit, report
from tests.browser import chromium, screenshot
from tests.conftest import run_worker
from tests.factories import populate
from tests.test_a11y_browser import SIZES, layout_problems, new_page, sign_in, staff_sections, visit

pytestmark = pytest.mark.browser


@pytest.fixture
def press(app, make_agency):
    """A populated agency: a release with its card, a send with a failed recipient; an approved second release."""
    agency = make_agency("Agence Lumière")
    ids = populate(app, agency, "Lumière").ids
    with app.app_context(), tenancy.agency_scope(agency.id):
        release = PressRelease(client_id=ids["client_id"], title="Lancement de la gamme « Été » : des yaourts au lait "
                               "de brebis", body="Bonjour {{first_name}},\n\n**Nouveau** : une gamme *bio*.\n\n- Paris\n"
                               "- Lyon", images=["https://cdn.example.com/une-image-avec-un-nom-tres-long.jpg"],
                               attachments=[], language="fr", state="approved")
        db.session.add(release)
        db.commit()
        ids["approved_id"] = release.id
    return agency, ids


def pages(slug, ids):
    base = f"/a/{slug}/press"
    return [("releases", f"{base}/releases/"), ("release", f"{base}/releases/{ids['approved_id']}"),
            ("release-new", f"{base}/releases/new"), ("release-edit", f"{base}/releases/{ids['release_id']}/edit"),
            ("send", f"{base}/sends/{ids['send_id']}")]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("locale", ("fr", "en"))
def test_release_pages_pass_axe_and_fit_the_window(live_server, press, locale, size):
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
    findings = {name: found for name, found in findings.items() if found}
    assert not layout, "\n".join(f"[{name}] {problem}" for name, problems in layout.items() for problem in problems)
    assert not findings, f"axe found violations ({locale}, {size}):" + report(findings)


@pytest.mark.parametrize("size", SIZES)
def test_the_preview_follows_the_typing_and_a_send_shows_its_progress(app, live_server, press, size, mailbox):
    agency, ids = press
    with chromium() as browser:
        page = sign_in(new_page(browser, "fr", size), live_server, agency.owner_email)
        page.goto(f"{live_server}/a/{agency.slug}/press/releases/new")
        page.fill("#title", "Un titre")
        page.fill("#body", "Du **gras** et <script>alert(1)</script>")
        page.locator("[data-testid=release-preview] strong").wait_for()
        assert "gras" in page.locator("[data-testid=release-preview]").inner_text()
        assert page.locator("[data-testid=release-preview] script").count() == 0
        screenshot(page, f"press/{size}-fr-release-preview")
        page.goto(f"{live_server}/a/{agency.slug}/press/releases/{ids['approved_id']}")
        page.on("dialog", lambda dialog: dialog.accept())
        page.click("[data-testid=send-form] button[type=submit]")
        page.locator("[data-testid=send-progress]").wait_for()
        screenshot(page, f"press/{size}-fr-send-running")
        run_worker(app, "mail")
        page.get_by_text("Envoi terminé").wait_for(timeout=10_000)  # the poll saw the end
        screenshot(page, f"press/{size}-fr-send-done")
    assert [m["To"] for m in mailbox.messages if m["List-Unsubscribe"]] == ["journaliste@lumière.example"]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("locale", ("fr", "en"))
def test_the_newsroom_settings_and_public_pages_pass_axe_and_fit_the_window(app, live_server, press, locale, size):
    from tenants.press.models import PressNewsroom, PressSend

    agency, ids = press
    with app.app_context(), tenancy.agency_scope(agency.id):
        release = db.session.get(PressRelease, ids["approved_id"])
        release.state = "sent"
        db.session.add(PressSend(release_id=release.id, list_name="Presse", sender_name="Alice",
                                 sender_email="alice@example.com", state="done"))
        db.session.add(PressNewsroom(client_id=ids["client_id"], slug="lumiere", enabled=True,
                                     intro="Les communiqués de la marque, dès leur envoi."))
        db.commit()
    public = f"/newsroom/{agency.slug}/lumiere"
    findings, layout = {}, {}
    with chromium() as browser:
        reader = new_page(browser, locale, size)
        for name, path in (("newsroom", public), ("newsroom-release", f"{public}/{ids['approved_id']}")):
            visit(reader, live_server + path, locale)
            assert "Lancement de la gamme" in reader.content()
            problems = layout_problems(reader, size)
            if problems:
                layout[name] = problems
            findings[name] = audit(reader)
            screenshot(reader, f"press/{size}-{locale}-{name}")
        page = sign_in(new_page(browser, locale, size), live_server, agency.owner_email)
        visit(page, f"{live_server}/a/{agency.slug}/press/newsroom", locale)
        assert page.locator("[data-testid=newsroom-link]").count() == 1
        problems = layout_problems(page, size, staff_sections(agency.slug))
        if problems:
            layout["newsroom-settings"] = problems
        findings["newsroom-settings"] = audit(page)
        screenshot(page, f"press/{size}-{locale}-newsroom-settings")
    findings = {name: found for name, found in findings.items() if found}
    assert not layout, "\n".join(f"[{name}] {problem}" for name, problems in layout.items() for problem in problems)
    assert not findings, f"axe found violations ({locale}, {size}):" + report(findings)
