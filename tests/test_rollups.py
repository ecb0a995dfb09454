"""The dashboard's daily rollups: the same figures whether they come from `mentions`, the rollups or both, at every
moment (a mention past the watermark counts at once, a correction or a deleted keyword recounts its days, a new
time zone rebuilds them), on the agency's days; a pass never folds a mention stored too recently."""
from datetime import date, timedelta

from sqlalchemy import delete, func, select, update

from saas import db, tenancy
from saas.auth.models import Agency
from saas.db import utcnow
from tenants.dashboards import figures, periods, rollups
from tenants.dashboards.models import MentionRollup, RollupState
from tenants.monitoring import service as monitoring
from tenants.monitoring.models import Keyword, Mention
from tenants.monitoring.web import inbox
from tests.test_dashboards import known, paris  # noqa: F401  (fixtures)
from tests.test_workspace_home import agency  # noqa: F401  (fixture: an agency in Europe/Paris)

WEEK = periods.Period("custom", date(2026, 11, 1), date(2026, 11, 7), date(2026, 10, 25), date(2026, 10, 31))
LATER = utcnow() + timedelta(hours=1)  # every mention stored so far has settled by then


def figures_of(app, agency, client_id):
    with app.test_request_context(), tenancy.agency_scope(agency.id):
        d = figures.client_dashboard(client_id, WEEK)
        return ([(day.day, day.positive, day.neutral, day.negative, day.previous) for day in d.days],
                (d.current.positive, d.current.neutral, d.current.negative), d.previous.total, d.sources,
                [m.title for m in d.visible], d.authors, [m.title for m in d.most_negative])


def refresh(app, agency, now=LATER):
    with app.test_request_context(), tenancy.agency_scope(agency.id):
        folded = rollups.refresh(now)
        db.commit()
        return folded


def rollup_rows(app, agency):
    with app.app_context(), tenancy.agency_scope(agency.id):
        return db.session.scalar(select(func.count()).select_from(MentionRollup))


def test_rollups_give_the_figures_mentions_give_and_new_mentions_count_at_once(app, agency, known):
    counted = figures_of(app, agency, known["danone"])
    assert counted[0][0] == (date(2026, 11, 1), 1, 0, 1, 1) and counted[1] == (2, 3, 2)
    assert refresh(app, agency) == 12  # every mention of both clients
    assert rollup_rows(app, agency) > 0
    assert figures_of(app, agency, known["danone"]) == counted
    assert refresh(app, agency) == 0  # nothing new
    with app.app_context(), tenancy.agency_scope(agency.id):
        # Taken out behind the rollups' back, the mention still counts: the figures come from the rollups.
        db.session.execute(delete(Mention).where(Mention.title == "Rappel de produits"))
        db.session.add(Mention(client_id=known["danone"], source_kind="rss", source_name="Libération",
                               item_key="new", title="Nouveau", published_at=paris(11, 6, 9), sentiment="negative"))
        db.commit()
    days, totals, previous, sources, *_rest = figures_of(app, agency, known["danone"])
    assert totals == (2, 3, 3) and days[5][3] == 1  # the new one, past the watermark, counts at once
    assert ("rss", "Libération", 1, 1) in sources and ("rss", "Le Monde", 4, 2) in sources
    _visible, authors, most_negative = _rest
    assert authors == [("bob", 3, 0), ("alice", 1, 0)]
    assert most_negative == ["Scandale à l'usine", "Nouveau"]  # a mention gone is skipped, a new one is there


def test_a_corrected_sentiment_and_a_deleted_keyword_recount_their_days(app, agency, known):
    refresh(app, agency)
    with app.test_request_context(), tenancy.agency_scope(agency.id):
        scandal = db.session.scalar(select(Mention).where(Mention.title == "Scandale à l'usine"))
        inbox.correct_sentiment(scandal, "positive", None)
        db.commit()
    days, totals, *_rest = figures_of(app, agency, known["danone"])
    assert totals == (3, 3, 1) and days[6][1:4] == (1, 0, 0)
    with app.test_request_context(), tenancy.agency_scope(agency.id):
        keyword = Keyword(client_id=known["danone"], query="danone", archived_at=utcnow(), active=False)
        db.session.add(keyword)
        db.session.flush()
        db.session.add(Mention(client_id=known["danone"], keyword_id=keyword.id, source_kind="rss", source_name="Le Monde",
                               item_key="kw", title="Par mot-clé", published_at=paris(11, 4, 8), sentiment="neutral"))
        db.commit()
    refresh(app, agency)
    assert figures_of(app, agency, known["danone"])[1] == (3, 4, 1)
    with app.test_request_context(), tenancy.agency_scope(agency.id):
        monitoring.delete_keyword(db.session.get(Keyword, keyword.id))
        db.commit()
    assert figures_of(app, agency, known["danone"])[1] == (3, 3, 1)


def test_a_new_time_zone_rebuilds_the_days(app, agency, known):
    refresh(app, agency)
    with app.app_context():
        db.session.get(Agency, agency.id).timezone = "America/New_York"
        db.commit()
    with app.test_request_context(), tenancy.agency_scope(agency.id):
        raw = figures.client_dashboard(known["danone"], WEEK)
    # 00:30 in Paris on 1 November is still 31 October in New York: the rollups' Paris days are not read.
    assert [day.total for day in raw.days][:1] == [1]
    assert refresh(app, agency) == 12
    with app.test_request_context(), tenancy.agency_scope(agency.id):
        assert db.session.scalar(select(RollupState.zone)) == "America/New_York"
        rebuilt = figures.client_dashboard(known["danone"], WEEK)
    assert [d.total for d in rebuilt.days] == [d.total for d in raw.days] and rebuilt.sources == raw.sources


def test_a_pass_leaves_the_mentions_stored_last_for_the_next_one(app, agency, known):
    with app.app_context(), tenancy.agency_scope(agency.id):
        db.session.execute(update(Mention).values(created_at=utcnow() - timedelta(hours=1)))
        newest = db.session.scalar(select(func.max(Mention.id)))
        db.session.execute(update(Mention).where(Mention.id == newest).values(created_at=utcnow()))
        db.commit()
    assert refresh(app, agency, now=utcnow()) == 11  # the one stored a moment ago waits
    with app.app_context(), tenancy.agency_scope(agency.id):
        assert db.session.scalar(select(RollupState.last_mention_id)) == newest - 1
    assert refresh(app, agency) == 1


def test_the_periodic_job_folds_every_agency_in_its_own_scope(app, agency, known, make_agency):
    other = make_agency("Agence Beta")
    with app.app_context():
        result = rollups.refresh_rollups(LATER)
    assert result["failed"] == [] and result["mentions"] == 12
    with app.app_context(), tenancy.agency_scope(other.id):
        assert db.session.scalar(select(func.count()).select_from(MentionRollup)) == 0
