"""Bulk mention insertion: idempotent on both paths, and row-level security checks every row."""
import psycopg
import pytest
from sqlalchemy import func, select

from saas import db, tenancy
from saas.db import utcnow
from tenants.clients.models import Client
from tenants.monitoring.pipeline.ingest import COPY_THRESHOLD, excerpt_around, insert_mentions
from tenants.monitoring.models import Mention
from tests.conftest import postgres_only


def _rows(agency_id, client_id, count, prefix="k"):
    return [{"agency_id": agency_id, "client_id": client_id, "keyword_id": None, "source_kind": "rss",
             "source_name": "Le Fil", "item_key": f"{prefix}{i}", "url": None, "title": f"Title {i}", "excerpt": "",
             "highlights": [[0, 5]], "author": None, "published_at": utcnow(), "language": "fr",
             "sentiment": "neutral", "sentiment_score": 0.0, "status": "new", "created_at": utcnow()}
            for i in range(count)]


@pytest.fixture
def target(app, make_agency):
    agency = make_agency()
    with app.app_context(), tenancy.agency_scope(agency.id):
        client = Client(name="Danone")
        db.session.add(client)
        db.commit()
        return agency.id, client.id


@pytest.mark.parametrize("count", [5, COPY_THRESHOLD + 100])
def test_insert_mentions_skips_duplicates_on_both_paths(app, target, count):
    agency_id, client_id = target
    with app.app_context():
        assert insert_mentions({agency_id: _rows(agency_id, client_id, count)}) == {agency_id: count}
        db.commit()
        assert insert_mentions({agency_id: _rows(agency_id, client_id, count)}) == {agency_id: 0}
        db.commit()
        with tenancy.agency_scope(agency_id):
            assert db.session.scalar(select(func.count()).select_from(Mention)) == count
            assert db.session.scalars(select(Mention.highlights)).first() == [[0, 5]]


@postgres_only
def test_copy_path_rows_of_another_agency_are_refused_by_row_level_security(app, target, make_agency):
    agency_id, client_id = target
    other = make_agency("Agence Beta")
    with app.app_context():
        with pytest.raises(Exception) as caught:
            with tenancy.agency_scope(other.id):
                db.copy_insert_ignoring_duplicates(Mention, _rows(agency_id, client_id, 3), ["agency_id", "client_id", "item_key"], "id")
        # Raised through SQLAlchemy, as every statement of the app (the INSERT goes through it: saas/pagecache.py counts it).
        assert isinstance(getattr(caught.value, "orig", caught.value), psycopg.errors.InsufficientPrivilege)
        assert "row-level security" in str(caught.value)
        db.session.rollback()


def test_excerpt_is_cut_around_the_match_and_spans_follow():
    text = "x" * 500 + " Danone rappelle des yaourts " + "y" * 500
    start = text.index("Danone")
    excerpt, spans = excerpt_around(text, [(start, start + 6)])
    assert len(excerpt) <= 322 and excerpt.startswith("…") and excerpt.endswith("…")
    (s, e), = spans
    assert excerpt[s:e] == "Danone"
