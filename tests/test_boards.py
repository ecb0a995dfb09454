"""Boards: one per client with default columns; columns, cards, moves, checklist, links, deletion."""
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from saas import db, tenancy
from tenants.boards.models import Board, BoardActivity, BoardCard, BoardColumn
from tenants.boards.service import DEFAULT_COLUMNS
from tenants.clients.models import Client
from tests.conftest import login

HX = {"HX-Request": "true", "Accept-Language": "en"}


@pytest.fixture
def owner(client, make_agency):
    agency = make_agency()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(client, agency.owner_email)
    return agency


@pytest.fixture
def client_id(app, owner):
    with app.app_context(), tenancy.agency_scope(owner.id):
        brand = Client(name="Danone", color="#0055aa")
        db.session.add(brand)
        db.commit()
        return brand.id


def rows(app, agency, model, *where, order=None):
    with app.app_context(), tenancy.agency_scope(agency.id):
        query = select(model).where(*where)
        return db.session.scalars(query.order_by(*(order or (model.id,)))).all()


def columns_of(app, agency):
    return {c.name: c for c in rows(app, agency, BoardColumn, order=(BoardColumn.position,))}


def column_titles(app, agency, column_id):
    return [c.title for c in rows(app, agency, BoardCard, BoardCard.column_id == column_id,
                                  order=(BoardCard.position,))]


def add_card(client, owner, client_id, column_id, title):
    response = client.post(f"/a/{owner.slug}/boards/{client_id}/cards",
                           data={"quick": "1", "column_id": column_id, "title": title}, headers=HX)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def card_id(app, agency, title):
    return rows(app, agency, BoardCard, BoardCard.title == title)[0].id


def test_first_visit_creates_the_board_with_default_columns_in_the_users_language(app, client, owner, client_id):
    response = client.get(f"/a/{owner.slug}/boards/{client_id}", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert list(columns_of(app, owner)) == ["To do", "In progress", "Awaiting client", "Done"]
    assert columns_of(app, owner)["Done"].done
    assert client.get(f"/a/{owner.slug}/boards/{client_id}").status_code == 200
    assert len(rows(app, owner, Board)) == 1


def test_default_columns_follow_the_language_of_the_first_visitor(app, client, owner, client_id):
    client.post("/lang", data={"lang": "fr", "next": "/"})
    client.get(f"/a/{owner.slug}/boards/{client_id}")
    with app.test_request_context(), force_locale("fr"):
        french = [str(name) for name, _done in DEFAULT_COLUMNS]
    assert list(columns_of(app, owner)) == french and french[0] != "To do"


def test_quick_add_puts_cards_at_the_bottom_and_answers_the_column(app, client, owner, client_id):
    client.get(f"/a/{owner.slug}/boards/{client_id}")
    todo = columns_of(app, owner)["To do"]
    add_card(client, owner, client_id, todo.id, "Press kit")
    response = add_card(client, owner, client_id, todo.id, "Launch post")
    body = response.get_data(as_text=True)
    assert f'id="column-{todo.id}"' in body and 'hx-swap-oob="outerHTML"' in body and "Launch post" in body
    assert column_titles(app, owner, todo.id) == ["Press kit", "Launch post"]


def test_move_between_columns_after_a_card_and_to_the_top(app, client, owner, client_id):
    client.get(f"/a/{owner.slug}/boards/{client_id}")
    cols = columns_of(app, owner)
    todo, doing = cols["To do"].id, cols["In progress"].id
    for title in ("A", "B", "C"):
        add_card(client, owner, client_id, todo, title)
    add_card(client, owner, client_id, doing, "X")
    base = f"/a/{owner.slug}/boards/cards"
    assert client.post(f"{base}/{card_id(app, owner, 'A')}/move", data={"column_id": doing, "after_id": card_id(app, owner, "X")},
                       headers=HX).status_code == 200
    assert column_titles(app, owner, todo) == ["B", "C"] and column_titles(app, owner, doing) == ["X", "A"]
    client.post(f"{base}/{card_id(app, owner, 'C')}/move", data={"column_id": doing, "after_id": "0"}, headers=HX)
    assert column_titles(app, owner, doing) == ["C", "X", "A"]
    client.post(f"{base}/{card_id(app, owner, 'C')}/move", data={"column_id": doing}, headers=HX)
    assert column_titles(app, owner, doing) == ["X", "A", "C"]
    positions = [c.position for c in rows(app, owner, BoardCard, BoardCard.column_id == doing, order=(BoardCard.position,))]
    assert positions == [0, 1, 2]
    verbs = [a.verb for a in rows(app, owner, BoardActivity)]
    assert verbs.count("card_moved") == 2 and "card_reordered" in verbs


def test_keyboard_steps_move_up_down_left_and_right(app, client, owner, client_id):
    client.get(f"/a/{owner.slug}/boards/{client_id}")
    cols = columns_of(app, owner)
    for title in ("A", "B"):
        add_card(client, owner, client_id, cols["To do"].id, title)
    step = f"/a/{owner.slug}/boards/cards/{card_id(app, owner, 'B')}/step"
    client.post(step, data={"direction": "up"}, headers=HX)
    assert column_titles(app, owner, cols["To do"].id) == ["B", "A"]
    client.post(step, data={"direction": "right"}, headers=HX)
    assert column_titles(app, owner, cols["In progress"].id) == ["B"]
    client.post(step, data={"direction": "left"}, headers=HX)
    client.post(step, data={"direction": "down"}, headers=HX)
    assert column_titles(app, owner, cols["To do"].id) == ["A", "B"]
    assert client.post(step, data={"direction": "sideways"}, headers=HX).status_code == 400


def test_columns_can_be_added_renamed_limited_reordered_and_removed_without_losing_cards(app, client, owner, client_id):
    client.get(f"/a/{owner.slug}/boards/{client_id}")
    base = f"/a/{owner.slug}/boards"
    assert client.post(f"{base}/{client_id}/columns", data={"name": "Review"}, headers=HX).status_code == 200
    review = columns_of(app, owner)["Review"]
    assert review.position == 4
    client.post(f"{base}/columns/{review.id}", data={"name": "Client review", "wip_limit": "1"}, headers=HX)
    client.post(f"{base}/columns/{review.id}/move", data={"direction": "left"}, headers=HX)
    assert list(columns_of(app, owner)) == ["To do", "In progress", "Awaiting client", "Client review", "Done"]
    add_card(client, owner, client_id, review.id, "Proofs")
    response = add_card(client, owner, client_id, review.id, "Photos")
    assert "over its limit of 1" in response.headers["HX-Trigger"]
    page = client.get(f"{base}/{client_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "2 / 1" in page and "Over its limit of 1 card in progress" in page
    todo = columns_of(app, owner)["To do"]
    add_card(client, owner, client_id, todo.id, "Brief")
    response = client.post(f"{base}/columns/{review.id}/delete", data={"target_id": todo.id}, headers=HX)
    assert response.status_code == 200
    assert "Client review" not in columns_of(app, owner)
    assert column_titles(app, owner, todo.id) == ["Brief", "Proofs", "Photos"]
    assert [c.position for c in columns_of(app, owner).values()] == [0, 1, 2, 3]


@pytest.mark.parametrize("form, message", [
    ({"name": ""}, "Name is required"),
    ({"name": "x" * 61}, "at most 60"),
    ({"name": "Ok", "wip_limit": "0"}, "between 1 and 999"),
    ({"name": "Ok", "wip_limit": "many"}, "between 1 and 999"),
])
def test_bad_column_input_is_refused_with_a_message(app, client, owner, client_id, form, message):
    client.get(f"/a/{owner.slug}/boards/{client_id}")
    response = client.post(f"/a/{owner.slug}/boards/{client_id}/columns", data=form, headers=HX)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert len(columns_of(app, owner)) == 4


def test_a_column_is_removed_only_into_another_column_of_the_board(app, client, owner, client_id):
    client.get(f"/a/{owner.slug}/boards/{client_id}")
    todo = columns_of(app, owner)["To do"]
    url = f"/a/{owner.slug}/boards/columns/{todo.id}/delete"
    assert client.post(url, data={}, headers=HX).status_code == 400
    assert client.post(url, data={"target_id": todo.id}, headers=HX).status_code == 400
    assert client.post(url, data={"target_id": 999999}, headers=HX).status_code == 404
    assert len(columns_of(app, owner)) == 4


def test_card_edit_saves_fields_and_logs_activity(app, client, owner, client_id):
    client.get(f"/a/{owner.slug}/boards/{client_id}")
    add_card(client, owner, client_id, columns_of(app, owner)["To do"].id, "Press release")
    card = rows(app, owner, BoardCard)[0]
    form = {"title": "Press release v2", "description": "**Embargo** until Monday", "pole": "rp",
            "due_date": "2030-03-14", "due_time": "09:30", "client_visible": "1", "version": card.version}
    response = client.post(f"/a/{owner.slug}/boards/cards/{card.id}", data=form, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Saved" in body and "<strong>Embargo</strong>" in body
    saved = rows(app, owner, BoardCard)[0]
    assert (saved.title, saved.pole, saved.client_visible, saved.version) == ("Press release v2", "rp", True, card.version + 1)
    assert saved.due_at.isoformat() == "2030-03-14T08:30:00+00:00"  # 09:30 in Paris (UTC+1 in March)
    edit = rows(app, owner, BoardActivity, BoardActivity.verb == "card_edited")[0]
    assert set(edit.details["fields"]) >= {"title", "description", "pole", "due_at", "client_visible"}


@pytest.mark.parametrize("field, value, message", [
    ("title", "", "Title is required"),
    ("title", "t" * 201, "at most 200"),
    ("due_date", "31/03/2030", "Enter a date like"),
    ("pole", "pr", "Choose a pole"),
    ("source_url", "javascript:alert(1)", "web address"),
])
def test_bad_card_input_is_422_and_keeps_what_was_typed(app, client, owner, client_id, field, value, message):
    client.get(f"/a/{owner.slug}/boards/{client_id}")
    add_card(client, owner, client_id, columns_of(app, owner)["To do"].id, "Press release")
    card = rows(app, owner, BoardCard)[0]
    form = {"title": "Kept title", "description": "Kept description", "pole": "cm", "version": card.version, field: value}
    response = client.post(f"/a/{owner.slug}/boards/cards/{card.id}", data=form, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and message in body
    assert "Kept description" in body
    assert rows(app, owner, BoardCard)[0].title == "Press release"


def test_checklist_links_and_comments_update_their_section_and_the_tile(app, client, owner, client_id):
    client.get(f"/a/{owner.slug}/boards/{client_id}")
    add_card(client, owner, client_id, columns_of(app, owner)["To do"].id, "Event")
    card = rows(app, owner, BoardCard)[0]
    base = f"/a/{owner.slug}/boards"
    response = client.post(f"{base}/cards/{card.id}/checklist", data={"text": "Book the venue"}, headers=HX)
    body = response.get_data(as_text=True)
    assert f'id="card-checklist-{card.id}"' in body and "Book the venue" in body and "0/1" in body
    from tenants.boards.models import CardLink, ChecklistItem

    item = rows(app, owner, ChecklistItem)[0]
    assert "1/1" in client.post(f"{base}/checklist/{item.id}/toggle", headers=HX).get_data(as_text=True)
    assert client.post(f"{base}/cards/{card.id}/links", data={"url": "example.com/brief"}, headers=HX).status_code == 200
    assert rows(app, owner, CardLink)[0].url == "https://example.com/brief"
    assert client.post(f"{base}/cards/{card.id}/links", data={"url": "javascript:alert(1)"}, headers=HX).status_code == 400
    assert client.post(f"{base}/cards/{card.id}/comments", data={"body": ""}, headers=HX).status_code == 400
    assert client.post(f"{base}/checklist/{item.id}/delete", headers=HX).status_code == 200
    assert rows(app, owner, ChecklistItem) == []


def test_deleting_a_card_closes_the_gap(app, client, owner, client_id):
    client.get(f"/a/{owner.slug}/boards/{client_id}")
    todo = columns_of(app, owner)["To do"].id
    for title in ("A", "B", "C"):
        add_card(client, owner, client_id, todo, title)
    assert client.post(f"/a/{owner.slug}/boards/cards/{card_id(app, owner, 'B')}/delete", headers=HX).status_code == 200
    assert [(c.title, c.position) for c in rows(app, owner, BoardCard, order=(BoardCard.position,))] == [("A", 0), ("C", 1)]
    assert rows(app, owner, BoardActivity, BoardActivity.verb == "card_deleted")[0].details["title"] == "B"


def test_removing_an_assignee_is_a_logged_change(app, client, owner, client_id, make_member):
    make_member(owner, "bruno@lumiere.test", name="Bruno Martin")
    client.get(f"/a/{owner.slug}/boards/{client_id}")
    add_card(client, owner, client_id, columns_of(app, owner)["To do"].id, "Interview")
    from saas.auth.models import Membership

    bruno = [m for m in rows(app, owner, Membership) if m.role == "member"][0]
    url = f"/a/{owner.slug}/boards/cards/{rows(app, owner, BoardCard)[0].id}"
    client.post(url, data={"title": "Interview", "pole": "both", "version": 1, "assignees": bruno.id}, headers=HX)
    client.post(url, data={"title": "Interview", "pole": "both", "version": 2}, headers=HX)
    edits = rows(app, owner, BoardActivity, BoardActivity.verb == "card_edited")
    assert [e.details["fields"] for e in edits] == [["assignees"], ["assignees"]]
    assert rows(app, owner, BoardCard)[0].version == 3


def test_a_step_that_changes_nothing_logs_nothing(app, client, owner, client_id):
    client.get(f"/a/{owner.slug}/boards/{client_id}")
    add_card(client, owner, client_id, columns_of(app, owner)["To do"].id, "Top")
    before = len(rows(app, owner, BoardActivity))
    client.post(f"/a/{owner.slug}/boards/cards/{card_id(app, owner, 'Top')}/step", data={"direction": "up"}, headers=HX)
    client.post(f"/a/{owner.slug}/boards/cards/{card_id(app, owner, 'Top')}/step", data={"direction": "left"}, headers=HX)
    assert len(rows(app, owner, BoardActivity)) == before


def test_deleting_from_the_card_page_goes_back_to_the_board(app, client, owner, client_id):
    client.get(f"/a/{owner.slug}/boards/{client_id}")
    add_card(client, owner, client_id, columns_of(app, owner)["To do"].id, "Gone")
    url = f"/a/{owner.slug}/boards/cards/{card_id(app, owner, 'Gone')}"
    page = client.get(url).get_data(as_text=True)
    delete_form = re.search(r'<form class="card-delete".*?>', page, re.S).group(0)
    assert "hx-post" not in delete_form  # no drawer to close on the card's own page
    response = client.post(f"{url}/delete")
    assert response.status_code == 302 and response.location.endswith(f"/boards/{client_id}")
    assert rows(app, owner, BoardCard) == []


def test_a_quick_card_takes_the_pole_of_its_author(app, client, owner, client_id, make_member):
    make_member(owner, "cm@lumiere.test", pole="cm")
    client.get(f"/a/{owner.slug}/boards/{client_id}")
    add_card(client, owner, client_id, columns_of(app, owner)["To do"].id, "By the owner")
    member = client.application.test_client()
    login(member, "cm@lumiere.test")
    add_card(member, owner, client_id, columns_of(app, owner)["To do"].id, "By the CM pole")
    assert {c.title: c.pole for c in rows(app, owner, BoardCard)} == {"By the owner": "both", "By the CM pole": "cm"}
