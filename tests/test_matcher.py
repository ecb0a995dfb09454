"""Matching many keywords against many texts at once, and the spans that highlight them."""
import pickle
import random

import pytest

from tenants.monitoring.language.matcher import MAX_CLAUSES, build_index, match_details, match_items, match_text
from tenants.monitoring.language.query import parse_query

KEYWORDS = [
    (1, "Danone -recrutement", None),
    (2, "(Danone OR \"Blédina\") NOT \"offre d'emploi\"", None),
    (3, "L'Oréal", "fr"),
    (4, "Decathlon OR \"Décathlon Pro\"", "en"),
    (5, "danon*", None),
    (6, "eau", None),
    (7, "Evian (grève OR boycott)", None),
]


@pytest.fixture(scope="module")
def index():
    """An index of a few realistic keywords."""
    return build_index(KEYWORDS)


def highlighted(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """Return the pieces of text that the spans cover."""
    return [text[start:end] for start, end in spans]


def test_matches_many_keywords_at_once_in_index_order(index):
    assert match_text(index, "Blédina et Danone, même combat") == [1, 2, 5]


def test_exclusion_blocks_only_the_keyword_that_excludes(index):
    assert match_text(index, "Danone: recrutement en cours") == [2, 5]
    assert match_text(index, "Danone publie une offre d’emploi") == [1, 5]


def test_excluded_or_context_words_alone_wake_no_keyword(index):
    assert match_text(index, "Grève et boycott, recrutement, offre d'emploi") == []


def test_and_with_alternatives_needs_both_sides(index):
    assert match_text(index, "Appel au #boycott d'Evian 😡") == [7]
    assert match_text(index, "Evian sort une nouvelle bouteille") == []


def test_whole_words_by_default_and_prefix_with_star(index):
    assert match_text(index, "Le bateau du Danonino") == [5]
    assert match_text(index, "Une bouteille d'eau") == [6]


def test_hashtags_and_mentions_match_the_term(index):
    assert match_text(index, "Merci @Danone pour le #danone day") == [1, 2, 5]


def test_language_filter_keeps_only_texts_in_that_language(index):
    assert match_text(index, "J'adore l'Oréal", "fr") == [3]
    assert match_text(index, "I love L'Oréal", "en") == []
    assert match_text(index, "Decathlon opens in Leeds", "en-GB") == [4]
    assert match_text(index, "Decathlon ouvre à Lille", "fr-FR") == []


def test_unknown_text_language_passes_every_filter(index):
    assert match_text(index, "L'Oréal et Decathlon") == [3, 4]
    assert match_text(index, "L'Oréal et Decathlon", "") == [3, 4]


def test_a_language_no_keyword_filters_on_gets_only_unfiltered_keywords(index):
    assert match_text(index, "L'Oréal, Decathlon y Danone", "es") == [1, 2, 5]


def test_match_items_answers_each_item_in_order(index):
    items = [("Danone", "fr"), ("rien à voir", "fr"), ("L'Oréal", "en"), ("L’ORÉAL", "fr")]
    assert match_items(items, index) == [(1, 2, 5), (), (), (3,)]


def test_emojis_in_text_do_not_break_matching(index):
    assert match_text(index, "🔥🔥Danone🔥🔥 👨‍👩‍👧 #Blédina🍼") == [1, 2, 5]


def test_very_long_text_is_scanned_to_the_end(index):
    text = "bla " * 50_000 + "Blédina!"
    assert match_text(index, text) == [2]
    assert highlighted(text, match_details(index, text)[2]) == ["Blédina"]


def test_realistic_french_post():
    index = build_index([
        (10, "(SNCF OR \"Ouigo\") (grève OR retard*) -recrutement", "fr"),
        (11, "\"Crédit Agricole\" NOT \"offre d'emploi\"", None),
        (12, "Carrefour -\"Carrefour Market\"", None),
    ])
    post = ("Encore 2h de RETARD sur mon #Ouigo 😤 merci la SNCF… Et le Crédit Agricole qui m’appelle "
            "pendant ce temps-là. Bref, vivement Carrefour Market ce soir.")
    assert match_text(index, post, "fr") == [10, 11]


def test_realistic_english_post():
    index = build_index([
        (20, "Tesla (recall OR \"brake failure\")", "en"),
        (21, "McDonald's -hiring", "en"),
        (22, "Starbuck*", None),
    ])
    post = "BREAKING: @Tesla issues RECALL over brake-failure reports. Meanwhile McDonald’s and Starbucks are hiring 🙄"
    assert match_text(index, post, "en") == [20, 22]


def test_invalid_query_is_left_out_and_reported():
    index = build_index([(1, "Danone OR", None), (2, "Blédina", None)])
    assert match_text(index, "Danone Blédina") == [2]
    assert index.invalid[1].position == 7


def test_parsed_queries_are_accepted_as_well_as_texts():
    index = build_index([("kw-a", parse_query("Danone"), None), ("kw-b", "Danone", None)])
    assert match_text(index, "Danone") == ["kw-a", "kw-b"]


def test_empty_index_matches_nothing():
    index = build_index([])
    assert match_text(index, "Danone") == []
    assert match_items([("Danone", None)], index) == [()]
    assert match_details(index, "Danone") == {}


def test_index_survives_pickling(index):
    copy = pickle.loads(pickle.dumps(index))
    assert match_text(copy, "Blédina, Danone, l'Oréal") == [1, 2, 3, 5]
    assert match_details(copy, "Blédina") == match_details(index, "Blédina")


def test_query_with_too_many_clauses_is_evaluated_on_its_tree():
    # Each (a OR b) doubles the clauses of the whole: six pairs give 64, past MAX_CLAUSES.
    query = "marque " + " ".join(f"(w{pair}a OR w{pair}b)" for pair in range(6))
    assert 2 ** 6 > MAX_CLAUSES
    index = build_index([(1, query, None)])
    assert index.views[None].wake_ups[" marque "][0].evaluate is not None
    assert match_text(index, "marque w0a w1b w2a w3b w4a w5b") == [1]
    assert match_text(index, "marque w0a w1b w2a w3b w4a") == []


def test_matcher_agrees_with_one_query_at_a_time():
    rng = random.Random(42)
    words = ["danone", "bledina", "evian", "greve", "boycott", "recrutement", "eau", "bateau", "oreal", "emploi"]
    templates = ["{a}", "{a} {b}", "{a} OR {b}", "{a} -{b}", "({a} OR {b}) -{c}", "{a} NOT ({b} OR {c})",
                 "{a} ({b} OR -{c})", "\"{a} {b}\"", "{p}*", "{a} OR ({b} {c})"]
    keywords = []
    for number in range(200):
        a, b, c = rng.sample(words, 3)
        keywords.append((number, rng.choice(templates).format(a=a, b=b, c=c, p=a[:4]), rng.choice([None, "fr"])))
    index = build_index(keywords)
    queries = {number: (parse_query(query), language) for number, query, language in keywords}
    for _ in range(300):
        text = " ".join(rng.choices(words + ["L'", "#", "!", "le"], k=rng.randint(1, 12)))
        language = rng.choice([None, "fr", "en"])
        expected = [number for number, (query, filter_language) in queries.items()
                    if (not filter_language or not language or filter_language == language) and query.matches(text)]
        assert match_text(index, text, language) == expected, text


# Spans for highlighting


def test_spans_map_back_to_the_original_text_with_accents(index):
    text = "Les petits pots BLÉDINA, c’est fini ?"
    assert highlighted(text, match_details(index, text)[2]) == ["BLÉDINA"]


def test_spans_skip_the_elided_article(index):
    text = "Chez l’ORÉAL, on aime"
    assert match_details(index, text, "fr") == {3: [(7, 12)]}
    assert text[7:12] == "ORÉAL"


def test_spans_survive_ligatures_and_letters_that_grow_when_folded():
    index = build_index([(1, "coeur", None), (2, "strasse", None), (3, "finance", None)])
    text = "ﬁnance 🎉 Straße du Cœur"
    details = match_details(index, text)
    assert {keyword: highlighted(text, spans) for keyword, spans in details.items()} == {
        1: ["Cœur"], 2: ["Straße"], 3: ["ﬁnance"]}


def test_spans_cover_decomposed_accents():
    index = build_index([(1, "été", None)])
    text = "Bel e\u0301te\u0301 !"
    assert highlighted(text, match_details(index, text)[1]) == ["e\u0301te\u0301"]


def test_phrase_span_covers_the_words_and_what_lies_between():
    index = build_index([(1, '"offre d\'emploi"', None)])
    text = "Nouvelle OFFRE  –  d’emploi !"
    assert highlighted(text, match_details(index, text)[1]) == ["OFFRE  –  d’emploi"]


def test_prefix_span_covers_the_whole_word(index):
    text = "#Danonino au goûter"
    assert highlighted(text, match_details(index, text)[5]) == ["Danonino"]


def test_every_occurrence_is_a_span_and_excluded_terms_are_not(index):
    text = "Evian, grève chez EVIAN, boycott! et recrutement"
    assert highlighted(text, match_details(index, text)[7]) == ["Evian", "grève", "EVIAN", "boycott"]


def test_details_leave_out_keywords_whose_exclusions_were_found(index):
    assert match_details(index, "Danone recrutement offre d'emploi", "fr") == {5: [(0, 6)]}


def test_details_are_empty_when_nothing_matches(index):
    assert match_details(index, "rien à signaler") == {}
