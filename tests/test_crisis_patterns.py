"""Crisis detection v2 on real PostgreSQL, one test per pattern class of bench_crisis_quality.

Each test stores a synthetic history as mentions, runs the detector pass as live (buckets,
baseline, tests, alerts) and checks what it raised: a crisis, a buzz, or nothing.
"""
from datetime import timedelta

from flask_babel import force_locale
from sqlalchemy import select

from saas import db, tenancy
from saas.db import utcnow
from tenants.crisis import baseline, detector, explain
from tenants.crisis.models import AlertDelivery, AlertRule, Crisis, CrisisAlert, CrisisCard
from tenants.monitoring.models import ClientSource, Source
from tests.conftest import login
from tests.test_crisis import T, WEEKS, add_mentions, count, detect, history, spike_rows, steady, stream
from tests.test_crisis import agency, watched  # noqa: F401  (fixtures)

EN = {"Accept-Language": "en"}


def alerts_of(app, agency_id):
    with app.app_context(), tenancy.agency_scope(agency_id):
        return db.session.scalars(select(CrisisAlert).order_by(CrisisAlert.id)).all()


def weekday_rhythm(weekday=10, weekend=2):
    """Weekdays busier than weekends, days busier than nights."""
    def rate(moment):
        base = weekend if moment.weekday() >= 5 else weekday
        return base * (1.5 if 8 <= moment.hour < 20 else 0.3)
    return rate


def test_a_weekly_tv_show_is_usual_after_its_past_occurrences(app, watched):
    def tv(moment):  # Mondays 14-15h (T is a Monday, 15:00), ten times the usual
        return 30 if moment.weekday() == 0 and moment.hour == 14 else 3

    history(app, watched, tv, seed=21)  # four past Mondays, and this one
    assert detect(app, watched[0]).alerts == []


def test_the_first_occurrence_of_a_neutral_weekly_event_is_a_buzz(app, watched):
    agency_id, client_id, keyword_id, _rule = watched
    history(app, watched, steady(3), seed=22)
    add_mentions(app, agency_id, client_id, keyword_id,
                 stream(steady(30), T - timedelta(hours=1), T, seed=23, negative=0.05))
    alerts = alerts_of(app, agency_id)
    assert detect(app, agency_id).alerts and [a.kind for a in alerts_of(app, agency_id)] == ["buzz"]
    assert alerts == []


def test_a_monday_morning_after_a_quiet_weekend_does_not_alert(app, watched):
    history(app, watched, weekday_rhythm(), seed=24)
    for hours in (-6, -5, 0):  # Monday 9:00, 10:00, 15:00
        assert detect(app, watched[0], T + timedelta(hours=hours)).alerts == [], hours


def test_an_office_opening_with_its_morning_newsletter_is_usual(app, watched):
    def office(moment):  # weekdays 9-18h only, and a newsletter's 60 mentions in the first quarter hour
        if moment.weekday() >= 5 or not 9 <= moment.hour < 18:
            return 0
        return 240 if moment.hour == 9 and moment.minute < 15 else 4

    history(app, watched, office, seed=26)
    # Monday 9:15 (the newsletter's quarter hour is all of the last bucket), 9:30, 9:45, 10:00
    for minutes in (-345, -330, -315, -300):
        assert detect(app, watched[0], T + timedelta(minutes=minutes)).alerts == [], minutes


def test_the_return_from_a_holiday_week_does_not_alert(app, watched):
    agency_id, client_id, keyword_id, _rule = watched
    holiday = (T - timedelta(days=8), T - timedelta(days=1))

    def rate(moment):
        level = 1.5 if holiday[0] <= moment < holiday[1] else 10
        return level * (1.5 if 8 <= moment.hour < 20 else 0.3)

    history(app, watched, rate, seed=25)
    for hours in (-6, -1, 0):
        assert detect(app, agency_id, T + timedelta(hours=hours)).alerts == [], hours


def test_a_negative_surge_at_constant_volume_is_a_crisis_by_the_negative_share_test(app, watched):
    agency_id, client_id, keyword_id, _rule = watched
    add_mentions(app, agency_id, client_id, keyword_id,
                 stream(steady(20), T - WEEKS, T - timedelta(minutes=60), seed=26, negative=0.1)
                 + stream(steady(20), T - timedelta(minutes=60), T, seed=27, negative=0.8))
    assert len(detect(app, agency_id).alerts) == 1
    alert = alerts_of(app, agency_id)[0]
    negative = alert.evidence["parts"]["negative"]
    assert alert.kind == "crisis" and negative["facts"]["evidence"] >= 4.5 and negative["value"] > 0.4
    assert alert.evidence["parts"]["volume"]["value"] < 2  # volume alone would not have fired
    assert count(app, agency_id, Crisis) == 1 and count(app, agency_id, CrisisCard) == 1


def test_a_small_brand_going_from_nothing_to_five_negative_press_mentions_is_a_crisis(app, watched):
    agency_id, client_id, keyword_id, _rule = watched
    history(app, watched, steady(0.2), seed=28, negative=0.0)
    add_mentions(app, agency_id, client_id, keyword_id,
                 stream(steady(40), T - timedelta(minutes=55), T, seed=29, negative=1.0, kinds=("rss",))[:5])
    assert len(detect(app, agency_id).alerts) == 1
    assert alerts_of(app, agency_id)[0].kind == "crisis"


def test_a_small_brand_s_three_negative_press_mentions_in_half_an_hour_are_a_crisis(app, watched):
    agency_id, client_id, keyword_id, _rule = watched
    history(app, watched, steady(0.2), seed=40, negative=0.0)
    rows = stream(steady(40), T - timedelta(minutes=55), T, seed=41, negative=1.0, kinds=("rss",))[:3]
    for row, minutes in zip(rows, (24, 13, 4)):  # three in the last half hour: the hour is not over yet
        row["published_at"] = T - timedelta(minutes=minutes)
    add_mentions(app, agency_id, client_id, keyword_id, rows)
    assert len(detect(app, agency_id).alerts) == 1
    alert = alerts_of(app, agency_id)[0]
    facts = alert.evidence["parts"]["negative"]["facts"]
    assert alert.kind == "crisis" and facts["absolute"] is True and facts["absolute_minutes"] == 30
    with app.test_request_context(headers=EN):
        assert "within half an hour" in explain.trigger_sentence(alert.evidence)


def test_the_half_hour_rule_is_for_small_brands_and_asks_for_negatives_out_of_the_ordinary():
    def tests(median, base_share, recent):
        count, negative = recent[-1]
        m = baseline.Measure(t=0, mode="daily", count=count, negative=negative, median=median, scale=1.0, z=0.0,
                             buckets=[], slope=0.0, share=negative / count, base_share=base_share, samples=21,
                             strength=60, recent=recent)
        return detector.run_tests(m, "medium", 10)

    assert tests(0.2, 0.1, [(1, 1), (3, 3)]).absolute  # a brand mentioned once in five hours: 3 in 30 minutes
    assert not tests(0.2, 0.1, [(1, 1), (2, 2)]).absolute  # two are not enough
    # a mention every three hours, one in six negative: 3 negatives in 30 minutes have a tail of 10^-5.3
    assert tests(1 / 3, 1 / 6, [(1, 1), (3, 3)]).absolute
    assert not tests(1.4, 0.13, [(3, 2), (4, 3)]).absolute  # an hour of 1.4 mentions: 3 of 4 happens
    assert not tests(8.0, 0.05, [(3, 3), (4, 4)]).absolute  # not a small brand: the share test judges it


def test_a_positive_viral_spike_is_a_buzz_and_never_a_crisis(app, watched):
    agency_id, client_id, keyword_id, _rule = watched
    history(app, watched, steady(6), seed=30)
    viral = [dict(row, sentiment="positive") for row in spike_rows(per_hour=50, negative=0.0, seed=31)]
    add_mentions(app, agency_id, client_id, keyword_id, viral)
    assert len(detect(app, agency_id).alerts) == 1
    alert = alerts_of(app, agency_id)[0]
    assert alert.kind == "buzz" and alert.crisis_id is None
    assert count(app, agency_id, Crisis) == 0 and count(app, agency_id, CrisisCard) == 0
    assert count(app, agency_id, AlertDelivery) == 0


def test_a_sharp_negative_spike_is_a_crisis_and_a_single_burst_is_caught(app, watched):
    agency_id, client_id, keyword_id, _rule = watched
    history(app, watched, steady(6), seed=32)
    add_mentions(app, agency_id, client_id, keyword_id, spike_rows(minutes=15, per_hour=120, seed=33))
    assert len(detect(app, agency_id).alerts) == 1  # one 15-minute bucket is enough
    assert alerts_of(app, agency_id)[0].kind == "crisis"


def test_a_slow_campaign_ramp_does_not_alert_as_a_crisis(app, watched):
    start = T - timedelta(days=4)
    history(app, watched, lambda moment: 5 if moment < start else 5 + 15 * min(1, (moment - start) / timedelta(
        days=3)), seed=34)
    detect(app, watched[0])
    assert [a.kind for a in alerts_of(app, watched[0]) if a.kind == "crisis"] == []


def test_a_new_client_says_it_is_learning_and_what_alerts_meanwhile(app, client, agency, watched):
    agency_id, client_id, keyword_id, _rule = watched
    now = utcnow().replace(second=0, microsecond=0)
    add_mentions(app, agency_id, client_id, keyword_id, stream(steady(10), now - timedelta(hours=5), now, seed=35))
    detect(app, agency_id, now)
    login(client, agency.owner_email)
    page = client.get(f"/a/{agency.slug}/crisis/clients/{client_id}", headers=EN).get_data(as_text=True)
    assert "Still learning this client&#39;s usual levels (" in page and "of 336 hours)" in page
    assert "a negative shift" in page
    french = client.get(f"/a/{agency.slug}/crisis/clients/{client_id}",
                        headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Apprentissage des niveaux habituels de ce client en cours" in french


def test_what_a_new_client_s_first_fetch_brings_from_before_is_not_its_usual_past(app, client, agency, watched):
    agency_id, client_id, keyword_id, rule_id = watched
    now = utcnow().replace(second=0, microsecond=0)
    with app.app_context(), tenancy.agency_scope(agency_id):  # its feed, first fetched 50 minutes ago
        source = Source(kind="rss", key="https://presse.example/rss", url="https://presse.example/rss",
                        created_at=now - timedelta(minutes=50))
        db.session.add(source)
        db.session.flush()
        db.session.add(ClientSource(client_id=client_id, source_id=source.id))
        db.commit()
    # the feed still listed a few items of the last three days (a partial past), then the client's usual hour
    add_mentions(app, agency_id, client_id, keyword_id, stream(steady(0.3), now - timedelta(days=3),
                                                               now - timedelta(hours=1), seed=27))
    add_mentions(app, agency_id, client_id, keyword_id, stream(steady(16), now - timedelta(hours=1), now, seed=28,
                                                               negative=0.05))
    assert detect(app, agency_id, now).alerts == []  # read as a quiet past, this hour was a buzz
    with app.app_context(), tenancy.agency_scope(agency_id):
        rule = db.session.get(AlertRule, rule_id)
        assert rule.series_start == (now - timedelta(minutes=50)).replace(minute=0) + timedelta(hours=1)
    login(client, agency.owner_email)
    page = client.get(f"/a/{agency.slug}/crisis/clients/{client_id}", headers=EN).get_data(as_text=True)
    assert "Still learning this client&#39;s usual levels (0 of 336 hours)" in page


def test_a_client_with_two_weeks_of_history_is_no_longer_learning(app, client, agency, watched):
    history(app, watched, steady(5), seed=36)
    detect(app, watched[0])
    login(client, agency.owner_email)
    page = client.get(f"/a/{agency.slug}/crisis/clients/{watched[1]}", headers=EN).get_data(as_text=True)
    assert 'data-testid="learning-state"' not in page


def test_a_buzz_page_says_buzz_in_its_own_colour_without_a_crisis(app, client, agency, watched):
    agency_id, client_id, keyword_id, _rule = watched
    history(app, watched, steady(6), seed=37)
    add_mentions(app, agency_id, client_id, keyword_id,
                 [dict(row, sentiment="positive") for row in spike_rows(per_hour=50, negative=0.0, seed=38)])
    detect(app, agency_id)
    alert = alerts_of(app, agency_id)[0]
    login(client, agency.owner_email)
    page = client.get(f"/a/{agency.slug}/crisis/alerts/{alert.id}", headers=EN).get_data(as_text=True)
    assert "alert-kind-buzz" in page and "Buzz score" in page and "it opens no crisis card" in page
    assert "Open the crisis card" not in page and "Crisis of" not in page
    assert "Fired by a volume surge, without more negative mentions than usual." in page
    listing = client.get(f"/a/{agency.slug}/crisis/", headers=EN).get_data(as_text=True)
    assert f"/crisis/alerts/{alert.id}" in listing and "No open crisis" in listing
    french = client.get(f"/a/{agency.slug}/crisis/alerts/{alert.id}",
                        headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Score de buzz" in french and "n’ouvre aucune carte de crise" in french


def test_numbers_in_explanations_follow_the_reader_s_locale(app):
    part = {"value": 0.2, "facts": {"count": 1234, "ratio": 2.5, "median": 493.6}}
    with app.test_request_context():
        with force_locale("fr"):
            french = explain.part_sentence("volume", part)
        with force_locale("en"):
            english = explain.part_sentence("volume", part)
    assert "1\u202f234" in french and "2,5×" in french
    assert "1,234" in english and "2.5×" in english


def test_a_buzz_goes_to_the_rule_s_webhook_as_its_own_event_and_never_by_email(app, watched):
    import json

    from tenants.crisis.alerts import webhook_body

    agency_id, client_id, keyword_id, _medium = watched
    with app.app_context(), tenancy.agency_scope(agency_id):
        rule = db.session.get(AlertRule, _medium)
        rule.webhook_url = "https://hooks.example/relais"
        db.commit()
    history(app, watched, steady(6), seed=39)
    add_mentions(app, agency_id, client_id, keyword_id,
                 [dict(row, sentiment="positive") for row in spike_rows(per_hour=50, negative=0.0, seed=40)])
    detect(app, agency_id)
    with app.app_context(), tenancy.agency_scope(agency_id):
        deliveries = db.session.scalars(select(AlertDelivery)).all()
        assert [d.channel for d in deliveries] == ["webhook"]
        alert = db.session.get(CrisisAlert, deliveries[0].alert_id)
        payload = json.loads(webhook_body(deliveries[0], alert, None, alert.rule, "https://relais.test/a"))
        assert payload["event"] == "crisis.buzz" and payload["kind"] == "buzz" and payload["crisis"] is None
        assert payload["client"]["name"] == "Danone"


def test_a_new_client_that_runs_at_a_high_negative_share_does_not_alert_at_its_third_hour(app, watched):
    """While learning, the whole hours already seen set the client's usual share and level, next to the prior."""
    agency_id, client_id, keyword_id, _rule = watched
    add_mentions(app, agency_id, client_id, keyword_id,
                 stream(steady(40), T - timedelta(hours=3), T - timedelta(hours=1), seed=40, negative=0.35))
    add_mentions(app, agency_id, client_id, keyword_id,  # an unlucky hour: half of 40 mentions negative
                 stream(steady(40), T - timedelta(hours=1), T, seed=41, negative=0.5))
    assert detect(app, agency_id).alerts == []


def test_a_new_client_arriving_in_a_crisis_still_alerts_from_its_first_hours(app, watched):
    agency_id, client_id, keyword_id, _rule = watched
    add_mentions(app, agency_id, client_id, keyword_id,
                 stream(steady(3), T - timedelta(hours=3), T - timedelta(hours=1), seed=42))
    add_mentions(app, agency_id, client_id, keyword_id, spike_rows(minutes=30, per_hour=40, negative=0.85, seed=43))
    assert len(detect(app, agency_id).alerts) == 1
    assert alerts_of(app, agency_id)[0].kind == "crisis"


def test_a_surge_while_learning_is_no_buzz(app, watched):
    """A new client's first busy morning cannot be told from its usual mornings yet: no buzz while learning."""
    agency_id, client_id, keyword_id, _rule = watched
    add_mentions(app, agency_id, client_id, keyword_id,
                 stream(steady(1), T - timedelta(hours=10), T - timedelta(hours=1), seed=44, negative=0.05))
    add_mentions(app, agency_id, client_id, keyword_id,
                 stream(steady(60), T - timedelta(hours=1), T, seed=45, negative=0.05))
    assert detect(app, agency_id).alerts == []


def test_scores_sit_above_the_threshold_mark_exactly_when_an_alert_fires(app, client, agency, watched):
    """The meters' mark is the rule's threshold: an alert scores at least that, a quiet hour less, and the alert
    page says how many points a test that fired on its own added to the parts."""
    agency_id, client_id, keyword_id, rule_id = watched
    history(app, watched, steady(20), seed=46)
    add_mentions(app, agency_id, client_id, keyword_id,  # the same people, turning: volume as usual
                 stream(steady(20), T - timedelta(hours=1), T, seed=47, negative=0.9))
    assert len(detect(app, agency_id).alerts) == 1
    alert = alerts_of(app, agency_id)[0]
    threshold = explain.threshold_of(alert.evidence["sensitivity"])
    assert alert.score >= threshold
    raised = explain.raised_points(alert.evidence)
    assert raised == round(alert.score - sum(p["points"] for p in alert.evidence["parts"].values()), 1)
    login(client, agency.owner_email)
    page = client.get(f"/a/{agency.slug}/crisis/alerts/{alert.id}", headers=EN).get_data(as_text=True)
    if raised:
        assert 'data-testid="raised-points"' in page and "a test fired on its own, so the score is raised" in page
    quiet = detect(app, agency_id, T + timedelta(hours=6))
    assert quiet.alerts == []
    with app.app_context(), tenancy.agency_scope(agency_id):
        assert db.session.get(AlertRule, rule_id).last_score < threshold
