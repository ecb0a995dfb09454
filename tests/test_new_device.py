"""A sign-in from a browser the account never used mails the person (issue 21), through real SMTP."""
import pytest

from saas.auth.known_devices import COOKIE
from tests.conftest import PASSWORD, login, run_worker
from tests.mailbox import text_of
from tests.test_two_factor import EN, next_code, password_step, set_up

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


@pytest.fixture
def agency(make_agency):
    return make_agency("Agence Lumière")


def mails_to(app, mailbox, email):
    run_worker(app, "mail")
    return [m for m in mailbox.messages if m["To"] == email]


def test_a_new_browser_mails_the_person_and_a_known_one_does_not(app, agency, mailbox):
    laptop = app.test_client()
    login(laptop, agency.owner_email)  # the account's first sign-in: nothing to compare with
    laptop.post("/logout")
    login(laptop, agency.owner_email)  # the same browser again
    assert mails_to(app, mailbox, agency.owner_email) == []

    other = app.test_client()
    response = other.post("/login", data={"email": agency.owner_email, "password": PASSWORD},
                          headers={"User-Agent": FIREFOX, "Accept-Language": "fr"})
    assert response.status_code == 302
    mails = mails_to(app, mailbox, agency.owner_email)
    assert len(mails) == 1, [(m["To"], m["Subject"]) for m in mailbox.messages]
    text = text_of(mails[0])
    mail = mails[0]
    assert mail["Subject"] == "Nouvelle connexion à votre compte Relais"  # the person's language (French here)
    assert "Firefox 133 sur Windows 10" in text and "127.0.0.1" in text
    assert "heure normale d’Europe centrale" in text or "heure d’été d’Europe centrale" in text  # the agency's zone
    assert "/reset" in text and "/account" in text

    other.post("/logout")
    login(other, agency.owner_email)  # that browser is known now
    assert len(mails_to(app, mailbox, agency.owner_email)) == 1


def test_a_forged_cookie_names_no_account(app, agency, mailbox):
    login(app.test_client(), agency.owner_email)
    forger = app.test_client()
    forger.set_cookie(COOKIE, "WzEsMiwzXQ.forged-signature")
    login(forger, agency.owner_email)
    assert len(mails_to(app, mailbox, agency.owner_email)) == 1


def test_with_two_factor_the_mail_waits_for_the_code(app, agency, mailbox):
    first = app.test_client()
    login(first, agency.owner_email)
    secret, _codes = set_up(first)
    browser = app.test_client()
    csrf = password_step(browser, agency.owner_email)
    assert browser.post("/login/code", data={"csrf_token": csrf, "code": "000000"}, headers=EN).status_code == 401
    assert mails_to(app, mailbox, agency.owner_email) == []  # a right password alone is not a sign-in
    assert browser.post("/login/code", data={"csrf_token": csrf, "code": next_code(secret)},
                        headers=EN).status_code == 302
    (mail,) = mails_to(app, mailbox, agency.owner_email)
    assert mail["Subject"] == "Nouvelle connexion à votre compte Relais"
