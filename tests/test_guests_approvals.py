"""Client guests: the client thread, approvals that move cards and notify, and the staff's side."""
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from saas import db
from tenants.boards.models import CardComment
from tenants.boards.notifications.models import Notification
from tenants.guests.approvals import approval_columns
from tenants.guests.models import GuestClient
from tests.test_guests import HX, INTERNAL_NOTE, card_state, in_agency, signed_in, world  # noqa: F401
from tests.conftest import run_worker
from tests.test_isolation import snapshot


# Client thread and approvals ---------------------------------------------------------------------

def test_the_guest_and_staff_talk_in_the_client_thread_apart_from_internal_comments(app, world):
    guest, owner = signed_in(app, world.guest), signed_in(app, world.owner)
    card_url = f"/a/{world.slug}/portal/cards/{world.ids['card_id']}"
    assert guest.post(f"{card_url}/comments", data={"body": "Can we see the visuals?"}).status_code == 302
    panel = owner.get(f"/a/{world.slug}/boards/cards/{world.ids['card_id']}", headers=HX).get_data(as_text=True)
    client_side = panel.split('data-testid="client-side"')[1]
    internal = panel.split('id="card-comments-')[1].split("</section>")[0]
    assert "Can we see the visuals?" in client_side and "Client</span>" in client_side
    assert "Can we see the visuals?" not in internal and INTERNAL_NOTE in internal
    reply = owner.post(f"/a/{world.slug}/guests/cards/{world.ids['card_id']}/client-comments",
                       data={"body": "Tomorrow morning."}, headers=HX)
    assert reply.status_code == 200 and "Tomorrow morning." in reply.get_data(as_text=True)
    page = guest.get(card_url).get_data(as_text=True)
    assert "Tomorrow morning." in page and "Can we see the visuals?" in page and INTERNAL_NOTE not in page
    with in_agency(app, world):
        kinds = db.session.scalars(select(Notification.kind).where(Notification.kind == "client_comment")).all()
        assert kinds == ["client_comment"]  # the assignee heard of the guest's message, not of the staff reply


def test_an_empty_message_is_refused_with_a_clear_422(app, world):
    response = signed_in(app, world.guest).post(f"/a/{world.slug}/portal/cards/{world.ids['card_id']}/comments",
                                                data={"body": "   "})
    assert response.status_code == 422 and "Comment is required" in response.get_data(as_text=True)


def ask_approval(app, world, card_id=None):
    owner = signed_in(app, world.owner)
    response = owner.post(f"/a/{world.slug}/guests/cards/{card_id or world.ids['card_id']}/approval",
                          data={"action": "request"}, headers=HX)
    assert response.status_code == 200
    return owner


def test_approval_moves_the_card_to_done_and_notifies_the_assignee(app, world, mailbox):
    ask_approval(app, world)
    assert card_state(app, world) == ("awaiting", 2)  # the "awaiting client" column
    run_worker(app)
    assert [m["To"] for m in mailbox.messages] == [world.guest]  # "awaiting your approval"
    guest = signed_in(app, world.guest)
    portal = guest.get(f"/a/{world.slug}/portal/").get_data(as_text=True)
    assert 'data-testid="portal-approvals"' in portal and "Review" in portal
    assert guest.post(f"/a/{world.slug}/portal/cards/{world.ids['card_id']}/approve").status_code == 302
    assert card_state(app, world) == ("approved", 3)  # the done column
    run_worker(app)
    assert mailbox.messages[-1]["To"] == world.member and "Alpha Launch card" in mailbox.messages[-1]["Subject"]
    again = guest.post(f"/a/{world.slug}/portal/cards/{world.ids['card_id']}/approve")
    assert again.status_code == 409 and "not awaiting your approval" in again.get_data(as_text=True)


def test_requesting_changes_needs_a_comment_moves_the_card_back_and_tells_the_assignee(app, world):
    ask_approval(app, world)
    guest = signed_in(app, world.guest)
    url = f"/a/{world.slug}/portal/cards/{world.ids['card_id']}/changes"
    refused = guest.post(url, data={"body": ""})
    assert refused.status_code == 422 and "Tell the agency what to change" in refused.get_data(as_text=True)
    assert card_state(app, world)[0] == "awaiting"
    assert guest.post(url, data={"body": "Use the new logo, please."}).status_code == 302
    assert card_state(app, world) == ("changes_requested", 1)  # back to "in progress"
    with in_agency(app, world):
        comment = db.session.scalar(select(CardComment).where(CardComment.body == "Use the new logo, please."))
        notification = db.session.scalar(select(Notification).where(Notification.kind == "changes_requested"))
        assert comment.visibility == "client" and notification.card_id == world.ids["card_id"]
    bell = signed_in(app, world.member).get(f"/a/{world.slug}/notifications/").get_data(as_text=True)
    assert "(client) asked for changes on" in bell


def test_asking_approval_of_a_card_hidden_from_the_client_is_refused(app, world):
    owner = signed_in(app, world.owner)
    response = owner.post(f"/a/{world.slug}/guests/cards/{world.ids['hidden_card_id']}/approval",
                          data={"action": "request"}, headers=HX)
    assert response.status_code == 409
    assert card_state(app, world, world.ids["hidden_card_id"])[0] == "none"


def test_a_withdrawn_request_cannot_be_decided(app, world):
    owner = ask_approval(app, world)
    owner.post(f"/a/{world.slug}/guests/cards/{world.ids['card_id']}/approval", data={"action": "withdraw"}, headers=HX)
    response = signed_in(app, world.guest).post(f"/a/{world.slug}/portal/cards/{world.ids['card_id']}/approve")
    assert response.status_code == 409 and card_state(app, world)[0] == "none"


@pytest.mark.parametrize("columns, expected", [
    ([("To do", False), ("In progress", False), ("Awaiting client", False), ("Done", True)],
     ("Awaiting client", "Done", "In progress")),
    ([("Backlog", False), ("Writing", False), ("Review", False), ("Published", True), ("Archive", True)],
     ("Review", "Published", "Writing")),
    ([("To do", False), ("Done", True)], ("To do", "Done", "To do")),
    ([("Ideas", False), ("Doing", False), ("Shipped", False)], ("Doing", "Shipped", "Ideas")),
    ([("Only", False)], ("Only", "Only", "Only")),
])
def test_approval_moves_follow_the_documented_column_rule(columns, expected):
    board = [SimpleNamespace(name=name, done=done) for name, done in columns]
    assert tuple(column.name for column in approval_columns(board)) == expected


# The staff side ----------------------------------------------------------------------------------

def test_the_agency_sees_every_guest_their_clients_and_last_sign_in(app, world):
    signed_in(app, world.guest)
    body = signed_in(app, world.member).get(f"/a/{world.slug}/guests/").get_data(as_text=True)
    row = body.split('data-testid="guests"')[1].split("</table>")[0]
    assert "Alpha Guest" in row and world.guest in row and "Alpha Client" in row and "Never" not in row
    client_page = signed_in(app, world.owner).get(f"/a/{world.slug}/clients/{world.ids['client_id']}").get_data(as_text=True)
    assert "Alpha Guest" in client_page and "guest.invitee@agence-alpha.test" in client_page


def test_changing_a_guests_clients_takes_effect_at_once(app, world):
    guest = signed_in(app, world.guest)
    a2 = f"/a/{world.slug}/portal/clients/{world.ids['a2_id']}"
    assert guest.get(a2).status_code == 404
    owner = signed_in(app, world.owner)
    url = f"/a/{world.slug}/guests/{world.ids['guest_membership_id']}/clients"
    assert owner.post(url, data={"client_ids": [world.ids["a2_id"]]}).status_code == 302
    assert guest.get(a2).status_code == 200
    assert guest.get(f"/a/{world.slug}/portal/clients/{world.ids['client_id']}").status_code == 404
    assert owner.post(url, data={"client_ids": []}).status_code == 422


def test_revoking_a_guest_ends_their_live_session_at_once(app, world, database_url):
    guest = signed_in(app, world.guest)
    card_url = f"/a/{world.slug}/portal/cards/{world.ids['card_id']}"
    assert guest.get(card_url).status_code == 200
    owner = signed_in(app, world.owner)
    assert owner.post(f"/a/{world.slug}/guests/{world.ids['guest_membership_id']}/revoke").status_code == 302
    with in_agency(app, world):
        assert db.session.scalar(select(func.count()).select_from(GuestClient).where(
            GuestClient.membership_id == world.ids["guest_membership_id"])) == 0
    before = snapshot(database_url, world.agency_id)
    for url in (card_url, f"/a/{world.slug}/portal/", f"/a/{world.slug}/portal/clients/{world.ids['client_id']}"):
        response = guest.get(url)  # the same cookie, the same session
        assert response.status_code == 404 and "Alpha Launch card" not in response.get_data(as_text=True)
    assert guest.post(f"{card_url}/comments", data={"body": "still here?"}).status_code == 404
    assert snapshot(database_url, world.agency_id) == before
    assert guest.get("/", follow_redirects=False).location == "/agencies"


def test_a_teammate_cannot_be_revoked_as_a_guest(app, world):
    owner = signed_in(app, world.owner)
    assert owner.post(f"/a/{world.slug}/guests/{world.ids['membership_id']}/revoke").status_code == 404
    assert owner.post(f"/a/{world.slug}/guests/invitations/{world.ids['invitation_id']}/cancel").status_code == 404


def test_sharing_a_mention_shows_it_in_the_portal_and_unsharing_hides_it(app, world):
    owner, guest = signed_in(app, world.owner), signed_in(app, world.guest)
    url = f"/a/{world.slug}/guests/mentions/{world.ids['mention_id']}/share"
    page = f"/a/{world.slug}/portal/clients/{world.ids['client_id']}"
    response = owner.post(url, data={"shared": "0"}, headers=HX)
    assert response.status_code == 200 and "Share with the client" in response.get_data(as_text=True)
    assert "Alpha Client mention" not in guest.get(page).get_data(as_text=True)
    assert owner.post(url, data={"shared": "1"}).status_code == 302
    assert "Alpha Client mention" in guest.get(page).get_data(as_text=True)
    inbox = owner.get(f"/a/{world.slug}/mentions/").get_data(as_text=True)
    assert 'data-testid="mention-unshare"' in inbox
