"""Inviting teammates: the mail job on a real RQ worker and SMTP server, the link, roles."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from saas import db, tenancy
from saas.auth.models import Invitation, Membership
from tests.conftest import PASSWORD, login, run_worker
from tests.mailbox import text_of




def invite(client, agency, email="new.person@lumiere.test", role="member", pole="rp"):
    return client.post(f"/a/{agency.slug}/members/invite", data={"email": email, "role": role, "pole": pole})


def link_from(message):
    match = re.search(r"http://localhost(/invitations/\S+)", text_of(message))
    assert match, text_of(message)
    return match.group(1)


def test_invitation_mail_is_sent_by_a_real_worker_and_the_link_creates_an_account(app, client, make_agency, mailbox):
    agency = make_agency()
    login(client, agency.owner_email)
    assert invite(client, agency).status_code == 302
    assert mailbox.messages == []  # sent by the worker, not by the request
    run_worker(app)
    assert len(mailbox.messages) == 1
    message = mailbox.messages[0]
    assert message["To"] == "new.person@lumiere.test"
    assert "Agence Lumière" in message["Subject"]
    link = link_from(message)

    newcomer = app.test_client()
    assert newcomer.get(link).status_code == 200
    response = newcomer.post(link, data={"name": "Nina Durand", "password": PASSWORD})
    assert response.status_code == 302 and response.location == f"/a/{agency.slug}/"
    assert "Nina Durand" in newcomer.get(f"/a/{agency.slug}/members/").get_data(as_text=True)
    with app.app_context(), tenancy.agency_scope(agency.id):
        membership = db.session.scalars(select(Membership).where(Membership.role == "member")).one()
        assert (membership.user.email, membership.pole) == ("new.person@lumiere.test", "rp")


def test_invitation_link_works_once(app, client, make_agency, mailbox):
    agency = make_agency()
    login(client, agency.owner_email)
    invite(client, agency)
    run_worker(app)
    link = link_from(mailbox.messages[0])
    first = app.test_client()
    assert first.post(link, data={"name": "Nina", "password": PASSWORD}).status_code == 302
    again = app.test_client()
    response = again.get(link, headers={"Accept-Language": "en"})
    assert response.status_code == 410 and "already been used" in response.get_data(as_text=True)


def test_existing_account_joins_after_logging_in(app, client, make_agency, mailbox):
    agency = make_agency("Agence Alpha")
    other = make_agency("Agence Beta", email="freelance@x.test")
    login(client, agency.owner_email)
    invite(client, agency, email=other.owner_email)
    run_worker(app)
    link = link_from(mailbox.messages[0])
    freelancer = app.test_client()
    response = freelancer.post(link, data={})
    assert response.status_code == 302 and response.location.startswith("/login")
    login(freelancer, other.owner_email)
    assert freelancer.post(link, data={}).status_code == 302
    assert freelancer.get(f"/a/{agency.slug}/").status_code == 200


def test_invitation_for_someone_else_is_refused_to_a_signed_in_person(app, client, make_agency, mailbox):
    agency = make_agency()
    login(client, agency.owner_email)
    invite(client, agency)
    run_worker(app)
    link = link_from(mailbox.messages[0])
    assert client.post(link, data={}).status_code == 403


def test_expired_and_cancelled_invitations_are_refused(app, client, make_agency, mailbox):
    agency = make_agency()
    login(client, agency.owner_email)
    invite(client, agency, email="late@x.test")
    invite(client, agency, email="cancelled@x.test")
    run_worker(app)
    links = {m["To"]: link_from(m) for m in mailbox.messages}
    with app.app_context(), tenancy.agency_scope(agency.id):
        late = db.session.scalars(select(Invitation).where(Invitation.email == "late@x.test")).one()
        late.expires_at = late.expires_at - timedelta(days=30)
        cancelled_id = db.session.scalars(select(Invitation.id).where(Invitation.email == "cancelled@x.test")).one()
        db.commit()
    assert app.test_client().get(links["late@x.test"]).status_code == 410
    assert client.post(f"/a/{agency.slug}/members/invitations/{cancelled_id}/revoke").status_code == 302
    assert app.test_client().get(links["cancelled@x.test"]).status_code == 400


def test_forged_invitation_token_is_400(client):
    assert client.get("/invitations/not-a-real-token").status_code == 400


@pytest.mark.parametrize("email, role, message", [
    ("not-an-email", "member", "valid email"),
    ("x@y.test", "owner", "admin or member"),
])
def test_invitation_form_refuses_bad_input(client, make_agency, email, role, message):
    agency = make_agency()
    login(client, agency.owner_email)
    response = client.post(f"/a/{agency.slug}/members/invite", data={"email": email, "role": role},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_members_cannot_invite_but_admins_can(app, make_agency, make_member):
    agency = make_agency()
    make_member(agency, "member@x.test", role="member")
    make_member(agency, "admin@x.test", role="admin")
    member, admin = app.test_client(), app.test_client()
    login(member, "member@x.test")
    login(admin, "admin@x.test")
    assert invite(member, agency).status_code == 403
    assert invite(admin, agency).status_code == 302


def _membership_id(app, agency, email):
    with app.app_context(), tenancy.agency_scope(agency.id):
        return next(m.id for m in db.session.scalars(select(Membership)) if m.user.email == email)


def test_last_owner_cannot_be_removed_or_demoted(app, client, make_agency):
    agency = make_agency()
    login(client, agency.owner_email)
    owner_id = _membership_id(app, agency, agency.owner_email)
    assert client.post(f"/a/{agency.slug}/members/{owner_id}/remove").status_code == 409
    assert client.post(f"/a/{agency.slug}/members/{owner_id}/role", data={"role": "member"}).status_code == 409
    assert client.get(f"/a/{agency.slug}/").status_code == 200


def test_owner_changes_roles_and_removes_members(app, client, make_agency, make_member):
    agency = make_agency()
    make_member(agency, "bob@x.test")
    login(client, agency.owner_email)
    bob = _membership_id(app, agency, "bob@x.test")
    assert client.post(f"/a/{agency.slug}/members/{bob}/role", data={"role": "owner"}).status_code == 302
    owner_id = _membership_id(app, agency, agency.owner_email)
    assert client.post(f"/a/{agency.slug}/members/{owner_id}/role", data={"role": "member", "pole": "cm"}).status_code == 302
    bob_client = app.test_client()
    login(bob_client, "bob@x.test")
    assert bob_client.post(f"/a/{agency.slug}/members/{owner_id}/remove").status_code == 302
    response = client.get(f"/a/{agency.slug}/")  # the removed person's sessions ended with the membership
    assert response.status_code == 302 and response.location.startswith("/login")


def test_admins_cannot_change_roles(app, make_agency, make_member):
    agency = make_agency()
    make_member(agency, "admin@x.test", role="admin")
    admin = app.test_client()
    login(admin, "admin@x.test")
    owner_id = _membership_id(app, agency, agency.owner_email)
    assert admin.post(f"/a/{agency.slug}/members/{owner_id}/role", data={"role": "member"}).status_code == 403


def test_guest_role_sees_no_workspace_page(app, make_agency, make_member):
    agency = make_agency()
    make_member(agency, "guest@brand.test", role="guest")
    guest = app.test_client()
    login(guest, "guest@brand.test")
    home = guest.get(f"/a/{agency.slug}/")  # the workspace home leads a guest to their portal
    assert home.status_code == 302 and "/portal" in home.headers["Location"]
    assert guest.get(f"/a/{agency.slug}/clients/").status_code == 404


def test_make_run_without_smtp_writes_the_mail_to_the_log(app, client, make_agency, caplog):
    agency = make_agency()
    login(client, agency.owner_email)
    invite(client, agency)
    with caplog.at_level("WARNING", logger="relais.mail"):
        from saas.auth.jobs import send_invitation_email

        with app.app_context(), tenancy.agency_scope(agency.id):
            invitation_id = db.session.scalars(select(Invitation.id)).one()
        with app.app_context():
            assert send_invitation_email(invitation_id, agency_id=agency.id) == "sent"
    assert "/invitations/" in caplog.text


def test_accepting_invitations_is_rate_limited_per_ip(app, client, make_agency, mailbox):
    agency = make_agency()
    login(client, agency.owner_email)
    invite(client, agency)
    run_worker(app)
    link = link_from(mailbox.messages[0])
    newcomer = app.test_client()
    app.config["INVITATION_RATE_PER_IP"], previous = 2, app.config["INVITATION_RATE_PER_IP"]
    try:
        codes = [newcomer.post(link, data={"name": "", "password": PASSWORD}).status_code for _ in range(2)]
        response = newcomer.post(link, data={"name": "Nina", "password": PASSWORD}, headers={"Accept-Language": "en"})
    finally:
        app.config["INVITATION_RATE_PER_IP"] = previous
    assert codes == [422, 422]
    assert response.status_code == 429 and "Too many attempts" in response.get_data(as_text=True)
    assert newcomer.get(link).status_code == 200  # reading the invitation is not limited
