"""What screen readers are told (the HX-Trigger sentences app.js reads out in the page's live region),
and the markup that ties form errors to their fields."""
import json
from datetime import datetime, timezone

from sqlalchemy import select

from saas import db, tenancy
from tenants.boards.models import BoardColumn
from tenants.monitoring.models import Mention
from tests.test_boards_live import HX, alice, agency, board_state, bruno, feed_url  # noqa: F401 (fixtures)


def announced(response):
    """The sentence a response asks the page to read out, if any."""
    events = json.loads(response.headers.get("HX-Trigger") or "{}")
    return (events.get("relais:announce") or {}).get("message")


def columns(app, agency):  # noqa: F811
    with app.app_context(), tenancy.agency_scope(agency.agency.id):
        return [(c.id, c.name) for c in db.session.scalars(select(BoardColumn).order_by(BoardColumn.position))]


def test_a_move_says_where_the_card_went(app, alice, agency):  # noqa: F811
    (first, _), (second, second_name), *_ = columns(app, agency)
    card = f"/a/{agency.agency.slug}/boards/cards/{agency.ids['card_id']}"
    moved = alice.post(f"{card}/move", data={"column_id": second, "after_id": "0"}, headers=HX)
    assert moved.status_code == 200
    assert announced(moved) == f"Card moved to {second_name}."
    stepped = alice.post(f"{card}/step", data={"direction": "up"}, headers=HX)  # alone in its column
    assert announced(stepped) == f"Card moved to position 1 of 1 in {second_name}."
    french = alice.post(f"{card}/move", data={"column_id": first, "after_id": "0"}, headers={**HX, "Accept-Language": "fr"})
    assert announced(french).startswith("Carte déplacée vers ")


def test_the_feed_reads_out_what_others_did_not_ones_own_moves(app, alice, bruno, agency):  # noqa: F811
    version, cols, _cards = board_state(app, agency)
    card = f"/a/{agency.agency.slug}/boards/cards/{agency.ids['card_id']}"
    alice.post(f"{card}/move", data={"column_id": cols[1].id, "after_id": "0"}, headers=HX)
    assert announced(alice.get(feed_url(agency, version), headers=HX)) is None  # Alice knows what she did
    told = announced(bruno.get(feed_url(agency, version), headers=HX))
    assert told == f"Owner Agence Alpha moved “Alpha Launch card” from {cols[0].name} to {cols[1].name}."
    for n in range(3):
        alice.post(f"{card}/step", data={"direction": "right" if n % 2 else "left"}, headers=HX)
    assert announced(bruno.get(feed_url(agency, version), headers=HX)) == "4 changes on the board."


def test_new_mentions_are_counted_out_loud(app, alice, agency):  # noqa: F811
    with app.app_context(), tenancy.agency_scope(agency.agency.id):
        for n in range(2):
            db.session.add(Mention(client_id=agency.ids["client_id"], source_kind="rss", item_key=f"new-{n}",
                                   title=f"News {n}", published_at=datetime.now(timezone.utc)))
        db.commit()
    live = alice.get(f"/a/{agency.agency.slug}/mentions/live?since={agency.ids['mention_id']}", headers=HX)
    assert live.status_code == 200 and announced(live) == "2 new mentions."


def test_the_shared_field_macro_ties_its_error_and_hint_to_the_input(client):
    page = client.post("/signup", data={"email": "nope"}, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'aria-invalid="true" aria-describedby="email-error"' in page and 'id="email-error"' in page
    assert 'aria-describedby="password-hint password-error"' in page and 'id="password-hint"' in page
