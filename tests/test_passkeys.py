"""Passkey routes without a browser: what they refuse (the ceremonies run in tests/test_passkeys_browser.py)."""
import pytest
from sqlalchemy import select

from saas import db, tenancy
from saas.audit.models import AuditEvent
from saas.auth.models import Agency, Passkey, User
from tests.conftest import CSRF_RE, login

EN = {"Accept-Language": "en"}


@pytest.fixture
def agency(make_agency):
    return make_agency("Agence Lumière")


def credential_id(name, user_id):
    from webauthn.helpers import bytes_to_base64url

    return bytes_to_base64url(f"{name}-{user_id}".encode())


def add_passkey(app, email, name="Clé USB"):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        passkey = Passkey(user_id=user.id, credential_id=credential_id(name, user.id), public_key="pk", sign_count=0,
                          name=name, transports=[], backed_up=False)
        db.session.add(passkey)
        db.session.commit()
        return passkey.id


def test_the_ceremonies_refuse_what_they_did_not_start(app, client, agency):
    answer = client.post("/login/passkey", json={"credential": {"id": "abc", "response": {}}}, headers=EN)
    assert answer.status_code == 401 and "took too long" in answer.json["error"]
    options = client.post("/login/passkey/options", json={}, headers=EN)
    assert options.status_code == 200 and options.json["options"]["userVerification"] == "required"
    assert options.headers["Cache-Control"] == "no-store"
    unknown = client.post("/login/passkey", json={"credential": {"id": "abc", "response": {}}}, headers=EN)
    assert unknown.status_code == 401 and "not registered on Relais" in unknown.json["error"]
    again = client.post("/login/passkey", json={"credential": {"id": "abc"}}, headers=EN)
    assert again.status_code == 401 and "took too long" in again.json["error"]  # a challenge serves once
    client.post("/login/passkey/options", json={})
    assert client.post("/login/passkey", data="not json", headers=EN).status_code == 401
    assert client.post("/login/code/passkey/options", json={}, headers=EN).status_code == 401  # no password step
    assert client.post("/account/passkeys/options", json={}).status_code in (302, 401)  # signed in only


def test_registration_options_exclude_the_persons_passkeys(app, client, agency):
    login(client, agency.owner_email)
    add_passkey(app, agency.owner_email)
    options = client.post("/account/passkeys/options", json={}).json["options"]
    assert options["rp"] == {"id": "localhost", "name": "Relais"}
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert [c["id"] for c in options["excludeCredentials"]] == [credential_id("Clé USB", agency.owner_id)]
    forged = client.post("/account/passkeys", json={"credential": {"id": "x", "rawId": "x", "response": {},
                                                                   "type": "public-key"}}, headers=EN)
    assert forged.status_code == 400 and "could not be checked" in forged.json["error"]
    hostile = [{"id": "x", "rawId": "!!", "type": "public-key",
                "response": {"clientDataJSON": "%%%", "attestationObject": "\u0000"}},
               {"id": "x" * 5000}, {"id": ["x"]}, "not an object", None]
    for credential in hostile:
        client.post("/account/passkeys/options", json={})
        answer = client.post("/account/passkeys", json={"credential": credential, "name": "x" * 500}, headers=EN)
        assert answer.status_code == 400, credential


def test_removing_a_passkey_is_ones_own_and_audited(app, client, agency, make_agency):
    login(client, agency.owner_email)
    mine = add_passkey(app, agency.owner_email)
    other = make_agency("Agence Voisine")
    theirs = add_passkey(app, other.owner_email, "Téléphone")
    page = client.get("/account", headers=EN).get_data(as_text=True)
    assert "Clé USB" in page and "Remove the passkey “Clé USB”?" in page
    csrf = CSRF_RE.search(page).group(1)
    assert client.post(f"/account/passkeys/{theirs}/delete", data={"csrf_token": csrf}).status_code == 303
    assert client.post(f"/account/passkeys/{mine}/delete", data={"csrf_token": csrf}).status_code == 302
    with app.app_context():
        assert [p.name for p in db.session.scalars(select(Passkey))] == ["Téléphone"]
    with app.app_context(), tenancy.agency_scope(agency.id):
        assert db.session.scalar(select(AuditEvent.target).where(AuditEvent.action == "passkey_removed")) == "Clé USB"


def test_the_last_second_factor_stays_while_the_agency_requires_one(app, client, agency):
    login(client, agency.owner_email)
    mine = add_passkey(app, agency.owner_email)
    with app.app_context():
        db.session.get(Agency, agency.id).require_two_factor = True
        db.session.commit()
    csrf = CSRF_RE.search(client.get("/account", headers=EN).get_data(as_text=True)).group(1)
    refused = client.post(f"/account/passkeys/{mine}/delete", data={"csrf_token": csrf}, headers=EN,
                          follow_redirects=True)
    assert "requires two-factor sign-in: keep this passkey" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Passkey, mine) is not None


def test_a_password_then_a_passkey_owner_is_asked_for_the_passkey(app, client, agency):
    add_passkey(app, agency.owner_email)
    from tests.conftest import PASSWORD

    answer = client.post("/login", data={"email": agency.owner_email, "password": PASSWORD}, headers=EN)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/login/code")
    page = client.get("/login/code", headers=EN).get_data(as_text=True)
    assert "Use my passkey" in page and 'name="code"' not in page
    options = client.post("/login/code/passkey/options", json={}).json["options"]
    assert [c["id"] for c in options["allowCredentials"]] == [credential_id("Clé USB", agency.owner_id)]
