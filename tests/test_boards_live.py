"""Live boards and concurrency: the polled change feed, simultaneous moves, simultaneous edits."""
import re
import threading

import pytest
from sqlalchemy import select

from saas import db, tenancy
from tenants.boards.models import Board, BoardCard, BoardColumn
from tests.conftest import login
from tests.factories import populate

HX = {"HX-Request": "true", "Accept-Language": "en"}


@pytest.fixture
def agency(app, make_agency):
    return populate(app, make_agency("Agence Alpha"), "Alpha")


def signed_in(app, email):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(client, email)
    return client


@pytest.fixture
def alice(app, agency):
    return signed_in(app, agency.agency.owner_email)


@pytest.fixture
def bruno(app, agency):
    return signed_in(app, f"member@{agency.agency.slug}.test")


def board_state(app, agency):
    with app.app_context(), tenancy.agency_scope(agency.agency.id):
        board = db.session.scalar(select(Board))
        columns = db.session.scalars(select(BoardColumn).order_by(BoardColumn.position)).all()
        cards = db.session.scalars(select(BoardCard).order_by(BoardCard.column_id, BoardCard.position)).all()
        return board.version, columns, cards


def feed_url(agency, version=None):
    url = f"/a/{agency.agency.slug}/boards/{agency.ids['client_id']}/feed"
    return url if version is None else f"{url}?v={version}"


def quick_add(client, agency, column_id, title):
    response = client.post(f"/a/{agency.agency.slug}/boards/{agency.ids['client_id']}/cards",
                           data={"quick": "1", "column_id": column_id, "title": title}, headers=HX)
    assert response.status_code == 200


def test_feed_answers_204_when_nothing_changed(alice, agency, app):
    version, _columns, _cards = board_state(app, agency)
    assert alice.get(feed_url(agency, version), headers=HX).status_code == 204
    full = alice.get(feed_url(agency), headers=HX)
    assert full.status_code == 200 and 'id="board-columns"' in full.get_data(as_text=True)


def test_feed_brings_another_persons_move_and_new_card(alice, bruno, agency, app):
    version, columns, _cards = board_state(app, agency)
    todo, doing = columns[0].id, columns[1].id
    bruno.post(f"/a/{agency.agency.slug}/boards/cards/{agency.ids['card_id']}/move", data={"column_id": doing}, headers=HX)
    quick_add(bruno, agency, todo, "Fresh idea")
    response = alice.get(feed_url(agency, version), headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    new_version, _columns, _cards = board_state(app, agency)
    assert f'v={new_version}' in body  # the poller now waits for what comes next
    target = re.search(rf'<section[^>]*id="column-{doing}"[^>]*hx-swap-oob="outerHTML".*?</section>', body, re.S).group(0)
    assert "Alpha Launch card" in target
    assert "Fresh idea" in re.search(rf'id="column-{todo}".*?</section>', body, re.S).group(0)
    assert 'id="board-columns"' not in body  # only the two columns, not the whole board
    assert alice.get(feed_url(agency, new_version), headers=HX).status_code == 204


def test_feed_redraws_the_whole_board_when_columns_change(alice, bruno, agency, app):
    version, _columns, _cards = board_state(app, agency)
    bruno.post(f"/a/{agency.agency.slug}/boards/{agency.ids['client_id']}/columns", data={"name": "Review"}, headers=HX)
    body = alice.get(feed_url(agency, version), headers=HX).get_data(as_text=True)
    board = re.search(r'<div id="board-columns"[^>]*>', body)
    assert board and 'hx-swap-oob="outerHTML"' in board.group(0) and "Review" in body


def test_feed_brings_comments_and_keeps_the_viewers_filter(alice, bruno, agency, app):
    version, columns, _cards = board_state(app, agency)
    bruno.post(f"/a/{agency.agency.slug}/boards/cards/{agency.ids['card_id']}/comments", data={"body": "On it"}, headers=HX)
    quick_add(bruno, agency, columns[0].id, "Only CM")
    with app.app_context(), tenancy.agency_scope(agency.agency.id):
        db.session.scalar(select(BoardCard).where(BoardCard.title == "Only CM")).pole = "cm"
        db.session.scalar(select(BoardCard).where(BoardCard.id == agency.ids["card_id"])).pole = "rp"
        db.commit()
    body = alice.get(f"{feed_url(agency, version)}&pole=rp", headers=HX).get_data(as_text=True)
    assert "Alpha Launch card" in body and "Only CM" not in body
    assert re.search(r'title="Comments">.*?2</span>', body, re.S)  # the comment count on the tile
    assert "pole=rp" in body  # the next poll keeps the filter


def test_two_simultaneous_moves_into_one_column_keep_a_consistent_order(app, agency, alice, bruno):
    _version, columns, _cards = board_state(app, agency)
    todo, doing = columns[0].id, columns[1].id
    for n in range(12):
        quick_add(alice, agency, todo, f"Card {n:02d}")
    _version, _columns, cards = board_state(app, agency)
    ids = [card.id for card in cards if card.title.startswith("Card")]
    start = threading.Barrier(2)
    failures = []

    def mover(client, mine):
        start.wait()
        for card_id in mine:
            response = client.post(f"/a/{agency.agency.slug}/boards/cards/{card_id}/move",
                                   data={"column_id": doing, "after_id": "0"}, headers=HX)
            if response.status_code != 200:
                failures.append(response.status_code)

    threads = [threading.Thread(target=mover, args=(alice, ids[0::2])), threading.Thread(target=mover, args=(bruno, ids[1::2]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    _version, _columns, cards = board_state(app, agency)
    in_doing = [card for card in cards if card.column_id == doing]
    assert sorted(card.id for card in in_doing) == sorted(ids)
    assert [card.position for card in in_doing] == list(range(len(ids)))  # no duplicate, no gap
    in_todo = [card for card in cards if card.column_id == todo]
    assert [card.position for card in in_todo] == list(range(len(in_todo)))


def test_two_simultaneous_saves_of_one_card_let_exactly_one_win(app, agency, alice, bruno):
    _version, _columns, cards = board_state(app, agency)
    card = next(c for c in cards if c.id == agency.ids["card_id"])
    url = f"/a/{agency.agency.slug}/boards/cards/{card.id}"
    start = threading.Barrier(2)
    statuses = {}

    def save(name, client):
        start.wait()
        statuses[name] = client.post(url, data={"title": f"Saved by {name}", "pole": "both", "version": card.version},
                                     headers=HX).status_code

    threads = [threading.Thread(target=save, args=("alice", alice)), threading.Thread(target=save, args=("bruno", bruno))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses.values()) == [200, 409]
    winner = next(name for name, status in statuses.items() if status == 200)
    _version, _columns, cards = board_state(app, agency)
    saved = next(c for c in cards if c.id == card.id)
    assert (saved.title, saved.version) == (f"Saved by {winner}", card.version + 1)
