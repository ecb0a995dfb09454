"""Queries as agencies paste them from Talkwalker, Brand24 or Mention: each one matches as expected or is refused.

Never a silent zero: an operator from another tool is either understood or refused with a message that
names the Relais way to write it. Rows: (query, text, fields of the item or None, expected), where
expected is True / False, or the start of the refusal message.
"""
import pytest
from flask_babel import force_locale

from tenants.monitoring.language.query import QueryError, parse_query
from tests.local_server import allow_local, local_server  # noqa: F401

LEMONDE = {"title": "Renault rappelle 300 000 véhicules", "author": "Jean Dupont",
           "url": "https://www.lemonde.fr/economie/article/2026/11/28/renault.html", "language": "fr", "source": "rss"}
BLUESKY = {"title": "", "author": "@marie.bsky.social", "url": "https://bsky.app/profile/marie/post/1",
           "language": "en", "source": "bluesky"}

TABLE = [
    # Proximity: NEAR/n, for words and phrases, in any order; ONEAR/n in order.
    ("Renault NEAR/5 rappel", "Renault annonce un vaste rappel de véhicules", None, True),
    ("Renault NEAR/5 rappel", "Le rappel touche aussi Renault", None, True),
    ("Renault NEAR/2 rappel", "Renault annonce aujourd'hui un très vaste rappel", None, False),
    ("Renault ONEAR/5 rappel", "Le rappel touche aussi Renault", None, False),
    ('"crédit agricole" NEAR/3 amende', "Le Crédit Agricole écope d'une lourde amende", None, True),
    ("(Renault OR Dacia) NEAR/4 (rappel OR recall)", "Dacia issues a recall of the Sandero", None, True),
    ("renault near/5 rappel", "Renault et son rappel", None, True),
    ("Renault NEAR rappel", "", None, "“NEAR” at position 9: write NEAR/5"),
    ("Renault NEAR/0 rappel", "", None, "NEAR/0 at position 9: the distance must be a number"),
    ("Renault W/5 rappel", "", None, "“W/5” at position 9: write NEAR/5"),
    ('"Renault rappel"~5', "", None, "“~” at position 17 is not understood: to find words close"),
    ("Renault NEAR/5 -Dacia", "", None, "NEAR at position 9 joins two words or phrases"),
    # Wildcards: trailing and inner.
    ("Carrefour AND gr?ve", "Grève chez Carrefour Market", None, True),
    ("Carrefour AND gr?ve", "Carrefour: le grand ménage", None, False),
    ("rappel*", "Rappels de produits Lactalis", None, True),
    ("rappel*", "Les rappeler au téléphone", None, True),
    ("r*ppel", "", None, "Put at least 2 letters before the wildcard at position 2"),
    ("*phone", "", None, "A word cannot start with *"),
    ("ra*", "", None, "Put at least 3 letters before the *"),
    # French and English operators.
    ("Renault OU Peugeot", "Peugeot 208 élue voiture de l'année", None, True),
    ("Renault ET Peugeot", "Renault dépasse Peugeot", None, True),
    ("Renault ET Peugeot", "Renault seul", None, False),
    ("Renault SAUF Dacia", "Renault et Dacia au salon", None, False),
    ("Renault SAUF Dacia", "Renault au salon", None, True),
    ("Renault AND NOT Dacia", "Renault et Dacia", None, False),
    ("Renault && Peugeot", "Renault et Peugeot", None, True),
    ("Renault || Peugeot", "Peugeot", None, True),
    ("Danone -recrutement", "Danone: recrutement ouvert", None, False),
    ("+Renault", "Renault", None, True),
    ("Renault & Peugeot", "", None, "“&” at position 9 is not an operator"),
    ("!Dacia Renault", "", None, "“!” at position 1 is not an operator here"),
    ("[Renault OR Dacia]", "", None, "“[” at position 1 is not understood: group words with parentheses"),
    ("Renault OR", "", None, "OR at position 9 needs a word on each side"),
    ("ET Renault", "", None, "ET at position 1 needs a word on each side"),
    ("Renault SAUF", "", None, "SAUF at position 9 must be followed by the word to exclude"),
    # Fields.
    ("title:Renault", "un article", LEMONDE, True),
    ("title:Dacia", "Dacia dans le corps du texte", LEMONDE, False),
    ('title:"Renault rappelle"', "", LEMONDE, True),
    ("title:(Dacia OR Renault)", "", LEMONDE, True),
    ("title:rappel*", "", LEMONDE, True),
    ('author:"Jean Dupont"', "", LEMONDE, True),
    ("author:Dupont Renault", "Renault", LEMONDE, True),
    ("site:lemonde.fr Renault", "Renault rappelle", LEMONDE, True),
    ("site:www.lemonde.fr", "", LEMONDE, True),
    ("site:lefigaro.fr Renault", "Renault rappelle", LEMONDE, False),
    ("Renault -site:lemonde.fr", "Renault", LEMONDE, False),
    ("Renault lang:fr", "Renault", LEMONDE, True),
    ("Renault lang:en", "Renault", LEMONDE, False),
    ("Renault source:bluesky", "Renault", BLUESKY, True),
    ("Renault source:reddit", "Renault", BLUESKY, False),
    ("domain:lemonde.fr", "", LEMONDE, True),
    ("country:fr Renault", "", None, "country: at position 1 is not a field Relais knows: use title:"),
    ("https://renault.fr", "", None, "https: at position 1: to follow a site write site:lemonde.fr"),
    ("source:twitter Renault", "", None, "source: at position 1: “twitter” is not a source Relais follows"),
    ("lang:français", "", None, "lang: at position 1 needs a two-letter language code"),
    ("site:le monde", "", None, "site: at position 1 needs a domain name"),
    ('"Renault:" Dacia', "Renault: Dacia", None, True),
    # Inflections: lower-case words bring plurals; names and + or quoted words stay as written.
    ("rappel", "Trois rappels de produits", None, True),
    ("recall", "Two recalls this week", None, True),
    ("journal", "Les journaux du matin", None, True),
    ("companies", "The company said", None, True),
    ('"rappel"', "Trois rappels de produits", None, False),
    ("+rappel", "Trois rappels de produits", None, False),
    ("Orange", "Des oranges au marché", None, False),
    # ... and their French feminine forms: adjectives, nouns and past participles.
    ("boycotté", "Les marques boycottées par les clients", None, True),
    ("boycottée", "Un produit boycotté", None, True),
    ("coûteux", "Une réparation coûteuse", None, True),
    ("rappel", "Renault rappelle ses clients", None, True),
    ("+boycotté", "Les marques boycottées", None, False),
    # Brand spellings.
    ("L'Oréal", "Loreal lance un sérum", None, True),
    ("L'Oréal", "L’ORÉAL Paris", None, True),
    ("L'Oréal", "Bravo #LOreal", None, True),
    ("Coca-Cola", "Un Coca Cola bien frais", None, True),
    ("Coca-Cola", "CocaCola zéro", None, True),
    ("Coca-Cola", "#CocaCola", None, True),
    ('"Société Générale"', "Grève à la #SocieteGenerale", None, True),
    ("McDonald's", "McDonalds ouvre à Lyon", None, True),
    ("Renault", "Re\u00adnault annonce", None, True),
    ("Coca-Cola", "Coca\u200b-Cola", None, True),
    ("Danone", "Da\u200bnone et Bléd\u00adina", None, True),
    ('"Crédit Agricole"', "#CreditAgricole", None, True),
    # Hashtags and accounts.
    ("#LOreal", "J'adore L'Oréal", None, False),
    ("#LOreal", "Campagne #LOréal", None, True),
    ("#LOreal", "Campagne #L’Oréal", None, True),
    ("@Renault", "Renault annonce", None, False),
    ("@Renault", "Merci @Renault pour la réponse", None, True),
    ("@Renault", "cc @renault@mastodon.social", None, True),
    ("@Renault", "écrivez à contact@renault.fr", None, False),
    ("#", "", None, "“#” at position 1 has no letters or digits"),
]


@pytest.mark.parametrize("query, text, fields, expected", TABLE, ids=[f"{row[0]} | {row[1][:20]}" for row in TABLE])
def test_agency_query(app, query, text, fields, expected):
    with app.test_request_context(), force_locale("en"):
        if isinstance(expected, str):
            with pytest.raises(QueryError) as caught:
                parse_query(query)
            assert str(caught.value).startswith(expected), str(caught.value)
        else:
            assert parse_query(query).matches(text, fields) is expected


def test_table_is_large_enough():
    assert len(TABLE) >= 60


@pytest.mark.parametrize("query, french", [
    ("Renault NEAR rappel", "écrivez NEAR/5"),
    ("country:fr Renault", "n'est pas un champ que Relais connaît"),
    ("Renault & Peugeot", "écrivez AND (ou ET)"),
])
def test_refusals_speak_the_users_language(app, query, french):
    with app.test_request_context(), force_locale("fr"):
        with pytest.raises(QueryError) as caught:
            parse_query(query)
        assert french in str(caught.value)


def test_preview_says_which_term_matched_where_and_why(app, client, make_agency):
    from tests.conftest import login
    from tests.test_monitoring import HX, add_client

    agency = make_agency()
    login(client, agency.owner_email)
    client_id = add_client(app, client, agency, "L'Oréal")
    response = client.post(f"/a/{agency.slug}/clients/{client_id}/keywords/preview",
                           data={"query": "L'Oréal rappel #Serum", "sample": "Loreal: deux rappels du #Sérum"},
                           headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "also loreal" in body and "only the hashtag #serum, not the bare word" in body
    assert "also rappels, rappelle, rappelles (plurals and inflections included" in body
    assert "“rappels” (character 14) matched rappel: another form of the word (plural, feminine or verb form)" in body
    assert "“#Sérum” (character 25) matched #Serum: the hashtag" in body
    assert "<mark>Loreal</mark>" in body and "<mark>#Sérum</mark>" in body


def test_fields_hashtags_and_patterns_in_the_matcher(app):
    from tenants.monitoring.language.matcher import build_index, match_details, match_text

    index = build_index([(1, "title:Renault", None), (2, "Carrefour gr?ve", None), (3, "#LOreal", None),
                         (4, "Renault NEAR/3 rappel", None), (5, "site:lemonde.fr", None)])
    # "rappelle" is a form of "rappel" (keyword 4); the fields hold title and site.
    assert match_text(index, "Renault rappelle", fields=LEMONDE) == [1, 4, 5]
    assert match_text(index, "Renault rappelle") == [4]
    text = "Grève chez Carrefour, #LOréal et Renault: rappel"
    assert match_text(index, text) == [2, 3, 4]
    details = match_details(index, text)
    assert [text[a:b] for a, b in details[2]] == ["Grève", "Carrefour"]
    assert [text[a:b] for a, b in details[3]] == ["#LOréal"]
    assert [text[a:b] for a, b in details[4]] == ["Renault", "rappel"]


def test_inflections_are_an_option_per_keyword():
    from tenants.monitoring.language.matcher import build_index, match_text

    assert parse_query("rappel").matches("deux rappels") and not parse_query("rappel", inflect=False).matches(
        "deux rappels")
    index = build_index([(1, "rappel", None), (2, "rappel", None, False), (3, "rappel", None, True)])
    assert match_text(index, "trois rappels") == [1, 3] and match_text(index, "un rappel") == [1, 2, 3]


def test_english_keywords_also_find_verb_forms_and_french_ones_feminine_forms():
    from tenants.monitoring.language.matcher import build_index, match_text

    assert parse_query("recall", language="en").matches("Renault recalled 300,000 cars")
    assert parse_query("ban", language="en").matches("The app was banned") and \
        parse_query("apply", language="en").matches("Fees applied")
    assert not parse_query("recall").matches("recalled")  # no language: plurals and French forms only
    assert not parse_query("model", language="en").matches("modelle")  # no French forms on an English keyword
    index = build_index([(1, "recall", "en"), (2, "recall", None), (3, "recall", "en", False)])
    assert match_text(index, "Renault is recalling cars", language="en") == [1]


def test_the_keyword_form_keeps_the_word_forms_choice(app, client, make_agency):
    from sqlalchemy import select

    from saas import db, tenancy
    from tenants.monitoring.models import Keyword
    from tests.conftest import login
    from tests.test_monitoring import HX, add_client

    agency = make_agency()
    login(client, agency.owner_email)
    client_id = add_client(app, client, agency, "Lactalis")
    url = f"/a/{agency.slug}/clients/{client_id}/keywords"
    assert client.post(url, data={"query": "rappel", "forms": "exact"}).status_code == 302
    assert client.post(url, data={"query": "lait"}).status_code == 302
    assert client.post(url, data={"query": "yaourt", "forms": "sometimes"}, headers=HX).status_code == 422
    preview = client.post(f"{url}/preview", data={"query": "rappel", "forms": "exact", "sample": "deux rappels"},
                          headers=HX).get_data(as_text=True)
    assert "does not match" in preview and "this exact form only" in preview
    with app.app_context(), tenancy.agency_scope(agency.id):
        kept = dict(db.session.execute(select(Keyword.query, Keyword.inflect)).all())
    assert kept == {"rappel": False, "lait": True}


def test_source_health_fetch_now_and_failing_searches(app, client, make_agency, local_server, allow_local):  # noqa: F811
    from datetime import timedelta

    from sqlalchemy import select

    from saas import db, tenancy
    from saas.db import utcnow
    from tenants.monitoring.models import ClientSource, Keyword, Source
    from tests.conftest import login
    from tests.test_monitoring import HX, add_client

    local_server.reply("/down", b"busy", status=503)
    agency = make_agency()
    login(client, agency.owner_email)
    client_id = add_client(app, client, agency, "Lactalis")
    client.post(f"/a/{agency.slug}/clients/{client_id}/feeds", data={"url": local_server.url_for("/down")})
    with app.app_context(), tenancy.agency_scope(agency.id):
        source = db.session.scalars(select(Source)).one()
        source.failures, source.last_error_code, source.last_fetched_at = 2, "feed_empty", utcnow()
        keyword = Keyword(client_id=client_id, query="Lactalis", active=True, backfill_state="done")
        db.session.add(keyword)
        db.session.flush()
        db.session.add(ClientSource(client_id=client_id, source_id=source.id, keyword_id=keyword.id))
        db.session.commit()
        source_id, keyword_id = source.id, keyword.id
    page = client.get(f"/a/{agency.slug}/clients/{client_id}/monitoring", headers={"Accept-Language": "fr"})
    body = page.get_data(as_text=True)
    assert "Recherches en échec" in body and "0,0 éléments par jour" in body and "Récupérer maintenant" in body
    assert "Le flux est vide." in body  # the last error, in the reader's language
    fetch = f"/a/{agency.slug}/clients/{client_id}/sources/{source_id}/fetch"
    assert client.post(fetch, headers=HX).status_code == 409  # fetched a moment ago: rate-limited
    with app.app_context():
        db.session.get(Source, source_id).last_fetched_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
    assert client.post(fetch).status_code == 302
    with app.app_context():
        assert db.session.get(Source, source_id).next_fetch_at <= utcnow()
    progress = client.get(f"/a/{agency.slug}/keywords/{keyword_id}/progress", headers={"Accept-Language": "en"})
    assert "Searches failing" in progress.get_data(as_text=True)
    assert client.post(f"/a/{agency.slug}/clients/{client_id}/sources/999999/fetch").status_code == 404


def test_site_written_as_an_address_and_lower_case_operators_in_the_preview(app):
    from tenants.monitoring.language.explain import describe_query

    assert parse_query("site:https://www.lemonde.fr/").matches("", LEMONDE)
    with app.test_request_context(), force_locale("en"):
        lines = [str(line) for line in describe_query(parse_query("Renault ou Peugeot"))]
    assert "“ou” in lower case is a word to find; write OU in capitals for the operator." in lines
