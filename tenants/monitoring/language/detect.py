"""Tell French from English in short social posts, offline, from frequent words.

Each language has a list of its most frequent words (lexicons/language_words.tsv);
a post goes to the language whose words it uses most. Headlines have few such words
("Kraftel names new CEO"), so any word of the French or English vocabulary (read
from the textblob packages' lexicons) adds weaker evidence. Spanish, German, Italian,
Portuguese and Dutch have lists too, only so that their posts answer "und" instead
of being forced into French or English. Links, handles, hashtags and emoji say
nothing about the language and are ignored.
"""
import re
from collections import Counter
from functools import lru_cache

from saas.normalize import split_elision
from tenants.monitoring.language import lexicons

FRENCH, ENGLISH, UNDETERMINED = "fr", "en", "und"
ANSWERED_LANGUAGES = (FRENCH, ENGLISH)
# One frequent word that belongs to a single language is enough evidence...
MIN_EVIDENCE = 1.0
# ...as long as the runner-up is clearly behind.
MIN_LEAD = 0.5
NOISE_RE = re.compile(r"https?://\S+|www\.\S+|[@#]\w+|\bRT\b")
WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*['’]?")
# Letters that only some of the known languages write, with the language they hint at.
LETTER_HINTS = {"ç": FRENCH, "è": FRENCH, "ê": FRENCH, "œ": FRENCH, "ù": FRENCH, "û": FRENCH,
                "ñ": "es", "¿": "es", "¡": "es", "ä": "de", "ö": "de", "ü": "de", "ß": "de",
                "ã": "pt", "õ": "pt"}
LETTER_HINT_WEIGHT = 0.5
VOCABULARY_WEIGHT = 0.5


def detect_language(text):
    """Return "fr", "en", or "und" when a post is too short, mixed or in another language."""
    scores = language_scores(post_words(text))
    if not scores:
        return UNDETERMINED
    ranked = scores.most_common(2)
    best, best_score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if best not in ANSWERED_LANGUAGES or best_score < MIN_EVIDENCE or best_score - runner_up < MIN_LEAD:
        return UNDETERMINED
    return best


def post_words(text):
    """Lowercase the words of a post, without links, handles or hashtags."""
    words = []
    for word in WORD_RE.findall(NOISE_RE.sub(" ", text).lower().replace("’", "'")):
        words.extend(split_elision(word))
    return words


def language_scores(words):
    """Score each language: a shared word counts 1/n in each of its n languages."""
    scores = Counter()
    languages_by_word = word_languages()
    vocabularies = {language: lexicons.vocabulary(language) for language in ANSWERED_LANGUAGES}
    for word in words:
        languages = languages_by_word.get(word, ())
        for language in languages:
            scores[language] += 1.0 / len(languages)
        if not languages:
            known_in = [language for language, known in vocabularies.items() if word in known]
            for language in known_in:
                scores[language] += VOCABULARY_WEIGHT / len(known_in)
        for letter in set(word) & LETTER_HINTS.keys():
            scores[LETTER_HINTS[letter]] += LETTER_HINT_WEIGHT
    return scores


@lru_cache(maxsize=None)
def word_languages():
    """Index the frequent-word lists: {word: languages that use it}."""
    index = {}
    for language, words in lexicons.language_words().items():
        for word in words:
            index[word] = index.get(word, ()) + (language,)
    return index
