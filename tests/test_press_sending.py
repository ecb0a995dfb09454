"""Sending a release: 200 personal mails through a real SMTP server, RFC 8058 headers, skips, retries, a dead worker."""
import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from saas import db, tenancy
from saas.audit.models import AuditEvent
from saas.config import ROOT
from tenants.clients.models import Client
from tenants.press import service
from tenants.press.models import MediaList, PressContact, PressRelease, PressSend, PressSendRecipient
from tenants.press.jobs import resume_press_sends
from tests.conftest import login, run_worker
from tests.mailbox import text_of

EN = {"Accept-Language": "en"}


class Server:
    """An aiosmtpd server: counts every DATA received; can answer 451 to some, or hang after some."""

    def __init__(self, transient_for=(), hang_after=None):
        self.messages, self.transient_for, self.hang_after = [], dict(transient_for), hang_after
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy

        to = envelope.rcpt_tos[0]
        if self.transient_for.get(to):
            self.transient_for[to] -= 1
            return "451 4.3.0 Try again later"
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        if self.hang_after is not None and len(self.messages) > self.hang_after:
            await asyncio.sleep(3600)  # received, never acknowledged: the worker dies waiting
        return "250 OK"

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


@pytest.fixture
def agency(app, client, make_agency):
    """An agency with a client, 200 contacts in a list (plus one do-not-contact), an approved release."""
    found = make_agency("Agence Lumière")
    with app.app_context(), tenancy.agency_scope(found.id):
        brand = Client(name="Danone")
        db.session.add(brand)
        db.session.flush()
        media_list = service.create_list({"name": "Santé", "campaign": "", "client_id": brand.id, "filters": {}})
        contacts = [service.create_contact({"first_name": f"Prénom{n}", "last_name": f"Nom{n}",
                                            "emails": [f"j{n}@outlet{n}.example"], "outlets": [f"Journal {n}"]})
                    for n in range(201)]
        contacts[200].do_not_contact = True
        service.add_members(media_list, contacts)
        release = PressRelease(client_id=brand.id, title="Le yaourt", body="Bonjour {{first_name}} ({{outlet}}),\n\n"
                               "**Nouveau** yaourt.", images=[], attachments=[], language="fr", state="approved")
        db.session.add(release)
        db.commit()
        found.list_id, found.release_id = media_list.id, release.id
    login(client, found.owner_email)
    return found


def start(app, client, agency):
    response = client.post(f"/a/{agency.slug}/press/releases/{agency.release_id}/send",
                           data={"list_id": agency.list_id}, headers=EN)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context(), tenancy.agency_scope(agency.id):
        return db.session.scalar(select(PressSend.id))


def statuses(app, agency):
    with app.app_context(), tenancy.agency_scope(agency.id):
        return Counter(db.session.scalars(select(PressSendRecipient.status)))


@pytest.fixture
def fast(app):
    saved = {key: app.config[key] for key in ("PRESS_SEND_RATE", "PRESS_SEND_RETRY_DELAYS", "PRESS_SEND_BATCH",
                                               "PRESS_SEND_LEASE_SECONDS")}
    app.config.update(PRESS_SEND_RATE=600_000, PRESS_SEND_RETRY_DELAYS=(0.2, 0.5), PRESS_SEND_BATCH=50)
    yield
    app.config.update(saved)


def test_a_send_to_200_contacts_gives_200_personal_mails_with_the_right_headers(app, client, agency, fast):
    with Server() as server:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
        try:
            send_id = start(app, client, agency)
            run_worker(app, "mail")
        finally:
            app.config.update(MAIL_SERVER="", MAIL_PORT=25)
    assert len(server.messages) == 200, (len(server.messages), statuses(app, agency))
    assert len({m["To"] for m in server.messages}) == 200
    assert "j200@outlet200.example" not in {m["To"] for m in server.messages}  # do not contact
    first = next(m for m in server.messages if m["To"] == "j7@outlet7.example")
    assert first["Reply-To"] == f"Owner Agence Lumière <{agency.owner_email}>"
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert str(first["List-Unsubscribe"]).strip().startswith("<http://localhost/press/unsubscribe/")
    assert "<mailto:" in first["List-Unsubscribe"]
    assert "Bonjour Prénom7 (Journal 7)" in text_of(first)
    html = first.get_body(preferencelist=("html",)).get_content()
    assert "<strong>Nouveau</strong>" in html and "Prénom7" in html and "<img" not in html  # no tracking pixel
    assert statuses(app, agency) == {"sent": 200, "do_not_contact": 1}
    with app.app_context(), tenancy.agency_scope(agency.id):
        assert db.session.get(PressSend, send_id).state == "done"
        assert db.session.get(PressRelease, agency.release_id).state == "sent"
        assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "press_release_sent"))
    page = client.get(f"/a/{agency.slug}/press/sends/{send_id}", headers=EN).get_data(as_text=True)
    assert "Send finished" in page and "Do not contact" in page
    assert client.get(f"/a/{agency.slug}/press/sends/{send_id}/progress", headers=EN).status_code == 286


def test_an_unsubscribe_during_the_send_is_honoured(app, client, agency, fast):
    with Server() as server:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
        try:
            start(app, client, agency)
            with app.app_context(), tenancy.agency_scope(agency.id):
                contact = db.session.scalar(select(PressContact).where(PressContact.first_name == "Prénom3"))
                url = service.unsubscribe_url(contact)
            assert client.post(url.removeprefix("http://localhost"), data={"List-Unsubscribe": "One-Click"}).status_code in (204, 200, 302)
            run_worker(app, "mail")
        finally:
            app.config.update(MAIL_SERVER="", MAIL_PORT=25)
    assert "j3@outlet3.example" not in {m["To"] for m in server.messages}
    assert statuses(app, agency)["unsubscribed"] == 1


def test_a_transient_smtp_error_is_retried_and_a_failed_one_can_be_resent(app, client, agency, fast):
    with Server(transient_for={"j1@outlet1.example": 1, "j2@outlet2.example": 10}) as server:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
        try:
            send_id = start(app, client, agency)
            run_worker(app, "mail")
            assert statuses(app, agency) == {"sent": 199, "failed": 1, "do_not_contact": 1}
            received = [m["To"] for m in server.messages]
            assert received.count("j1@outlet1.example") == 1 and "j2@outlet2.example" not in received
            server.transient_for.clear()
            page = client.get(f"/a/{agency.slug}/press/sends/{send_id}", headers=EN).get_data(as_text=True)
            assert "Resend to failed" in page and "data-confirm" in page
            assert client.post(f"/a/{agency.slug}/press/sends/{send_id}/resend", headers=EN).status_code == 302
            run_worker(app, "mail")
        finally:
            app.config.update(MAIL_SERVER="", MAIL_PORT=25)
    assert statuses(app, agency) == {"sent": 200, "do_not_contact": 1}
    assert Counter(m["To"] for m in server.messages).most_common(1)[0][1] == 1


def test_an_unapproved_release_is_refused_unless_an_owner_overrides(app, client, agency):
    with app.app_context(), tenancy.agency_scope(agency.id):
        db.session.get(PressRelease, agency.release_id).state = "draft"
        db.commit()
    url = f"/a/{agency.slug}/press/releases/{agency.release_id}/send"
    refused = client.post(url, data={"list_id": agency.list_id}, headers=EN)
    assert refused.status_code == 409 and "not approved" in refused.get_data(as_text=True)
    assert client.post(url, data={"list_id": agency.list_id, "override": "1"}, headers=EN).status_code == 302
    with app.app_context(), tenancy.agency_scope(agency.id):
        assert db.session.scalar(select(PressSend.overridden))
    again = client.post(url, data={"list_id": agency.list_id}, headers=EN)
    assert again.status_code == 409  # sent once; a second send is refused


def _children(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def test_a_worker_killed_mid_send_resends_nothing_already_sent(app, client, agency, fast, database_url, redis_url):
    with Server(hang_after=60) as server:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
        try:
            send_id = start(app, client, agency)
            env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "MAIL_SERVER": "127.0.0.1",
                   "MAIL_PORT": str(server.port), "PRESS_SEND_RATE": "600000", "PRESS_SEND_BATCH": "50",
                   "PRESS_SEND_LEASE_SECONDS": "2", "BASE_URL": "http://localhost", "SECRET_KEY": app.config["SECRET_KEY"]}
            worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "mail"], env=env,
                                      cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 60
            while len(server.messages) <= 60 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert len(server.messages) == 61  # the 61st is received, never acknowledged
            time.sleep(0.3)
            for pid in (*_children(worker.pid), worker.pid):
                os.kill(pid, signal.SIGKILL)
            worker.wait()
            assert statuses(app, agency)["sending"] == 1
            time.sleep(2.2)  # the lease is over
            with app.app_context():
                assert resume_press_sends() == 1  # the periodic sweep queues the running send again
            server.hang_after = None
            run_worker(app, "mail")
        finally:
            app.config.update(MAIL_SERVER="", MAIL_PORT=25)
    received = Counter(m["To"] for m in server.messages)
    assert max(received.values()) == 1  # nobody got the release twice
    assert len(received) == 200
    assert statuses(app, agency) == {"sent": 199, "unknown": 1, "do_not_contact": 1}
    page = client.get(f"/a/{agency.slug}/press/sends/{send_id}", headers=EN).get_data(as_text=True)
    assert "Unknown (check by hand)" in page and "never sent again automatically" in page


def test_erasing_a_contact_erases_their_send_rows(app, client, agency):
    start(app, client, agency)
    with app.app_context(), tenancy.agency_scope(agency.id):
        contact = db.session.scalar(select(PressContact).where(PressContact.first_name == "Prénom5"))
        service.erase_contact(contact)
        db.commit()
        emails = set(db.session.scalars(select(PressSendRecipient.email)))
    assert "j5@outlet5.example" not in emails and len(emails) == 200


def test_a_sent_release_goes_to_a_further_list_and_nobody_gets_it_twice(app, client, agency, fast):
    with app.app_context(), tenancy.agency_scope(agency.id):
        media_list = db.session.get(MediaList, agency.list_id)
        regional = service.create_list({"name": "Régionale", "campaign": "", "client_id": media_list.client_id,
                                        "filters": {}})
        overlap = db.session.scalars(select(PressContact).order_by(PressContact.id).limit(3)).all()  # in both
        fresh = [service.create_contact({"first_name": f"Nouveau{n}", "emails": [f"r{n}@regional.example"],
                                         "outlets": ["Ouest-France"]}) for n in range(2)]
        service.add_members(regional, [*overlap, *fresh])
        db.commit()
        regional_id = regional.id
    with Server() as server:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
        try:
            start(app, client, agency)
            run_worker(app, "mail")
            assert len(server.messages) == 200
            again = client.post(f"/a/{agency.slug}/press/releases/{agency.release_id}/send",
                                data={"list_id": regional_id}, headers=EN)
            assert again.status_code == 302, again.get_data(as_text=True)
            run_worker(app, "mail")
            # the same list once more: everyone has it, nothing to send (409, no send row)
            twice = client.post(f"/a/{agency.slug}/press/releases/{agency.release_id}/send",
                                data={"list_id": regional_id}, headers=EN)
            assert twice.status_code == 409 and "already received" in twice.get_data(as_text=True)
        finally:
            app.config.update(MAIL_SERVER="", MAIL_PORT=25)
    recipients = [m["To"] for m in server.messages]
    assert len(recipients) == 202 and len(set(recipients)) == 202  # the 2 new people, nobody twice
    assert {"r0@regional.example", "r1@regional.example"} <= set(recipients)
    assert statuses(app, agency) == {"sent": 202, "do_not_contact": 1, "already_sent": 3}
    with app.app_context(), tenancy.agency_scope(agency.id):
        assert db.session.scalar(select(func.count()).select_from(PressSend)) == 2
    page = client.get(f"/a/{agency.slug}/press/releases/{agency.release_id}", headers=EN).get_data(as_text=True)
    assert "whoever already received it is skipped" in page and 'data-testid="send-form"' in page
