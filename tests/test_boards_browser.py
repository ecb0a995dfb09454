"""Boards in a real browser: drag and drop that sticks, live updates between two people, the drawer."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from saas import db, tenancy
from saas.auth.models import Membership
from saas.db import utcnow
from tenants.boards import cards as card_ops
from tenants.boards import details, service
from tenants.boards.labels import create_label
from tenants.boards.models import BoardCard
from tenants.clients.models import Client
from tests.browser import chromium, screenshot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1440, "height": 900}


@pytest.fixture
def planned(app, make_agency, make_member):
    """An agency whose client board already holds a realistic week of PR and CM work."""
    agency = make_agency("Agence Lumière")
    make_member(agency, "bruno@lumiere.test", name="Bruno Martin", pole="cm")
    make_member(agency, "chloe@lumiere.test", name="Chloé Durand", pole="rp")
    with app.test_request_context(headers={"Accept-Language": "en"}), tenancy.agency_scope(agency.id):
        client = Client(name="Danone", color="#0b5cad", sector="Food")
        db.session.add(client)
        db.session.flush()
        owner = db.session.get(Membership, 1).user
        people = {m.user.name.split()[0]: m for m in db.session.scalars(select(Membership))}
        labels = {name: create_label({"name": name, "color": color}) for name, color in
                  (("Crisis", "#ef4444"), ("Press", "#3b82f6"), ("Influence", "#a855f7"), ("Event", "#f59e0b"))}
        board = service.get_or_create_board(client)
        todo, doing, waiting, done = service.list_columns(board)
        doing.wip_limit = 1  # over its limit once seeded: the warning shows
        now = utcnow()
        plan = [
            (todo, "Press kit for the spring launch", "rp", now + timedelta(days=5), ["Chloé"], ["Press"]),
            (todo, "Instagram reel: behind the scenes", "cm", now + timedelta(hours=20), ["Bruno"], ["Influence"]),
            (todo, "Shortlist 10 food journalists", "rp", None, [], []),
            (doing, "Holding statement on the recall rumour", "both", now - timedelta(days=1), ["Chloé", "Bruno"], ["Crisis"]),
            (doing, "Influencer brief: yogurt tasting", "cm", now + timedelta(days=9), ["Bruno"], ["Influence", "Event"]),
            (waiting, "Quote validation by the CEO office", "rp", now + timedelta(days=2), ["Owner"], ["Press"]),
            (done, "Q1 coverage report", "both", now - timedelta(days=3), ["Chloé"], []),
        ]
        for column, title, pole, due, who, tags in plan:
            card = card_ops.create_card(board, column, {"title": title, "pole": pole, "due_at": due}, owner,
                                        [people[name] for name in who], [labels[t] for t in tags])
            if "statement" in title:
                card.description = "**Approved lines only.** See the [crisis playbook](https://example.com/playbook)."
                card.client_visible = True
                details.add_comment(board, card, "@chloe the legal team validated v2.", owner, list(people.values()))
                for n, text in enumerate(("Draft", "Legal review", "CEO sign-off")):
                    item = details.add_checklist_item(board, card, text, owner)
                    item.done = n < 2
        db.commit()
        return agency, client.id


def sign_in(browser, live_server, email):
    """A fresh browser context signed in as `email`; returns its page."""
    page = browser.new_context(locale="en-GB", viewport=VIEWPORT).new_page()
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/a/**")
    return page


def column_of(page, title):
    """The name of the column a card shows in."""
    card = page.locator(".card", has_text=title)
    return card.locator("xpath=ancestor::section[contains(@class,'board-column')]").locator("h2").inner_text().strip()


def card_id(app, agency, title):
    with app.app_context(), tenancy.agency_scope(agency.id):
        return db.session.scalar(select(BoardCard.id).where(BoardCard.title == title))


def drag(page, source, target):
    """Drag with real mouse moves (SortableJS's fallback mode follows the pointer)."""
    start, end = source.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 10, start["y"] + start["height"] / 2 + 10, steps=5)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 20, steps=25)
    page.wait_for_timeout(150)
    with page.expect_response(lambda r: r.url.endswith("/move") and r.request.method == "POST") as moved:
        page.mouse.up()
    assert moved.value.status == 200


def test_drag_a_card_to_another_column_and_it_stays_after_reload(live_server, planned):
    agency, client_id = planned
    with chromium() as browser:
        page = sign_in(browser, live_server, agency.owner_email)
        page.goto(f"{live_server}/a/{agency.slug}/boards/{client_id}")
        page.locator(".card", has_text="Press kit").wait_for()
        screenshot(page, "boards-01-board")
        assert page.locator(".card", has_text="Holding statement").locator(".due-overdue").is_visible()
        drag(page, page.locator(".card", has_text="Press kit"), page.locator("#column-3 .column-cards"))
        assert column_of(page, "Press kit") == "Awaiting client"
        page.reload()
        page.locator(".card", has_text="Press kit").wait_for()
        assert column_of(page, "Press kit") == "Awaiting client"
        assert page.locator("#column-3 [data-testid=column-count]").inner_text().strip() == "2"
        screenshot(page, "boards-02-after-drag-and-reload")


def test_a_second_person_sees_moves_new_cards_and_comments_live(live_server, planned):
    agency, client_id = planned
    with chromium() as browser:
        alice = sign_in(browser, live_server, agency.owner_email)
        bruno = sign_in(browser, live_server, "bruno@lumiere.test")
        for page in (alice, bruno):
            page.goto(f"{live_server}/a/{agency.slug}/boards/{client_id}")
            page.locator(".card", has_text="Shortlist").wait_for()
        drag(alice, alice.locator(".card", has_text="Shortlist"), alice.locator("#column-2 .column-cards"))
        bruno.locator("#column-2 .card", has_text="Shortlist").wait_for(timeout=8000)  # no reload
        alice.fill("#column-1 .quick-add input[name=title]", "Pitch to Le Monde")
        alice.press("#column-1 .quick-add input[name=title]", "Enter")
        bruno.locator("#column-1 .card", has_text="Pitch to Le Monde").wait_for(timeout=8000)
        alice.locator(".card", has_text="Shortlist").focus()
        alice.keyboard.press("Alt+ArrowRight")
        bruno.locator("#column-3 .card", has_text="Shortlist").wait_for(timeout=8000)
        assert alice.evaluate("document.activeElement.textContent").count("Shortlist") == 1  # focus followed the card
        screenshot(bruno, "boards-03-live-second-person")


def test_a_filter_applies_at_once_and_to_live_updates(live_server, planned):
    agency, client_id = planned
    with chromium() as browser:
        alice = sign_in(browser, live_server, agency.owner_email)
        bruno = sign_in(browser, live_server, "bruno@lumiere.test")
        for page in (alice, bruno):
            page.goto(f"{live_server}/a/{agency.slug}/boards/{client_id}")
            page.locator(".card", has_text="Press kit").wait_for()
        bruno.select_option("#board-filters select[name=pole]", "cm")
        bruno.locator(".card", has_text="Press kit").wait_for(state="detached")
        assert "pole=cm" in bruno.url and bruno.locator("#board-feed").get_attribute("hx-get").endswith("pole=cm")
        for title, pole in (("Fresh RP pitch", "rp"), ("Fresh TikTok series", "cm")):
            alice.fill("#column-1 .quick-add input[name=title]", title)
            alice.press("#column-1 .quick-add input[name=title]", "Enter")
            alice.locator(".card-title", has_text=title).click()
            alice.locator(f"[data-testid=card-panel] .seg.pole-{pole}").click()
            alice.click(".card-form button[type=submit]")
            alice.locator(".card-form .saved").wait_for()
            alice.keyboard.press("Escape")
        bruno.locator(".card", has_text="Fresh TikTok series").wait_for(timeout=8000)
        bruno.wait_for_timeout(3500)  # one more poll: the shared-pole card of the same column must not sneak in
        assert bruno.locator(".card", has_text="Fresh RP pitch").count() == 0


def test_the_drawer_edits_a_card_and_a_concurrent_save_is_refused_with_the_text_kept(app, live_server, planned):
    agency, client_id = planned
    with chromium() as browser:
        alice = sign_in(browser, live_server, agency.owner_email)
        bruno = sign_in(browser, live_server, "bruno@lumiere.test")
        for page in (alice, bruno):
            page.goto(f"{live_server}/a/{agency.slug}/boards/{client_id}")
            page.locator(".card-title", has_text="Holding statement").click()
            page.locator("[data-testid=card-panel]").wait_for()
        screenshot(alice, "boards-04-card-drawer")
        alice.fill(".card-title-input", "Holding statement v2")
        alice.click(".card-form button[type=submit]")
        alice.locator(".card-form .saved").wait_for()
        alice.locator(".board-column .card", has_text="Holding statement v2").wait_for()
        bruno.fill(".card-title-input", "Bruno's wording")
        bruno.click(".card-form button[type=submit]")
        bruno.locator("[data-testid=conflict]").wait_for()
        assert bruno.input_value(".card-title-input") == "Bruno's wording"
        screenshot(bruno, "boards-05-conflict")
        bruno.keyboard.press("Escape")
        assert not bruno.locator("[data-testid=card-panel]").is_visible()
    with app.app_context(), tenancy.agency_scope(agency.id):
        assert db.session.get(BoardCard, card_id(app, agency, "Holding statement v2")) is not None


def test_views_look_right(live_server, planned):
    agency, client_id = planned
    with chromium() as browser:
        page = sign_in(browser, live_server, "chloe@lumiere.test")
        page.goto(f"{live_server}/a/{agency.slug}/")
        page.locator("[data-testid=board-summary]").wait_for()
        assert page.locator("[data-testid=bell] .bell-count").inner_text() == "4"  # three assignments and one mention
        screenshot(page, "boards-06-home")
        page.goto(f"{live_server}/a/{agency.slug}/boards/{client_id}/list")
        screenshot(page, "boards-07-list")
        page.goto(f"{live_server}/a/{agency.slug}/boards/calendar")
        page.locator("[data-testid=calendar] .cal-card").first.wait_for()
        screenshot(page, "boards-08-calendar-month")
        page.goto(f"{live_server}/a/{agency.slug}/boards/{client_id}/calendar?mode=week")
        screenshot(page, "boards-09-calendar-week")
        page.goto(f"{live_server}/a/{agency.slug}/notifications/")
        screenshot(page, "boards-10-notifications")
        page.goto(f"{live_server}/a/{agency.slug}/boards/{client_id}?pole=cm")
        page.locator(".card", has_text="Instagram reel").wait_for()
        assert page.locator(".card", has_text="Press kit").count() == 0
        screenshot(page, "boards-11-filtered-cm")
        page.goto(f"{live_server}/a/{agency.slug}/boards/{client_id}")
        page.click("#column-2 .column-menu summary")
        page.locator("#column-2 .column-menu .menu-panel").wait_for()
        screenshot(page, "boards-12-column-menu")
        page.click("button[value=fr]")
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "fr"
        screenshot(page, "boards-13-board-fr")
