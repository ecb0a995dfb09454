"""In a real browser: a member invites a client's guest (mail sent by a real RQ worker to a real SMTP
server), the guest sets a password, asks for changes on a card, and the assignee sees it."""
import os
import random
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from saas import db, tenancy
from saas.auth.models import Membership
from saas.db import utcnow
from tenants.boards import cards as card_ops
from tenants.boards import details, service
from tenants.boards.models import BoardCard
from tenants.clients.models import Client
from tenants.monitoring.models import Mention
from tests.browser import ARTIFACTS, chromium, screenshot
from tests.mailbox import text_of
from tests.test_boards_browser import VIEWPORT, sign_in
from tests.conftest import run_worker

pytestmark = pytest.mark.browser
HEADLINES = [
    ("Maison Dupré opens its first store in Lyon", "positive"), ("Maison Dupré's spring collection, reviewed", "positive"),
    ("Queues outside the new Maison Dupré boutique", "neutral"), ("Delivery delays frustrate Maison Dupré buyers", "negative"),
    ("Maison Dupré joins the Paris design week", "positive"), ("Interview: the founder of Maison Dupré", "neutral"),
]


@pytest.fixture
def studio(app, make_agency, make_member):
    """Agence Lumière and its client Maison Dupré: shared cards, an internal one, a month of mentions."""
    agency = make_agency("Agence Lumière")
    make_member(agency, "bruno@lumiere.test", name="Bruno Martin", pole="cm")
    with app.test_request_context(headers={"Accept-Language": "en"}), tenancy.agency_scope(agency.id):
        db.session.execute(db.text("UPDATE agencies SET color = '#0f766e'"))
        client = Client(name="Maison Dupré", color="#b45309", sector="Retail")
        db.session.add_all([client, Client(name="Other Brand", color="#7c3aed")])
        db.session.flush()
        owner = db.session.get(Membership, 1).user
        bruno = db.session.scalar(select(Membership).where(Membership.pole == "cm"))
        board = service.get_or_create_board(client)
        todo, doing, waiting, done = service.list_columns(board)
        now = utcnow()
        plan = [(doing, "Instagram carousel: spring collection", now + timedelta(days=3), True,
                 "Six slides for the spring launch.\n\n- Slide 1: the hero bag\n- Slides 2-5: details\n- Slide 6: **Shop now**"),
                (todo, "Press release: store opening in Lyon", now + timedelta(days=8), True, ""),
                (doing, "Influencer shortlist for the launch", now - timedelta(days=1), True, ""),
                (done, "February coverage report", now - timedelta(days=6), True, ""),
                (doing, "Internal budget review", now + timedelta(days=2), False, "")]
        for column, title, due, visible, description in plan:
            card = card_ops.create_card(board, column, {"title": title, "pole": "cm", "due_at": due,
                                                        "description": description}, owner, [bruno])
            card.client_visible = visible
        carousel = db.session.scalar(select(BoardCard).where(BoardCard.title.startswith("Instagram")))
        details.add_comment(board, carousel, "Internal: keep the budget under 2k.", owner, [])
        pick = random.Random(7)
        for n in range(90):
            title, sentiment = HEADLINES[n % len(HEADLINES)]
            when = now - timedelta(days=pick.randint(0, 29), hours=pick.randint(0, 12))
            db.session.add(Mention(
                client_id=client.id, source_kind="rss", source_name=pick.choice(["Le Monde", "Elle", "Vogue FR"]),
                item_key=f"m{n}", title=title, excerpt="The Lyon store opens on Saturday with a new line.",
                url=f"https://news.example/{n}", sentiment=sentiment, shared_with_client=n in (0, 3, 5), published_at=when))
        db.commit()
        return agency, client.id, carousel.id


def test_a_guest_is_invited_signs_up_requests_changes_and_the_assignee_sees_it(app, live_server, studio, mailbox):  # noqa: F811
    agency, client_id, carousel_id = studio
    with chromium() as browser:
        bruno = sign_in(browser, live_server, "bruno@lumiere.test")
        bruno.goto(f"{live_server}/a/{agency.slug}/clients/{client_id}")
        bruno.fill("#guest-email", "claire@maison-dupre.test")
        bruno.select_option(".guest-quick-invite select[name=locale]", "en")
        bruno.click(".guest-quick-invite button[type=submit]")
        bruno.locator(".flash-success").wait_for()
        assert "claire@maison-dupre.test" in bruno.locator("[data-testid=client-guests]").inner_text()
        screenshot(bruno, "guests-00-client-page")
        bruno.goto(f"{live_server}/a/{agency.slug}/boards/cards/{carousel_id}")
        bruno.click("[data-testid=ask-approval]")
        bruno.locator("[data-testid=client-side] .status-awaiting").wait_for()

        run_worker(app)  # a real RQ worker sends the invitation and the approval request
        invitation = next(m for m in mailbox.messages if "portal" in m["Subject"])
        assert invitation["To"] == "claire@maison-dupre.test"
        link = re.search(r"(http://127\.0\.0\.1:\d+/invitations/\S+)", text_of(invitation)).group(1)

        claire = browser.new_context(locale="en-GB", viewport=VIEWPORT).new_page()
        claire.goto(link)
        claire.fill("#name", "Claire Dupré")
        claire.fill("#password", "Spring-Collection-2026")
        claire.click("button[type=submit]")
        claire.wait_for_url(f"{live_server}/a/{agency.slug}/portal/")
        assert claire.locator("[data-testid=portal-client-name]").inner_text().strip() == "Maison Dupré"
        assert "Other Brand" not in claire.content() and "Internal budget review" not in claire.content()
        screenshot(claire, "guests-01-portal")

        claire.click(".approval-item")
        claire.locator("[data-testid=decision]").wait_for()
        assert "keep the budget" not in claire.content()
        screenshot(claire, "guests-02-card-to-approve")
        claire.click("[data-testid=request-changes]")  # empty: refused, nothing lost
        claire.locator("#changes + .error, .field.has-error .error").first.wait_for()
        claire.fill("#changes", "Please use the new logo on slide 6.")
        claire.click("[data-testid=request-changes]")
        claire.locator(".flash-success").wait_for()
        assert "Changes requested" in claire.locator("[data-testid=decision]").inner_text()
        screenshot(claire, "guests-03-changes-requested")
        claire.click("button[value=fr]")  # the guest's own language, kept on their account
        claire.wait_for_load_state()
        assert claire.locator("html").get_attribute("lang") == "fr"
        claire.goto(f"{live_server}/a/{agency.slug}/portal/")
        screenshot(claire, "guests-06-portal-fr")

        bruno.goto(f"{live_server}/a/{agency.slug}/notifications/")
        assert "asked for changes on" in bruno.locator("[data-testid=notifications]").inner_text()
        bruno.goto(f"{live_server}/a/{agency.slug}/boards/cards/{carousel_id}")
        client_side = bruno.locator("[data-testid=client-side]")
        assert "Please use the new logo on slide 6." in client_side.inner_text()
        assert "Changes requested" in client_side.inner_text()
        assert "Please use the new logo" not in bruno.locator("[id^=card-comments-]").inner_text()
        screenshot(bruno, "guests-04-staff-card")
        bruno.goto(f"{live_server}/a/{agency.slug}/guests/")
        assert "Claire Dupré" in bruno.locator("[data-testid=guests]").inner_text()
        screenshot(bruno, "guests-05-staff-guests")
        bruno.goto(f"{live_server}/a/{agency.slug}/mentions/")
        first = bruno.locator("[data-testid=mention-share]").first
        first.click()
        bruno.locator("[data-testid=mention-unshare]").nth(3).wait_for()  # three were shared already
        bruno.screenshot(path=os.path.join(ARTIFACTS, "guests-07-inbox-share.png"))  # the top of a long page
        bruno.goto(f"{live_server}/a/{agency.slug}/portal/clients/{client_id}")
        assert bruno.locator("[data-testid=portal-preview]").is_visible()
        screenshot(bruno, "guests-08-staff-preview")
