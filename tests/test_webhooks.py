"""Outbound webhooks on a real RQ worker: signed events (checked with the `standardwebhooks` package, an
independent implementation) reach a local server; retries with backoff, durable rows, automatic disabling
with a mail and an audit entry, SSRF refusals, the pages."""
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from saas import db, tenancy
from saas.audit.models import AuditEvent
from saas.auth.models import User
from saas.db import utcnow
from tenants.api.webhooks import deliveries as webhook_deliveries
from tenants.api.webhooks import service
from tenants.api.webhooks.models import WebhookDelivery, WebhookEndpoint
from tenants.boards import cards
from tenants.boards import service as boards
from tenants.monitoring.models import Source
from tenants.monitoring.pipeline.feeds import Item
from tenants.monitoring.pipeline.ingest import ingest
from tests.conftest import login, run_worker
from tests.factories import watched_client
from tests.local_server import accept_posts, allow_local, local_server  # noqa: F401  (fixtures)
from tests.mailbox import text_of

EN = {"Accept-Language": "en"}


def shown_secret(page):
    """The secret a page shows this once (with its Copy button)."""
    return re.search(r'<code id="webhook-secret-value">([^<]+)</code>', page).group(1)


@pytest.fixture
def agency(make_agency):
    return make_agency("Agence Alpha")


def add_endpoint(app, agency, url, events=("card.created",), client_id=None, sentiments=()):
    """An endpoint of the agency (as the form makes it); returns (id, secret)."""
    with app.app_context(), tenancy.agency_scope(agency.id):
        endpoint, secret = service.create_endpoint({"endpoint_url": url, "description": "BI", "events": list(events),
                                                    "client": client_id, "sentiments": list(sentiments)}, None)
        db.commit()
        return endpoint.id, secret


def make_card(app, agency, title="Communiqué", client_name="Danone"):
    """A card created on a client's board through the boards' service (as a person would)."""
    with app.app_context(), tenancy.agency_scope(agency.id):
        brand, _keyword = watched_client(client_name)
        board = boards.get_or_create_board(brand)
        column = boards.list_columns(board)[0]
        card = cards.create_card(board, column, {"title": title, "pole": "both"}, None)
        db.commit()
        return brand.id, card.id


def deliveries_of(app, agency):
    with app.app_context(), tenancy.agency_scope(agency.id):
        rows = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
        db.session.expunge_all()
        return rows


def endpoint_of(app, agency, endpoint_id):
    with app.app_context(), tenancy.agency_scope(agency.id):
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        db.session.expunge_all()
        return endpoint


def verified(secret, server, index=-1):
    """The payload of a received call, after the independent library checked its signature."""
    return Webhook(secret).verify(server.bodies[index], server.requests[index].headers)


def test_a_card_event_reaches_the_endpoint_signed_per_standard_webhooks(app, agency, local_server, allow_local):  # noqa: F811
    accept_posts(local_server, [200], answer=b'{"ok":true}')
    endpoint_id, secret = add_endpoint(app, agency, local_server.url_for("/hook"))
    assert secret.startswith("whsec_")
    _client_id, card_id = make_card(app, agency)
    run_worker(app, "default")
    payload = verified(secret, local_server)
    assert payload["type"] == "card.created" and payload["timestamp"].endswith("Z")
    assert payload["data"]["card"]["id"] == card_id and payload["data"]["card"]["title"] == "Communiqué"
    assert set(payload["data"]["card"]) >= {"column_id", "position", "pole", "due_at", "version", "client_id"}
    headers = local_server.requests[-1].headers
    assert headers["webhook-id"].startswith("msg_") and headers["content-type"] == "application/json"
    with pytest.raises(WebhookVerificationError):  # another secret does not verify
        Webhook("whsec_" + "A" * 44).verify(local_server.bodies[-1], headers)
    [delivery] = deliveries_of(app, agency)
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("sent", 1, 200)
    assert delivery.response_excerpt == '{"ok":true}' and delivery.event_id == headers["webhook-id"]


def test_mentions_reach_only_endpoints_whose_client_and_sentiment_filters_match(app, agency, local_server,  # noqa: F811
                                                                                  allow_local):
    accept_posts(local_server, [200])
    with app.app_context(), tenancy.agency_scope(agency.id):
        brand, _keyword = watched_client("Danone")
        other, _other_keyword = watched_client("Evian")
        from tenants.monitoring import service as monitoring

        monitoring.follow_feed(brand.id, "https://feed.example/rss")
        monitoring.follow_feed(other.id, "https://feed.example/rss")
        db.commit()
        brand_id, other_id = brand.id, other.id
    every_id, every_secret = add_endpoint(app, agency, local_server.url_for("/every"), ["mention.created"])
    add_endpoint(app, agency, local_server.url_for("/evian"), ["mention.created"], client_id=other_id)
    add_endpoint(app, agency, local_server.url_for("/positive"), ["mention.created"], sentiments=["positive"])
    items = [Item("1", "https://news.example/1", "Danone rappelle des yaourts contaminés", "Scandale et rappel.",
                  None, utcnow(), "Le Fil", "fr")]
    with app.app_context(), tenancy.all_agencies():
        source = db.session.scalars(select(Source)).one()
        assert ingest(source, items) == {agency.id: 1}
        db.commit()
    run_worker(app, "default")
    assert local_server.paths_seen() == ["/every"]  # not Evian's endpoint, and not positive
    payload = verified(every_secret, local_server)
    mention = payload["data"]["mention"]
    assert payload["type"] == "mention.created" and mention["client_id"] == brand_id
    assert set(mention) == {"id", "client_id", "keyword_id", "source_kind", "source_name", "url", "title", "excerpt",
                            "author", "published_at", "language", "sentiment", "status"}  # the /api/v1 shape
    assert every_id


def test_a_failed_call_is_retried_with_backoff_under_the_same_id(app, agency, local_server, allow_local):  # noqa: F811
    accept_posts(local_server, [500, 200])
    app.config["WEBHOOK_RETRY_DELAYS"] = (60, 240)
    try:
        _endpoint_id, secret = add_endpoint(app, agency, local_server.url_for("/hook"))
        make_card(app, agency)
        run_worker(app, "default")
        [delivery] = deliveries_of(app, agency)
        assert (delivery.status, delivery.attempts, delivery.response_status) == ("retrying", 1, 500)
        assert timedelta(seconds=59) < delivery.next_attempt_at - delivery.last_attempt_at < timedelta(seconds=65)
        with app.app_context():
            assert webhook_deliveries.dispatch_due_deliveries() == 0  # not due yet
        with app.app_context(), tenancy.agency_scope(agency.id):  # a minute later
            db.session.get(WebhookDelivery, delivery.id).next_attempt_at = utcnow() - timedelta(seconds=1)
            db.commit()
        with app.app_context():
            assert webhook_deliveries.dispatch_due_deliveries() == 1
        run_worker(app, "default")
    finally:
        app.config.pop("WEBHOOK_RETRY_DELAYS")
    [delivery] = deliveries_of(app, agency)
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("sent", 2, 200)
    assert len(local_server.bodies) == 2 and local_server.bodies[0] == local_server.bodies[1]
    ids = [request.headers["webhook-id"] for request in local_server.requests]
    assert ids[0] == ids[1] == delivery.event_id
    assert verified(secret, local_server, 0)["type"] == verified(secret, local_server, 1)["type"] == "card.created"


def test_an_attempt_whose_worker_died_is_queued_again_once_its_lease_ends(app, agency, local_server, allow_local):  # noqa: F811
    accept_posts(local_server, [200])
    add_endpoint(app, agency, local_server.url_for("/hook"))
    make_card(app, agency)
    with app.app_context(), tenancy.agency_scope(agency.id):  # as if a worker died in the call: the job is gone
        from saas.jobs import get_queue

        get_queue("default").empty()
        delivery = db.session.scalars(select(WebhookDelivery)).one()
        delivery.attempts, delivery.last_attempt_at = 1, utcnow() - timedelta(minutes=3)
        delivery.next_attempt_at = delivery.last_attempt_at + webhook_deliveries.LEASE
        db.commit()
    with app.app_context():
        assert webhook_deliveries.dispatch_due_deliveries() == 1
    run_worker(app, "default")
    [delivery] = deliveries_of(app, agency)
    assert (delivery.status, delivery.attempts) == ("sent", 2)


def test_an_endpoint_that_keeps_failing_is_disabled_with_a_mail_to_the_owners_and_an_audit_entry(
        app, agency, local_server, allow_local, mailbox):  # noqa: F811
    accept_posts(local_server, [503])
    app.config.update(WEBHOOK_RETRY_DELAYS=(), WEBHOOK_DISABLE_AFTER_FAILURES=2)
    try:
        endpoint_id, _secret = add_endpoint(app, agency, local_server.url_for("/hook"))
        make_card(app, agency, "One")
        run_worker(app, "default")
        assert endpoint_of(app, agency, endpoint_id).enabled  # one delivery failed for good: not yet
        make_card(app, agency, "Two", "Evian")
        run_worker(app, "default", "mail")
    finally:
        app.config.pop("WEBHOOK_RETRY_DELAYS")
        app.config.pop("WEBHOOK_DISABLE_AFTER_FAILURES")
    endpoint = endpoint_of(app, agency, endpoint_id)
    assert not endpoint.enabled and endpoint.disabled_automatically and endpoint.failed_deliveries == 2
    assert [d.status for d in deliveries_of(app, agency)] == ["failed", "failed"]
    [message] = mailbox.messages
    assert message["To"] == agency.owner_email and "127.0.0.1" in message["Subject"]
    assert f"/webhooks/{endpoint_id}" in text_of(message)
    with app.app_context(), tenancy.agency_scope(agency.id):
        entry = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "webhook_endpoint_disabled")).one()
        assert entry.target == "127.0.0.1" and entry.details["reason"] == "failures"
    make_card(app, agency, "Three", "Volvic")  # a disabled endpoint hears of nothing
    assert len(deliveries_of(app, agency)) == 2


def test_failures_for_a_whole_day_disable_the_endpoint(app, agency, local_server, allow_local):  # noqa: F811
    accept_posts(local_server, [500])
    endpoint_id, _secret = add_endpoint(app, agency, local_server.url_for("/hook"))
    with app.app_context(), tenancy.agency_scope(agency.id):
        db.session.get(WebhookEndpoint, endpoint_id).failing_since = utcnow() - timedelta(hours=24, minutes=1)
        db.commit()
    make_card(app, agency)
    run_worker(app, "default")
    assert not endpoint_of(app, agency, endpoint_id).enabled


def test_private_and_metadata_addresses_are_refused_by_the_form_and_at_delivery(app, client, agency, local_server):  # noqa: F811
    login(client, agency.owner_email)
    for url, words in [(local_server.url_for("/hook"), "must start with https://"),
                       ("https://127.0.0.1/hook", "private or internal network"),
                       ("https://169.254.169.254/latest/meta-data/", "private or internal network"),
                       ("https://[::ffff:10.0.0.1]/x", "private or internal network"),
                       ("ftp://example.com/x", "http:// or https://")]:
        response = client.post(f"/a/{agency.slug}/webhooks/", headers=EN,
                               data={"endpoint_url": url, "events": ["card.created"]})
        assert response.status_code == 422, url
        page = response.get_data(as_text=True)
        assert words in page, url
        assert f'value="{url}"' in page.replace("&amp;", "&")  # what was typed stays
    endpoint_id, _secret = add_endpoint(app, agency, "https://127.0.0.1:9/hook")  # saved while it was allowed
    make_card(app, agency)
    run_worker(app, "default")
    [delivery] = deliveries_of(app, agency)
    assert (delivery.status, delivery.attempts, delivery.error_code) == ("failed", 1, "blocked_address")
    assert local_server.requests == []


def test_owner_adds_an_endpoint_sees_its_secret_once_sends_a_test_and_redelivers(app, client, agency, local_server,  # noqa: F811
                                                                                 allow_local):
    accept_posts(local_server, [200])
    login(client, agency.owner_email)
    base = f"/a/{agency.slug}/webhooks"
    response = client.post(f"{base}/", headers=EN, data={"endpoint_url": local_server.url_for("/hook"),
                                                          "description": "Looker", "events": ["card.created", "card.moved"]})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    secret = shown_secret(page)
    assert secret.startswith("whsec_")
    with app.app_context(), tenancy.agency_scope(agency.id):
        endpoint = db.session.scalars(select(WebhookEndpoint)).one()
        endpoint_id = endpoint.id
        assert endpoint.events == ["card.created", "card.moved"] and endpoint.secret == secret
    shown = client.get(f"{base}/{endpoint_id}", headers=EN).get_data(as_text=True)
    assert secret not in shown and "Send a test event" in shown
    assert client.post(f"{base}/{endpoint_id}/test").status_code == 302
    run_worker(app, "default")
    payload = verified(secret, local_server)
    assert payload["type"] == "webhook.test" and payload["data"]["endpoint_id"] == endpoint_id
    [delivery] = deliveries_of(app, agency)
    assert client.post(f"{base}/deliveries/{delivery.id}/redeliver").status_code == 302
    run_worker(app, "default")
    assert local_server.requests[0].headers["webhook-id"] == local_server.requests[1].headers["webhook-id"]
    assert [d.status for d in deliveries_of(app, agency)] == ["sent", "sent"]
    log = client.get(f"{base}/{endpoint_id}", headers=EN).get_data(as_text=True)
    assert "webhook.test" in log and "HTTP 200" in log
    rotated = client.post(f"{base}/{endpoint_id}/rotate", headers=EN).get_data(as_text=True)
    new_secret = shown_secret(rotated)
    assert new_secret.startswith("whsec_") and new_secret != secret
    with app.app_context(), tenancy.agency_scope(agency.id):
        actions = set(db.session.scalars(select(AuditEvent.action)).all())
    assert {"webhook_endpoint_created", "webhook_secret_rotated"} <= actions
    assert client.post(f"{base}/{endpoint_id}/delete").status_code == 302
    assert deliveries_of(app, agency) == []


def test_a_bad_form_answers_422_with_what_was_typed(app, client, agency, allow_local):
    login(client, agency.owner_email)
    response = client.post(f"/a/{agency.slug}/webhooks/", headers=EN,
                           data={"endpoint_url": "http://127.0.0.1:8/x", "description": "Mon BI",
                                 "events": ["card.exploded"], "client": "abc", "sentiments": ["furious"]})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Choose events from the list." in page and "Mon BI" in page


def test_members_cannot_manage_webhooks(app, client, agency, make_member):
    make_member(agency, "member@alpha.test")
    login(client, "member@alpha.test")
    assert client.get(f"/a/{agency.slug}/webhooks/").status_code == 403


def test_the_delivery_log_pages_fifty_rows_at_a_time(app, client, agency, allow_local):
    endpoint_id, _secret = add_endpoint(app, agency, "http://127.0.0.1:9/hook")
    with app.app_context(), tenancy.agency_scope(agency.id):
        now = utcnow()
        db.session.add_all([WebhookDelivery(endpoint_id=endpoint_id, event_id=f"msg_{n}", event_type="card.created",
                                            body="{}", status="sent", attempts=1, created_at=now - timedelta(minutes=n))
                            for n in range(60)])
        db.commit()
    login(client, agency.owner_email)
    first = client.get(f"/a/{agency.slug}/webhooks/{endpoint_id}", headers=EN).get_data(as_text=True)
    assert first.count("msg_") == 50 and "msg_0<" in first
    after = first.split("after=")[1].split('"')[0]
    second = client.get(f"/a/{agency.slug}/webhooks/{endpoint_id}?after={after}", headers=EN).get_data(as_text=True)
    assert second.count("msg_") == 10 and "msg_59<" in second


def test_nobody_listening_costs_one_query(app, agency):
    from tests.querycount import count_queries

    with app.app_context(), tenancy.agency_scope(agency.id):
        brand, _keyword = watched_client("Danone")
        board = boards.get_or_create_board(brand)
        column = boards.list_columns(board)[0]
        db.commit()
        from saas import signals

        with count_queries(app) as queries:
            signals.event_happened.send("card.moved", card=None, board=board, source=column, target=column)
        assert len(queries.statements) == 1, queries.report()


def test_json_body_is_the_standard_envelope():
    from tenants.api.webhooks.payloads import body_of

    assert set(json.loads(body_of("card.created", {"card": {}}))) == {"type", "timestamp", "data"}


def bodies_of(app, agency, event_type):
    return [json.loads(d.body) for d in deliveries_of(app, agency) if d.event_type == event_type]


def test_a_crisis_opening_and_closing_are_events(app, agency, allow_local):
    from tenants.crisis.incidents import close_crisis
    from tenants.crisis.models import Crisis
    from tests.test_crisis_delivery import spiking_client, webhook_only
    from tests.test_crisis import detect

    add_endpoint(app, agency, "http://127.0.0.1:9/hook", ["crisis.opened", "crisis.closed", "card.created"])
    spiking_client(app, agency.id, **webhook_only(None))
    detect(app, agency.id)
    [opened] = bodies_of(app, agency, "crisis.opened")
    crisis, alert = opened["data"]["crisis"], opened["data"]["alert"]
    assert crisis["status"] == "open" and alert["crisis_id"] == crisis["id"] and alert["kind"] == "crisis"
    assert bodies_of(app, agency, "card.created")  # the crisis card
    with app.app_context(), tenancy.agency_scope(agency.id):
        close_crisis(db.session.get(Crisis, crisis["id"]), db.session.get(User, agency.owner_id), "Calme")
        db.commit()
    [closed] = bodies_of(app, agency, "crisis.closed")
    assert closed["data"]["crisis"]["status"] == "closed" and closed["data"]["note"] == "Calme"


def test_a_client_decision_and_the_card_it_moves_are_events(app, agency, allow_local):
    from tenants.boards.models import BoardCard
    from tenants.guests.approvals import decide_approval, request_approval

    add_endpoint(app, agency, "http://127.0.0.1:9/hook", ["approval.decided", "card.moved"])
    client_id, card_id = make_card(app, agency)
    with app.app_context(), tenancy.agency_scope(agency.id):
        owner = db.session.get(User, agency.owner_id)
        card = db.session.get(BoardCard, card_id)
        board = boards.find_board(client_id)
        request_approval(board, card, owner)
        decide_approval(board, card, owner, approved=True, comment="Parfait")
        db.commit()
    [decided] = bodies_of(app, agency, "approval.decided")
    assert decided["data"]["decision"] == "approved" and decided["data"]["comment"] == "Parfait"
    assert decided["data"]["card"]["id"] == card_id and decided["data"]["card"]["client_id"] == client_id
    moves = bodies_of(app, agency, "card.moved")
    assert len(moves) == 2  # to "awaiting client", then to "done"
    assert moves[-1]["data"]["to_column"]["done"] is True
    assert moves[0]["data"]["to_column"]["id"] == moves[-1]["data"]["from_column"]["id"]


def test_a_buzz_is_an_event_of_its_client(app, agency, allow_local):
    from saas import signals
    from tenants.crisis.models import CrisisAlert
    from tests.test_crisis import add_rule, make_client

    client_id, _keyword_id = make_client(app, agency.id)
    rule_id = add_rule(app, agency.id, client_id)
    add_endpoint(app, agency, "http://127.0.0.1:9/hook", ["buzz.detected"], client_id=client_id)
    other_id, _other_keyword = make_client(app, agency.id, name="Evian", query="evian")
    add_endpoint(app, agency, "http://127.0.0.1:9/other", ["buzz.detected"], client_id=other_id)
    with app.app_context(), tenancy.agency_scope(agency.id):
        alert = CrisisAlert(rule_id=rule_id, kind="buzz", window_start=utcnow(), score=64.0, evidence={})
        db.session.add(alert)
        db.session.flush()
        signals.event_happened.send("buzz.detected", alert=alert, client_id=client_id)  # as handle_buzz does
        db.commit()
    [buzz] = bodies_of(app, agency, "buzz.detected")  # the other client's endpoint hears nothing
    assert buzz["data"]["alert"]["kind"] == "buzz" and buzz["data"]["alert"]["client_id"] == client_id


def test_the_log_keeps_the_first_500_bytes_of_a_long_answer(app, agency, local_server, allow_local):  # noqa: F811
    accept_posts(local_server, [200], answer=b"x" * 5000)
    add_endpoint(app, agency, local_server.url_for("/hook"))
    make_card(app, agency)
    run_worker(app, "default")
    [delivery] = deliveries_of(app, agency)
    assert delivery.status == "sent" and delivery.response_excerpt == "x" * 500 and delivery.duration_ms >= 0


def test_settings_are_saved_and_a_disabled_endpoint_can_be_enabled_again(app, client, agency, allow_local):
    endpoint_id, _secret = add_endpoint(app, agency, "http://127.0.0.1:9/hook")
    login(client, agency.owner_email)
    base = f"/a/{agency.slug}/webhooks/{endpoint_id}"
    response = client.post(base, data={"endpoint_url": "http://127.0.0.1:9/other", "description": "Zapier",
                                       "events": ["mention.created", "report.ready"], "sentiments": ["negative"]})
    assert response.status_code == 302
    endpoint = endpoint_of(app, agency, endpoint_id)
    assert (endpoint.url, endpoint.events, endpoint.sentiments) == (
        "http://127.0.0.1:9/other", ["mention.created", "report.ready"], ["negative"])
    assert client.post(f"{base}/disable").status_code == 302
    assert not endpoint_of(app, agency, endpoint_id).enabled
    make_card(app, agency)
    assert client.post(f"{base}/enable").status_code == 302
    endpoint = endpoint_of(app, agency, endpoint_id)
    assert endpoint.enabled and endpoint.failing_since is None and endpoint.failed_deliveries == 0


def test_after_a_rotation_both_secrets_sign_for_a_day_then_only_the_new_one(app, agency, local_server, allow_local):  # noqa: F811
    accept_posts(local_server, [200])
    endpoint_id, old = add_endpoint(app, agency, local_server.url_for("/hook"))
    with app.app_context(), tenancy.agency_scope(agency.id):
        new = service.rotate_secret(db.session.get(WebhookEndpoint, endpoint_id))
        db.commit()
    make_card(app, agency, "One")
    run_worker(app, "default")
    assert len(local_server.requests[-1].headers["webhook-signature"].split(" ")) == 2
    assert verified(old, local_server)["type"] == verified(new, local_server)["type"] == "card.created"
    with app.app_context(), tenancy.agency_scope(agency.id):
        db.session.get(WebhookEndpoint, endpoint_id).previous_secret_until = utcnow() - timedelta(seconds=1)
        db.commit()
    make_card(app, agency, "Two", "Evian")
    run_worker(app, "default")
    assert verified(new, local_server)["data"]["card"]["title"] == "Two"
    with pytest.raises(WebhookVerificationError):
        verified(old, local_server)
