"""Server-side sessions: logout really signs out, sessions are listed and revocable."""
import re
from datetime import timedelta

from sqlalchemy import func, select

from saas import db
from saas.auth import service as accounts
from saas.auth import sessions
from saas.auth.jobs import purge_ended_sessions
from saas.auth.models import UserSession
from saas.db import utcnow
from tests.conftest import CSRF_RE, PASSWORD, login

WINDOWS_CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/124.0.0.0 Safari/537.36")
IPHONE_SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                 "Version/17.4 Mobile/15E148 Safari/604.1")
NEW_PASSWORD = "A-brand-new-secret-99"


def sign_in(app, email, remember=False, user_agent=None, ip="127.0.0.1"):
    """A new browser-like client signed in as `email`."""
    browser = app.test_client()
    browser.environ_base.update(REMOTE_ADDR=ip, HTTP_USER_AGENT=user_agent or "Werkzeug")
    data = {"email": email, "password": PASSWORD}
    if remember:
        data["remember"] = "1"
    assert browser.post("/login", data=data).status_code == 302
    return browser


def copy_cookies(source, app):
    """A second client holding copies of `source`'s cookies (a stolen cookie jar)."""
    thief = app.test_client()
    for name in ("session", "remember_token"):
        cookie = source.get_cookie(name)
        if cookie is not None:
            thief.set_cookie(name, cookie.value)
    return thief


def session_ids(app, email):
    """Ids of the live session records of a person."""
    with app.app_context():
        user = accounts.find_user_by_email(email)
        return [s.id for s in sessions.active_sessions(user)]


def test_logout_with_remember_me_deletes_the_remember_cookie(app, make_agency):
    agency = make_agency()
    browser = sign_in(app, agency.owner_email, remember=True)
    assert browser.get_cookie("remember_token") is not None
    assert browser.post("/logout").status_code == 302
    assert browser.get_cookie("remember_token") is None
    assert browser.get(f"/a/{agency.slug}/").status_code == 302  # not signed in again


def test_copied_remember_cookie_is_refused_after_logout(app, make_agency):
    agency = make_agency()
    browser = sign_in(app, agency.owner_email, remember=True)
    thief = app.test_client()
    thief.set_cookie("remember_token", browser.get_cookie("remember_token").value)
    assert thief.get(f"/a/{agency.slug}/").status_code == 200  # the copy works while the session lives
    browser.post("/logout")
    thief.delete_cookie("session")
    assert thief.get(f"/a/{agency.slug}/").status_code == 302


def test_copied_session_cookie_is_refused_after_logout_for_get_and_post(app, make_agency):
    agency = make_agency()
    browser = sign_in(app, agency.owner_email)
    page = browser.get(f"/a/{agency.slug}/clients/").get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    thief = copy_cookies(browser, app)
    assert browser.post("/logout").status_code == 302
    response = thief.get(f"/a/{agency.slug}/clients/")
    assert response.status_code == 302 and response.location.startswith("/login")
    response = thief.post(f"/a/{agency.slug}/clients/", data={"name": "Planted", "csrf_token": token}, csrf=False)
    assert response.status_code == 302 and response.location.startswith("/login")
    owner = sign_in(app, agency.owner_email)
    assert "Planted" not in owner.get(f"/a/{agency.slug}/clients/").get_data(as_text=True)


def test_each_login_opens_a_new_record_and_ends_the_previous_one(app, make_agency):
    agency = make_agency()
    browser = sign_in(app, agency.owner_email)
    first = session_ids(app, agency.owner_email)
    thief = copy_cookies(browser, app)
    login(browser, agency.owner_email)
    second = session_ids(app, agency.owner_email)
    assert len(first) == len(second) == 1 and first != second
    assert thief.get(f"/a/{agency.slug}/").status_code == 302


def test_signing_in_again_without_remember_me_drops_the_old_remember_cookie(app, make_agency):
    agency = make_agency()
    browser = sign_in(app, agency.owner_email, remember=True)
    login(browser, agency.owner_email)
    assert browser.get_cookie("remember_token") is None
    assert browser.get(f"/a/{agency.slug}/").status_code == 200


def test_sign_out_everywhere_else_ends_other_clients(app, make_agency):
    agency = make_agency()
    laptop = sign_in(app, agency.owner_email)
    phone = sign_in(app, agency.owner_email, remember=True)
    tablet = sign_in(app, agency.owner_email)
    response = laptop.post("/account/sessions/end-others")
    assert response.status_code == 302 and response.location == "/account"
    assert laptop.get(f"/a/{agency.slug}/").status_code == 200
    assert tablet.get(f"/a/{agency.slug}/").status_code == 302
    phone.delete_cookie("session")  # the remember-me cookie is refused too
    assert phone.get(f"/a/{agency.slug}/").status_code == 302
    assert len(session_ids(app, agency.owner_email)) == 1


def test_sign_out_one_session(app, make_agency):
    agency = make_agency()
    laptop = sign_in(app, agency.owner_email)
    phone = sign_in(app, agency.owner_email)
    phone_id = max(session_ids(app, agency.owner_email))
    assert laptop.post(f"/account/sessions/{phone_id}/end").status_code == 302
    assert phone.get(f"/a/{agency.slug}/").status_code == 302
    assert laptop.get(f"/a/{agency.slug}/").status_code == 200
    assert laptop.post(f"/account/sessions/{phone_id}/end").status_code == 404  # already ended


def test_signing_out_this_session_from_the_list_logs_out(app, make_agency):
    agency = make_agency()
    browser = sign_in(app, agency.owner_email, remember=True)
    [own] = session_ids(app, agency.owner_email)
    response = browser.post(f"/account/sessions/{own}/end")
    assert response.status_code == 302 and response.location == "/login"
    assert browser.get_cookie("remember_token") is None
    assert browser.get(f"/a/{agency.slug}/").status_code == 302


def test_another_persons_session_cannot_be_ended(app, make_agency):
    alpha = make_agency("Agence Alpha")
    beta = make_agency("Agence Beta")
    victim = sign_in(app, beta.owner_email)
    [victim_id] = session_ids(app, beta.owner_email)
    attacker = sign_in(app, alpha.owner_email)
    assert attacker.post(f"/account/sessions/{victim_id}/end").status_code == 404
    assert attacker.post("/account/sessions/99999999999/end").status_code == 404
    assert victim.get(f"/a/{beta.slug}/").status_code == 200


def test_session_routes_need_a_signed_in_person(client):
    assert client.post("/account/sessions/1/end").location.startswith("/login")
    assert client.post("/account/sessions/end-others").location.startswith("/login")


def test_account_lists_sessions_with_device_ip_and_this_device(app, make_agency):
    agency = make_agency()
    sign_in(app, agency.owner_email, user_agent=IPHONE_SAFARI, ip="203.0.113.9", remember=True)
    laptop = sign_in(app, agency.owner_email, user_agent=WINDOWS_CHROME, ip="198.51.100.4")
    page = laptop.get("/account", headers={"Accept-Language": "en"}).get_data(as_text=True)
    rows = re.findall(r'<tr data-testid="session">(.*?)</tr>', page, re.S)
    assert len(rows) == 2
    this, other = (rows[0], rows[1]) if "this device" in rows[0] else (rows[1], rows[0])
    assert "Chrome 124 on Windows 10" in this and "198.51.100.4" in this
    assert "Mobile Safari 17 on iOS 17.4" in other and "iPhone" in other and "203.0.113.9" in other
    assert "remembered" in other and "this device" not in other
    french = laptop.get("/account", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Chrome 124 sur Windows 10" in french and "cet appareil" in french


def test_account_dates_are_in_the_apps_time_zone(app, make_agency):
    agency = make_agency()
    browser = sign_in(app, agency.owner_email)
    with app.app_context():
        record = db.session.scalar(select(UserSession))
        winter = utcnow().replace(year=2030, month=1, day=15, hour=23, minute=30, second=0, microsecond=0)
        record.created_at = winter
        record.last_seen_at = utcnow()
        db.commit()
    page = browser.get("/account", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "16 janv. 2030, 00:30" in page  # Europe/Paris is UTC+1 in winter


def test_password_change_ends_other_session_records(app, make_agency):
    agency = make_agency()
    laptop = sign_in(app, agency.owner_email, remember=True)
    phone = sign_in(app, agency.owner_email, remember=True)
    stolen = copy_cookies(phone, app)
    before = session_ids(app, agency.owner_email)
    response = laptop.post("/account", data={"action": "password", "current_password": PASSWORD,
                                             "new_password": NEW_PASSWORD})
    assert response.status_code == 302
    after = session_ids(app, agency.owner_email)
    assert len(after) == 1 and not set(after) & set(before)  # only a fresh record for this browser
    assert laptop.get(f"/a/{agency.slug}/").status_code == 200
    laptop.delete_cookie("session")  # the renewed session keeps its remember-me cookie
    assert laptop.get(f"/a/{agency.slug}/").status_code == 200
    stolen.delete_cookie("session")
    assert stolen.get(f"/a/{agency.slug}/").status_code == 302
    assert phone.get(f"/a/{agency.slug}/").status_code == 302


def test_password_reset_ends_every_session(app, make_agency, caplog):
    from saas.auth.jobs import send_password_reset_email

    agency = make_agency()
    phone = sign_in(app, agency.owner_email, remember=True)
    before = session_ids(app, agency.owner_email)
    with app.app_context():
        caplog.clear()
        send_password_reset_email(accounts.find_user_by_email(agency.owner_email).id)
    link = re.search(r"http://localhost(/reset/\S+)", caplog.text).group(1)
    browser = app.test_client()
    assert browser.post(link, data={"password": NEW_PASSWORD}).status_code == 302
    after = session_ids(app, agency.owner_email)
    assert len(after) == 1 and not set(after) & set(before)
    phone.delete_cookie("session")
    assert phone.get(f"/a/{agency.slug}/").status_code == 302
    assert browser.get(f"/a/{agency.slug}/").status_code == 200


def test_removal_from_the_agency_ends_the_members_sessions(app, make_agency, make_member):
    agency = make_agency()
    email = make_member(agency, "leaving@lumiere.test")
    other = make_agency("Agence Autre")
    make_member(other, email)
    member = sign_in(app, email, remember=True)
    assert member.get(f"/a/{other.slug}/").status_code == 200
    owner = sign_in(app, agency.owner_email)
    with app.app_context():
        from saas import tenancy
        from saas.auth.models import Membership

        user = accounts.find_user_by_email(email)
        with tenancy.agency_scope(agency.id):
            membership_id = db.session.scalar(select(Membership.id).where(Membership.user_id == user.id))
    assert owner.post(f"/a/{agency.slug}/members/{membership_id}/remove").status_code == 302
    assert session_ids(app, email) == []
    response = member.get("/agencies")
    assert response.status_code == 302 and response.location.startswith("/login")
    assert owner.get(f"/a/{agency.slug}/").status_code == 200


def test_removing_oneself_keeps_ones_session(app, make_agency, make_member):
    agency = make_agency()
    make_member(agency, "second@lumiere.test", role="owner")
    owner = sign_in(app, agency.owner_email)
    with app.app_context():
        from saas import tenancy
        from saas.auth.models import Membership

        with tenancy.agency_scope(agency.id):
            own = db.session.scalar(select(Membership.id).where(Membership.user_id == agency.owner_id))
    response = owner.post(f"/a/{agency.slug}/members/{own}/remove")
    assert response.status_code == 302 and response.location == "/agencies"
    assert owner.get("/agencies").status_code == 200


def test_revoked_and_expired_records_are_purged(app, make_agency):
    from tests.conftest import run_worker
    from saas.jobs import enqueue

    agency = make_agency()
    live = sign_in(app, agency.owner_email)
    ended = sign_in(app, agency.owner_email)
    ended.post("/logout")
    sign_in(app, agency.owner_email)
    with app.app_context():
        newest = db.session.scalar(select(func.max(UserSession.id)))
        db.session.get(UserSession, newest).expires_at = utcnow() - timedelta(seconds=1)
        db.commit()
        enqueue(purge_ended_sessions)
    run_worker(app, "default")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UserSession)) == 1
    assert live.get(f"/a/{agency.slug}/").status_code == 200


def test_last_seen_is_written_at_most_every_few_minutes(app, make_agency):
    agency = make_agency()
    browser = sign_in(app, agency.owner_email)
    with app.app_context():
        record = db.session.scalar(select(UserSession))
        first_seen = record.last_seen_at
    browser.get(f"/a/{agency.slug}/")
    with app.app_context():
        record = db.session.scalar(select(UserSession))
        assert record.last_seen_at == first_seen  # a request a moment later writes nothing
        record.last_seen_at = first_seen - timedelta(minutes=10)
        db.commit()
    browser.get(f"/a/{agency.slug}/", environ_base={"REMOTE_ADDR": "192.0.2.50"})
    with app.app_context():
        record = db.session.scalar(select(UserSession))
        assert record.last_seen_at > first_seen - timedelta(minutes=10) and record.ip == "192.0.2.50"


def test_a_tampered_or_expired_key_is_refused(app, make_agency):
    agency = make_agency()
    browser = sign_in(app, agency.owner_email)
    [record_id] = session_ids(app, agency.owner_email)
    forger = app.test_client()
    for key in (f"{record_id}:wrong-secret", f"{record_id}", "x:y", f"{2**40}:abc", f"{agency.owner_id}:abc"):
        with forger.session_transaction() as session:
            session["_user_id"], session["_fresh"] = key, True
        assert forger.get(f"/a/{agency.slug}/").status_code == 302, key
    with app.app_context():
        db.session.get(UserSession, record_id).expires_at = utcnow() - timedelta(seconds=1)
        db.commit()
    assert browser.get(f"/a/{agency.slug}/").status_code == 302


def test_session_check_costs_one_query(app, make_agency):
    from tests.test_boards_performance import statements_of

    agency = make_agency()
    browser = sign_in(app, agency.owner_email)
    seen = statements_of(app, browser, "/agencies")
    lookups = [s for s in seen if "user_sessions" in s]
    assert len(lookups) == 1 and "JOIN users" in lookups[0]
    assert not any(s.lstrip().upper().startswith("SELECT") and "FROM users" in s and "user_sessions" not in s
                   for s in seen)
