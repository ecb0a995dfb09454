"""A contact's replies logged by the RP: on the contact's page and the release's, in the agency's time zone;
bad input kept with its message; another agency's ids refused; gone with the contact's erasure."""
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from saas import db, tenancy
from saas.db import utcnow
from tenants.press.models import PressReply
from tests.test_guests import in_agency, signed_in, world  # noqa: F401

PARIS = ZoneInfo("Europe/Paris")
FR = {"Accept-Language": "fr"}


def replies_of(app, world, contact_id):
    with in_agency(app, world):
        return db.session.scalars(select(PressReply).where(PressReply.contact_id == contact_id)
                                  .order_by(PressReply.id)).all()


def contact_url(world, suffix=""):
    return f"/a/{world.slug}/press/contacts/{world.ids['contact_id']}{suffix}"


def test_a_reply_is_logged_in_the_agencys_zone_and_shown_on_the_contact_and_the_release(app, world):
    owner = signed_in(app, world.owner)
    answer = owner.post(contact_url(world, "/replies"), data={
        "received_at": "2026-03-29T09:30", "release_id": world.ids["release_id"], "channel": "email",
        "outcome": "interview", "note": "Veut <b>interviewer</b> la directrice\nmardi ou mercredi"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("#contact-replies")
    logged = replies_of(app, world, world.ids["contact_id"])[-1]
    # 09:30 in Paris on the day summer time starts is 07:30 UTC
    assert logged.received_at.astimezone(PARIS) == datetime(2026, 3, 29, 9, 30, tzinfo=PARIS)
    assert logged.received_at.hour == 7 and logged.release_id == world.ids["release_id"]

    page = owner.get(contact_url(world), headers=FR).get_data(as_text=True)
    panel = page[page.index('data-testid="contact-replies"'):]
    assert "Demande une interview" in panel and "E-mail" in panel and "Alpha launch" in panel
    assert "29/03/2026 09:30" in panel  # the reader's locale, the agency's zone
    assert "&lt;b&gt;interviewer&lt;/b&gt;" in panel and "<b>interviewer" not in panel
    release = owner.get(f"/a/{world.slug}/press/releases/{world.ids['release_id']}", headers=FR)
    replies = release.get_data(as_text=True)
    replies = replies[replies.index('data-testid="release-replies"'):]
    assert "Demande une interview" in replies and "Alpha Journaliste" in replies and "09:30" in replies


@pytest.mark.parametrize("form, field, message", [
    ({"received_at": ""}, "received_at", "Indiquez quand"),
    ({"received_at": "2026-02-30T10:00"}, "received_at", "Indiquez quand"),
    ({"received_at": "1999-12-31T10:00"}, "received_at", "après 2000"),
    ({"channel": "pigeon"}, "channel", "Choisissez comment"),
    ({"outcome": "maybe"}, "outcome", "Choisissez ce que"),
    ({"note": "x" * 5001}, "note", "5"),
])
def test_bad_input_is_refused_with_a_message_and_the_note_kept(app, world, form, field, message):
    owner = signed_in(app, world.owner)
    before = len(replies_of(app, world, world.ids["contact_id"]))
    values = {"received_at": "2026-03-02T10:00", "channel": "phone", "outcome": "declined",
              "note": "Rappeler en avril", **form}
    answer = owner.post(contact_url(world, "/replies"), data=values, headers=FR)
    body = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert f'id="{"reply_" if field != "received_at" else ""}{field}-error"' in body and message in body
    if field != "note":
        assert "Rappeler en avril" in body  # what was typed is kept
    assert len(replies_of(app, world, world.ids["contact_id"])) == before


def test_a_reply_from_the_future_is_refused(app, world):
    owner = signed_in(app, world.owner)
    tomorrow = (utcnow() + timedelta(days=1)).astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")
    answer = owner.post(contact_url(world, "/replies"), data={"received_at": tomorrow, "channel": "email",
                                                              "outcome": "interested"})
    assert answer.status_code == 422 and "future" in answer.get_data(as_text=True)


def test_another_agencys_release_or_reply_answers_404(app, world):
    owner = signed_in(app, world.owner)
    foreign = owner.post(contact_url(world, "/replies"), data={
        "received_at": "2026-03-02T10:00", "channel": "email", "outcome": "interested",
        "release_id": world.b_ids["release_id"]})
    assert foreign.status_code == 404
    assert owner.post(contact_url(world, f"/replies/{world.b_ids['reply_id']}/delete")).status_code == 404
    with app.app_context(), tenancy.agency_scope(world.b_agency_id):
        count_b = db.session.scalar(select(func.count()).select_from(PressReply))
    assert count_b == 1  # agency B's reply is untouched


def test_deleting_a_reply_and_erasing_the_contact_removes_their_replies(app, world):
    owner = signed_in(app, world.owner)
    reply_id = world.ids["reply_id"]
    page = owner.get(contact_url(world)).get_data(as_text=True)
    assert f"/replies/{reply_id}/delete" in page and "data-confirm" in page
    assert owner.post(contact_url(world, f"/replies/{reply_id}/delete")).status_code == 302
    assert reply_id not in [r.id for r in replies_of(app, world, world.ids["contact_id"])]
    owner.post(contact_url(world, "/replies"), data={"received_at": "2026-03-02T10:00", "channel": "meeting",
                                                     "outcome": "more_info", "note": "Dossier de presse"})
    exported = json.loads(owner.get(contact_url(world, "/data.json")).get_data(as_text=True))
    assert exported["replies"][0]["note"] == "Dossier de presse" and exported["replies"][0]["outcome"] == "more_info"
    assert owner.post(contact_url(world, "/delete")).status_code == 302
    assert replies_of(app, world, world.ids["contact_id"]) == []
