"""Accessibility (WCAG 2.1 AA) and phones in a real Chromium. Every main page, in French and English, on a
laptop (1366×768) and on a phone (390×844): axe-core, no sideways scroll, the menu reaches every section,
touch targets of 44 px on the phone; a screenshot of each is kept in test-artifacts/pages/. And the
keyboard: skip link, the card drawer, focus after htmx swaps, menus that Escape closes (the phone menu
too), form errors tied to their fields, moves announced; the board column by column on a phone."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from saas import db, tenancy
from saas.auth.models import Membership
from tenants.boards import cards as card_ops
from tenants.boards import service
from tenants.boards.models import BoardCard
from tenants.guests import approvals
from tenants.monitoring.models import Mention
from tests.a11y import audit, overflow, report, small_targets
from tests.browser import ARTIFACTS, chromium, screenshot
from tests.conftest import PASSWORD
from tests.factories import populate

pytestmark = pytest.mark.browser
SIZES = {"laptop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
LOCALES = {"fr": "fr-FR", "en": "en-GB"}
CALENDAR_DAY = "2026-04-15"  # April 2026 starts on a Wednesday: the month view shows March's and May's days too


@pytest.fixture
def seeded(app, make_agency):
    """An agency with a client, keywords, mentions, a board with dated cards, a crisis and a guest
    whose card awaits approval; returns (agency, ids)."""
    agency = make_agency("Agence Lumière")
    data = populate(app, agency, "Lumière")
    ids = data.ids
    with app.app_context(), tenancy.agency_scope(agency.id):
        owner = db.session.scalar(select(Membership).where(Membership.user_id == agency.owner_id)).user
        card = db.session.get(BoardCard, ids["card_id"])
        board = service.get_or_create_board(card.board.client)
        columns = service.list_columns(board)
        card.due_at = datetime(2026, 4, 30, 10, tzinfo=timezone.utc)
        for n, (column, title) in enumerate(((columns[0], "Dossier de presse"), (columns[1], "Reel Instagram"),
                                             (columns[3], "Bilan du trimestre"))):
            card_ops.create_card(board, column, {"title": title, "pole": ("rp", "cm", "both")[n],
                                                 "due_at": datetime(2026, 4, 1 + 7 * n, 9, tzinfo=timezone.utc)}, owner)
        approvals.request_approval(board, card, owner)
        client_id = card.board.client_id
        for n, sentiment in enumerate(("positive", "negative", "neutral")):
            db.session.add(Mention(client_id=client_id, keyword_id=ids["keyword_id"], source_kind="rss",
                                   source_name="Le Monde", item_key=f"extra-{n}", title=f"Article {n} sur Lumière",
                                   excerpt="Lumière ouvre une boutique à Lyon.", url=f"https://news.example/{n}",
                                   sentiment=sentiment, published_at=datetime.now(timezone.utc) - timedelta(hours=n)))
        db.commit()
    return agency, ids


def staff_pages(slug, ids):
    """(name, path) of the staff's main pages."""
    a, client, board = f"/a/{slug}", ids["client_id"], ids["client_id"]
    return [
        ("home", f"{a}/"), ("clients", f"{a}/clients/"), ("client", f"{a}/clients/{client}"),
        ("monitoring", f"{a}/clients/{client}/monitoring"), ("inbox", f"{a}/mentions/"),
        ("competitors", f"{a}/clients/{client}/competitors"),
        ("boards", f"{a}/boards/"), ("board", f"{a}/boards/{board}"), ("board-list", f"{a}/boards/{board}/list"),
        ("board-calendar", f"{a}/boards/{board}/calendar?date={CALENDAR_DAY}"),
        ("agency-calendar", f"{a}/boards/calendar?date={CALENDAR_DAY}"), ("card", f"{a}/boards/cards/{ids['card_id']}"),
        ("notifications", f"{a}/notifications/"), ("labels", f"{a}/boards/labels"),
        ("board-activity", f"{a}/boards/{board}/activity"), ("new-card", f"{a}/boards/{board}/cards/new"),
        ("client-edit", f"{a}/clients/{client}/edit"), ("crisis-show", f"{a}/crisis/{ids['crisis_id']}"),
        ("agency-cards", f"{a}/boards/cards"),
        ("crisis", f"{a}/crisis/"), ("crisis-client", f"{a}/crisis/clients/{client}"),
        ("crisis-alert", f"{a}/crisis/alerts/{ids['alert_id']}"), ("crisis-rule", f"{a}/crisis/rules/{ids['rule_id']}"),
        ("guests", f"{a}/guests/"), ("team", f"{a}/members/"), ("billing", f"{a}/billing/"),
        ("api-tokens", f"{a}/api-tokens/"), ("api-docs", "/api/v1/docs"),
        ("webhooks", f"{a}/webhooks/"), ("webhook", f"{a}/webhooks/{ids['endpoint_id']}"),
        ("press", f"{a}/press/"), ("press-contact", f"{a}/press/contacts/{ids['contact_id']}"),
        ("press-lists", f"{a}/press/lists/"), ("press-list", f"{a}/press/lists/{ids['list_id']}"),
        ("press-import", f"{a}/press/imports/new"),
        ("press-releases", f"{a}/press/releases/"), ("press-release", f"{a}/press/releases/{ids['release_id']}"),
        ("press-release-new", f"{a}/press/releases/new"),
        ("press-release-edit", f"{a}/press/releases/{ids['release_id']}/edit"),
        ("press-send", f"{a}/press/sends/{ids['send_id']}"),
        ("account", "/account"), ("agencies", "/agencies"),
    ]


def guest_pages(slug, ids):
    """(name, path) of the client portal."""
    a = f"/a/{slug}/portal"
    return [("portal", f"{a}/"), ("portal-client", f"{a}/clients/{ids['client_id']}"),
            ("portal-card", f"{a}/cards/{ids['card_id']}")]


PUBLIC_PAGES = [("login", "/login"), ("signup", "/signup"), ("reset", "/reset")]


def staff_sections(slug):
    """The addresses the staff's menu leads to (the owner sees Billing too)."""
    return [f"/a/{slug}/{section}" for section in ("", "clients/", "mentions/", "boards/", "crisis/", "press/", "members/", "guests/",
                                                           "billing/")]


def guest_sections(slug, ids):
    """The client portal's menu: the guest's clients (its home is the agency's brand, always in the bar)."""
    return [f"/a/{slug}/portal/clients/{ids['client_id']}"]


def reachable(locator):
    """Whether an element is shown inside the window, on top (not under another element), so a tap reaches it."""
    return locator.evaluate("""el => { const box = el.getBoundingClientRect();
      if (!box.width || !box.height || box.left < 0 || box.top < 0 || box.right > innerWidth || box.bottom > innerHeight) return false;
      const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      return !!hit && (hit === el || el.contains(hit)); }""")


def layout_problems(page, size, sections=None, opened=None):
    """What keeps a page from being used in this window: sideways scroll; on a phone, touch targets under
    44 px (the menu's too, counted open); a section the menu does not reach. `opened` gets the page with its
    menu open (to audit or photograph it)."""
    problems = []
    found = overflow(page)
    if found["excess"] > 0:
        problems.append(f"scrolls sideways by {found['excess']} px: {', '.join(found['culprits'])}")
    toggle, menu = page.locator("[data-testid=nav-toggle]"), page.locator("#site-menu")
    phone = size == "phone"
    if sections and phone:
        toggle.click()
        menu.wait_for(state="visible")
        if toggle.get_attribute("aria-expanded") != "true" or toggle.get_attribute("aria-controls") != "site-menu":
            problems.append("the menu button does not say it is expanded, or what it controls")
    elif sections and toggle.is_visible():
        problems.append("a menu button on a wide screen: the sections belong in the bar")
    if phone:
        small = small_targets(page)
        if small:
            problems.append(f"touch targets under 44 px: {', '.join(small[:10])}")
    for href in sections or ():
        link = menu.locator(f'nav a[href="{href}"]')
        if link.count() != 1 or not reachable(link):
            problems.append(f"the menu does not reach {href}")
    if sections and phone:
        if opened:
            opened(page)
        page.keyboard.press("Escape")
        if menu.is_visible() or toggle.get_attribute("aria-expanded") != "false":
            problems.append("Escape does not close the menu")
        elif not toggle.evaluate("b => document.activeElement === b"):
            problems.append("focus does not go back to the menu button")
    return problems


def new_page(browser, locale="en", size="laptop"):
    """A fresh context in a language and a window size."""
    return browser.new_context(locale=LOCALES[locale], viewport=SIZES[size]).new_page()


def sign_in(page, live_server, email):
    """Sign a page in through the login form."""
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/a/**")
    return page


def visit(page, url, locale):
    """Open a page and check it is in the language asked for (so both catalogues are audited)."""
    response = page.goto(url)
    assert response.status == 200, f"{url}: {response.status}"
    assert page.locator("html").get_attribute("lang") == locale, url


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("locale", LOCALES)
def test_every_main_page_passes_axe_fits_the_window_and_reaches_every_section(live_server, seeded, locale, size):
    agency, ids = seeded
    findings, layout = {}, {}

    def check(page, name, sections=None):
        """Layout first (it opens and closes the menu), then axe on the page at rest, then a screenshot."""
        def opened(page):
            if name in ("home", "portal"):  # the open menu: audited and photographed once per portal
                findings[f"{name}-menu-open"] = audit(page)
                screenshot(page, f"pages/{size}-{locale}-{name}-menu")
        problems = layout_problems(page, size, sections, opened)
        if problems:
            layout[name] = problems
        findings[name] = audit(page)
        screenshot(page, f"pages/{size}-{locale}-{name}")

    with chromium() as browser:
        page = new_page(browser, locale, size)
        for name, path in PUBLIC_PAGES:
            visit(page, live_server + path, locale)
            check(page, name)
        page.goto(f"{live_server}/signup")
        page.click("button[type=submit]")  # every field refused: the errors are audited too
        page.locator(".field.has-error").first.wait_for()
        findings["signup-errors"] = audit(page)

        sign_in(page, live_server, agency.owner_email)
        sections = staff_sections(agency.slug)
        for name, path in staff_pages(agency.slug, ids):
            visit(page, live_server + path, locale)
            check(page, name, sections if path.startswith("/a/") else None)  # /account, /agencies: no agency, no sections
            if name == "board-calendar":
                assert page.locator(".calendar-day.is-outside").count() > 0  # days of March and May are audited
        visit(page, f"{live_server}/a/{agency.slug}/boards/{ids['client_id']}", locale)
        page.locator(f"#card-{ids['card_id']} .card-title").click()
        page.locator("[data-testid=card-panel]").wait_for()
        findings["card-drawer"] = audit(page)
        if size == "phone" and small_targets(page):
            layout["card-drawer"] = [f"touch targets under 44 px: {', '.join(small_targets(page)[:10])}"]
        screenshot(page, f"a11y-drawer-{locale}-{size}")

        guest = new_page(browser, locale, size)
        sign_in(guest, live_server, f"guest@{agency.slug}.test")
        for name, path in guest_pages(agency.slug, ids):
            visit(guest, live_server + path, locale)
            check(guest, name, guest_sections(agency.slug, ids))
        assert guest.locator("[data-testid=approve]").is_visible()
    findings = {name: found for name, found in findings.items() if found}
    assert not layout, f"pages not usable at {SIZES[size]['width']} px ({locale}):\n" + "\n".join(
        f"[{name}] {problem}" for name, problems in layout.items() for problem in problems)
    assert not findings, f"axe found serious or critical violations ({locale}, {size}):" + report(findings)


def active(page, prop="id"):
    """A property of the focused element."""
    return page.evaluate(f"() => document.activeElement && document.activeElement.{prop}")


def in_dialog(page):
    return page.evaluate("() => !!document.activeElement.closest('[role=dialog]')")


@pytest.mark.parametrize("path", ["/login", "/a/agence-lumiere/mentions/"])
def test_the_skip_link_is_the_first_tab_stop_and_takes_focus_to_the_content(live_server, seeded, path):
    agency, _ids = seeded
    with chromium() as browser:
        page = new_page(browser)
        if path.startswith("/a/"):
            sign_in(page, live_server, agency.owner_email)
        page.goto(live_server + path)
        page.keyboard.press("Tab")
        assert active(page, "dataset.testid") == "skip-link"
        box = page.locator("[data-testid=skip-link]").bounding_box()
        assert box["y"] >= 0 and box["height"] > 0  # shown while focused
        page.screenshot(path=f"{ARTIFACTS}/a11y-skip-link-{path.strip('/').split('/')[-1]}.png")
        page.keyboard.press("Enter")
        assert active(page, "id") == "main"
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.getElementById('main').contains(document.activeElement)")


def test_the_card_drawer_takes_focus_keeps_tab_inside_and_gives_it_back(live_server, seeded):
    agency, ids = seeded
    with chromium() as browser:
        page = sign_in(new_page(browser), live_server, agency.owner_email)
        page.goto(f"{live_server}/a/{agency.slug}/boards/{ids['client_id']}")
        card = f"card-{ids['card_id']}"
        page.locator(f"#{card}").focus()
        page.keyboard.press("Enter")
        page.locator("[data-testid=card-panel]").wait_for()
        page.wait_for_function("() => document.activeElement.getAttribute('role') === 'dialog'")
        assert page.locator("[role=dialog]").get_attribute("aria-modal") == "true"
        stops = page.evaluate("() => relaisFocusables(document.querySelector('[role=dialog]')).length")
        for _ in range(stops + 2):  # all the way round, and past the end
            page.keyboard.press("Tab")
            assert in_dialog(page)
        page.locator("[role=dialog]").focus()
        page.keyboard.press("Shift+Tab")  # backwards from the top: the last stop of the drawer
        assert in_dialog(page)
        page.keyboard.press("Escape")
        page.locator("[data-testid=card-panel]").wait_for(state="detached")
        assert active(page) == card


def test_escape_closes_menus_and_gives_focus_back_to_their_button(live_server, seeded):
    agency, ids = seeded
    with chromium() as browser:
        page = sign_in(new_page(browser), live_server, agency.owner_email)
        page.goto(f"{live_server}/a/{agency.slug}/boards/{ids['client_id']}")
        for summary in ("[data-testid=user-menu]", "[data-testid=agency-switcher]", ".column-menu > summary"):
            menu = page.locator(summary).first
            menu.focus()
            page.keyboard.press("Enter")
            assert menu.evaluate("s => s.parentElement.open")
            page.keyboard.press("Tab")  # into the menu
            page.keyboard.press("Escape")
            assert not menu.evaluate("s => s.parentElement.open"), summary
            assert menu.evaluate("s => document.activeElement === s"), summary


def test_sentiment_is_saved_once_when_chosen_with_the_keyboard_and_focus_stays(app, live_server, seeded):
    agency, ids = seeded
    with chromium() as browser:
        page = sign_in(new_page(browser), live_server, agency.owner_email)
        page.goto(f"{live_server}/a/{agency.slug}/mentions/")
        saves = []
        page.on("request", lambda r: saves.append(r.post_data) if r.url.endswith("/sentiment") else None)
        article = page.locator("article.mention").first
        mention_id = article.get_attribute("id")
        select = article.locator("select[name=sentiment]")
        select.focus()
        before = select.input_value()
        first = select.locator("option").first.get_attribute("value")
        for key in ("End", "ArrowUp") if before == first else ("End", "Home"):
            page.keyboard.press(key)  # browsing: each key changes the value, nothing is saved yet
        chosen = select.input_value()
        assert chosen != before and saves == []
        with page.expect_response(lambda r: r.url.endswith("/sentiment")):
            page.keyboard.press("Enter")
        page.locator(f"#{mention_id} .sentiment-{chosen}").wait_for()
        assert len(saves) == 1 and f"sentiment={chosen}" in saves[0]
        # The row was redrawn: focus is on its new select, not back at the top of the page.
        page.wait_for_function(f"() => document.activeElement.closest('#{mention_id}') !== null")
        assert active(page, "name") == "sentiment"

        page.keyboard.press("End")  # browse, then leave: saved when focus leaves the select
        assert len(saves) == 1
        with page.expect_response(lambda r: r.url.endswith("/sentiment")):
            page.keyboard.press("Tab")
        page.wait_for_function(f"() => document.activeElement.closest('#{mention_id}') !== null "
                               f"&& document.activeElement.dataset.testid === 'mention-to-card'")
        assert len(saves) == 2


def test_focus_stays_in_place_after_htmx_swaps_in_the_inbox(app, live_server, seeded):
    agency, ids = seeded
    with app.app_context(), tenancy.agency_scope(agency.id):  # two pages of mentions
        for n in range(55):
            db.session.add(Mention(client_id=ids["client_id"], source_kind="rss", source_name="Blog", item_key=f"old-{n}",
                                   title=f"Old news {n}", published_at=datetime(2026, 1, 1, tzinfo=timezone.utc) - timedelta(hours=n)))
        db.commit()
    with chromium() as browser:
        page = sign_in(new_page(browser), live_server, agency.owner_email)
        page.goto(f"{live_server}/a/{agency.slug}/mentions/")
        article = page.locator("article.mention", has=page.locator("[data-testid=mention-share]")).nth(1)
        mention_id = article.get_attribute("id")
        article.locator("[data-testid=mention-share]").focus()
        page.keyboard.press("Enter")
        page.locator(f"#{mention_id} [data-testid=mention-unshare]").wait_for()
        page.wait_for_function(f"() => document.activeElement.dataset.testid === 'mention-unshare' "
                               f"&& document.activeElement.closest('#{mention_id}') !== null")

        shown = page.locator("article.mention").count()
        page.locator(".load-more a").focus()
        page.keyboard.press("Enter")
        page.locator("article.mention").nth(shown).wait_for()
        first_new = page.locator("article.mention").nth(shown).get_attribute("id")
        page.wait_for_function(f"() => document.activeElement.id === '{first_new}'")  # the first older mention


def test_form_errors_are_tied_to_their_fields(live_server, seeded):
    agency, _ids = seeded
    with chromium() as browser:
        page = new_page(browser)
        page.goto(f"{live_server}/signup")  # the shared `field` macro
        page.click("button[type=submit]")
        email = page.locator("#email")
        email.wait_for()
        assert email.get_attribute("aria-invalid") == "true"
        described = email.get_attribute("aria-describedby").split()
        assert any(page.locator(f"#{ref}.error").count() == 1 for ref in described)
        assert page.locator("#password").get_attribute("aria-describedby").split()[0] == "password-hint"

        sign_in(page, live_server, agency.owner_email)  # a form written by hand, swapped in by htmx (422)
        page.goto(f"{live_server}/a/{agency.slug}/clients/")
        page.click("#new-client button[type=submit]")
        name = page.locator("#new-client #name")
        page.locator("#new-client .field.has-error").wait_for()
        page.wait_for_function("() => document.querySelector('#new-client #name').getAttribute('aria-invalid') === 'true'")
        error_id = name.get_attribute("aria-describedby")
        assert page.locator(f"#{error_id}").inner_text().strip()


def test_moves_and_changes_by_others_are_announced(live_server, seeded):
    agency, ids = seeded
    with chromium() as browser:
        alice = sign_in(new_page(browser, "fr"), live_server, agency.owner_email)
        board = f"{live_server}/a/{agency.slug}/boards/{ids['client_id']}"
        alice.goto(board)
        assert alice.locator("#card-panel").get_attribute("aria-live") is None  # the drawer is no live region
        assert alice.locator("[aria-live]").count() == 1
        card = alice.locator(".card", has_text="Dossier de presse")
        card.focus()
        alice.keyboard.press("Alt+ArrowRight")
        alice.wait_for_function("() => document.getElementById('announcer').textContent === 'Carte déplacée vers En cours.'")

        bruno = sign_in(new_page(browser, "fr"), live_server, f"member@{agency.slug}.test")
        bruno.goto(board)
        bruno.locator(".card", has_text="Reel Instagram").focus()
        with bruno.expect_response(lambda r: r.url.endswith("/step")):
            bruno.keyboard.press("Alt+ArrowLeft")
        alice.wait_for_function(  # the next poll (every 3 s) brings Bruno's move, read out to Alice
            "() => document.getElementById('announcer').textContent.includes('Lumière Member a déplacé « Reel Instagram »')")


def test_the_phone_menu_opens_from_its_button_and_escape_or_a_tap_elsewhere_closes_it(live_server, seeded):
    agency, ids = seeded
    with chromium() as browser:
        page = sign_in(new_page(browser, "fr", "phone"), live_server, agency.owner_email)
        page.goto(f"{live_server}/a/{agency.slug}/mentions/")
        toggle, menu = page.locator("[data-testid=nav-toggle]"), page.locator("#site-menu")
        assert not menu.is_visible() and toggle.get_attribute("aria-expanded") == "false"
        toggle.focus()
        page.keyboard.press("Enter")
        menu.wait_for(state="visible")
        assert toggle.get_attribute("aria-expanded") == "true"
        page.keyboard.press("Tab")  # the panel follows its button: Tab goes into it
        assert page.evaluate("() => document.getElementById('site-menu').contains(document.activeElement)")
        page.keyboard.press("Enter")  # the agency switcher, inside the panel: Escape closes it first, then the panel
        page.keyboard.press("Escape")
        assert menu.is_visible() and not page.locator(".agency-switcher").evaluate("d => d.open")
        page.keyboard.press("Escape")
        assert not menu.is_visible() and toggle.get_attribute("aria-expanded") == "false"
        assert active(page, "dataset.testid") == "nav-toggle"

        toggle.click()  # a tap on the dimmed page closes the panel and clicks nothing under it
        page.mouse.click(380, 700)
        assert not menu.is_visible() and page.url.endswith("/mentions/")
        toggle.click()
        menu.get_by_role("link", name="Crises").click()
        page.wait_for_url(f"**/a/{agency.slug}/crisis/")
        assert page.locator("#site-menu nav a.active").inner_text().strip().startswith("Crises")

        page.set_viewport_size(SIZES["laptop"])  # wider: the sections sit in the bar, no button
        assert page.locator("nav.nav").get_by_text("Mentions").is_visible() and not toggle.is_visible()


def test_without_javascript_the_sections_stay_on_screen_on_a_phone(live_server, seeded):
    agency, ids = seeded
    with chromium() as browser:
        page = sign_in(new_page(browser, "en", "phone"), live_server, agency.owner_email)
        cookies = page.context.cookies()
        bare = browser.new_context(locale=LOCALES["en"], viewport=SIZES["phone"], java_script_enabled=False)
        bare.add_cookies(cookies)
        page = bare.new_page()
        page.goto(f"{live_server}/a/{agency.slug}/boards/")
        assert not page.locator("[data-testid=nav-toggle]").is_visible()
        for href in staff_sections(agency.slug):
            assert page.locator(f'#site-menu nav a[href="{href}"]').is_visible(), href
        assert overflow(page)["excess"] == 0
        screenshot(page, "pages/phone-en-no-javascript")


def test_on_a_phone_the_board_shows_one_column_at_a_time_and_cards_open_and_move(live_server, seeded):
    agency, ids = seeded
    with chromium() as browser:
        page = sign_in(new_page(browser, "en", "phone"), live_server, agency.owner_email)
        page.goto(f"{live_server}/a/{agency.slug}/boards/{ids['client_id']}")
        picker = page.locator("[data-testid=column-picker]")
        columns = page.locator("#board-columns .board-column[data-column-id]")
        assert picker.locator("a").count() == columns.count() >= 4
        assert picker.locator("a").first.get_attribute("aria-current") == "true"
        width = page.evaluate("() => innerWidth")
        first = columns.first.bounding_box()
        assert first["x"] >= 0 and first["x"] + first["width"] <= width  # one whole column on screen
        assert columns.nth(1).bounding_box()["x"] + 24 > width  # the next one only peeks in

        third = columns.nth(2)
        page.evaluate("""() => { window.marked = [];  // every name the strip marks while the board scrolls there
            const links = () => [...document.querySelectorAll('[data-testid=column-picker] a')];
            new MutationObserver(changes => changes.forEach(c => { if (c.target.getAttribute('aria-current') === 'true') marked.push(links().indexOf(c.target)); }))
              .observe(document.querySelector('[data-testid=column-picker]'), {attributes: true, subtree: true, attributeFilter: ['aria-current']}); }""")
        picker.locator("a").nth(2).click()
        settled = """id => { const box = document.getElementById('board-columns'), c = document.getElementById(id).getBoundingClientRect();
                         return c.left >= 0 && c.right <= innerWidth
                           && Math.abs(c.left - box.getBoundingClientRect().left - parseFloat(getComputedStyle(box).scrollPaddingLeft)) < 2; }"""
        page.wait_for_function(settled, arg=third.get_attribute("id"))  # snapped to the third column
        page.wait_for_function("() => document.querySelectorAll('[data-testid=column-picker] a')[2].getAttribute('aria-current') === 'true'")
        assert set(page.evaluate("() => marked")) == {2}  # the strip did not follow the columns passed on the way
        screenshot(page, "pages/phone-en-board-third-column")

        card = page.locator(".card", has_text="Dossier de presse")  # in the first column, off screen now
        picker.locator("a").first.click()
        page.wait_for_function("() => document.querySelector('#board-columns').scrollLeft < 4")
        box = card.bounding_box()
        page.mouse.click(box["x"] + box["width"] - 12, box["y"] + box["height"] - 8)  # anywhere on the tile opens it
        panel = page.locator("[data-testid=card-panel]")
        panel.wait_for()
        target = columns.nth(1).get_attribute("data-column-id")
        with page.expect_response(lambda r: r.url.endswith("/move")):
            panel.locator("select[name=column_id]").select_option(target)
        page.locator(f"#cards-{target} .card", has_text="Dossier de presse").wait_for(state="attached")
        page.keyboard.press("Escape")
        panel.wait_for(state="detached")
        page.wait_for_function("() => document.querySelectorAll('[data-testid=column-picker] a')[1].textContent.includes('2')")
