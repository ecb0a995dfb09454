"""Signup, login, logout, sessions, password rules, password reset."""
import re

import pytest

from saas.auth import service as accounts
from saas.auth.jobs import send_password_reset_email
from tests.conftest import CSRF_RE, PASSWORD, login, run_worker
from tests.mailbox import text_of

SIGNUP = {"agency_name": "Agence Lumière", "agency_slug": "", "name": "Alice Martin",
          "email": "alice@lumiere.test", "password": PASSWORD}


def _signup_mail(app, mailbox, to):
    """Run the mail worker; return the text of the last mail sent to `to`."""
    run_worker(app, "mail")
    mails = [m for m in mailbox.messages if m["To"] == to]
    assert mails, [m["To"] for m in mailbox.messages]
    return text_of(mails[-1])


def _confirmation_link(app, mailbox, email="alice@lumiere.test"):
    match = re.search(r"http://localhost(/signup/confirm/\S+)", _signup_mail(app, mailbox, email))
    assert match
    return match.group(1)


def test_signup_creates_an_unconfirmed_owner_and_mails_a_link_that_signs_in_once(app, client, mailbox):
    response = client.post("/signup", data=SIGNUP, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "Check your inbox" in response.get_data(as_text=True)
    assert client.get("/a/agence-lumiere/").status_code == 302  # not signed in yet
    with app.app_context():
        user = accounts.find_user_by_email("alice@lumiere.test")
        assert user.password_hash.startswith("$argon2id$") and user.email_confirmed_at is None
        assert [(m.role, a.slug) for m, a in accounts.memberships_of(user)] == [("owner", "agence-lumiere")]
    assert mailbox.messages == []  # sent by the worker, not by the request
    link = _confirmation_link(app, mailbox)

    browser = app.test_client()
    response = browser.get(link, headers={"Accept-Language": "en"})
    assert response.status_code == 302 and response.location == "/a/agence-lumiere/"
    page = browser.get(response.location, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Agence Lumière" in page and "Welcome to Relais" in page
    with app.app_context():
        assert accounts.find_user_by_email("alice@lumiere.test").email_confirmed_at is not None
    again = app.test_client().get(link, headers={"Accept-Language": "en"})
    assert again.status_code == 410 and "already confirmed" in again.get_data(as_text=True)
    assert again.headers.get("Set-Cookie") is None or "remember_token" not in again.headers.get("Set-Cookie")
    login(client, "alice@lumiere.test")  # the password chosen at signup works from now on


def test_confirmation_link_expires_and_cannot_be_forged(app, client, mailbox):
    client.post("/signup", data=SIGNUP)
    link = _confirmation_link(app, mailbox)
    assert client.get(link[:-3] + "abc").status_code == 400
    app.config["CONFIRMATION_MAX_AGE"], previous = -1, app.config["CONFIRMATION_MAX_AGE"]
    try:
        response = client.get(link, headers={"Accept-Language": "en"})
    finally:
        app.config["CONFIRMATION_MAX_AGE"] = previous
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)
    assert client.get("/a/agence-lumiere/").status_code == 302
    with app.app_context():
        assert accounts.find_user_by_email("alice@lumiere.test").email_confirmed_at is None


def test_signup_slug_can_be_chosen(app, client):
    assert client.post("/signup", data={**SIGNUP, "agency_slug": "lumiere-rp"}).status_code == 200
    with app.app_context():
        user = accounts.find_user_by_email("alice@lumiere.test")
        assert [a.slug for _, a in accounts.memberships_of(user)] == ["lumiere-rp"]


def _masked(response, email):
    """The page with the typed email and the CSRF token (signed with the time) blanked out."""
    body = response.get_data(as_text=True).replace(email, "EMAIL")
    return body.replace(CSRF_RE.search(body).group(1), "TOKEN")


def test_signup_answers_the_same_for_known_and_unknown_emails(app, client, make_agency, mailbox):
    agency = make_agency("Agence Lumière", email="alice@lumiere.test")
    known = client.post("/signup", data={**SIGNUP, "agency_name": "Agence Nova", "name": "Mallory",
                                         "password": "Another-good-secret-7"})
    unknown = client.post("/signup", data={**SIGNUP, "agency_name": "Agence Orion", "email": "bob@orion.test"})
    assert known.status_code == unknown.status_code == 200
    assert _masked(known, "alice@lumiere.test") == _masked(unknown, "bob@orion.test")
    with app.app_context():
        assert accounts.slug_taken("agence-orion") and not accounts.slug_taken("agence-nova")  # nothing created
        owner = accounts.find_user_by_email("alice@lumiere.test")
        assert owner.name == "Owner Agence Lumière" and len(accounts.memberships_of(owner)) == 1
    attempt = _signup_mail(app, mailbox, agency.owner_email)
    assert "http://localhost/login" in attempt and "http://localhost/reset" in attempt
    assert "/signup/confirm/" not in attempt
    assert "/signup/confirm/" in _signup_mail(app, mailbox, "bob@orion.test")
    login(client, agency.owner_email)  # the existing account is untouched


def test_signup_with_a_known_email_mails_its_owner_at_most_three_times_an_hour(app, client, make_agency, mailbox):
    agency = make_agency("Agence Lumière", email="alice@lumiere.test")
    for n in range(5):
        response = client.post("/signup", data={**SIGNUP, "agency_name": f"Agence {n}"})
        assert response.status_code == 200
    run_worker(app, "mail")
    assert [m["To"] for m in mailbox.messages] == [agency.owner_email] * 3


def test_login_with_an_unconfirmed_address_says_so_and_resends_the_link(app, client, mailbox):
    client.post("/signup", data=SIGNUP)
    wrong = client.post("/login", data={"email": SIGNUP["email"], "password": "wrong-password-1"},
                        headers={"Accept-Language": "en"})
    assert wrong.status_code == 401 and "Confirm your email" not in wrong.get_data(as_text=True)
    response = client.post("/login", data={"email": SIGNUP["email"], "password": PASSWORD},
                           headers={"Accept-Language": "en"})
    body = response.get_data(as_text=True)
    assert response.status_code == 403 and "Confirm your email address first" in body
    assert client.get("/a/agence-lumiere/").status_code == 302
    token = re.search(r'name="token" value="([^"]+)"', body).group(1)
    for _ in range(5):
        resent = client.post("/signup/resend", data={"token": token}, headers={"Accept-Language": "en"})
        assert resent.status_code == 200 and "we have sent it a new link" in resent.get_data(as_text=True)
    assert client.post("/signup/resend", data={"token": "forged"}).status_code == 200
    run_worker(app, "mail")
    assert [m["To"] for m in mailbox.messages] == [SIGNUP["email"]] * 4  # the first one, then 3 an hour at most
    links = {re.search(r"/signup/confirm/\S+", text_of(m)).group(0) for m in mailbox.messages}
    assert client.get(links.pop()).status_code == 302
    login(client, SIGNUP["email"])


def test_signup_is_rate_limited_per_ip_and_keeps_what_was_typed(app, client):
    app.config["SIGNUP_RATE_PER_IP"], previous = 2, app.config["SIGNUP_RATE_PER_IP"]
    try:
        codes = [client.post("/signup", data={**SIGNUP, "password": "short"}).status_code for _ in range(2)]
        response = client.post("/signup", data={**SIGNUP, "email": "carol@x.test"}, headers={"Accept-Language": "en"})
    finally:
        app.config["SIGNUP_RATE_PER_IP"] = previous
    body = response.get_data(as_text=True)
    assert codes == [422, 422] and response.status_code == 429
    assert "Too many attempts" in body and 'value="carol@x.test"' in body and PASSWORD not in body
    with app.app_context():
        assert accounts.find_user_by_email("carol@x.test") is None


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


def test_signup_taken_slug_is_refused(client, make_agency):
    make_agency("Agence Lumière", email="someone@else.test")
    response = client.post("/signup", data=SIGNUP, headers={"Accept-Language": "en"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "already taken" in body and "alice@lumiere.test" in body


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


def test_a_successful_login_clears_the_failed_attempts(app, client, make_agency):
    agency = make_agency()
    limit = app.config["LOGIN_RATE_PER_ACCOUNT"]
    wrong = {"email": agency.owner_email, "password": "nope-nope-nope"}
    for _ in range(limit - 1):
        assert client.post("/login", data=wrong).status_code == 401
    login(client, agency.owner_email)
    client.post("/logout")
    codes = [client.post("/login", data=wrong).status_code for _ in range(limit + 1)]
    assert codes == [401] * limit + [429]


def test_login_refusal_is_the_form_in_the_users_language(app, client, make_agency):
    agency = make_agency()
    for _ in range(app.config["LOGIN_RATE_PER_ACCOUNT"]):
        client.post("/login", data={"email": agency.owner_email, "password": "nope-nope-nope"})
    response = client.post("/login", data={"email": agency.owner_email, "password": PASSWORD},
                           headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    body = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Trop de tentatives" in body and f'value="{agency.owner_email}"' in body and PASSWORD not in body


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
    known = _masked(client.post("/reset", data={"email": agency.owner_email}), agency.owner_email)
    unknown = _masked(client.post("/reset", data={"email": "nobody@nowhere.test"}), "nobody@nowhere.test")
    assert known == unknown


def test_password_reset_is_rate_limited_per_ip(client):
    codes = [client.post("/reset", data={"email": f"u{i}@x.test"}).status_code for i in range(10)]
    response = client.post("/reset", data={"email": "late@x.test"}, headers={"Accept-Language": "en"})
    assert codes == [200] * 10 and response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)


def test_password_reset_mails_one_address_at_most_three_times_an_hour(app, client, make_agency, mailbox):
    agency = make_agency()
    pages = {_masked(client.post("/reset", data={"email": agency.owner_email}), agency.owner_email) for _ in range(5)}
    assert len(pages) == 1  # the same answer, mail or not
    run_worker(app, "mail")
    assert [m["To"] for m in mailbox.messages] == [agency.owner_email] * 3


def test_password_reset_confirms_an_unconfirmed_address(app, client, caplog):
    client.post("/signup", data=SIGNUP)
    link = _reset_link(app, caplog, SIGNUP["email"])
    assert client.post(link, data={"password": "Another-good-secret-7"}).status_code == 302
    assert client.get("/a/agence-lumiere/").status_code == 200
    with app.app_context():
        assert accounts.find_user_by_email(SIGNUP["email"]).email_confirmed_at is not None


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
