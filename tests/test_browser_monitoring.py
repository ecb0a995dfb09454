"""In a real browser: follow a feed, add a keyword, see the mentions arrive in the inbox live."""
import pytest
from rq import Worker

from saas.jobs import get_queue, redis_connection
from tests.browser import chromium, screenshot
from tests.conftest import PASSWORD
from tests.local_server import allow_local, local_server  # noqa: F401  (fixtures)
from tests.test_monitoring import FEED

pytestmark = pytest.mark.browser


def test_keyword_then_mentions_arrive_in_the_inbox_without_reload(app, live_server, make_agency, local_server,  # noqa: F811
                                                                   allow_local):  # noqa: F811
    local_server.reply("/rss", FEED, headers={"Content-Type": "application/rss+xml"})
    agency = make_agency()
    with chromium() as browser:
        context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(f"{live_server}/login")
        page.fill("#email", agency.owner_email)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/a/{agency.slug}/")
        page.goto(f"{live_server}/a/{agency.slug}/clients/")
        page.fill("#name", "Danone")
        page.click("#new-client button[type=submit]")
        page.locator("#client-rows .client-name", has_text="Danone").click()
        page.click("text=Monitoring")
        page.fill("input[name=url]", local_server.url_for("/rss"))
        page.click("text=Follow")
        page.fill("#query", "Danone -recrutement")
        page.click("#keyword-form details summary")
        page.fill("textarea[name=sample]", "Danone rappelle des yaourts")
        page.click("#keyword-form button[type=button]")
        page.locator("#preview mark", has_text="Danone").wait_for()
        page.click("#keyword-form button[type=submit]")
        page.locator("[data-testid=keywords]", has_text="Danone -recrutement").wait_for()
        screenshot(page, "monitoring-01-client")

        inbox = context.new_page()  # a second tab of the same signed-in person
        inbox.goto(page.url.split("/clients/")[0] + "/mentions/")
        inbox.locator("[data-testid=mentions]").wait_for(state="attached")
        assert inbox.locator(".mention").count() == 0
        with app.app_context():
            Worker([get_queue("monitoring")], connection=redis_connection()).work(burst=True)
        inbox.locator(".mention", has_text="Rappel produit").wait_for(timeout=20_000)  # live poll, no reload
        assert inbox.locator(".mention mark", has_text="Danone").first.is_visible()
        screenshot(inbox, "monitoring-02-inbox")
        page.reload()
        page.locator("[data-testid=backfill]", has_text="Up to date").wait_for()
        page.locator("[data-testid=sources]", has_text="OK").first.wait_for()
        screenshot(page, "monitoring-03-client-after")


@pytest.mark.parametrize("width", [1366, 390])
def test_tagging_mentions_in_the_inbox_on_a_desk_and_a_phone(app, live_server, make_agency, width):
    """In French: tag a mention (htmx, the agency's tags suggested), see the refusal of a 21st tag, filter by tag,
    take a tag off; no sideways scroll, axe finds nothing serious."""
    from saas import db, tenancy
    from tenants.monitoring import tags
    from tenants.monitoring.models import MAX_TAGS, Mention
    from tests.a11y import audit, report
    from tests.factories import populate

    data = populate(app, make_agency("Agence Alpha"), "Alpha")
    with app.app_context(), tenancy.agency_scope(data.agency.id):
        second = db.session.get(Mention, data.ids["mention_id"])
        for n in range(MAX_TAGS - 2):  # 19 with the populated one: one more fits, then none
            tags.add(second, f"Sujet {n}", None)
        db.commit()
    with chromium() as browser:
        context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(f"{live_server}/login")
        page.fill("#email", data.agency.owner_email)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/a/{data.agency.slug}/")
        page.goto(f"{live_server}/a/{data.agency.slug}/mentions/")
        row = page.locator(f"#mention-{data.ids['mention_id']}")
        assert page.locator("#agency-tags option[value='Alpha tag']").count() == 1  # suggested while typing
        row.locator("[data-testid=tag-input]").fill("  Rappel   produit ")
        row.locator("[data-testid=tag-input]").press("Enter")
        row.locator("[data-testid=tag]", has_text="Rappel produit").wait_for()
        assert row.locator("[data-testid=tag]").count() == MAX_TAGS
        row.locator("[data-testid=tag-input]").fill("Encore une")
        row.locator(".tag-add button[type=submit]").click()
        row.locator("[data-testid=tag-error]", has_text="20 étiquettes au plus").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, f"monitoring-tags-{width}-01-tagged")
        findings = audit(page)
        assert not findings, report({"inbox with tags": findings})

        row.locator("[data-testid=tag] a", has_text="Rappel produit").click()
        page.wait_for_url("**/mentions/?tag=Rappel+produit")
        assert page.input_value("#tag") == "Rappel produit" and page.locator(".mention").count() == 1
        row = page.locator(f"#mention-{data.ids['mention_id']}")
        row.get_by_role("button", name="Retirer l’étiquette « Rappel produit »").click()
        row.locator("[data-testid=tag]", has_text="Rappel produit").wait_for(state="detached")
        assert row.locator("[data-testid=tag]").count() == MAX_TAGS - 1
        screenshot(page, f"monitoring-tags-{width}-02-filtered")
