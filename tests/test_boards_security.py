"""Board security: ids sent in forms (columns, cards, people, labels) never cross agencies or roles.

The URL sweep of test_isolation.py covers ids in addresses; these tests cover ids in bodies.
Every refusal is a 404 or a clear 4xx, and nothing changes in either agency.
"""
import psycopg
import pytest
from sqlalchemy import select

from saas import db, tenancy
from saas.auth.models import Membership
from tenants.boards.models import BoardCard, BoardColumn
from tests.conftest import login
from tests.factories import populate
from tests.test_isolation import snapshot

HX = {"HX-Request": "true", "Accept-Language": "en"}


@pytest.fixture
def two(app, client, make_agency):
    a = populate(app, make_agency("Agence Alpha"), "Alpha")
    b = populate(app, make_agency("Agence Beta"), "Beta")
    login(client, a.agency.owner_email)
    return a, b


def card_of(app, agency, card_id):
    with app.app_context(), tenancy.agency_scope(agency.id):
        return db.session.get(BoardCard, card_id)


def both(database_url, a, b):
    return snapshot(database_url, a.agency.id), snapshot(database_url, b.agency.id)


def test_moving_a_card_into_another_agencys_column_is_404_and_changes_nothing(client, two, database_url):
    a, b = two
    before = both(database_url, a, b)
    url = f"/a/{a.agency.slug}/boards/cards/{a.ids['card_id']}/move"
    assert client.post(url, data={"column_id": b.ids["column_id"]}, headers=HX).status_code == 404
    assert client.post(url, data={"column_id": a.ids["column_id"], "after_id": b.ids["card_id"]}, headers=HX).status_code == 404
    assert client.post(url, data={"column_id": 987654}, headers=HX).status_code == 404
    assert client.post(url, data={}, headers=HX).status_code == 404
    assert both(database_url, a, b) == before


def test_moving_a_card_into_a_column_of_another_board_of_the_same_agency_is_404(app, client, two, database_url):
    a, b = two
    client.post(f"/a/{a.agency.slug}/clients/", data={"name": "Second brand"})
    with app.app_context(), tenancy.agency_scope(a.agency.id):
        from tenants.clients.models import Client

        second = db.session.scalar(select(Client).where(Client.name == "Second brand"))
    client.get(f"/a/{a.agency.slug}/boards/{second.id}")
    with app.app_context(), tenancy.agency_scope(a.agency.id):
        other_column = db.session.scalars(select(BoardColumn).where(BoardColumn.id != a.ids["column_id"])
                                          .order_by(BoardColumn.id.desc())).first()
    before = both(database_url, a, b)
    url = f"/a/{a.agency.slug}/boards/cards/{a.ids['card_id']}/move"
    assert client.post(url, data={"column_id": other_column.id}, headers=HX).status_code == 404
    assert both(database_url, a, b) == before


def test_assigning_a_non_member_or_a_guest_is_refused_and_changes_nothing(app, client, two, make_member, database_url):
    a, b = two
    make_member(a.agency, "guest@client.test", role="guest")
    with app.app_context(), tenancy.agency_scope(a.agency.id):
        guest = db.session.scalar(select(Membership).where(Membership.role == "guest"))
    card = card_of(app, a.agency, a.ids["card_id"])
    before = both(database_url, a, b)
    url = f"/a/{a.agency.slug}/boards/cards/{card.id}"
    form = {"title": "Hijacked", "pole": "both", "version": card.version}
    assert client.post(url, data={**form, "assignees": b.ids["membership_id"]}, headers=HX).status_code == 404
    assert client.post(url, data={**form, "assignees": "not-a-number"}, headers=HX).status_code == 400
    response = client.post(url, data={**form, "assignees": guest.id}, headers=HX)
    assert response.status_code == 422 and "Guests cannot be assigned" in response.get_data(as_text=True)
    assert 'value="Hijacked"' in response.get_data(as_text=True)  # the form comes back as typed
    assert both(database_url, a, b) == before


def test_a_label_of_another_agency_is_404_and_changes_nothing(app, client, two, database_url):
    a, b = two
    card = card_of(app, a.agency, a.ids["card_id"])
    before = both(database_url, a, b)
    response = client.post(f"/a/{a.agency.slug}/boards/cards/{card.id}",
                           data={"title": "x", "pole": "both", "version": card.version, "labels": b.ids["label_id"]}, headers=HX)
    assert response.status_code == 404
    assert both(database_url, a, b) == before


def test_a_stale_version_is_409_keeps_what_was_typed_and_changes_nothing(app, client, two, database_url):
    a, b = two
    card = card_of(app, a.agency, a.ids["card_id"])
    url = f"/a/{a.agency.slug}/boards/cards/{card.id}"
    assert client.post(url, data={"title": "First save", "pole": "rp", "version": card.version}, headers=HX).status_code == 200
    before = both(database_url, a, b)
    response = client.post(url, data={"title": "Second save", "description": "my long text", "pole": "cm",
                                      "version": card.version}, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This card changed while you were editing it." in body and "Owner Agence Alpha saved it at" in body
    assert 'value="Second save"' in body and "my long text" in body
    assert f'name="version" value="{card.version}"' in body  # still stale: a second click cannot overwrite
    assert both(database_url, a, b) == before
    assert card_of(app, a.agency, card.id).title == "First save"


@pytest.mark.parametrize("path", ["cards/987654", "cards/987654/move", "cards/987654/step", "cards/987654/delete",
                                  "cards/987654/comments", "checklist/987654/toggle", "columns/987654"])
def test_ids_that_do_not_exist_are_404(client, two, path):
    a, _ = two
    response = client.post(f"/a/{a.agency.slug}/boards/{path}", data={"direction": "up", "title": "x", "body": "x",
                                                                       "name": "x", "column_id": a.ids["column_id"]}, headers=HX)
    assert response.status_code == 404


def test_guests_cannot_open_boards_or_notifications(client, two, make_member):
    a, _ = two
    make_member(a.agency, "guest@client.test", role="guest")
    guest = client.application.test_client()
    login(guest, "guest@client.test")
    for url in (f"/a/{a.agency.slug}/boards/", f"/a/{a.agency.slug}/boards/{a.ids['client_id']}",
                f"/a/{a.agency.slug}/boards/cards/{a.ids['card_id']}", f"/a/{a.agency.slug}/notifications/"):
        assert guest.get(url).status_code == 404, url


def test_only_its_author_or_a_manager_deletes_a_comment(client, two):
    a, _ = two
    member = client.application.test_client()
    login(member, f"member@{a.agency.slug}.test")
    url = f"/a/{a.agency.slug}/boards/comments/{a.ids['comment_id']}/delete"
    assert member.post(url, headers=HX).status_code == 403
    assert client.post(url, headers=HX).status_code == 200


def test_someone_elses_notification_is_404(client, two):
    a, _ = two
    member = client.application.test_client()
    login(member, f"member@{a.agency.slug}.test")
    assert member.post(f"/a/{a.agency.slug}/notifications/{a.ids['notification_id']}/open").status_code == 404
    assert client.post(f"/a/{a.agency.slug}/notifications/{a.ids['notification_id']}/open").status_code == 302


def test_the_database_refuses_a_card_in_another_agencys_column(two, database_url):
    a, b = two
    with psycopg.connect(database_url) as conn, pytest.raises(psycopg.errors.ForeignKeyViolation):
        conn.execute("UPDATE board_cards SET column_id = %s WHERE id = %s", (b.ids["column_id"], a.ids["card_id"]))


def test_row_level_security_hides_other_agencies_cards_from_the_app_role(app, two):
    a, b = two
    with app.app_context(), tenancy.agency_scope(a.agency.id):
        seen = db.session.execute(db.text("SELECT agency_id FROM board_cards")).scalars().all()
    assert set(seen) == {a.agency.id}
