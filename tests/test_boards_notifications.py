"""Notifications: assignments and @mentions in the app and by email (instant or digest), due reminders."""
from datetime import timedelta
from types import SimpleNamespace

import pytest
from rq.cron import CronScheduler
from sqlalchemy import select

from saas import db, tenancy
from saas.auth.models import Membership
from saas.db import utcnow
from saas.jobs import get_queue, redis_connection
from tenants.boards.mentions import mentioned_members
from tenants.boards.models import BoardCard, BoardColumn
from tenants.boards.notifications.jobs import remind_due_cards, send_notification_digests
from tenants.boards.notifications.models import Notification
from tenants.boards.notifications.service import enqueue_after_commit
from tests.conftest import login
from tests.factories import populate
from tests.mailbox import text_of
from tests.conftest import run_worker

HX = {"HX-Request": "true", "Accept-Language": "en"}



@pytest.fixture
def agency(app, make_agency, make_member):
    populated = populate(app, make_agency("Agence Alpha"), "Alpha")
    make_member(populated.agency, "chloe.durand@alpha.test", name="Chloé Durand", pole="rp")
    make_member(populated.agency, "guest@client.test", role="guest")
    _clear_queues(app)
    return populated


def _clear_queues(app):
    with app.app_context():
        for name in ("mail", "default"):
            get_queue(name).empty()


def signed_in(app, email):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(client, email)
    return client


def member(app, agency, email):
    with app.app_context(), tenancy.agency_scope(agency.agency.id):
        return next(m for m in db.session.scalars(select(Membership)) if m.user.email == email)


def notifications_of(app, agency, membership):
    with app.app_context(), tenancy.agency_scope(agency.agency.id):
        return db.session.scalars(select(Notification).where(Notification.membership_id == membership.id)
                                  .order_by(Notification.id)).all()


def assign(client, agency, card_id, app, *memberships):
    with app.app_context(), tenancy.agency_scope(agency.agency.id):
        version = db.session.get(BoardCard, card_id).version
    response = client.post(f"/a/{agency.agency.slug}/boards/cards/{card_id}", headers=HX, data={
        "title": "Alpha Launch card", "pole": "both", "version": version, "assignees": [m.id for m in memberships]})
    assert response.status_code == 200


def test_assignment_notifies_the_new_assignee_in_the_app_and_not_the_actor(app, agency):
    alice = signed_in(app, agency.agency.owner_email)
    chloe = member(app, agency, "chloe.durand@alpha.test")
    owner = member(app, agency, agency.agency.owner_email)
    assign(alice, agency, agency.ids["card_id"], app, chloe, owner)
    assert [n.kind for n in notifications_of(app, agency, chloe)] == ["assigned"]
    assert [n.kind for n in notifications_of(app, agency, owner)] == ["mentioned"]  # only the factory's one
    reader = signed_in(app, "chloe.durand@alpha.test")
    home = reader.get(f"/a/{agency.agency.slug}/").get_data(as_text=True)
    assert '<span class="bell-count">1</span>' in home
    page = reader.get(f"/a/{agency.agency.slug}/notifications/").get_data(as_text=True)
    assert "Owner Agence Alpha assigned you to" in page and "Alpha Launch card" in page
    notification = notifications_of(app, agency, chloe)[0]
    opened = reader.post(f"/a/{agency.agency.slug}/notifications/{notification.id}/open")
    assert opened.status_code == 302 and opened.location.endswith(f"/boards/cards/{agency.ids['card_id']}")
    assert notifications_of(app, agency, chloe)[0].read_at is not None
    assert "bell-count" not in reader.get(f"/a/{agency.agency.slug}/notifications/bell").get_data(as_text=True)


def test_a_mention_in_a_comment_notifies_members_but_never_guests(app, agency):
    alice = signed_in(app, agency.agency.owner_email)
    body = "@chloe.durand can you check? cc @guest and @nobody"
    assert alice.post(f"/a/{agency.agency.slug}/boards/cards/{agency.ids['card_id']}/comments", data={"body": body},
                      headers=HX).status_code == 200
    assert [n.kind for n in notifications_of(app, agency, member(app, agency, "chloe.durand@alpha.test"))] == ["mentioned"]
    assert notifications_of(app, agency, member(app, agency, "guest@client.test")) == []


def test_handles_name_members_by_email_name_full_email_name_or_unique_first_name():
    def person(mid, email, name, role="member"):
        return SimpleNamespace(id=mid, role=role, user=SimpleNamespace(email=email, name=name))

    chloe, bruno = person(1, "c.durand@a.fr", "Chloé Durand"), person(2, "bruno@a.fr", "Bruno Martin")
    other = person(3, "bruno.l@a.fr", "Bruno Lefèvre")
    guest = person(4, "g@client.fr", "Gaspard", role="guest")
    members = [chloe, bruno, other, guest]
    assert mentioned_members("hi @c.durand.", members) == [chloe]
    assert mentioned_members("hi @ChloeDurand and @chloe", members) == [chloe]
    assert mentioned_members("ping @bruno@a.fr", members) == [bruno]
    assert mentioned_members("ping @Bruno", members) == [bruno]  # his email name, not the shared first name
    assert mentioned_members("@gaspard @g email@a.fr", members) == []


def test_assignment_email_is_sent_by_a_real_worker_after_the_commit(app, agency, mailbox):
    alice = signed_in(app, agency.agency.owner_email)
    assign(alice, agency, agency.ids["card_id"], app, member(app, agency, "chloe.durand@alpha.test"))
    assert mailbox.messages == []
    run_worker(app)
    sent = [m for m in mailbox.messages if m["To"] == "chloe.durand@alpha.test"]
    assert len(sent) == 1 and "Alpha Launch card" in sent[0]["Subject"]
    assert f"/a/{agency.agency.slug}/boards/cards/{agency.ids['card_id']}" in text_of(sent[0])


def test_digest_members_get_one_daily_mail_instead(app, agency, mailbox):
    reader = signed_in(app, "chloe.durand@alpha.test")
    assert reader.post(f"/a/{agency.agency.slug}/notifications/settings", data={"email_mode": "digest"}).status_code == 302
    alice = signed_in(app, agency.agency.owner_email)
    chloe = member(app, agency, "chloe.durand@alpha.test")
    assign(alice, agency, agency.ids["card_id"], app, chloe)
    alice.post(f"/a/{agency.agency.slug}/boards/cards/{agency.ids['card_id']}/comments", data={"body": "@chloe.durand"}, headers=HX)
    run_worker(app)
    assert [m for m in mailbox.messages if m["To"] == "chloe.durand@alpha.test"] == []
    with app.app_context():
        assert send_notification_digests() == 1
    run_worker(app)
    digests = [m for m in mailbox.messages if m["To"] == "chloe.durand@alpha.test"]
    assert len(digests) == 1 and "2 " in digests[0]["Subject"] and "Agence Alpha" in digests[0]["Subject"]
    assert text_of(digests[0]).count(f"/boards/cards/{agency.ids['card_id']}") == 2
    assert all(n.emailed_at for n in notifications_of(app, agency, chloe))
    with app.app_context():
        send_notification_digests()
    run_worker(app)
    assert len([m for m in mailbox.messages if m["To"] == "chloe.durand@alpha.test"]) == 1


def test_email_off_sends_nothing_and_bad_choices_are_400(app, agency, mailbox):
    reader = signed_in(app, "chloe.durand@alpha.test")
    assert reader.post(f"/a/{agency.agency.slug}/notifications/settings", data={"email_mode": "sms"}).status_code == 400
    reader.post(f"/a/{agency.agency.slug}/notifications/settings", data={"email_mode": "off"})
    assign(signed_in(app, agency.agency.owner_email), agency, agency.ids["card_id"], app,
           member(app, agency, "chloe.durand@alpha.test"))
    run_worker(app)
    assert [m for m in mailbox.messages if m["To"] == "chloe.durand@alpha.test"] == []


def test_jobs_are_queued_only_when_the_transaction_commits(app):
    with app.app_context():
        queue = get_queue("default")
        enqueue_after_commit(send_notification_digests)
        db.session.rollback()
        db.commit()
        assert queue.count == 0
        enqueue_after_commit(send_notification_digests)
        db.commit()
        assert queue.count == 1


def _set_card(app, agency, **values):
    with app.app_context(), tenancy.agency_scope(agency.agency.id):
        card = db.session.get(BoardCard, agency.ids["card_id"])
        for key, value in values.items():
            setattr(card, key, value)
        db.commit()


def test_due_reminders_notify_assignees_once_and_skip_done_and_distant_cards(app, agency):
    assignee = member(app, agency, f"member@{agency.agency.slug}.test")
    _set_card(app, agency, due_at=utcnow() + timedelta(days=3))
    with app.app_context():
        assert remind_due_cards() == 0
    _set_card(app, agency, due_at=utcnow() + timedelta(hours=2))
    with app.app_context():
        assert remind_due_cards() == 1
        assert remind_due_cards() == 0  # once per due date
    assert [n.kind for n in notifications_of(app, agency, assignee)] == ["assigned", "due"]
    with app.app_context(), tenancy.agency_scope(agency.agency.id):
        done = db.session.scalar(select(BoardColumn).where(BoardColumn.done.is_(True)))
    _set_card(app, agency, due_at=utcnow() + timedelta(hours=3), reminded_at=None, column_id=done.id)
    with app.app_context():
        assert remind_due_cards() == 0


def test_changing_the_due_date_rearms_the_reminder(app, agency):
    _set_card(app, agency, due_at=utcnow() + timedelta(hours=2), reminded_at=utcnow())
    alice = signed_in(app, agency.agency.owner_email)
    with app.app_context(), tenancy.agency_scope(agency.agency.id):
        version = db.session.get(BoardCard, agency.ids["card_id"]).version
    alice.post(f"/a/{agency.agency.slug}/boards/cards/{agency.ids['card_id']}", headers=HX, data={
        "title": "Alpha Launch card", "pole": "both", "version": version, "due_date": "2031-01-02"})
    with app.app_context(), tenancy.agency_scope(agency.agency.id):
        assert db.session.get(BoardCard, agency.ids["card_id"]).reminded_at is None


def test_cron_registers_reminders_and_digests(app):
    with app.app_context():
        scheduler = CronScheduler(connection=redis_connection())
        scheduler.load_config_from_file("saas.cron")
        names = {job.func_name for job in scheduler.get_jobs()}
    assert {"tenants.boards.notifications.jobs.remind_due_cards",
            "tenants.boards.notifications.jobs.send_notification_digests"} <= names


def test_mark_all_as_read_clears_the_bell(app, agency):
    alice = signed_in(app, agency.agency.owner_email)
    assert "bell-count" in alice.get(f"/a/{agency.agency.slug}/notifications/bell").get_data(as_text=True)
    assert alice.post(f"/a/{agency.agency.slug}/notifications/read").status_code == 302
    assert "bell-count" not in alice.get(f"/a/{agency.agency.slug}/notifications/bell").get_data(as_text=True)
