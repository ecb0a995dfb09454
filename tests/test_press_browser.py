"""Press relations in a real Chromium, on a laptop (1366×768) and a phone (390×844), in French and English:
axe, no sideways scroll, the menu reaches "Press", touch targets; an import through the pages whose progress
htmx polls while a real RQ worker runs it; the unsubscribe page. Screenshots in test-artifacts/press/."""
import pytest
from sqlalchemy import select

from saas import db, tenancy
from tenants.press import service
from tenants.press.models import ContactImport, PressContact
from tests.a11y import audit, report
from tests.browser import ARTIFACTS, chromium, screenshot
from tests.conftest import run_worker
from tests.factories import populate
from tests.test_a11y_browser import SIZES, layout_problems, new_page, sign_in, staff_sections, visit

pytestmark = pytest.mark.browser

CSV = ("Prénom;Nom;Média;Rubrique;Email;Région;Langue\n"
       + "".join(f"Journaliste{n};Nom{n};Le Média {n % 7};Économie;j{n}@media.example;Bretagne;fr\n" for n in range(300))
       + ";;;;;;\n;;Le Média;;pas-une-adresse;;\n")


@pytest.fixture
def press(app, make_agency):
    """An agency with contacts (one marked do not contact, one with long words), a media list, an import done."""
    agency = make_agency("Agence Lumière")
    ids = populate(app, agency, "Lumière").ids
    with app.app_context(), tenancy.agency_scope(agency.id):
        for n, (first, last, outlet, beat, region) in enumerate((
                ("Élodie", "Martin", "Les Échos", "Économie", "Île-de-France"),
                ("Hervé", "Le Goff", "Le Télégramme", "Agriculture", "Bretagne"),
                ("Anne-Sophie", "de La Rochefoucauld-Montmorency", "Madame Figaro", "Mode", "Île-de-France"))):
            contact = service.create_contact({
                "first_name": first, "last_name": last, "outlets": [outlet], "beats": [beat, "Société"],
                "region": region, "city": "Paris", "languages": ["fr"], "outlet_type": "national",
                "role": "Rédactrice en chef adjointe du service Économie et Entreprises",
                "emails": [f"{first.lower()}.{n}@une-adresse-tres-longue-de-redaction.example"],
                "phones": ["+33 1 23 45 67 89"], "lawful_basis": "legitimate_interest", "data_source": "Salon 2026"})
            if n == 1:
                service.set_do_not_contact(contact, True)
        db.commit()
        ids["contact"] = db.session.scalar(select(PressContact.id).where(PressContact.last_name == "Martin"))
        ids["dnc"] = db.session.scalar(select(PressContact.id).where(PressContact.last_name == "Le Goff"))
    return agency, ids


def pages(slug, ids):
    base = f"/a/{slug}/press"
    return [("press-contacts", f"{base}/"), ("press-contact", f"{base}/contacts/{ids['contact']}"),
            ("press-contact-replies", f"{base}/contacts/{ids['contact_id']}"),
            ("press-new-contact", f"{base}/contacts/new"), ("press-lists", f"{base}/lists/"),
            ("press-list", f"{base}/lists/{ids['list_id']}?q=martin"), ("press-import", f"{base}/imports/new"),
            ("press-import-report", f"{base}/imports/{ids['import_id']}")]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("locale", ("fr", "en"))
def test_press_pages_pass_axe_fit_the_window_and_the_menu_reaches_them(live_server, press, locale, size):
    agency, ids = press
    findings, layout = {}, {}
    sections = staff_sections(agency.slug)  # "press/" among them
    with chromium() as browser:
        page = sign_in(new_page(browser, locale, size), live_server, agency.owner_email)
        for name, path in pages(agency.slug, ids):
            visit(page, live_server + path, locale)
            problems = layout_problems(page, size, sections)
            if problems:
                layout[name] = problems
            findings[name] = audit(page)
            screenshot(page, f"press/{size}-{locale}-{name}")
        listed = page.locator("[data-testid=excluded-row]")
        assert listed.count() == 0  # the search result page of the list: Martin is a member, Le Goff is not listed
        visit(page, f"{live_server}/a/{agency.slug}/press/?q=herve", locale)
        assert page.locator("[data-testid=contact-row]").count() == 1
        assert page.locator("[data-testid=dnc]").count() == 1
    findings = {name: found for name, found in findings.items() if found}
    assert not layout, f"press pages not usable at {SIZES[size]['width']} px ({locale}):\n" + "\n".join(
        f"[{name}] {problem}" for name, problems in layout.items() for problem in problems)
    assert not findings, f"axe found violations ({locale}, {size}):" + report(findings)


@pytest.mark.parametrize("size", SIZES)
def test_a_reply_is_logged_from_the_contacts_page(live_server, press, size):
    agency, ids = press
    with chromium() as browser:
        page = sign_in(new_page(browser, "fr", size), live_server, agency.owner_email)
        visit(page, f"{live_server}/a/{agency.slug}/press/contacts/{ids['contact_id']}", "fr")
        form = page.locator("[data-testid=reply-form]")
        form.locator("#received_at").fill("2026-03-02T10:15")
        form.locator("#reply_release").select_option(label="Lumière launch")
        form.locator("#reply_channel").select_option("phone")
        form.locator("#reply_outcome").select_option("interview")
        form.locator("#reply_note").fill("Veut rencontrer la fondatrice jeudi")
        form.locator("[data-testid=log-reply]").click()
        page.wait_for_url("**#contact-replies")
        logged = page.locator("[data-testid=reply]", has_text="fondatrice")
        assert "Demande une interview" in logged.inner_text() and "02/03/2026 10:15" in logged.inner_text()
        assert "Lumière launch" in logged.inner_text() and "fondatrice" in logged.inner_text()
        logged.scroll_into_view_if_needed()
        screenshot(page, f"press/{size}-fr-contact-reply")
        visit(page, f"{live_server}/a/{agency.slug}/press/releases/{ids['release_id']}", "fr")
        assert "fondatrice" in page.locator("[data-testid=release-replies]").inner_text()


@pytest.mark.parametrize("size", SIZES)
def test_an_import_runs_through_the_pages_with_its_progress_polled(app, live_server, press, size, tmp_path):
    agency, _ids = press
    upload = tmp_path / "contacts.csv"
    upload.write_bytes(CSV.encode("cp1252"))
    with chromium() as browser:
        page = sign_in(new_page(browser, "fr", size), live_server, agency.owner_email)
        page.goto(f"{live_server}/a/{agency.slug}/press/imports/new")
        page.set_input_files("#file", str(upload))
        page.click("[data-testid=import-form] button[type=submit]")
        page.locator("[data-testid=mapping-form]").wait_for()
        assert page.locator("#column_0").input_value() == "first_name"
        assert page.locator("#column_4").input_value() == "emails"
        assert "Économie" in page.locator("[data-testid=preview]").inner_text()
        screenshot(page, f"press/{size}-fr-import-mapping")
        problems = layout_problems(page, size)
        page.click("[data-testid=run-import]")
        page.locator("[data-testid=import-progress]").wait_for()
        screenshot(page, f"press/{size}-fr-import-queued")
        run_worker(app, "default")
        page.locator("[data-testid=import-done]").wait_for(timeout=15_000)  # htmx polled the progress until 286
        text = page.locator("[data-testid=import-done]").inner_text()
        assert "Créés : 300" in text and "ignorés : 1" in text
        assert page.locator("[data-testid=import-problems]").is_visible()
        screenshot(page, f"press/{size}-fr-import-done")
        findings = audit(page)
    assert not problems, problems
    assert not findings, report({"import-done": findings})
    with app.app_context(), tenancy.agency_scope(agency.id):
        assert db.session.scalars(select(ContactImport.state).order_by(ContactImport.id.desc())).first() == "done"


def test_the_unsubscribe_page_confirms_before_it_acts_on_a_phone(app, live_server, press):
    agency, ids = press
    with app.app_context(), tenancy.agency_scope(agency.id):
        url = service.unsubscribe_url(db.session.get(PressContact, ids["contact"]))
    assert url.startswith(live_server)
    with chromium() as browser:
        page = new_page(browser, "fr", "phone")
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == "fr"
        screenshot(page, "press/phone-fr-unsubscribe")
        findings = audit(page)
        page.click("[data-testid=confirm-unsubscribe]")
        page.locator("[data-testid=unsubscribed]").wait_for()
        screenshot(page, "press/phone-fr-unsubscribed")
    assert not findings, report({"unsubscribe": findings})
    with app.app_context(), tenancy.agency_scope(agency.id):
        assert db.session.get(PressContact, ids["contact"]).do_not_contact is True
    assert ARTIFACTS
