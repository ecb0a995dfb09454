"""What every search box reads: words and "phrases", with case, accents and punctuation folded.

The syntax, the same everywhere (the boxes say it in their hint): several words must all
appear, in any order; words between double quotes (or « guillemets ») must appear together,
in that order. Case, accents, ligatures (œ, æ) and typographic apostrophes never matter.

The database folds with the SQL function `relais_fold(text)`: on SQLite the keyword
matcher's normalisation (saas/normalize.py), registered on every connection
by saas/db.py; on PostgreSQL the function of migration 0010 (unaccent, lower case,
punctuation to spaces). The folded text is words separated by single spaces, so a term
matches where a word starts: "aero" finds "Aérospatiale", "cume" does not find "écume".
Mentions also have full-text search on PostgreSQL: tenants/monitoring/web/search.py.
"""
import re

from sqlalchemy import String, and_, func, literal

from saas.normalize import normalize

MAX_TERMS = 12  # a search text holds at most this many words and phrases (the rest is ignored)
QUOTES = re.compile(r"[«»“”„]")


def terms(text):
    """The words and phrases of a search text, in order, without duplicates or empty ones.

    A quote left open runs to the end of the text; a term with no letter or digit is dropped.
    """
    found, seen = [], set()
    for index, part in enumerate(QUOTES.sub('"', text or "").split('"')):
        for term in [" ".join(part.split())] if index % 2 else part.split():
            key = term.casefold()
            if any(character.isalnum() for character in term) and key not in seen:
                seen.add(key)
                found.append(term)
    return found[:MAX_TERMS]


def fold(text):
    """SQLite's relais_fold: lower-case unaccented words joined by single spaces (None stays None)."""
    if text is None:
        return None
    return normalize(text)


def natural_key(text):
    """The order a person expects for labels: accents and case aside, numbers by value ("Sujet 2" before
    "Sujet 10", "école" among the e's)."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part)
            for part in re.split(r"(\d+)", fold(text) or "") if part]


def register_sqlite_functions(dbapi_connection):
    """Give a new SQLite connection relais_fold (deterministic: SQLite may reuse its results)."""
    dbapi_connection.create_function("relais_fold", 1, fold, deterministic=True)


def all_terms(document, search_terms):
    """SQL condition: each term starts a word of `document` (case, accents and punctuation aside).

    Folding turns LIKE's wildcards (% and _) into spaces, so the user's text needs no escaping.
    """
    folded = literal(" ") + func.relais_fold(document, type_=String)
    return and_(*(folded.like(literal("% ") + func.relais_fold(term, type_=String) + literal("%"))
                  for term in search_terms))
