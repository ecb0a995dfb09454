"""Crisis detection on synthetic mention streams: the baseline, who fires and who stays quiet, idempotency.

The helpers here (streams, clients, rules, a detector run) are shared by the other test_crisis* files.
"""
import math
import random
from datetime import datetime, timedelta, timezone

import pytest
from flask_babel import force_locale
from sqlalchemy import func, insert, select

from saas import db, tenancy
from saas.db import utcnow
from saas.jobs import get_queue
from tenants.boards.models import BoardCard, ChecklistItem
from tenants.clients.models import Client
from tenants.crisis import baseline, detector, incidents, service
from tenants.crisis.crisis_card import checklist
from tenants.crisis.detection import run_pass
from tenants.crisis.jobs import detect_crises
from tenants.crisis.models import (AlertDelivery, AlertRule, Crisis, CrisisAlert, CrisisCard, DetectorState,
                                   MentionBucket)
from tenants.monitoring.models import CardMention, Keyword, Mention

T = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)  # a Monday afternoon
WEEKS = timedelta(days=28)
SPIKE_WORDS = ("rappel", "listeria", "yaourts", "contamination", "boycott")


def poisson(rng, mean):
    """A Poisson draw (Knuth), enough for the small means of a 15-minute bucket."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def stream(rate, start, end, seed=1, negative=0.1, kinds=("bluesky",), authors=60, new_authors=False, words=()):
    """Mentions of a synthetic stream: Poisson counts every 15 minutes around `rate(moment)` an hour."""
    rng, rows, moment = random.Random(seed), [], start
    while moment < end:
        for _ in range(poisson(rng, rate(moment) / 4)):
            n = len(rows)
            kind = kinds[n % len(kinds)]
            text = " ".join(rng.sample(words, min(3, len(words)))) if words else "un avis sur la marque"
            rows.append({"source_kind": kind, "source_name": f"{kind} source {n % 3 if kind == 'rss' else ''}".strip(),
                         "item_key": f"s{seed}-{n}", "url": f"https://{kind}.example/{seed}/{n}",
                         "title": f"Danone {text}", "excerpt": f"On parle de Danone: {text}.",
                         "author": f"new-{seed}-{n}" if new_authors else f"fan{rng.randrange(authors)}",
                         "published_at": moment + timedelta(seconds=rng.randrange(900)),
                         "sentiment": "negative" if rng.random() < negative else "neutral"})
        moment += timedelta(minutes=15)
    return rows


def steady(per_hour):
    """A constant rate."""
    return lambda moment: per_hour


def spike_rows(end=T, minutes=45, per_hour=60, seed=99, negative=0.7, kinds=("reddit", "rss", "bluesky")):
    """A sudden burst of mostly negative mentions by people never seen before, from far-reaching sources."""
    return stream(steady(per_hour), end - timedelta(minutes=minutes), end, seed=seed, negative=negative, kinds=kinds,
                  new_authors=True, words=SPIKE_WORDS)


def make_client(app, agency_id, name="Danone", query="danone"):
    """A client with one keyword; returns (client id, keyword id)."""
    with app.app_context(), tenancy.agency_scope(agency_id):
        client = Client(name=name)
        db.session.add(client)
        db.session.flush()
        keyword = Keyword(client_id=client.id, query=query, backfill_state="done")
        db.session.add(keyword)
        db.session.flush()
        db.commit()
        return client.id, keyword.id


def add_rule(app, agency_id, client_id, **settings):
    """An alert rule on a client (medium sensitivity, 10 mentions an hour, the whole team, email)."""
    values = {"name": "Crisis watch", "keyword_id": None, "sensitivity": "medium", "min_volume": 10,
              "cooldown_minutes": 180, "recipient_pole": "both", "recipient_ids": [], "notify_in_app": True,
              "notify_email": True, "notify_digest": False, "webhook_url": None, "webhook_format": "json",
              "active": True, **settings}
    with app.app_context(), tenancy.agency_scope(agency_id):
        rule = service.create_rule(db.session.get(Client, client_id), values)
        db.commit()
        return rule.id


def add_mentions(app, agency_id, client_id, keyword_id, rows):
    """Store stream rows as the agency's mentions of a client keyword."""
    full = [{"agency_id": agency_id, "client_id": client_id, "keyword_id": keyword_id, "highlights": [],
             "language": "fr", "sentiment_score": 0.0, "status": "new", "created_at": T - timedelta(hours=1), **row}
            for row in rows]
    with app.app_context(), tenancy.agency_scope(agency_id):
        for start in range(0, len(full), 5000):
            db.session.execute(insert(Mention), full[start:start + 5000])
        db.commit()
    return len(full)


def detect(app, agency_id, now=T):
    """Run one detector pass for an agency at `now` and commit it."""
    with app.app_context(), tenancy.agency_scope(agency_id):
        report = run_pass(now)
        db.commit()
        return report


def count(app, agency_id, model, *where):
    """Rows of a tenant model in an agency."""
    with app.app_context(), tenancy.agency_scope(agency_id):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def agency(make_agency, make_member):
    """An agency with a PR member and a CM member."""
    made = make_agency("Agence Alpha")
    make_member(made, "rp@alpha.test", pole="rp", name="Rita Presse")
    make_member(made, "cm@alpha.test", pole="cm", name="Camille Social")
    return made


@pytest.fixture
def watched(app, agency):
    """Danone, watched by a medium rule; returns (agency id, client id, keyword id, rule id)."""
    client_id, keyword_id = make_client(app, agency.id)
    return agency.id, client_id, keyword_id, add_rule(app, agency.id, client_id)


def history(app, watched, rate, seed=1, **options):
    """Four weeks of a stream before T for the watched client."""
    agency_id, client_id, keyword_id, _rule = watched
    return add_mentions(app, agency_id, client_id, keyword_id, stream(rate, T - WEEKS, T, seed=seed, **options))


# --- the baseline, pure --------------------------------------------------------------------------

def test_baseline_reads_the_same_hour_of_the_week_over_four_weeks():
    t = int(T.timestamp())  # a Monday: the last three weekdays are Friday, Thursday and Wednesday
    plan = baseline.baseline_plan(t, t - 30 * baseline.DAY)
    assert plan.mode == "weekly" and plan.weekly == 12 and len(plan.ends) == 12 + 3
    assert t - baseline.WEEK in plan.ends and t - 4 * baseline.WEEK + baseline.HOUR // 2 in plan.ends
    assert plan.ends[12:] == (t - 3 * baseline.DAY, t - 4 * baseline.DAY, t - 5 * baseline.DAY)


def test_baseline_falls_back_to_previous_days_then_previous_hours_then_learning():
    t = int(T.timestamp())
    assert baseline.baseline_plan(t, t - 10 * baseline.DAY).mode == "daily"  # one week is not a weekly rhythm
    assert baseline.baseline_plan(t, t - 5 * baseline.DAY).mode == "daily"
    assert baseline.baseline_plan(t, t - 10 * baseline.HOUR).mode == "recent"
    assert baseline.baseline_plan(t, t - 2 * baseline.HOUR).mode == "learning"
    assert baseline.baseline_plan(t, None).mode == "learning"


def test_robust_baseline_ignores_a_spike_in_one_of_the_past_weeks():
    t = int(T.timestamp())
    counts = {start: (3, 0) for start in range(t - 29 * baseline.DAY, t, baseline.STEP)}
    for start in range(t - baseline.WEEK - baseline.HOUR, t - baseline.WEEK, baseline.STEP):
        counts[start] = (80, 60)  # last week's crisis at this very hour
    measure = baseline.measure(counts, t, t - 29 * baseline.DAY)
    assert measure.median == 12 and measure.scale < 5  # Poisson noise and a little more, not the spike


def test_the_last_half_hour_is_judged_against_its_own_part_of_the_usual_hour():
    t = int(T.timestamp()) - 5 * baseline.HOUR - baseline.HOUR // 2  # Monday 9:30
    start = t - 29 * baseline.DAY
    flat = {s: (3, 0) for s in range(start, t, baseline.STEP)}
    m = baseline.measure(flat, t, start)
    assert m.short_usual == [m.median / 4, m.median / 2]  # an even hour: a quarter and a half of it
    opening = {s: (10 if 9 * baseline.HOUR <= s % baseline.DAY < 18 * baseline.HOUR else 0, 0)
               for s in range(start, t, baseline.STEP)}  # every day 9-18h
    m = baseline.measure(opening, t, start)
    # 8:30-9:30 usually holds two quarter hours, both in its last half hour: 20 mentions, all usual then
    # (shrunk towards an even half by 40 mentions of seven samples' 140)
    assert m.median == 20 and m.short_usual[1] == 20 * (140 + 40 / 2) / (140 + 40)
    assert m.short_usual[0] == 20 * (70 + 40 / 4) / (140 + 40)


def test_the_usual_negative_share_reads_the_day_before_not_only_the_sample_hours():
    t = int(T.timestamp())
    start, step = t - 29 * baseline.DAY, baseline.STEP
    counts = {s: (10, 4 if (s // step) % 2 else 3) for s in range(start, t - baseline.HOUR, step)}  # 35% negative
    samples = set()
    for end in baseline.baseline_plan(t, start).ends:
        samples.update(range(end - baseline.WINDOW, end, step))
    counts.update({s: (10, 2) for s in samples})  # the same hour of past weeks and days happened to hold 20%
    counts.update({s: (10, 6) for s in range(t - baseline.HOUR, t, step)})  # this hour: 24 of 40, 60%
    m = baseline.measure(counts, t, start)
    assert 0.27 < m.base_share < 0.29  # the sample hours at 20% and a day of mentions at 35%
    assert detector.assess(counts, t, start, "medium", 10).kind is None  # 60% where 35% is usual: no shift yet
    flat = {s: (10, 2) for s in range(start, t - baseline.HOUR, step)}  # where 20% is usual, it is one
    flat.update({s: (10, 6) for s in range(t - baseline.HOUR, t, step)})
    assert detector.assess(flat, t, start, "medium", 10).kind == "crisis"


def test_a_quiet_hour_with_no_mentions_scores_zero():
    t = int(T.timestamp())
    measure = baseline.measure({}, t, t - 29 * baseline.DAY)
    assert detector.total(detector.cheap_parts(measure)) == 0


# --- synthetic streams ---------------------------------------------------------------------------

def test_steady_stream_never_fires(app, watched):
    history(app, watched, steady(10))
    for hours in (0, -3, -7, -30):
        report = detect(app, watched[0], T + timedelta(hours=hours))
        assert report.alerts == [], hours
    assert count(app, watched[0], Crisis) == 0


def test_daily_rhythm_does_not_fire_at_the_morning_rise_or_the_peak(app, watched):
    def rhythm(moment):
        hour = moment.hour + moment.minute / 60
        return 2 + 28 * max(0.0, math.sin(math.pi * (hour - 7) / 14))  # 2/h at night, 30/h mid-afternoon

    history(app, watched, rhythm, seed=3)
    for hours in (-6, -5, -4, -1, 0):  # 9:00 to 15:00
        assert detect(app, watched[0], T + timedelta(hours=hours)).alerts == []


def test_sudden_negative_spike_fires_with_every_sensitivity(app, watched):
    agency_id, client_id, keyword_id, _rule = watched
    history(app, watched, steady(8))
    add_mentions(app, agency_id, client_id, keyword_id, spike_rows())
    low = add_rule(app, agency_id, client_id, name="Low", sensitivity="low")
    high = add_rule(app, agency_id, client_id, name="High", sensitivity="high")
    report = detect(app, agency_id)
    assert len(report.alerts) == 3
    with app.app_context(), tenancy.agency_scope(agency_id):
        alerts = db.session.scalars(select(CrisisAlert)).all()
        assert {a.rule_id for a in alerts} >= {low, high}
        parts = alerts[0].evidence["parts"]
        assert set(parts) == {"volume", "growth", "negative", "reach", "new_authors"}
        assert parts["volume"]["points"] == 30 and parts["negative"]["points"] > 15
        assert all(a.kind == "crisis" for a in alerts)
        assert alerts[0].score >= 70 and "listeria" in [t for t, _ in alerts[0].evidence["top_terms"]]


def test_a_neutral_spike_is_a_buzz_that_opens_no_crisis(app, watched):
    agency_id, client_id, keyword_id, _medium = watched
    history(app, watched, steady(8))
    add_mentions(app, agency_id, client_id, keyword_id, spike_rows(negative=0.1, kinds=("bluesky",)))
    add_rule(app, agency_id, client_id, name="Low", sensitivity="low")
    quiet = add_rule(app, agency_id, client_id, name="No buzz", notify_buzz=False)
    report = detect(app, agency_id)
    assert len(report.alerts) == 2  # the medium and low rules; the third does not record buzz
    with app.app_context(), tenancy.agency_scope(agency_id):
        alerts = db.session.scalars(select(CrisisAlert)).all()
        assert {a.kind for a in alerts} == {"buzz"} and {a.crisis_id for a in alerts} == {None}
        assert quiet not in {a.rule_id for a in alerts} and alerts[0].evidence["kind"] == "buzz"
    assert count(app, agency_id, Crisis) == 0 and count(app, agency_id, CrisisCard) == 0
    assert count(app, agency_id, AlertDelivery) == 0


def test_slow_ramp_over_weeks_does_not_fire(app, watched):
    start = T - WEEKS
    history(app, watched, lambda moment: 5 + 15 * (moment - start) / WEEKS, seed=5)
    for hours in (0, -2, -5):
        assert detect(app, watched[0], T + timedelta(hours=hours)).alerts == []


def test_noisy_low_volume_never_reaches_the_minimum_volume(app, watched):
    rng = random.Random(11)
    bursts = {T - timedelta(hours=h) for h in rng.sample(range(1, 600), 25)}
    history(app, watched, lambda moment: 6 if moment.replace(minute=0) in bursts else 0.8, seed=7)
    for hours in (0, -1, -4):
        assert detect(app, watched[0], T + timedelta(hours=hours)).alerts == []


def test_a_brand_new_series_in_a_negative_spike_alerts_from_its_first_hour(app, watched):
    agency_id, client_id, keyword_id, rule_id = watched
    add_mentions(app, agency_id, client_id, keyword_id, spike_rows(minutes=60))
    assert len(detect(app, agency_id).alerts) == 1
    with app.app_context(), tenancy.agency_scope(agency_id):
        rule = db.session.get(AlertRule, rule_id)
        assert rule.series_start is not None and rule.last_evaluated_at == T
        alert = db.session.scalar(select(CrisisAlert))
        assert alert.kind == "crisis" and alert.evidence["mode"] == "learning"


def test_a_brand_new_series_at_its_usual_volume_stays_quiet(app, watched):
    agency_id, client_id, keyword_id, _rule = watched
    add_mentions(app, agency_id, client_id, keyword_id, stream(steady(60), T - timedelta(hours=3), T, seed=4))
    assert detect(app, agency_id).alerts == []


def test_buckets_are_incremental_and_follow_sentiment_corrections(app, watched):
    agency_id, client_id, keyword_id, _rule = watched
    history(app, watched, steady(8))
    detect(app, agency_id)
    with app.app_context(), tenancy.agency_scope(agency_id):
        state = db.session.scalar(select(DetectorState))
        watermark = state.last_mention_id
        hourly = db.session.scalar(select(func.sum(MentionBucket.mentions)).where(MentionBucket.width == 60))
        assert hourly == db.session.scalar(select(func.count()).select_from(Mention))
        recent = db.session.scalars(select(Mention).where(Mention.published_at >= T - timedelta(minutes=30),
                                                          Mention.sentiment != "negative")).first()
        recent.sentiment_corrected = "negative"
        db.commit()
    add_mentions(app, agency_id, client_id, keyword_id, stream(steady(8), T, T + timedelta(minutes=15), seed=8))
    report = detect(app, agency_id, T + timedelta(minutes=15))
    assert report.new_buckets < 50  # only the recent hours were rewritten, not four weeks
    with app.app_context(), tenancy.agency_scope(agency_id):
        assert db.session.scalar(select(DetectorState.last_mention_id)) > watermark
        negative = db.session.scalar(select(func.sum(MentionBucket.negative)).where(MentionBucket.width == 15))
        assert negative == db.session.scalar(select(func.count()).select_from(Mention).where(
            func.coalesce(Mention.sentiment_corrected, Mention.sentiment) == "negative"))


# --- crises, cards, cooldown, idempotency --------------------------------------------------------

def test_cooldown_keeps_a_rule_quiet_after_its_alert(app, watched):
    agency_id, client_id, keyword_id, rule_id = watched
    history(app, watched, steady(8))
    add_mentions(app, agency_id, client_id, keyword_id, spike_rows())
    assert len(detect(app, agency_id).alerts) == 1
    close_all(app, agency_id)
    later = T + timedelta(minutes=30)
    add_mentions(app, agency_id, client_id, keyword_id, spike_rows(end=later, minutes=30, seed=100))
    assert detect(app, agency_id, later).alerts == []  # still within the 180-minute cooldown
    far = T + timedelta(hours=5)
    add_mentions(app, agency_id, client_id, keyword_id, spike_rows(end=far, seed=101))
    assert len(detect(app, agency_id, far).alerts) == 1
    assert count(app, agency_id, Crisis) == 2


def close_all(app, agency_id):
    """Close every open crisis of an agency, as its owner."""
    from saas.auth.models import Membership

    with app.app_context(), tenancy.agency_scope(agency_id):
        owner = db.session.scalar(select(Membership).where(Membership.role == "owner")).user
        for crisis in db.session.scalars(select(Crisis).where(Crisis.status == "open")):
            incidents.close_crisis(crisis, owner)
        db.commit()


def test_one_crisis_card_per_crisis_across_passes_and_rules(app, watched):
    agency_id, client_id, keyword_id, _rule = watched
    history(app, watched, steady(8))
    add_mentions(app, agency_id, client_id, keyword_id, spike_rows(minutes=75))
    assert len(detect(app, agency_id, T - timedelta(minutes=15)).alerts) == 1
    add_rule(app, agency_id, client_id, name="Keyword watch", keyword_id=keyword_id, sensitivity="high",
             recipient_pole="cm")
    assert len(detect(app, agency_id).alerts) == 1  # the second rule joins the open crisis
    detect(app, agency_id, T + timedelta(minutes=5))
    with app.app_context(), tenancy.agency_scope(agency_id):
        assert db.session.scalar(select(func.count()).select_from(Crisis)) == 1
        assert db.session.scalar(select(func.count()).select_from(CrisisAlert)) == 2
        card = db.session.get(BoardCard, db.session.scalar(select(CrisisCard.card_id)))
        assert db.session.scalar(select(func.count()).select_from(BoardCard)) == 1
        assert card.pole == "both" and {m.pole for m in card.assignees} == {"rp", "cm", "both"}
        items = db.session.scalars(select(ChecklistItem.text).where(ChecklistItem.card_id == card.id)).all()
        with force_locale(app.config["BABEL_DEFAULT_LOCALE"]):  # the detector writes in the app's language
            assert items == checklist()
        assert 0 < db.session.scalar(select(func.count()).select_from(CardMention)) <= 20


def test_a_pass_that_dies_is_redone_without_duplicate_alerts(app, watched, monkeypatch):
    agency_id, client_id, keyword_id, _rule = watched
    history(app, watched, steady(8))
    add_mentions(app, agency_id, client_id, keyword_id, spike_rows())

    def die(*args, **kwargs):
        raise RuntimeError("worker killed mid-pass")

    monkeypatch.setattr(incidents, "plan_deliveries", die)
    with app.app_context():
        assert detect_crises(now=T)["failed"] == [agency_id]
    assert count(app, agency_id, Crisis) == 0 and count(app, agency_id, BoardCard) == 0
    monkeypatch.undo()
    with app.app_context():
        assert detect_crises(now=T)["alerts"] == 1
        assert detect_crises(now=T)["alerts"] == 0  # the same window again: no second alert
    assert count(app, agency_id, CrisisAlert) == 1 and count(app, agency_id, BoardCard) == 1
    assert count(app, agency_id, AlertDelivery) == 3  # one email per member of the team


def test_lost_delivery_jobs_are_queued_again_by_the_next_pass(app, watched):
    agency_id, client_id, keyword_id, _rule = watched
    history(app, watched, steady(8))
    add_mentions(app, agency_id, client_id, keyword_id, spike_rows())
    detect(app, agency_id)
    with app.app_context():
        assert len(delivery_jobs()) == 3
        get_queue("mail").empty()  # Redis lost them
    with app.app_context(), tenancy.agency_scope(agency_id):
        for delivery in db.session.scalars(select(AlertDelivery)):
            delivery.created_at = T - timedelta(hours=1)
        db.commit()
    detect(app, agency_id, T + timedelta(minutes=5))
    with app.app_context():
        assert len(delivery_jobs()) == 3


def delivery_jobs():
    """The ids of the crisis delivery jobs waiting in the mail queue."""
    return [job_id for job_id in get_queue("mail").job_ids if job_id.startswith("crisis-delivery-")]


def test_agency_a_spike_never_alerts_agency_b(app, make_agency):
    a, b = make_agency("Agence Alpha"), make_agency("Agence Beta")
    sides = {}
    for made, rows in ((a, spike_rows()), (b, [])):
        client_id, keyword_id = make_client(app, made.id)  # same client name in both agencies
        add_rule(app, made.id, client_id)
        add_mentions(app, made.id, client_id, keyword_id, stream(steady(8), T - WEEKS, T, seed=1) + rows)
        sides[made.id] = client_id
    with app.app_context():
        assert detect_crises(now=T)["alerts"] == 1
    assert count(app, a.id, Crisis) == 1 and count(app, a.id, AlertDelivery) == 1
    assert count(app, b.id, Crisis) == 0 and count(app, b.id, AlertDelivery) == 0 and count(app, b.id, BoardCard) == 0
    with app.app_context(), tenancy.agency_scope(b.id):
        b_total = db.session.scalar(select(func.sum(MentionBucket.mentions)).where(MentionBucket.width == 60))
        assert b_total == db.session.scalar(select(func.count()).select_from(Mention))


def test_the_watermark_waits_for_mentions_whose_transaction_may_still_be_open(app, watched):
    agency_id, client_id, keyword_id, _rule = watched
    history(app, watched, steady(8))
    detect(app, agency_id)
    fresh = [dict(row, created_at=utcnow()) for row in stream(steady(8), T, T + timedelta(minutes=15), seed=9)]
    add_mentions(app, agency_id, client_id, keyword_id, fresh)
    with app.app_context(), tenancy.agency_scope(agency_id):
        settled = db.session.scalar(select(DetectorState.last_mention_id))
    detect(app, agency_id, T + timedelta(minutes=15))
    with app.app_context(), tenancy.agency_scope(agency_id):
        assert db.session.scalar(select(DetectorState.last_mention_id)) == settled  # read, counted, not passed
        counted = db.session.scalar(select(func.sum(MentionBucket.mentions)).where(MentionBucket.width == 60))
        assert counted == db.session.scalar(select(func.count()).select_from(Mention))
