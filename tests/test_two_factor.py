"""Two-factor sign-in (TOTP and recovery codes): setting up, signing in, brute force, the agency's requirement."""
import re
import time

import pyotp
import pytest
from sqlalchemy import select

from saas import db, tenancy
from saas.audit.models import AuditEvent
from saas.auth import two_factor
from saas.auth.models import User
from tests.conftest import CSRF_RE, PASSWORD, login

EN = {"Accept-Language": "en"}


@pytest.fixture
def agency(make_agency):
    return make_agency("Agence Lumière")


def token(client, path="/account"):
    return CSRF_RE.search(client.get(path, headers=EN).get_data(as_text=True)).group(1)


def user_of(app, email):
    with app.app_context():
        return db.session.scalar(select(User).where(User.email == email))


def actions(app, agency_id):
    with app.app_context(), tenancy.agency_scope(agency_id):
        return [(e.action, e.details) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def set_up(client):
    """Turn two-factor sign-in on from the account page; return (secret, recovery codes)."""
    page = client.get("/account/two-factor", headers=EN).get_data(as_text=True)
    assert "<svg" in page and "QR code to scan with your authenticator app" in page
    secret = re.search(r'data-testid="totp-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    csrf = CSRF_RE.search(page).group(1)
    wrong = client.post("/account/two-factor", data={"csrf_token": csrf, "code": "000000"}, headers=EN)
    assert wrong.status_code == 422 and "This code is not right" in wrong.get_data(as_text=True)
    done = client.post("/account/two-factor", data={"csrf_token": csrf, "code": pyotp.TOTP(secret).now()},
                       headers=EN)
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", done.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    return secret, codes


def next_code(secret, steps=1):
    return pyotp.TOTP(secret).at(time.time() + 30 * steps)


def password_step(client, email, **extra):
    response = client.post("/login", data={"email": email, "password": PASSWORD, **extra}, headers=EN)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/code")
    return CSRF_RE.search(client.get("/login/code", headers=EN).get_data(as_text=True)).group(1)


def test_setting_up_stores_the_secret_signs_out_other_sessions_and_shows_ten_codes_once(app, agency, client):
    other = app.test_client()
    login(other, agency.owner_email)
    login(client, agency.owner_email)
    secret, codes = set_up(client)
    user = user_of(app, agency.owner_email)
    assert user.totp_secret == secret and user.totp_enabled_at is not None
    assert len(user.recovery_codes) == 10 and not any(code in str(user.recovery_codes) for code in codes)  # hashed
    assert other.get(f"/a/{agency.slug}/", headers=EN).status_code == 302  # signed out
    account = client.get("/account", headers=EN).get_data(as_text=True)
    assert "10 recovery codes left." in account and 'data-testid="second-factor"' in account
    assert ("two_factor_enabled", {}) in actions(app, agency.id)


def test_signing_in_asks_for_the_code_and_never_accepts_one_twice(app, agency, client):
    login(client, agency.owner_email)
    secret, _codes = set_up(client)
    browser = app.test_client()
    csrf = password_step(browser, agency.owner_email)
    assert browser.get(f"/a/{agency.slug}/", headers=EN).status_code == 302  # not signed in yet
    wrong = browser.post("/login/code", data={"csrf_token": csrf, "code": "123456"}, headers=EN)
    assert wrong.status_code == 401 and "This code is not right" in wrong.get_data(as_text=True)
    code = next_code(secret)
    ok = browser.post("/login/code", data={"csrf_token": csrf, "code": code}, headers=EN)
    assert ok.status_code == 302 and ok.headers["Location"].endswith(f"/a/{agency.slug}/")
    assert browser.get(f"/a/{agency.slug}/", headers=EN).status_code == 200
    replay = app.test_client()
    csrf = password_step(replay, agency.owner_email)
    assert replay.post("/login/code", data={"csrf_token": csrf, "code": code}, headers=EN).status_code == 401
    logged = actions(app, agency.id)
    assert ("sign_in_failed", {"step": "second factor"}) in logged and ("sign_in", {"second factor": "totp"}) in logged


def test_a_recovery_code_works_once(app, agency, client):
    login(client, agency.owner_email)
    _secret, codes = set_up(client)
    browser = app.test_client()
    csrf = password_step(browser, agency.owner_email)
    ok = browser.post("/login/code", data={"csrf_token": csrf, "code": codes[3].upper()}, headers=EN,
                      follow_redirects=True)
    assert ok.status_code == 200 and "You signed in with a recovery code: 9 left." in ok.get_data(as_text=True)
    again = app.test_client()
    csrf = password_step(again, agency.owner_email)
    assert again.post("/login/code", data={"csrf_token": csrf, "code": codes[3]}, headers=EN).status_code == 401
    assert len(user_of(app, agency.owner_email).recovery_codes) == 9


def test_guessing_codes_is_rate_limited_like_the_password(app, agency, client):
    login(client, agency.owner_email)
    secret, _codes = set_up(client)
    browser = app.test_client()
    csrf = password_step(browser, agency.owner_email)
    statuses = [browser.post("/login/code", data={"csrf_token": csrf, "code": f"{n:06d}"}, headers=EN).status_code
                for n in range(app.config["LOGIN_RATE_PER_ACCOUNT"] + 1)]
    assert statuses[:-1] == [401] * app.config["LOGIN_RATE_PER_ACCOUNT"] and statuses[-1] == 429
    refused = browser.post("/login/code", data={"csrf_token": csrf, "code": next_code(secret)}, headers=EN)
    assert refused.status_code == 429  # even the right code waits


def test_the_code_step_expires_and_forged_pending_users_go_nowhere(app, agency, client):
    login(client, agency.owner_email)
    secret, _codes = set_up(client)
    browser = app.test_client()
    csrf = password_step(browser, agency.owner_email)
    with browser.session_transaction() as session:
        pending = dict(session[two_factor.PENDING])
        pending["at"] -= two_factor.PENDING_SECONDS + 1
        session[two_factor.PENDING] = pending
    late = browser.post("/login/code", data={"csrf_token": csrf, "code": next_code(secret)}, headers=EN)
    assert late.status_code == 302 and late.headers["Location"].endswith("/login")
    with browser.session_transaction() as session:
        session[two_factor.PENDING] = {"user": "1 OR 1=1", "remember": False, "next": "", "at": int(time.time())}
    assert browser.get("/login/code", headers=EN).status_code == 302
    assert app.test_client().get("/login/code", headers=EN).status_code == 302


def test_an_agency_can_require_it_and_members_are_walked_through_the_setup(app, agency, client, make_member):
    make_member(agency, "marie@lumiere.test")
    login(client, agency.owner_email)
    csrf = token(client, f"/a/{agency.slug}/members/")
    first = client.post(f"/a/{agency.slug}/members/two-factor", data={"csrf_token": csrf, "require": "1"})
    assert first.status_code == 302 and "/account/two-factor" in first.headers["Location"]  # the owner first
    set_up(client)
    csrf = token(client, f"/a/{agency.slug}/members/")
    assert client.post(f"/a/{agency.slug}/members/two-factor",
                       data={"csrf_token": csrf, "require": "1"}).status_code == 302
    member = app.test_client()
    login(member, "marie@lumiere.test")
    walked = member.get(f"/a/{agency.slug}/clients/", headers=EN)
    assert walked.status_code == 302
    assert walked.headers["Location"].startswith("/account/two-factor?next=/a/")
    assert "asks every member to sign in with a second factor" in member.get(
        walked.headers["Location"], headers=EN).get_data(as_text=True)
    set_up(member)
    assert member.get(f"/a/{agency.slug}/clients/", headers=EN).status_code == 200
    assert ("two_factor_required", {"required": "yes"}) in actions(app, agency.id)
    # while the agency requires it, it cannot be turned off
    csrf = token(member)
    member.post("/account/two-factor/disable", data={"csrf_token": csrf, "current_password": PASSWORD})
    assert user_of(app, "marie@lumiere.test").totp_enabled_at is not None


def test_turning_it_off_needs_the_password_and_new_codes_need_a_code(app, agency, client):
    login(client, agency.owner_email)
    secret, old_codes = set_up(client)
    csrf = token(client)
    client.post("/account/two-factor/disable", data={"csrf_token": csrf, "current_password": "wrong"})
    assert user_of(app, agency.owner_email).totp_enabled_at is not None
    refused = client.post("/account/two-factor/recovery-codes", data={"csrf_token": csrf, "code": "000000"})
    assert refused.status_code == 303
    renewed = client.post("/account/two-factor/recovery-codes", data={"csrf_token": csrf, "code": next_code(secret)},
                          headers=EN)
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", renewed.get_data(as_text=True))
    assert len(codes) == 10 and not set(codes) & set(old_codes)
    client.post("/account/two-factor/disable", data={"csrf_token": csrf, "current_password": PASSWORD})
    user = user_of(app, agency.owner_email)
    assert user.totp_enabled_at is None and user.totp_secret is None and user.recovery_codes is None
    assert app.test_client().post("/login", data={"email": agency.owner_email, "password": PASSWORD}).headers[
        "Location"].endswith(f"/a/{agency.slug}/")  # no code asked any more
    assert [a for a, _d in actions(app, agency.id) if "two_factor" in a or "recovery" in a] == [
        "two_factor_enabled", "recovery_codes_renewed", "two_factor_disabled"]


def test_the_pages_speak_french(app, agency, client):
    login(client, agency.owner_email)
    page = client.get("/account/two-factor", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Connexion en deux étapes" in page and "Scannez ce QR code" in page
