"""Alert deliveries on a real RQ worker: signed webhooks to a local server, retries, emails, digests, the log."""
import hashlib
import hmac
import json

import pytest
from sqlalchemy import select

from saas import db, tenancy
from saas.jobs import get_queue
from tenants.boards.notifications.models import Notification
from tenants.crisis import deliveries
from tenants.crisis.jobs import send_alert_digests
from tenants.crisis.models import AlertDelivery, AlertRule
from tests.conftest import login, run_worker
from tests.local_server import accept_posts, allow_local, local_server  # noqa: F401  (fixtures)
from tests.mailbox import text_of
from tests.test_crisis import T, WEEKS, add_mentions, add_rule, detect, make_client, spike_rows, steady, stream



@pytest.fixture
def agency(make_agency, make_member):
    made = make_agency("Agence Alpha")
    make_member(made, "rp@alpha.test", pole="rp", name="Rita Presse")
    make_member(made, "cm@alpha.test", pole="cm", name="Camille Social")
    return made


def spiking_client(app, agency_id, **rule_settings):
    """A client with four steady weeks and a negative spike now, watched by one rule; returns the rule id."""
    client_id, keyword_id = make_client(app, agency_id)
    rule_id = add_rule(app, agency_id, client_id, **rule_settings)
    add_mentions(app, agency_id, client_id, keyword_id, stream(steady(8), T - WEEKS, T) + spike_rows())
    return rule_id


def webhook_only(url, fmt="json"):
    """Rule settings that alert through the webhook alone."""
    return {"webhook_url": url, "webhook_format": fmt, "notify_email": False, "notify_in_app": False,
            "recipient_pole": None}


def deliveries_of(app, agency_id, channel):
    with app.app_context(), tenancy.agency_scope(agency_id):
        return db.session.scalars(select(AlertDelivery).where(AlertDelivery.channel == channel)
                                  .order_by(AlertDelivery.id)).all()


def secret_of(app, agency_id, rule_id):
    with app.app_context(), tenancy.agency_scope(agency_id):
        return db.session.get(AlertRule, rule_id).secret


def signature_ok(secret, request, body):
    timestamp = request.headers["x-relais-timestamp"]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(request.headers["x-relais-signature"], f"sha256={expected}")


def test_webhook_delivery_is_signed_with_the_rule_secret(app, agency, local_server, allow_local):  # noqa: F811
    accept_posts(local_server, [200])
    rule_id = spiking_client(app, agency.id, **webhook_only(local_server.url_for("/hook")))
    detect(app, agency.id)
    run_worker(app, "default")
    assert len(local_server.bodies) == 1
    body, request = local_server.bodies[0], local_server.requests[-1]
    assert signature_ok(secret_of(app, agency.id, rule_id), request, body)
    assert not signature_ok("another-secret", request, body)
    payload = json.loads(body)
    assert payload["event"] == "crisis.alert" and payload["client"]["name"] == "Danone"
    assert set(payload["parts"]) == {"volume", "growth", "negative", "reach", "new_authors"}
    assert payload["score"] >= 55 and f"/a/{agency.slug}/crisis/alerts/" in payload["url"]
    [delivery] = deliveries_of(app, agency.id, "webhook")
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("sent", 1, 200)
    assert request.headers["x-relais-delivery"] == str(delivery.id) == str(payload["delivery_id"])


def test_slack_webhook_sends_text_and_blocks(app, agency, local_server, allow_local):  # noqa: F811
    accept_posts(local_server, [200])
    spiking_client(app, agency.id, **webhook_only(local_server.url_for("/slack"), "slack"))
    detect(app, agency.id)
    run_worker(app, "default")
    payload = json.loads(local_server.bodies[0])
    assert set(payload) == {"text", "blocks"} and "Danone" in payload["text"]
    assert [block["type"] for block in payload["blocks"]][:2] == ["header", "section"]
    assert payload["blocks"][-1]["elements"][0]["url"].startswith("http://localhost/a/")


def test_failed_webhook_is_retried_by_a_real_worker(app, agency, local_server, allow_local, monkeypatch):  # noqa: F811
    monkeypatch.setattr(deliveries.deliver_webhook, "retry", (3, (0, 0, 0)))  # no waiting in a test
    accept_posts(local_server, [503, 200])
    rule_id = spiking_client(app, agency.id, **webhook_only(local_server.url_for("/hook")))
    detect(app, agency.id)
    run_worker(app, "default")
    assert len(local_server.bodies) == 2
    assert all(signature_ok(secret_of(app, agency.id, rule_id), r, b)
               for r, b in zip(local_server.requests, local_server.bodies))
    [delivery] = deliveries_of(app, agency.id, "webhook")
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, None)


def test_webhook_that_keeps_failing_is_logged_and_can_be_sent_again(app, client, agency, local_server,  # noqa: F811
                                                                     allow_local, monkeypatch):  # noqa: F811
    monkeypatch.setattr(deliveries.deliver_webhook, "retry", (2, (0, 0)))
    statuses = [500]
    accept_posts(local_server, statuses)
    rule_id = spiking_client(app, agency.id, **webhook_only(local_server.url_for("/hook")))
    detect(app, agency.id)
    run_worker(app, "default")
    [delivery] = deliveries_of(app, agency.id, "webhook")
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("failed", 3, 500)
    login(client, agency.owner_email)
    page = client.get(f"/a/{agency.slug}/crisis/rules/{rule_id}", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert "Failed" in text and "The site has a temporary problem" in text and "Send again" in text
    statuses[0] = 200
    assert client.post(f"/a/{agency.slug}/crisis/deliveries/{delivery.id}/retry").status_code == 302
    run_worker(app, "default")
    [delivery] = deliveries_of(app, agency.id, "webhook")
    assert (delivery.status, delivery.attempts) == ("sent", 1)
    assert client.post(f"/a/{agency.slug}/crisis/deliveries/{delivery.id}/retry").status_code == 409


def test_deliveries_are_queued_with_backoff(app, agency, local_server, allow_local):  # noqa: F811
    spiking_client(app, agency.id, **webhook_only(local_server.url_for("/hook")))
    detect(app, agency.id)
    with app.app_context():
        [job] = get_queue("default").get_jobs()
        assert job.id.startswith("crisis-delivery-")
        assert job.retries_left == 5 and job.retry_intervals == [30, 120, 600, 1800, 3600]


def test_webhook_to_a_private_address_is_refused_by_the_form_and_at_delivery(app, client, agency, monkeypatch):
    client_id, _keyword = make_client(app, agency.id, name="Evian", query="evian")
    login(client, agency.owner_email)
    response = client.post(f"/a/{agency.slug}/crisis/clients/{client_id}/rules", headers={"Accept-Language": "en"},
                           data={"name": "Watch", "sensitivity": "medium", "min_volume": "10", "cooldown_minutes": "60",
                                 "webhook_url": "http://127.0.0.1:9/hook", "webhook_format": "json"})
    assert response.status_code == 422
    assert "private or internal network" in response.get_data(as_text=True)
    assert 'value="http://127.0.0.1:9/hook"' in response.get_data(as_text=True)
    spiking_client(app, agency.id, **webhook_only("http://127.0.0.1:9/hook"))  # saved while it was allowed
    detect(app, agency.id)
    run_worker(app, "default")
    [delivery] = deliveries_of(app, agency.id, "webhook")
    assert (delivery.status, delivery.attempts) == ("failed", 1)  # refused, never retried
    assert "private or internal network" in delivery.last_error


def test_alert_email_reaches_each_recipient_once_with_its_reasons(app, agency, mailbox):
    spiking_client(app, agency.id)
    detect(app, agency.id)
    run_worker(app, "mail", "default")
    assert sorted(m["To"] for m in mailbox.messages) == ["cm@alpha.test", "owner@agence-alpha.test", "rp@alpha.test"]
    message = next(m for m in mailbox.messages if m["To"] == "rp@alpha.test")
    assert "Danone" in message["Subject"]
    body = text_of(message)
    assert "/crisis/alerts/" in body and "listeria" in body
    assert all(d.status == "sent" for d in deliveries_of(app, agency.id, "email"))
    with app.app_context(), tenancy.agency_scope(agency.id):
        bells = db.session.scalars(select(Notification)).all()
        assert len(bells) == 3 and {n.kind for n in bells} == {"assigned"}  # in the app too, no second email


def test_daily_digest_lists_the_alerts_of_the_day(app, agency, mailbox):
    spiking_client(app, agency.id, notify_email=False, notify_digest=True, recipient_pole="rp")
    detect(app, agency.id)
    with app.app_context():
        # The RP pole: Rita, and the owner (who covers both poles).
        assert send_alert_digests(now=T) == {"digests": 2, "failed": []}
        assert send_alert_digests(now=T) == {"digests": 0, "failed": []}  # once a day
    run_worker(app, "mail")
    digests = [m for m in mailbox.messages if "24 hours" in m["Subject"] or "24 heures" in m["Subject"]]
    assert sorted(m["To"] for m in digests) == ["owner@agence-alpha.test", "rp@alpha.test"]
    assert "/crisis/alerts/" in text_of(digests[0])
