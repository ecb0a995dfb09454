"""In a real browser, a confirmation really appears before an action: dismissing it changes nothing."""
import pytest
from sqlalchemy import select

from saas import db, tenancy
from tenants.clients.models import Client
from tenants.monitoring.models import Keyword
from tests.browser import chromium, screenshot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_archiving_a_keyword_asks_first_and_dismissing_keeps_it(app, live_server, make_agency):
    agency = make_agency()
    with app.app_context(), tenancy.agency_scope(agency.id):
        brand = Client(name="Danone")
        db.session.add(brand)
        db.session.flush()
        db.session.add(Keyword(client_id=brand.id, query="Danone -recrutement", backfill_state="done"))
        db.commit()
        client_id = brand.id

    def keyword():
        with app.app_context(), tenancy.agency_scope(agency.id):
            return db.session.scalars(select(Keyword)).one()

    with chromium() as browser:
        page = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900}).new_page()
        page.goto(f"{live_server}/login")
        page.fill("#email", agency.owner_email)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/a/{agency.slug}/")
        page.goto(f"{live_server}/a/{agency.slug}/clients/{client_id}/monitoring")

        questions = []

        def dismiss(dialog):
            questions.append((dialog.type, dialog.message))
            dialog.dismiss()

        posts = []
        page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
        page.once("dialog", dismiss)
        page.click("[data-testid=archive-keyword]")  # returns once a navigation it started is under way
        assert posts == []  # the form was not sent
        assert questions and questions[0][0] == "confirm" and "Archive “Danone -recrutement”?" in questions[0][1]
        assert keyword().archived_at is None
        assert page.locator("[data-testid=keywords]", has_text="Danone -recrutement").is_visible()

        def accept(dialog):
            questions.append((dialog.type, dialog.message))
            dialog.accept()

        page.once("dialog", accept)
        with page.expect_navigation():
            page.click("[data-testid=archive-keyword]")
        assert len(questions) == 2 and keyword().archived_at is not None and posts[0].endswith("/archive")
        page.locator("[data-testid=undo]").wait_for()
        screenshot(page, "confirm-01-keyword-archived")
        with page.expect_navigation():
            page.click("[data-testid=undo]")  # undo needs no confirmation: it puts things back
        assert keyword().archived_at is None
