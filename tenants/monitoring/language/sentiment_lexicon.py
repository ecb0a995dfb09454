"""Build, once per language, the lexicon index that the sentiment rules look words up in.

The package lexicon (VADER for English, textblob-fr for French) comes first and our
own lists in lexicons/ override it; every entry is tokenized exactly as posts are, so
that phrases like "c'est pas terrible" match token for token.
"""
import re
from dataclasses import dataclass
from functools import lru_cache

from tenants.monitoring.language import lexicons
from tenants.monitoring.language.tokens import collapse_elongation, tokenize

# Endings tried, in order, to find a French word's lexicon form ("déçues" -> "déçu").
FRENCH_INFLECTIONS = (("s", ""), ("x", ""), ("e", ""), ("es", ""), ("ée", "é"), ("ées", "é"))
ACCENT_TABLE = str.maketrans("àâäéèêëîïôöùûüçœ", "aaaeeeeiioouuuco")
# A prefix entry ("arnaqu*") needs this many letters, so short stems match nothing by chance.
MIN_PREFIX_LENGTH = 4


@dataclass(frozen=True)
class LanguageIndex:
    """Everything the rules look up for one language, built once."""

    terms: dict
    folded_words: dict
    prefixes: dict
    longest_term: int
    modifiers: dict  # first word -> [(kind, phrase tokens), ...]
    emoji: dict
    irony_emoji: frozenset
    patterns: tuple
    inflects: bool


@lru_cache(maxsize=None)
def language_index(language):
    """Merge the package lexicon with ours and index modifiers for one language."""
    valences = dict(lexicons.base_valences(language))
    terms = {(word,): valence for word, valence in valences.items()}
    prefixes = {}
    for term, valence in lexicons.own_terms(language).items():
        if term.endswith("*"):
            prefixes[term[:-1]] = valence
        else:
            terms[term_tokens(term, language)] = valence
    single_words = {key[0]: valence for key, valence in terms.items() if len(key) == 1}
    emoji, irony_emoji = lexicons.emoji_valences()
    modifiers = {}
    for kind, words in lexicons.modifier_words(language).items():
        for phrase in {term_tokens(term, language) for term in words}:
            modifiers.setdefault(phrase[0], []).append((kind, phrase))
    patterns = tuple((valence, re.compile(source)) for valence, source in lexicons.complaint_patterns(language))
    return LanguageIndex(
        terms=terms, folded_words=folded(single_words), prefixes=prefixes,
        longest_term=max(len(key) for key in terms), modifiers=modifiers, emoji=emoji,
        irony_emoji=irony_emoji, patterns=patterns, inflects=language == "fr")


def term_tokens(term, language):
    """Tokenize a lexicon entry exactly as posts are tokenized, so phrases match."""
    return tuple(token.text for token in tokenize(term, language))


def folded(words):
    """Index words by their accent-free spelling, for posts typed without accents."""
    return {strip_accents(word): valence for word, valence in words.items()}


def strip_accents(word):
    """Remove French diacritics ("déçu" -> "decu")."""
    return word.translate(ACCENT_TABLE)


def word_valence(word, index):
    """Look a single word up, trying unelongated, uninflected and unaccented forms."""
    for form in candidate_forms(word, index.inflects):
        if (form,) in index.terms:
            return index.terms[(form,)]
    for form in candidate_forms(word, index.inflects):
        if form in index.folded_words:
            return index.folded_words[form]
    for length in range(len(word), MIN_PREFIX_LENGTH - 1, -1):
        if word[:length] in index.prefixes:
            return index.prefixes[word[:length]]
    return None


def candidate_forms(word, inflects):
    """List spellings to try: as written, unelongated, then singular/masculine forms."""
    forms = [word, collapse_elongation(word, 2), collapse_elongation(word, 1)]
    if inflects:
        for form in list(forms):
            for suffix, replacement in FRENCH_INFLECTIONS:
                if form.endswith(suffix) and len(form) > len(suffix) + 2:
                    forms.append(form[: -len(suffix)] + replacement)
    return forms
