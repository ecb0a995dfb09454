"""The keyword query language: normalisation, parsing, operators and the errors a user sees."""
import random

import pytest
from flask_babel import LazyString

from saas.normalize import normalize, normalize_with_offsets, searchable_form, tokenize
from tenants.monitoring.language.query import And, Not, Or, QueryError, Term, parse_query


def matches(query: str, text: str) -> bool:
    """Parse a query and tell whether one text matches it."""
    return parse_query(query).matches(text)


def error_of(query: str) -> QueryError:
    """Return the QueryError a query raises."""
    with pytest.raises(QueryError) as caught:
        parse_query(query)
    return caught.value


# Normalisation


def test_case_and_accents_are_ignored():
    assert normalize("ÉCLAIR Crème Brûlée") == "eclair creme brulee"
    assert matches("creme brulee", "Crème BRÛLÉE maison")
    assert matches("Crème", "creme")


@pytest.mark.parametrize("text, expected", [
    ("Œuvre", "oeuvre"), ("cœur", "coeur"), ("Æsop", "aesop"), ("Straße", "strasse"), ("ẞ", "ss"),
    ("ﬁnance", "finance"), ("Øresund", "oresund"), ("Łódź", "lodz"),
])
def test_ligatures_and_special_letters_fold_to_plain_letters(text, expected):
    assert normalize(text) == expected


def test_decomposed_accents_fold_like_composed_ones():
    assert normalize("e\u0301te\u0301") == normalize("été") == "ete"


@pytest.mark.parametrize("text", ["l'Oréal", "l’Oréal", "L'ORÉAL", "L‘oréal", "Oréal"])
@pytest.mark.parametrize("query", ["oréal", "Oréal", "L'Oréal", "l’oreal"])
def test_elision_l_oreal_matches_oreal(query, text):
    assert matches(query, text)


@pytest.mark.parametrize("elided, word", [
    ("l'Oréal", "oreal"), ("d'Orange", "orange"), ("qu'Airbus", "airbus"), ("jusqu'Orléans", "orleans"),
    ("lorsqu'Engie", "engie"), ("puisqu'Intel", "intel"), ("c'Evian", "evian"), ("j'Apple", "apple"),
    ("m'Ikea", "ikea"), ("n'Oasis", "oasis"), ("s'Amazon", "amazon"), ("t'Uber", "uber"),
])
def test_french_elisions_are_dropped(elided, word):
    assert normalize(elided) == word
    assert matches(word, f"Vous avez vu {elided} ?")


def test_typographic_apostrophe_counts_as_apostrophe():
    assert normalize("l’Oréal") == normalize("l'Oréal") == normalize("lʼOréal")


def test_apostrophe_inside_a_word_splits_it_on_both_sides_alike():
    assert normalize("aujourd'hui") == "aujourd hui"
    assert matches("aujourd'hui", "Aujourd’hui, grève")
    assert matches("McDonald's", "chez McDonald’s ce midi")
    assert matches("mcdonald", "chez McDonald's ce midi")


def test_punctuation_emojis_hashtags_and_mentions_become_word_breaks():
    assert tokenize("🎉#Danone, @danone!! (Blédina)…") == ["danone", "danone", "bledina"]


def test_searchable_form_wraps_the_normalised_text_in_spaces():
    assert searchable_form("  Hello,   World ") == " hello world "


def test_offsets_point_each_normalised_character_back_to_the_text():
    text = "  L’Œuvre — Straße, e\u0301té!"
    normalized, origin = normalize_with_offsets(text)
    assert normalized == normalize(text) == "oeuvre strasse ete"
    assert len(origin) == len(normalized) + 1
    assert [text[origin[i]] for i in range(6)] == ["Œ", "Œ", "u", "v", "r", "e"]
    assert text[origin[normalized.index("ete")]] == "e"


def test_normalize_with_offsets_agrees_with_normalize_on_random_texts():
    rng = random.Random(7)
    alphabet = "aeiouLDJQéÉèœŒßﬁ'’ -_#@!?,.🎉\u0301\t\n" + "jusqu lorsqu qu"
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert normalize_with_offsets(text)[0] == normalize(text), repr(text)


# Terms, phrases, prefixes


def test_whole_words_only_eau_does_not_match_bateau():
    assert not matches("eau", "Le bateau coule")
    assert matches("eau", "Une bouteille d'eau")


def test_prefix_star_matches_words_starting_with_it():
    assert matches("danon*", "Danonino pour les enfants")
    assert matches("danon*", "#DANONE")
    assert not matches("danon*", "Adanone")


def test_prefix_on_a_phrase_applies_to_its_last_word():
    assert matches('"crédit agri*"', "Crédit Agricole")
    assert not matches('"crédit agri*"', "crédit agréable")
    assert matches("crédit-agri*", "le Crédit Agricole annonce")


def test_phrase_matches_across_punctuation_and_extra_spaces():
    assert matches('"offre d\'emploi"', "Nouvelle OFFRE  –  d’emploi chez nous")
    assert matches('"Coca Cola"', "J'adore le Coca-Cola!")


def test_phrase_words_must_be_adjacent_and_in_order():
    assert not matches('"grève SNCF"', "La SNCF annonce une grève")
    assert not matches('"grève SNCF"', "grève à la SNCF")


def test_hyphenated_word_is_a_phrase_not_an_exclusion():
    query = parse_query("Coca-Cola")
    assert query.expression == Term(" coca cola ")
    assert matches("Coca-Cola", "coca cola zéro")


def test_french_quotes_delimit_phrases_too():
    assert parse_query("« offre d'emploi »").expression == Term(" offre emploi ")
    assert parse_query("“Crédit Mutuel”").expression == Term(" credit mutuel ")


# Operators and precedence


def test_terms_side_by_side_must_all_be_found():
    assert matches("Danone yaourt", "Un yaourt Danone")
    assert not matches("Danone yaourt", "Danone recrute")


def test_or_and_pipe_accept_either_side():
    for query in ("Danone OR Blédina", "Danone | Blédina", "Danone|Blédina"):
        assert matches(query, "blédina bébé") and matches(query, "danone") and not matches(query, "nestlé")


def test_lower_case_or_is_an_ordinary_word():
    assert parse_query("danone or bledina").expression == And((Term(" danone "), Term(" or "), Term(" bledina ")))


def test_explicit_and_is_accepted():
    assert parse_query("Danone AND yaourt").expression == parse_query("Danone yaourt").expression


def test_minus_and_not_exclude():
    assert matches("Danone -recrutement", "Danone lance un yaourt")
    assert not matches("Danone -recrutement", "Danone: recrutement ouvert")
    assert not matches('Danone NOT "offre d\'emploi"', "Danone publie une offre d’emploi")


def test_not_binds_tighter_than_and():
    assert parse_query("a NOT b c").expression == And((Term(" a "), Not(Term(" b ")), Term(" c ")))


def test_and_binds_tighter_than_or():
    assert parse_query("a b OR c").expression == Or((And((Term(" a "), Term(" b "))), Term(" c ")))
    assert matches("a b OR c", "c") and not matches("a b OR c", "a")


def test_parentheses_group_alternatives():
    query = "(Danone OR \"Blédina\") -recrutement NOT \"offre d'emploi\""
    assert matches(query, "Les petits pots Blédina rappelés")
    assert not matches(query, "Blédina recrutement 2024")
    assert not matches(query, "Danone: offre d'emploi à Paris")
    assert matches("Danone (grève OR boycott)", "Appel au #boycott de Danone")
    assert not matches("Danone (grève OR boycott)", "Danone lance un yaourt")


def test_not_applies_to_a_group():
    assert matches("Danone -(grève OR boycott)", "Danone lance un yaourt")
    assert not matches("Danone -(grève OR boycott)", "grève chez Danone")


def test_an_or_branch_with_an_exclusion_is_fine_when_the_rest_looks_for_a_word():
    assert matches("Danone (yaourt OR -recrutement)", "Danone innove")
    assert not matches("Danone (yaourt OR -recrutement)", "Danone recrutement")


def test_trigger_keys_leave_out_excluded_terms_and_keep_one_side_of_and():
    query = parse_query("Danone (grève OR boycott) -recrutement")
    assert query.trigger_keys == {" danone "}
    # Lower-case words bring their plurals (see test_query_table.py); a capitalised name stays as written.
    assert query.positive_keys == {" danone ", " greve ", " greves ", " boycott ", " boycotts "}
    assert query.keys == query.positive_keys | {" recrutement ", " recrutements "}
    assert parse_query("Danone OR Blédina").any_trigger_suffices
    assert not parse_query("Danone -recrutement").any_trigger_suffices


# Invalid queries: a message a community manager understands, and where the mistake is


def test_unclosed_quote_points_at_position():
    error = error_of('Danone "offre d\'emploi')
    assert error.position == 7
    assert "position 8" in str(error) and "quote" in str(error)


def test_unclosed_parenthesis_points_at_it():
    error = error_of("(Danone OR Blédina -recrutement")
    assert error.position == 0 and "never closed" in str(error)


def test_closing_parenthesis_without_opening_points_at_it():
    error = error_of("Danone OR Blédina)")
    assert error.position == 17 and "never opened" in str(error)


@pytest.mark.parametrize("query", ["", "   ", "\n\t"])
def test_empty_query_is_refused(query):
    error = error_of(query)
    assert error.position == 0 and "empty" in str(error)


@pytest.mark.parametrize("query", ["-recrutement", "NOT Danone", '-"offre d\'emploi" -stage'])
def test_query_of_only_exclusions_is_refused(query):
    assert "only excludes" in str(error_of(query))


def test_or_side_of_only_exclusions_points_at_it():
    error = error_of("Danone OR -recrutement")
    assert error.position == 11 and "each side of OR" in str(error)


@pytest.mark.parametrize("query, position", [
    ("Danone OR", 7), ("OR Danone", 0), ("Danone OR OR Blédina", 7), ("Danone |", 7), ("(OR Danone)", 1),
    ("Danone OR )", 7), ("AND Danone", 0),
])
def test_dangling_or_points_at_it(query, position):
    error = error_of(query)
    assert error.position == position and "needs a word on each side" in str(error)


@pytest.mark.parametrize("query, position, words", [
    ("Danone NOT", 7, "NOT"), ("Danone - recrutement", 7, "minus sign"), ("Danone -", 7, "minus sign"),
    ("Danone -)", 7, "minus sign"), ("Danone NOT OR Blédina", 7, "NOT"), ("(Danone NOT)", 8, "NOT"),
])
def test_dangling_not_points_at_it(query, position, words):
    error = error_of(query)
    assert error.position == position and words in str(error)


def test_empty_parentheses_are_refused():
    assert error_of("Danone ()").position == 7


def test_too_long_query_is_refused():
    error = error_of("Danone " * 80)
    assert error.position == 500 and "too long" in str(error)


def test_too_many_words_points_at_the_first_one_too_many():
    query = " ".join(f"m{number}" for number in range(51))
    parse_query(query[:query.index(" m50")])  # 50 words are fine
    error = error_of(query)
    assert error.position == query.index("m50") and "too many words" in str(error)


def test_star_inside_a_word_is_a_wildcard():
    assert matches("Dan*one", "Danone") and matches("Dan*one", "Dannnone") and not matches("Dan*one", "Danon")
    assert matches('"cré*dit agricole"', "Crédit Agricole") and not matches('"cré*dit agricole"', "crédit mutuel")
    assert error_of("*phone").position == 0 and "cannot start with" in str(error_of("*phone"))


def test_prefix_needs_three_letters():
    error = error_of("Danone da*")
    assert error.position == 9 and "at least 3 letters" in str(error)


def test_term_without_letters_is_refused():
    error = error_of("Danone 🎉")
    assert error.position == 7 and "no letters or digits" in str(error)
    assert error_of('Danone "!!"').position == 7


def test_error_messages_are_translatable_and_count_positions_from_one():
    error = error_of("(Danone")
    assert isinstance(error.message, LazyString)
    assert str(error) == "The parenthesis opened at position 1 is never closed."
