"""Changing one's address: confirmed from the new address, the old one told twice (issue 21); real SMTP."""
import re

import pytest
from sqlalchemy import select

from saas import db, tenancy
from saas.audit.models import AuditEvent
from saas.auth.models import User
from tests.conftest import PASSWORD, login, run_worker
from tests.mailbox import text_of

EN = {"Accept-Language": "en"}
NEW = "camille.martin@nouvelle-adresse.test"


@pytest.fixture
def agency(make_agency):
    return make_agency("Agence Lumière")


@pytest.fixture
def web(app, agency):
    client = app.test_client()
    login(client, agency.owner_email)
    return client


def ask(web, new_email=NEW, password=PASSWORD):
    return web.post("/account", data={"action": "email", "new_email": new_email, "email_password": password},
                    headers=EN)


def mails(app, mailbox, to):
    run_worker(app, "mail")
    return [m for m in mailbox.messages if m["To"] == to]


def email_of(app, agency):
    with app.app_context():
        return db.session.scalar(select(User.email).where(User.id == agency.owner_id))


def link_in(mail):
    return re.search(r"http://localhost(/account/email/\S+)", text_of(mail)).group(1)


def test_the_new_address_confirms_the_change_and_the_old_one_is_told(app, agency, web, mailbox):
    old = agency.owner_email
    assert ask(web).status_code == 302
    assert email_of(app, agency) == old  # nothing changes before the link is opened
    (link_mail,) = mails(app, mailbox, NEW)
    (asked,) = mails(app, mailbox, old)
    assert link_mail["Subject"] == "Confirm your new Relais address"  # the language of the page it was asked on
    assert asked["Subject"] == "A change of your Relais address was asked"
    assert f"The change happens only when the link sent to {NEW} is opened." in " ".join(text_of(asked).split())

    link = link_in(link_mail)
    stranger = app.test_client()  # the link works in any browser: it is the proof
    page = stranger.get(link, headers=EN)
    assert page.status_code == 200 and f"will use {NEW} instead of {old}" in page.get_data(as_text=True)
    assert email_of(app, agency) == old  # a mail scanner opening the link changes nothing
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    done = stranger.post(link, data={"csrf_token": token.group(1) if token else ""}, headers=EN)
    assert done.status_code == 302
    assert email_of(app, agency) == NEW
    notices = mails(app, mailbox, old)
    assert len(notices) == 2 and NEW in text_of(notices[1])

    with app.app_context(), tenancy.agency_scope(agency.id):
        (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "email_changed")).all()
    assert event.details == {"before": old, "after": NEW}

    assert stranger.get(link, headers=EN).status_code == 410  # once only
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": old, "password": PASSWORD}).status_code == 401
    login(fresh, NEW)


@pytest.mark.parametrize("case", ["wrong password", "own address", "not an address"])
def test_refusals_keep_what_was_typed(app, agency, web, case):
    new_email, password, message = {
        "wrong password": (NEW, "not my password", "Your current password is not right."),
        "own address": (agency.owner_email, PASSWORD, "This is already your address."),
        "not an address": ("pas une adresse", PASSWORD, "valid email"),
    }[case]
    answer = ask(web, new_email, password)
    body = answer.get_data(as_text=True)
    assert answer.status_code == 422 and message in body
    assert f'value="{new_email}"' in body  # the address typed comes back, never the password
    assert f'value="{password}"' not in body
    assert email_of(app, agency) == agency.owner_email


def test_an_address_of_another_account_is_refused_at_both_ends(app, agency, web, make_agency, mailbox):
    other = make_agency("Agence Voisine")
    refused = ask(web, other.owner_email)
    assert refused.status_code == 422 and "Another Relais account uses this address." in refused.get_data(as_text=True)
    assert ask(web).status_code == 302
    (link_mail,) = mails(app, mailbox, NEW)
    with app.app_context():  # someone signs up with that address before the link is opened
        db.session.get(User, other.owner_id).email = NEW
        db.session.commit()
    page = web.get(link_in(link_mail), headers=EN).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    answer = web.post(link_in(link_mail), data={"csrf_token": token.group(1) if token else ""}, headers=EN)
    assert answer.status_code == 409 and "uses this address now" in answer.get_data(as_text=True)
    assert email_of(app, agency) == agency.owner_email


def test_a_forged_link_is_refused_and_asking_is_rate_limited(app, agency, web, mailbox):
    assert app.test_client().get("/account/email/forged.token", headers=EN).status_code == 400
    for number in range(3):
        assert ask(web, f"adresse{number}@nouvelle-adresse.test").status_code == 302
    limited = ask(web, "adresse9@nouvelle-adresse.test")
    assert limited.status_code == 429 and "adresse9@nouvelle-adresse.test" in limited.get_data(as_text=True)
