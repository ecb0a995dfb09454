"""Crisis pages: rules (form, errors, edit), the backtest, "why this alert", closing a crisis, who may see them."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from saas import db, tenancy
from saas.db import utcnow
from tenants.boards.models import BoardCard, BoardColumn
from tenants.crisis.models import AlertRule, Crisis, CrisisAlert, CrisisCard
from tenants.monitoring.models import Keyword
from tests.conftest import login
from tests.test_crisis import WEEKS, add_mentions, add_rule, detect, make_client, spike_rows, steady, stream

EN = {"Accept-Language": "en"}
NOW = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=utcnow().minute % 15)


@pytest.fixture
def agency(make_agency, make_member):
    made = make_agency("Agence Alpha")
    make_member(made, "rp@alpha.test", pole="rp", name="Rita Presse")
    return made


@pytest.fixture
def owner(client, agency):
    login(client, agency.owner_email)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def crisis(app, agency):
    """Danone: four steady weeks, a spike three days ago and one now, detected; returns (client, rule) ids."""
    client_id, keyword_id = make_client(app, agency.id)
    rule_id = add_rule(app, agency.id, client_id)
    rows = stream(steady(8), NOW - WEEKS, NOW) + spike_rows(end=NOW - timedelta(days=3), seed=50) + spike_rows(end=NOW)
    add_mentions(app, agency.id, client_id, keyword_id, rows)
    detect(app, agency.id, NOW)
    return client_id, rule_id


def one(app, agency, model):
    with app.app_context(), tenancy.agency_scope(agency.id):
        return db.session.scalars(select(model)).one()


def rule_form(**values):
    return {"name": "Crisis watch", "sensitivity": "medium", "min_volume": "10", "cooldown_minutes": "120",
            "recipient_pole": "both", "notify_email": "1", "notify_in_app": "1", "webhook_format": "json",
            "active": "1", **values}


def test_a_rule_is_created_from_the_client_page_then_edited(app, owner, agency):
    client_id, keyword_id = make_client(app, agency.id)
    page = owner.get(f"/a/{agency.slug}/crisis/clients/{client_id}").get_data(as_text=True)
    assert "Mentions per hour, last 7 days" in page and "New rule" in page
    response = owner.post(f"/a/{agency.slug}/crisis/clients/{client_id}/rules", data=rule_form(keyword_id=keyword_id))
    assert response.status_code == 302
    rule = one(app, agency, AlertRule)
    assert (rule.keyword_id, rule.cooldown_minutes, rule.recipient_pole) == (keyword_id, 120, "both")
    assert len(rule.secret) == 48
    response = owner.post(f"/a/{agency.slug}/crisis/rules/{rule.id}", data=rule_form(name="Night watch",
                                                                                       sensitivity="high"))
    assert response.status_code == 302
    assert (one(app, agency, AlertRule).name, one(app, agency, AlertRule).sensitivity) == ("Night watch", "high")


def test_rule_form_errors_come_back_with_what_was_typed(app, owner, agency):
    client_id, _ = make_client(app, agency.id)
    other_client, other_keyword = make_client(app, agency.id, name="Evian", query="evian")
    response = owner.post(f"/a/{agency.slug}/crisis/clients/{client_id}/rules",
                          data=rule_form(name="Typed name", min_volume="many", keyword_id=other_keyword))
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a number of mentions between 1 and 100,000." in text and 'value="Typed name"' in text
    assert "Choose one of this client's keywords, or all of them." in text
    with app.app_context(), tenancy.agency_scope(agency.id):
        assert db.session.scalars(select(AlertRule)).all() == []


def test_backtest_lists_when_the_rule_would_have_fired(app, owner, agency, crisis):
    _client_id, rule_id = crisis
    fragment = owner.get(f"/a/{agency.slug}/crisis/rules/{rule_id}/backtest").get_data(as_text=True)
    assert "Would have fired 2 times." in fragment and fragment.count("<tr><td>") == 2
    assert "2 crisis alerts, 0 buzz." in fragment and 'data-testid="backtest-diff"' not in fragment
    assert "<polyline class=\"chart-volume\"" in fragment
    # a minimum volume caps what a surge needs; a negative shift alerts whatever the volume
    tuned = owner.get(f"/a/{agency.slug}/crisis/rules/{rule_id}/backtest?min_volume=500").get_data(as_text=True)
    assert "≥ 500/hour" in tuned and 'data-testid="backtest-diff"' in tuned
    assert "The same alerts as the saved settings." in tuned


def test_why_this_alert_shows_each_part_the_chart_terms_sources_and_mentions(app, owner, agency, crisis):
    alert = one(app, agency, CrisisAlert)
    page = owner.get(f"/a/{agency.slug}/crisis/alerts/{alert.id}").get_data(as_text=True)
    for label in ("Volume above usual", "Speed of growth", "Negative share", "Reach of the sources", "New authors"):
        assert label in page
    assert "listeria" in page and "Reddit" in page and 'class="chart-band"' in page
    assert page.count('class="mention mention-') >= 3 and "Open the crisis card" in page


def test_a_person_closes_the_crisis_and_its_card_moves_to_done(app, owner, agency, crisis):
    open_crisis = one(app, agency, Crisis)
    assert "Close the crisis" in owner.get(f"/a/{agency.slug}/crisis/{open_crisis.id}").get_data(as_text=True)
    response = owner.post(f"/a/{agency.slug}/crisis/{open_crisis.id}/close", data={"note": "Statement published."})
    assert response.status_code == 302
    closed = one(app, agency, Crisis)
    assert (closed.status, closed.closing_note) == ("closed", "Statement published.")
    with app.app_context(), tenancy.agency_scope(agency.id):
        card = db.session.get(BoardCard, db.session.scalar(select(CrisisCard.card_id)))
        assert db.session.get(BoardColumn, card.column_id).done
    assert "No open crisis" in owner.get(f"/a/{agency.slug}/crisis/").get_data(as_text=True)


def test_the_crisis_list_shows_open_crises_first(app, owner, agency, crisis):
    page = owner.get(f"/a/{agency.slug}/crisis/").get_data(as_text=True)
    assert 'data-testid="open-crises"' in page and "Danone" in page and "Crisis watch" in page


def test_guests_never_see_crisis_pages(app, agency, crisis, make_member):
    make_member(agency, "guest@client.test", role="guest")
    guest = app.test_client()
    login(guest, "guest@client.test")
    alert = one(app, agency, CrisisAlert)
    for url in ("/crisis/", f"/crisis/alerts/{alert.id}", f"/crisis/clients/{crisis[0]}", f"/crisis/rules/{crisis[1]}"):
        assert guest.get(f"/a/{agency.slug}{url}").status_code == 404


def test_client_and_monitoring_pages_link_to_the_crisis_alerts(app, owner, agency):
    client_id, _ = make_client(app, agency.id)
    link = f"/a/{agency.slug}/crisis/clients/{client_id}"
    assert link in owner.get(f"/a/{agency.slug}/clients/{client_id}").get_data(as_text=True)
    assert link in owner.get(f"/a/{agency.slug}/clients/{client_id}/monitoring").get_data(as_text=True)
    assert f"/a/{agency.slug}/crisis/" in owner.get(f"/a/{agency.slug}/").get_data(as_text=True)


def test_the_client_page_charts_one_keyword_and_sums_up_each(app, owner, agency, crisis):
    client_id, _rule = crisis
    keyword = one(app, agency, Keyword)
    page = owner.get(f"/a/{agency.slug}/crisis/clients/{client_id}?keyword={keyword.id}").get_data(as_text=True)
    assert f'keyword={keyword.id}" class="active"' in page and 'data-testid="keyword-summary"' in page
    for language, separator in (("en", ","), ("fr", "\u202f")):  # over a thousand mentions, through Babel
        page = owner.get(f"/a/{agency.slug}/crisis/clients/{client_id}", headers={"Accept-Language": language})
        count = re.search(r"<td><code>danone</code></td><td>([^<]+)</td>", page.get_data(as_text=True)).group(1)
        assert re.fullmatch(rf"\d{{1,3}}({separator}\d{{3}})+", count), count
    assert owner.get(f"/a/{agency.slug}/crisis/clients/{client_id}?keyword=999999").status_code == 200


def test_the_crisis_page_names_the_clients_no_rule_watches_and_watches_one_in_a_click(app, owner, agency):
    from tenants.clients.models import Client

    watched, _keyword = make_client(app, agency.id)
    add_rule(app, agency.id, watched)
    bel, _ = make_client(app, agency.id, "Bel", "bel")
    paused, _ = make_client(app, agency.id, "Lactalis", "lactalis")
    add_rule(app, agency.id, paused, active=False)  # a paused rule watches nothing
    gone, _ = make_client(app, agency.id, "Yoplait", "yoplait")
    with app.app_context(), tenancy.agency_scope(agency.id):
        db.session.get(Client, gone).archived_at = utcnow()
        db.commit()
    page = owner.get(f"/a/{agency.slug}/crisis/").get_data(as_text=True)
    section = page[page.index('data-testid="unwatched-clients"'):]
    section = section[:section.index("</section>")]
    assert "2 clients are not watched" in section and "Every watched client is within its usual range." in page
    assert "Bel" in section and "Lactalis" in section and "Danone" not in section and "Yoplait" not in section
    form = re.search(rf'<form method="post" action="(/a/{agency.slug}/crisis/clients/{bel}/rules)">(.*?)</form>', section, re.S)
    fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', form.group(2)))
    response = owner.post(form.group(1), data=fields)
    assert response.status_code == 302 and "/crisis/rules/" in response.headers["Location"]
    rule = scoped_rule(app, agency, bel)
    assert (rule.name, rule.sensitivity, rule.min_volume, rule.active, rule.notify_email) == (
        "Crisis watch", "medium", 10, True, True)
    french = owner.get(f"/a/{agency.slug}/crisis/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "1 client n’est pas surveillé" in french and "Surveiller les crises" in french
    assert 'name="name" value="Veille de crise"' in french


def scoped_rule(app, agency, client_id):
    with app.app_context(), tenancy.agency_scope(agency.id):
        return db.session.scalars(select(AlertRule).where(AlertRule.client_id == client_id)).one()
