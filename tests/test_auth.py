"""Signup, login, logout, sessions, password rules, password reset."""
import re

import pytest

from saas.auth import service as accounts
from saas.auth.jobs import send_password_reset_email
from tests.conftest import PASSWORD, login

SIGNUP = {"agency_name": "Agence Lumière", "agency_slug": "", "name": "Alice Martin",
          "email": "alice@lumiere.test", "password": PASSWORD}


def test_signup_creates_agency_owner_and_session(app, client):
    response = client.post("/signup", data=SIGNUP)
    assert response.status_code == 302
    assert response.location == "/a/agence-lumiere/"
    page = client.get(response.location)
    assert page.status_code == 200 and "Agence Lumière" in page.get_data(as_text=True)
    with app.app_context():
        user = accounts.find_user_by_email("alice@lumiere.test")
        assert user.password_hash.startswith("$argon2id$")
        memberships = accounts.memberships_of(user)
        assert [(m.role, a.slug) for m, a in memberships] == [("owner", "agence-lumiere")]


def test_signup_slug_can_be_chosen(client):
    response = client.post("/signup", data={**SIGNUP, "agency_slug": "lumiere-rp"})
    assert response.location == "/a/lumiere-rp/"


@pytest.mark.parametrize("field, value, message", [
    ("password", "short", "at least 10 characters"),
    ("password", "motdepasse123", "too common"),
    ("password", "azertyuiop", "too common"),
    ("email", "not-an-email", "valid email"),
    ("agency_name", "", "is required"),
    ("agency_name", "x" * 121, "at most 120"),
    ("name", "y" * 121, "at most 120"),
    ("agency_slug", "-bad slug-", "lower-case letters"),
])
def test_signup_refuses_bad_input_and_keeps_what_was_typed(client, field, value, message):
    response = client.post("/signup", data={**SIGNUP, field: value}, headers={"Accept-Language": "en"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body
    assert 'value="Alice Martin"' in body or field == "name"
    assert PASSWORD not in body  # passwords are never echoed back


def test_signup_duplicate_email_and_slug_are_refused(client, make_agency):
    make_agency("Agence Lumière", email="alice@lumiere.test")
    response = client.post("/signup", data=SIGNUP, headers={"Accept-Language": "en"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "already uses this email" in body
    assert "already taken" in body


def test_signup_errors_are_in_french_for_french_browsers(client):
    response = client.post("/signup", data={**SIGNUP, "password": "short"}, headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert response.status_code == 422
    assert "au moins 10 caractères" in response.get_data(as_text=True)


def test_login_wrong_password_is_401_with_message(client, make_agency):
    agency = make_agency()
    response = client.post("/login", data={"email": agency.owner_email, "password": "wrong-password-1"},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 401
    body = response.get_data(as_text=True)
    assert "Wrong email or password" in body and f'value="{agency.owner_email}"' in body


def test_login_then_logout(client, make_agency):
    agency = make_agency()
    login(client, agency.owner_email)
    assert client.get(f"/a/{agency.slug}/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get(f"/a/{agency.slug}/").status_code == 302


def test_login_redirects_only_to_local_next(client, make_agency):
    agency = make_agency()
    response = client.post("/login", data={"email": agency.owner_email, "password": PASSWORD,
                                           "next": "https://evil.test/phish"})
    assert response.location == f"/a/{agency.slug}/"


def test_login_is_rate_limited_per_account(app, client, make_agency):
    agency = make_agency()
    limit = app.config["LOGIN_RATE_PER_ACCOUNT"]
    for _ in range(limit):
        assert client.post("/login", data={"email": agency.owner_email, "password": "nope-nope-nope"}).status_code == 401
    response = client.post("/login", data={"email": agency.owner_email, "password": PASSWORD})
    assert response.status_code == 429  # even the right password waits


def test_login_is_rate_limited_per_ip(app, client):
    app.config["LOGIN_RATE_PER_IP"], previous = 3, app.config["LOGIN_RATE_PER_IP"]
    try:
        codes = [client.post("/login", data={"email": f"u{i}@x.test", "password": "nope-nope-nope"}).status_code
                 for i in range(5)]
    finally:
        app.config["LOGIN_RATE_PER_IP"] = previous
    assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429]


def test_session_cookie_flags(client, make_agency):
    agency = make_agency()
    response = client.post("/login", data={"email": agency.owner_email, "password": PASSWORD, "remember": "1"})
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    remember_cookie = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session_cookie, remember_cookie):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # plain HTTP here


def test_cookies_are_secure_over_https(client, make_agency):
    agency = make_agency()
    token = client.csrf_token()
    response = client.post("/login", base_url="https://localhost",
                           data={"email": agency.owner_email, "password": PASSWORD}, headers={"X-CSRFToken": token},
                           csrf=False)
    assert all("; Secure" in c for c in response.headers.getlist("Set-Cookie"))


def test_login_starts_a_new_session(client, make_agency):
    agency = make_agency()
    with client.session_transaction() as session:
        session["planted"] = "by-attacker"
    login(client, agency.owner_email)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_post_without_csrf_token_is_400(client, make_agency):
    agency = make_agency()
    login(client, agency.owner_email)
    response = client.post(f"/a/{agency.slug}/clients/", data={"name": "X"}, csrf=False)
    assert response.status_code == 400
    response = client.post(f"/a/{agency.slug}/clients/", data={"name": "X"}, csrf=False, headers={"HX-Request": "true"})
    assert response.status_code == 400


def test_password_change_ends_other_sessions(app, make_agency):
    agency = make_agency()
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, agency.owner_email)
    login(phone, agency.owner_email)
    response = laptop.post("/account", data={"action": "password", "current_password": PASSWORD,
                                             "new_password": "A-brand-new-secret-99"})
    assert response.status_code == 302
    assert laptop.get(f"/a/{agency.slug}/").status_code == 200
    assert phone.get(f"/a/{agency.slug}/").status_code == 302


def test_password_change_needs_current_password(client, make_agency):
    agency = make_agency()
    login(client, agency.owner_email)
    response = client.post("/account", data={"action": "password", "current_password": "wrong",
                                              "new_password": "A-brand-new-secret-99"}, headers={"Accept-Language": "en"})
    assert response.status_code == 422 and "current password is not right" in response.get_data(as_text=True)


def _reset_link(app, caplog, email):
    with app.app_context():
        user = accounts.find_user_by_email(email)
        caplog.clear()
        send_password_reset_email(user.id)
    match = re.search(r"http://localhost(/reset/\S+)", caplog.text)
    assert match, caplog.text
    return match.group(1)


def test_password_reset_link_works_once(app, client, make_agency, caplog):
    agency = make_agency()
    response = client.post("/reset", data={"email": agency.owner_email})
    assert response.status_code == 200
    link = _reset_link(app, caplog, agency.owner_email)
    assert client.get(link).status_code == 200
    assert client.post(link, data={"password": "Another-good-secret-7"}).status_code == 302
    assert client.post(link, data={"password": "Yet-another-secret-8"}).status_code == 410
    client.post("/logout")
    login(client, agency.owner_email, "Another-good-secret-7")


def test_password_reset_answer_never_tells_who_exists(client, make_agency):
    agency = make_agency()
    known = client.post("/reset", data={"email": agency.owner_email}).get_data(as_text=True)
    unknown = client.post("/reset", data={"email": "nobody@nowhere.test"}).get_data(as_text=True)
    assert known == unknown


def test_expired_or_forged_reset_tokens_are_refused(app, client, make_agency, caplog):
    agency = make_agency()
    link = _reset_link(app, caplog, agency.owner_email)
    assert client.get(link[:-3] + "abc").status_code == 400
    app.config["TOKEN_MAX_AGE"], previous = -1, app.config["TOKEN_MAX_AGE"]
    try:
        response = client.get(link, headers={"Accept-Language": "en"})
    finally:
        app.config["TOKEN_MAX_AGE"] = previous
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)


def test_person_in_two_agencies_can_switch(app, client, make_agency):
    first = make_agency("Agence Alpha", email="freelance@x.test")
    second = make_agency("Agence Beta", email="freelance@x.test")
    login(client, "freelance@x.test")
    page = client.get(f"/a/{first.slug}/").get_data(as_text=True)
    assert f"/a/{second.slug}/" in page  # the switcher lists the other agency
    assert client.get(f"/a/{second.slug}/").status_code == 200
    listing = client.get("/agencies").get_data(as_text=True)
    assert "Agence Alpha" in listing and "Agence Beta" in listing


def test_signed_in_person_creates_another_agency(client, make_agency):
    agency = make_agency()
    login(client, agency.owner_email)
    response = client.post("/agencies", data={"agency_name": "Second Shop"})
    assert response.location == "/a/second-shop/"


def test_language_switch_is_remembered_for_the_user(app, client, make_agency):
    agency = make_agency()
    login(client, agency.owner_email)
    client.post("/lang", data={"lang": "en", "next": f"/a/{agency.slug}/"})
    assert "Clients" in client.get(f"/a/{agency.slug}/").get_data(as_text=True)
    client.post("/lang", data={"lang": "fr", "next": "/"})
    assert "Équipe" in client.get(f"/a/{agency.slug}/").get_data(as_text=True)
    with app.app_context():
        assert accounts.find_user_by_email(agency.owner_email).locale == "fr"


def test_over_long_body_is_413_not_500(client):
    response = client.post("/signup", data={"agency_name": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413


def test_remember_me_restores_the_session(app, make_agency):
    agency = make_agency()
    browser = app.test_client()
    browser.post("/login", data={"email": agency.owner_email, "password": PASSWORD, "remember": "1"})
    browser.delete_cookie("session")
    assert browser.get(f"/a/{agency.slug}/").status_code == 200
    forgetful = app.test_client()
    forgetful.post("/login", data={"email": agency.owner_email, "password": PASSWORD})
    forgetful.delete_cookie("session")
    assert forgetful.get(f"/a/{agency.slug}/").status_code == 302
