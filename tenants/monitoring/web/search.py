"""Searching mentions (the inbox's `q`, its exports and live updates).

PostgreSQL: full text. Each mention's title and excerpt are stored as `mentions.search_vector`
in its language's configuration (relais_fr, relais_en, else relais_simple: migration 0010),
accents and case folded, French and English words stemmed ("rappels" finds "rappel"). A search
is tried in the three configurations at once, so a mention is found whatever language it was
detected in. The GIN index is reached through relais_mention_hits (row-level security keeps the
app's own queries from using it, see the migration): when at most HITS_CAP mentions of the
agency match, the page reads them by id; when more match, the words are common and the inbox's
newest-first index finds a page of them quickly, checking the stored vector row by row.

SQLite: every word or phrase must start a word of the folded title and excerpt (saas/search.py).
"""
from sqlalchemy import Integer, any_, bindparam, func, literal_column, select
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR

from saas import db, search
from tenants.monitoring.models import Mention

# Up to this many matches the page reads them by id; reading 501 to find the words frequent costs
# a few ms, and past 0.5% of 100,000 mentions the newest-first scan finds a page within 10,000
# rows (docs/performance.md, bench_search).
HITS_CAP = 500
SEARCH_VECTOR = literal_column("mentions.search_vector", TSVECTOR)  # PostgreSQL only, not in the model


def websearch_text(search_terms):
    """The terms as websearch_to_tsquery reads them: each one quoted, so no word is an operator."""
    return " ".join(f'"{term}"' for term in search_terms)


def matching(text):
    """SQL condition keeping the mentions that match a search text; None when it holds no word."""
    search_terms = search.terms(text)
    if not search_terms:
        return None
    if not db.is_postgres():
        return search.all_terms(func.coalesce(Mention.title, "") + " " + func.coalesce(Mention.excerpt, ""),
                                search_terms)
    query = websearch_text(search_terms)
    hits = db.session.scalars(select(func.relais_mention_hits(query, HITS_CAP + 1))).all()
    if len(hits) <= HITS_CAP:
        return Mention.id == any_(bindparam("search_hits", hits, type_=ARRAY(Integer), unique=True))
    return SEARCH_VECTOR.op("@@")(func.relais_tsquery(query))
