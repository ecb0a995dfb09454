"""Search boxes fold accents and case on PostgreSQL and on SQLite (`make run`).

The inbox (mentions: full text with stemming and a GIN index on PostgreSQL), the clients list
and the board filters; isolation between agencies; keyset pages of a search.
"""
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from sqlalchemy import insert, select

from saas import db, search, tenancy
from saas.auth import service as accounts
from saas.config import Config
from tenants.clients.models import Client
from tenants.monitoring.web import search as mention_search
from tenants.monitoring.models import Mention
from tests.conftest import PASSWORD, RelaisClient, login

EN = {"Accept-Language": "en"}
BASE = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)
# (title, excerpt, language): five mentions say "Écume", in the three configurations.
ECUME = [("L’Écume des jours au cinéma", "Une adaptation fidèle.", "fr"),
         ("Critique", "Le film Écume est une réussite, on en parle.", "fr"),
         ("ÉCUME: the sequel", "Fans queue for tickets.", "en"),
         ("Festival news", "The Écume collective plays tonight in Lyon.", "en"),
         ("Écume", "Reseña del concierto de anoche.", "und")]
OTHERS = [("Le rappel des yaourts", "Le fabricant retire un lot.", "fr"),
          ("Une Œuvre majeure", "Le musée expose la collection.", "fr"),
          ("Brand recalls its yogurts", "The company withdrew a batch.", "en"),
          ("Les jours de la mer", "Rien sur l’écume ici", "fr"),
          ("Danone résultats", "Le chiffre d’affaires progresse.", "fr")]


def add_mentions(app, agency_id, texts, prefix="m"):
    """Store mentions of one client of the agency, newest last; returns their ids."""
    with app.app_context(), tenancy.agency_scope(agency_id):
        brand = db.session.scalar(select(Client).where(Client.name == "Marque")) or Client(name="Marque")
        db.session.add(brand)
        db.session.flush()
        mentions = [Mention(client_id=brand.id, source_kind="rss", source_name="Le Fil", item_key=f"{prefix}-{i}",
                            title=title, excerpt=excerpt, highlights=[], published_at=BASE + timedelta(minutes=i),
                            language=language, sentiment="neutral", sentiment_score=0.0, status="new")
                    for i, (title, excerpt, language) in enumerate(texts)]
        db.session.add_all(mentions)
        db.commit()
        return [m.id for m in mentions]


def found(client, slug, query):
    """The titles of the mentions the inbox shows for a search."""
    body = client.get(f"/a/{slug}/mentions/", query_string={"q": query}, headers=EN).get_data(as_text=True)
    shown = {title for title, _excerpt, _language in ECUME + OTHERS if f">{title}<" in body}
    assert body.count('class="mention ') == len(shown)
    return shown


ECUME_TITLES = {title for title, _excerpt, _language in ECUME} | {"Les jours de la mer"}


# -- the query syntax ------------------------------------------------------------------------------

def test_terms_are_words_and_quoted_phrases():
    assert search.terms('Écume  "des   jours" « l’œuvre » rappel') == ["Écume", "des jours", "l’œuvre", "rappel"]
    assert search.terms('recall "open phrase') == ["recall", "open phrase"]
    assert search.terms("écume ÉCUME -- % _ \"\"") == ["écume"]
    assert search.terms("") == [] and search.terms(None) == []


def test_sqlite_fold_ignores_case_accents_ligatures_and_apostrophes():
    assert search.fold("L’ŒUVRE d'Écume, Æsop!") == search.fold("l'oeuvre D’ecume aesop")
    assert search.fold("50% _du_ lot") == "50 du lot"  # LIKE's wildcards never survive folding
    assert search.fold(None) is None


# -- PostgreSQL (the suite's database) -------------------------------------------------------------

@pytest.fixture
def corpus(app, client, make_agency):
    """An agency with the mentions above, another agency with the same texts; signed in as the first."""
    mine, theirs = make_agency("Agence Lumière"), make_agency("Agence Ombre")
    add_mentions(app, mine.id, ECUME + OTHERS)
    add_mentions(app, theirs.id, ECUME + OTHERS)
    login(client, mine.owner_email)
    return mine, theirs


@pytest.mark.parametrize("query", ["Écume", "écume", "ECUME", "ecume", "ÉcUmE"])
def test_accents_and_case_are_ignored(client, corpus, query):
    mine, _ = corpus
    assert found(client, mine.slug, query) == ECUME_TITLES


@pytest.mark.parametrize("query, expected", [
    ("rappels", {"Le rappel des yaourts"}),  # French stemming
    ("Œuvre", {"Une Œuvre majeure"}), ("oeuvre", {"Une Œuvre majeure"}), ("OEUVRES", {"Une Œuvre majeure"}),
    ("recall", {"Brand recalls its yogurts"}),  # English stemming
    ("yaourt rappel", {"Le rappel des yaourts"}), ("rappel yogurts", set()),  # every word must match
    ("jours écume", {"L’Écume des jours au cinéma", "Les jours de la mer"}),  # in any order
    ('"écume des jours"', {"L’Écume des jours au cinéma"}),  # a phrase: these words, together, in order
    ("« l’écume des jours »", {"L’Écume des jours au cinéma"}),
    ('"jours écume"', set()),
    ("écume or rappel", set()), ("-écume", ECUME_TITLES),  # no operators: words are words
])
def test_stemming_ligatures_and_phrases_on_postgres(client, corpus, query, expected):
    mine, _ = corpus
    assert found(client, mine.slug, query) == expected


def test_a_search_of_signs_only_filters_nothing(client, corpus):
    mine, _ = corpus
    assert len(found(client, mine.slug, '" -- "')) == len(ECUME + OTHERS)


def test_the_search_boxes_say_how_they_read_a_search(client, corpus):
    mine, _ = corpus
    english = client.get(f"/a/{mine.slug}/mentions/", headers=EN).get_data(as_text=True)
    assert "Several words: all must appear, in any order. “Words in quotes”: this exact phrase." in english
    french = client.get(f"/a/{mine.slug}/mentions/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Plusieurs mots : tous doivent figurer, dans n'importe quel ordre. « Mots entre guillemets »" in french
    clients_page = client.get(f"/a/{mine.slug}/clients/", headers=EN).get_data(as_text=True)
    assert 'title="Several words: all must appear' in clients_page


def test_another_agency_never_appears(app, client, corpus, database_url, monkeypatch):
    mine, theirs = corpus
    theirs_ids = set(add_mentions(app, theirs.id, [("Écume only there", "Rien", "fr")], prefix="t"))
    for cap in (mention_search.HITS_CAP, 2):  # through the hits, and through the stored vectors
        monkeypatch.setattr(mention_search, "HITS_CAP", cap)
        assert found(client, mine.slug, "écume") == ECUME_TITLES
        body = client.get(f"/a/{mine.slug}/mentions/?q=only+there").get_data(as_text=True)
        assert "Écume only there" not in body and 'class="mention ' not in body
    with psycopg.connect(database_url) as conn:
        conn.execute(f'SET ROLE "{Config.DATABASE_APP_ROLE}"')
        conn.execute("SELECT set_config('app.agency_id', %s, false)", (str(mine.id),))
        hits = {row[0] for row in conn.execute("SELECT relais_mention_hits('\"écume\"', 100)")}
        assert len(hits) == 6 and not hits & theirs_ids
        mine_only = conn.execute("SELECT count(*) FROM mentions WHERE id = ANY(%s)", (list(hits),)).fetchone()[0]
        assert mine_only == 6
        conn.execute("SELECT set_config('app.agency_id', '', false)")
        assert conn.execute("SELECT count(*) FROM relais_mention_hits('\"écume\"', 100)").fetchone()[0] == 0


@pytest.mark.parametrize("cap", [mention_search.HITS_CAP, 5])
def test_keyset_pages_of_a_search(app, client, make_agency, monkeypatch, cap):
    monkeypatch.setattr(mention_search, "HITS_CAP", cap)
    agency = make_agency()
    texts = [(f"Écume numéro {i}", "Texte", "fr") if i % 2 else (f"Autre sujet {i}", "Texte", "fr") for i in range(130)]
    add_mentions(app, agency.id, texts)
    login(client, agency.owner_email)
    first = client.get(f"/a/{agency.slug}/mentions/?q=ECUME").get_data(as_text=True)
    assert first.count('class="mention ') == 50 and "Écume numéro 129<" in first and "Autre sujet" not in first
    cursor = first.split("after=")[1].split("&")[0].split('"')[0]
    second = client.get(f"/a/{agency.slug}/mentions/?q=ECUME&after={cursor}", headers={"HX-Request": "true"})
    body = second.get_data(as_text=True)
    assert body.count('class="mention ') == 15 and "Écume numéro 29<" in body and "Écume numéro 1<" in body
    assert "Écume numéro 31<" not in body and "Autre sujet" not in body


def test_search_reads_the_gin_index_as_the_app_role(app, make_agency, database_url):
    """The app role's search goes through relais_mention_hits, whose plan uses the GIN index."""
    agency, other = make_agency("Agence Lumière"), make_agency("Agence Ombre")
    ids = add_mentions(app, agency.id, ECUME + OTHERS)
    filler = [{"source_kind": "rss", "source_name": "Le Fil", "item_key": f"f-{i}",
               "title": f"Danone publie ses résultats {i}", "excerpt": "Le chiffre d’affaires progresse encore.",
               "highlights": [], "published_at": BASE - timedelta(minutes=i), "language": ("fr", "en", "und")[i % 3],
               "sentiment": "neutral", "sentiment_score": 0.0, "status": "new"} for i in range(3000)]
    for owner in (agency, other):
        with app.app_context(), tenancy.agency_scope(owner.id):
            brand = Client(name="Danone")
            db.session.add(brand)
            db.session.flush()
            db.session.execute(insert(Mention), [{**row, "agency_id": owner.id, "client_id": brand.id} for row in filler])
            db.commit()
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE mentions")  # as autovacuum would: statistics, GIN pending list merged
        notices = []
        conn.add_notice_handler(lambda diagnostic: notices.append(diagnostic.message_primary))
        for statement in ("LOAD 'auto_explain'", "SET auto_explain.log_min_duration = 0",
                          "SET auto_explain.log_nested_statements = on", "SET auto_explain.log_level = notice",
                          "SET client_min_messages = notice", f'SET ROLE "{Config.DATABASE_APP_ROLE}"'):
            conn.execute(statement)
        conn.execute("SELECT set_config('app.agency_id', %s, false)", (str(agency.id),))
        hits = [row[0] for row in conn.execute("SELECT relais_mention_hits(%s, 2001)", ('"Écume"',))]
    assert sorted(hits) == sorted(ids[:5] + [ids[8]])
    plans = [notice for notice in notices if "public.mentions" in notice]
    assert plans and all("Bitmap Index Scan on ix_mentions_search_vector" in plan for plan in plans), notices


def test_clients_and_cards_searches_fold_accents_and_case(app, client, make_agency):
    _clients_and_cards_searches(app, client, make_agency())


def _clients_and_cards_searches(app, browser, agency):
    from tenants.boards import cards, service

    with app.app_context(), tenancy.agency_scope(agency.id):
        owner = db.session.get(accounts.User, agency.owner_id)
        for name, sector in (("Écume Studio", "Hôtellerie"), ("Danone", "Food"), ("Œuvres d’Art", "Culture")):
            db.session.add(Client(name=name, sector=sector))
        db.session.flush()
        brand = db.session.scalar(select(Client).where(Client.name == "Danone"))
        board = service.get_or_create_board(brand)
        column = service.list_columns(board)[0]
        for title in ("Rappel produit ÉTÉ", "Pitch presse", "L’œuvre du mois"):
            cards.create_card(board, column, {"title": title, "pole": "both"}, owner, [], [])
        db.commit()
        client_id = brand.id
    login(browser, agency.owner_email)

    def clients(query):
        body = browser.get(f"/a/{agency.slug}/clients/", query_string={"q": query}).get_data(as_text=True)
        return {name for name in ("Écume Studio", "Danone", "Œuvres d’Art") if name in body}

    def board_cards(query):
        body = browser.get(f"/a/{agency.slug}/boards/{client_id}", query_string={"q": query},
                           headers={"HX-Request": "true", "HX-Target": "board-columns"}).get_data(as_text=True)
        return {title for title in ("Rappel produit ÉTÉ", "Pitch presse", "L’œuvre du mois") if title in body}

    assert clients("ECUME") == clients("écume") == {"Écume Studio"}
    assert clients("hotel") == {"Écume Studio"} and clients("oeuvre") == {"Œuvres d’Art"}
    assert clients("culture oeuvres") == {"Œuvres d’Art"} and clients("culture danone") == set()
    assert clients("50%") == set() and len(clients("")) == 3
    assert board_cards("ete rappel") == {"Rappel produit ÉTÉ"} and board_cards("ŒUVRE") == {"L’œuvre du mois"}
    assert board_cards('"produit ete"') == {"Rappel produit ÉTÉ"} and board_cards('"ete produit"') == set()


# -- SQLite (`make run`) ---------------------------------------------------------------------------

@pytest.fixture
def sqlite_app(app, tmp_path):
    """The app on a fresh, migrated SQLite file; the suite's database is bound again after."""
    from saas import create_app
    from saas.cli import upgrade_database

    url = f"sqlite:///{tmp_path / 'relais.db'}"
    upgrade_database(url)
    config = type("SQLiteConfig", (object,), dict(app.config.items()))
    config.DATABASE_URL = url
    application = create_app(config)
    application.test_client_class = RelaisClient
    yield application
    db.session.remove()
    application.extensions["relais_engine"].dispose()
    db.SessionFactory.configure(bind=app.extensions["relais_engine"])


def sqlite_agency(app, name, email):
    with app.app_context():
        user = accounts.register_user(email, "Owner", PASSWORD)
        agency = accounts.create_agency(name, name.lower().replace(" ", "-"), user)
        db.commit()
        return type("Agency", (), {"id": agency.id, "slug": agency.slug, "owner_id": user.id, "owner_email": email})


def test_sqlite_search_folds_accents_case_and_ligatures(sqlite_app):
    mine = sqlite_agency(sqlite_app, "Agence Lumiere", "owner@lumiere.test")
    theirs = sqlite_agency(sqlite_app, "Agence Ombre", "owner@ombre.test")
    add_mentions(sqlite_app, mine.id, ECUME + OTHERS)
    add_mentions(sqlite_app, theirs.id, ECUME + OTHERS + [("Écume only there", "Rien", "fr")])
    browser = sqlite_app.test_client()
    login(browser, mine.owner_email)
    for query in ("Écume", "écume", "ECUME", "ecume"):
        assert found(browser, mine.slug, query) == ECUME_TITLES, query
    assert found(browser, mine.slug, "Œuvre") == found(browser, mine.slug, "oeuvre") == {"Une Œuvre majeure"}
    assert found(browser, mine.slug, "rappel") == {"Le rappel des yaourts"}
    assert found(browser, mine.slug, "recall") == {"Brand recalls its yogurts"}  # a word's start
    assert found(browser, mine.slug, "jours écume") == {"L’Écume des jours au cinéma", "Les jours de la mer"}
    assert found(browser, mine.slug, '"l’écume des jours"') == {"L’Écume des jours au cinéma"}
    assert found(browser, mine.slug, '"jours écume"') == set() and found(browser, mine.slug, "cume") == set()
    assert "Écume only there" not in browser.get(f"/a/{mine.slug}/mentions/?q=only").get_data(as_text=True)


def test_sqlite_keyset_pages_of_a_search(sqlite_app):
    agency = sqlite_agency(sqlite_app, "Agence Lumiere", "owner@lumiere.test")
    add_mentions(sqlite_app, agency.id, [(f"Écume numéro {i}", "Texte", "fr") if i % 2 else (f"Autre {i}", "Texte", "fr")
                                         for i in range(130)])
    browser = sqlite_app.test_client()
    login(browser, agency.owner_email)
    first = browser.get(f"/a/{agency.slug}/mentions/?q=ecume").get_data(as_text=True)
    assert first.count('class="mention ') == 50 and "Écume numéro 129<" in first
    cursor = first.split("after=")[1].split("&")[0].split('"')[0]
    body = browser.get(f"/a/{agency.slug}/mentions/?q=ecume&after={cursor}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert body.count('class="mention ') == 15 and "Écume numéro 1<" in body and "Autre" not in body


def test_sqlite_clients_and_cards_searches_fold_accents_and_case(sqlite_app):
    agency = sqlite_agency(sqlite_app, "Agence Lumiere", "owner@lumiere.test")
    _clients_and_cards_searches(sqlite_app, sqlite_app.test_client(), agency)
