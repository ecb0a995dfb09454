"""Route parameters: out-of-range numbers, dates and forged cursors answer 400/404 with a message, never 500."""
import base64
import json
from datetime import datetime, timezone

import pytest

from saas import params
from tests.conftest import login
from tests.factories import populate

EN = {"Accept-Language": "en"}
HUGE = str(10**30)
INT4_OVERFLOW = str(2**31)


def forged_cursor(*values):
    """A keyset cursor as the inbox encodes it, holding whatever a forger chose."""
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


@pytest.fixture
def alpha(app, client, make_agency):
    """Agency Alpha with data (client, keyword, mention, board and card, crisis), its owner signed in."""
    data = populate(app, make_agency("Agence Alpha"), "Alpha")
    login(client, data.agency.owner_email)
    return data


def url(data, path):
    return f"/a/{data.agency.slug}{path}"


def refused(response, status=400):
    """The response is the error page with its clear message, not a crash."""
    body = response.get_data(as_text=True)
    assert response.status_code == status, body[:500]
    assert "data-error-message" in body
    return body


def test_an_inbox_client_id_beyond_integer_range_is_400(client, alpha):
    body = refused(client.get(url(alpha, "/mentions/?client=99999999999"), headers=EN))
    assert "client" in body


def test_the_live_inbox_since_beyond_integer_range_is_400(client, alpha):
    refused(client.get(url(alpha, f"/mentions/live?since={INT4_OVERFLOW}")))


@pytest.mark.parametrize("path", ["/boards/calendar", "/boards/{client_id}/calendar"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_calendar_date_out_of_range_is_400(client, alpha, path, day):
    path = path.format(client_id=alpha.ids["client_id"])
    body = refused(client.get(url(alpha, f"{path}?date={day}&mode=week"), headers=EN))
    assert "date" in body
    refused(client.get(url(alpha, f"{path}?date={day}")))


def test_a_board_assignee_beyond_integer_range_is_400(client, alpha):
    refused(client.get(url(alpha, f"/boards/cards?assignee={INT4_OVERFLOW}")))
    refused(client.get(url(alpha, f"/boards/{alpha.ids['client_id']}?label={HUGE}")))


@pytest.mark.parametrize("cursor", [forged_cursor("2026-01-01T00:00:00+00:00", 10**30),
                                    forged_cursor("9999-12-31T23:59:59+00:00", 1),
                                    forged_cursor("2026-01-01T00:00:00", -1),
                                    forged_cursor([], {}), "not-a-cursor", "%00%00"])
def test_a_forged_inbox_cursor_is_400(client, alpha, cursor):
    refused(client.get(url(alpha, f"/mentions/?after={cursor}"), headers={"HX-Request": "true"}))


def test_a_card_moved_after_a_huge_id_is_refused(client, alpha):
    response = client.post(url(alpha, f"/boards/cards/{alpha.ids['card_id']}/move"),
                           data={"column_id": alpha.ids["column_id"], "after_id": HUGE})
    refused(response)


def test_bulk_action_on_a_huge_mention_id_is_400(client, alpha):
    refused(client.post(url(alpha, "/mentions/bulk"), data={"action": "read", "ids": [HUGE]}))


def test_csv_export_with_a_huge_keyword_is_400_before_streaming(client, alpha):
    response = client.get(url(alpha, "/mentions/export.csv?keyword=99999999999"))
    refused(response)


@pytest.mark.parametrize("value", [HUGE, INT4_OVERFLOW, str(2**63), "0", "-1", "²", "١٢"])
def test_a_path_id_that_cannot_exist_is_404(client, alpha, value):
    assert client.get(url(alpha, f"/clients/{value}")).status_code == 404
    assert client.post(url(alpha, f"/boards/cards/{value}/move"), data={"column_id": "1"}).status_code == 404


def test_the_largest_possible_id_is_a_plain_404(client, alpha):
    assert client.get(url(alpha, f"/clients/{2**31 - 1}")).status_code == 404


def test_good_values_still_work(client, alpha):
    ids = alpha.ids
    filters = f"client={ids['client_id']}&keyword={ids['keyword_id']}&mention={ids['mention_id']}"
    assert client.get(url(alpha, f"/mentions/?{filters}")).status_code == 200
    assert client.get(url(alpha, "/mentions/?client=&keyword=&from=&to=")).status_code == 200
    assert client.get(url(alpha, "/boards/calendar?date=2030-05-01&mode=week")).status_code == 200
    assert client.get(url(alpha, "/boards/cards?assignee=me")).status_code == 200


def test_a_board_change_from_a_page_with_a_hostile_filter_keeps_the_change(client, alpha):
    page = f"http://localhost{url(alpha, '/boards/' + str(alpha.ids['client_id']))}?assignee={INT4_OVERFLOW}&q=a%00b"
    response = client.post(url(alpha, f"/boards/cards/{alpha.ids['card_id']}/step"), data={"direction": "right"},
                           headers={"HX-Request": "true", "HX-Current-URL": page})
    assert response.status_code == 200


@pytest.mark.parametrize("query", ["q=a%00b", "a%00=1", "next=%00"])
def test_a_nul_byte_in_the_query_string_is_400(client, alpha, query):
    body = refused(client.get(url(alpha, f"/clients/?{query}"), headers=EN))
    assert "null byte" in body


def test_a_nul_byte_in_a_form_is_400_and_stores_nothing(client, alpha):
    refused(client.post(url(alpha, f"/boards/cards/{alpha.ids['card_id']}/comments"), data={"body": "a\x00b"}))
    refused(client.post("/account", data={"name": "a\x00b", "locale": "fr"}))


def test_the_message_is_in_french_too(client, alpha):
    body = refused(client.get(url(alpha, f"/mentions/live?since={INT4_OVERFLOW}"), headers={"Accept-Language": "fr"}))
    assert "doit être un nombre entier" in body


def test_the_typed_readers_keep_to_their_bounds(app):
    assert params.as_int("2147483647", 1, params.MAX_ID) == params.MAX_ID
    assert params.as_int("2147483648", 1, params.MAX_ID) is None and params.as_int("0", 1, 9) is None
    assert params.as_int(" 7 ", 0, 9) == 7 and params.as_int("²", 0, 9) is None and params.as_int("1" * 5000, 0, 9) is None
    assert params.as_date("2199-12-31") and params.as_date("2200-01-01") is None and params.as_date("20260101") is None
    moment = datetime(2026, 11, 20, 8, 30, tzinfo=timezone.utc)
    with app.test_request_context(f"/?after={params.encode_cursor(moment, 5)}&ids=3&ids=3&ids=4&ids="):
        assert params.cursor_arg("after") == (moment, 5)
        assert params.ids_arg("ids") == [3, 4] and params.id_arg("missing", default=1) == 1
    with app.test_request_context("/?ids=1&ids=2"), pytest.raises(params.BadParameter):
        params.ids_arg("ids", limit=1)
