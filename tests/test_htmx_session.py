"""htmx once the session is gone: the polls load the login page as a page, never swap it in; Vary."""
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from saas import params
from tests.conftest import CSRF_RE, login
from tests.factories import populate

HX = {"HX-Request": "true", "Accept-Language": "en"}


@pytest.fixture
def agency(app, make_agency):
    return populate(app, make_agency("Agence Alpha"), "Alpha")


@pytest.fixture
def ended(app, client, agency):
    """A client whose session has ended (logged out) while its board page was open; its old CSRF token."""
    login(client, agency.agency.owner_email)
    page = client.get(board_url(agency)).get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    assert client.post("/logout").status_code == 302
    return client, token


def board_url(agency, query=""):
    return f"/a/{agency.agency.slug}/boards/{agency.ids['client_id']}{query}"


def polls(agency):
    """The three polls of a workspace page: the bell, a board's live feed, the inbox's live rows."""
    slug = agency.agency.slug
    return (f"/a/{slug}/notifications/bell", f"/a/{slug}/boards/{agency.ids['client_id']}/feed?v=1",
            f"/a/{slug}/mentions/live?since=1")


def assert_sent_to_login(response, next_page):
    """htmx is told to load the login page, back to `next_page`; nothing to swap in the body."""
    body = response.get_data(as_text=True)
    assert response.status_code == 401, body
    assert "<form" not in body and "password" not in body.lower()
    location = urlsplit(response.headers["HX-Redirect"])
    assert location.path == "/login" and not location.netloc
    assert parse_qs(location.query).get("next") == ([next_page] if next_page else None)
    assert "HX-Request" in response.headers.get("Vary", "")


@pytest.mark.parametrize("poll", range(3), ids=("bell", "board-feed", "inbox-live"))
def test_a_poll_after_logout_sends_htmx_to_the_login_page(ended, agency, poll):
    client, _token = ended
    page = board_url(agency, "?assignee=me&q=launch")
    response = client.get(polls(agency)[poll], headers={**HX, "HX-Current-URL": f"http://localhost{page}"})
    assert_sent_to_login(response, page)


def test_the_login_page_says_why_and_leads_back_to_the_page(ended, agency):
    client, _token = ended
    page = board_url(agency, "?q=launch")
    for poll in polls(agency):  # every poll of the page fires before the browser has left it
        response = client.get(poll, headers={**HX, "HX-Current-URL": f"http://localhost{page}"})
    login_page = client.get(response.headers["HX-Redirect"]).get_data(as_text=True)
    assert login_page.count("Your session has ended. Log in again to continue.") == 1
    assert f'name="next" value="{page}"' in login_page
    signed_in = client.post("/login", data={"email": agency.agency.owner_email, "password": agency.agency.password,
                                            "next": page})
    assert signed_in.headers["Location"] == page


def test_a_full_page_load_after_logout_is_still_redirected(ended, agency):
    client, _token = ended
    response = client.get(board_url(agency))
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"
    assert "HX-Redirect" not in response.headers and "HX-Request" in response.headers["Vary"]


def test_an_htmx_post_after_logout_with_a_fresh_token_is_sent_to_login(ended, agency):
    client, _token = ended
    page = board_url(agency)
    response = client.post(f"/a/{agency.agency.slug}/boards/{agency.ids['client_id']}/cards",
                           data={"quick": "1", "column_id": agency.ids["column_id"], "title": "Late"},
                           headers={**HX, "HX-Current-URL": f"http://localhost{page}"})
    assert_sent_to_login(response, page)


def test_an_htmx_post_whose_csrf_session_is_gone_is_sent_to_login(ended, agency):
    client, token = ended
    page = board_url(agency)
    response = client.post(f"/a/{agency.agency.slug}/boards/{agency.ids['client_id']}/cards", csrf=False,
                           data={"quick": "1", "column_id": agency.ids["column_id"], "title": "Late"},
                           headers={**HX, "X-CSRFToken": token, "HX-Current-URL": f"http://localhost{page}"})
    assert_sent_to_login(response, page)


def test_a_signed_in_htmx_post_without_token_still_gets_the_form_message(client, agency):
    login(client, agency.agency.owner_email)
    response = client.post(f"/a/{agency.agency.slug}/clients/", data={"name": "X"}, csrf=False, headers=HX)
    assert response.status_code == 400 and "HX-Redirect" not in response.headers
    assert "security token" in response.get_data(as_text=True)


@pytest.mark.parametrize("current", ("https://evil.example/a/x/boards/1", "http://localhost//evil.example/x",
                                     "not a url", ""))
def test_next_is_only_ever_a_page_of_this_site(ended, agency, current):
    client, _token = ended
    response = client.get(polls(agency)[0], headers={**HX, "HX-Current-URL": current})
    assert_sent_to_login(response, None)


@pytest.mark.parametrize("view", ("board", "inbox", "clients"))
def test_views_that_switch_on_htmx_vary_on_it_with_or_without_the_header(client, agency, view):
    login(client, agency.agency.owner_email)
    slug = agency.agency.slug
    url, extra = {"board": (board_url(agency), {"HX-Target": "board-columns"}),
                  "inbox": (f"/a/{slug}/mentions/?after={params.encode_cursor(datetime.now(timezone.utc), 1)}", {}),
                  "clients": (f"/a/{slug}/clients/", {"HX-Target": "client-list"})}[view]
    full, fragment = client.get(url), client.get(url, headers={**HX, **extra})
    assert full.status_code == fragment.status_code == 200
    assert "<html" in full.get_data(as_text=True) and "<html" not in fragment.get_data(as_text=True)
    for response in (full, fragment):
        assert "HX-Request" in response.headers.get("Vary", "")
    if extra:  # a fragment chosen by its target varies on the target too
        assert "HX-Target" in fragment.headers["Vary"]


def test_pages_that_do_not_switch_on_htmx_do_not_vary_on_it(client, agency):
    login(client, agency.agency.owner_email)
    response = client.get(f"/a/{agency.agency.slug}/boards/")
    assert response.status_code == 200 and "HX-Request" not in response.headers.get("Vary", "")
