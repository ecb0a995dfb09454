"""Clients: inline create and edit (htmx), search, archive, restore, delete with confirmation."""
import pytest
from sqlalchemy import select

from saas import db, tenancy
from tenants.clients.models import Client
from tests.conftest import login

HX = {"HX-Request": "true", "Accept-Language": "en"}
DANONE = {"name": "Danone", "sector": "Food and drink", "website": "danone.fr", "color": "#ff5500",
          "handle_instagram": "@danone", "notes": "Crisis plan in the shared drive."}


@pytest.fixture
def owner(client, make_agency):
    agency = make_agency()
    login(client, agency.owner_email)
    return agency


def stored(app, agency):
    with app.app_context(), tenancy.agency_scope(agency.id):
        return {c.name: c for c in db.session.scalars(select(Client))}


def test_htmx_create_returns_fresh_form_and_new_row(app, client, owner):
    response = client.post(f"/a/{owner.slug}/clients/", data=DANONE, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="new-client"' in body and 'hx-swap-oob="afterbegin:#client-rows"' in body and "Danone" in body
    client_row = stored(app, owner)["Danone"]
    assert client_row.website == "https://danone.fr"
    assert client_row.social_handles == {"instagram": "@danone"}


def test_create_without_htmx_redirects(client, owner):
    response = client.post(f"/a/{owner.slug}/clients/", data=DANONE)
    assert response.status_code == 302


@pytest.mark.parametrize("field, value, message", [
    ("name", "", "Name is required"),
    ("name", "x" * 121, "at most 120"),
    ("website", "javascript:alert(1)", "web address"),
    ("color", "red", "colour"),
    ("handle_x", "<script>", "not allowed"),
    ("notes", "n" * 5001, "at most 5000"),
])
def test_bad_client_input_is_422_and_keeps_what_was_typed(app, client, owner, field, value, message):
    response = client.post(f"/a/{owner.slug}/clients/", data={**DANONE, field: value}, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and message in body
    assert "Crisis plan in the shared drive." in body or field == "notes"
    assert stored(app, owner) == {}


def test_duplicate_client_name_is_refused_ignoring_case(client, owner):
    client.post(f"/a/{owner.slug}/clients/", data=DANONE, headers=HX)
    response = client.post(f"/a/{owner.slug}/clients/", data={**DANONE, "name": "DANONE"}, headers=HX)
    assert response.status_code == 422 and "already exists" in response.get_data(as_text=True)


def test_inline_edit_and_save(app, client, owner):
    client.post(f"/a/{owner.slug}/clients/", data=DANONE, headers=HX)
    client_id = stored(app, owner)["Danone"].id
    form = client.get(f"/a/{owner.slug}/clients/{client_id}/edit", headers=HX).get_data(as_text=True)
    assert 'value="Danone"' in form and "<html" not in form
    response = client.post(f"/a/{owner.slug}/clients/{client_id}", data={**DANONE, "name": "Danone France"}, headers=HX)
    assert response.status_code == 200 and "<tr" in response.get_data(as_text=True)
    assert "Danone France" in stored(app, owner)
    bad = client.post(f"/a/{owner.slug}/clients/{client_id}", data={**DANONE, "name": ""}, headers=HX)
    assert bad.status_code == 422 and "Danone France" in stored(app, owner)


def test_search_filters_by_name_and_sector(client, owner):
    for name, sector in (("Danone", "Food"), ("Airbus", "Aerospace"), ("Orange", "Telecom")):
        client.post(f"/a/{owner.slug}/clients/", data={"name": name, "sector": sector}, headers=HX)
    response = client.get(f"/a/{owner.slug}/clients/?q=aero", headers={**HX, "HX-Target": "client-list"})
    body = response.get_data(as_text=True)
    assert "Airbus" in body and "Danone" not in body and "<html" not in body
    assert response.headers.get("Vary") and "HX-Request" in response.headers["Vary"]


def test_archive_and_restore(app, client, owner):
    client.post(f"/a/{owner.slug}/clients/", data=DANONE, headers=HX)
    client_id = stored(app, owner)["Danone"].id
    client.post(f"/a/{owner.slug}/clients/{client_id}/archive")
    assert "Danone" not in client.get(f"/a/{owner.slug}/clients/").get_data(as_text=True).split("client-rows")[1]
    assert "Danone" in client.get(f"/a/{owner.slug}/clients/?archived=1").get_data(as_text=True)
    client.post(f"/a/{owner.slug}/clients/{client_id}/restore")
    assert stored(app, owner)["Danone"].archived_at is None


def test_delete_needs_the_typed_name(app, client, owner):
    client.post(f"/a/{owner.slug}/clients/", data=DANONE, headers=HX)
    client_id = stored(app, owner)["Danone"].id
    url = f"/a/{owner.slug}/clients/{client_id}/delete"
    assert client.get(url).status_code == 200
    assert client.post(url, data={"confirm_name": "Danon"}).status_code == 422
    assert "Danone" in stored(app, owner)
    assert client.post(url, data={"confirm_name": "danone"}).status_code == 302
    assert stored(app, owner) == {}


def test_members_cannot_delete_clients(app, client, owner, make_member):
    client.post(f"/a/{owner.slug}/clients/", data=DANONE, headers=HX)
    client_id = stored(app, owner)["Danone"].id
    make_member(owner, "cm@x.test")
    member = app.test_client()
    login(member, "cm@x.test")
    assert member.post(f"/a/{owner.slug}/clients/{client_id}/delete", data={"confirm_name": "Danone"}).status_code == 403
    assert member.post(f"/a/{owner.slug}/clients/", data={"name": "Evian"}, headers=HX).status_code == 200


def test_client_names_are_escaped(client, owner):
    client.post(f"/a/{owner.slug}/clients/", data={"name": "<img src=x onerror=alert(1)>"}, headers=HX)
    body = client.get(f"/a/{owner.slug}/clients/").get_data(as_text=True)
    assert "<img src=x" not in body and "&lt;img src=x" in body


def test_home_shows_clients_members_and_next_steps(client, owner):
    body = client.get(f"/a/{owner.slug}/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Add your first client" in body and "Invite your PR and CM teammates" in body
    client.post(f"/a/{owner.slug}/clients/", data=DANONE, headers=HX)
    body = client.get(f"/a/{owner.slug}/").get_data(as_text=True)
    assert "Danone" in body
