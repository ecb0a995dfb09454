"""Read the word lists kept beside this file and the lexicons shipped in packages.

Our own TSV files hold what we wrote; the large base lexicons are read in place from
their packages at run time (VADER's for English, textblob-fr's for French) rather
than copied into the repository.
"""
import importlib.util
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
# textblob-fr polarities run from -1 to 1; VADER's valences from -4 to 4.
TEXTBLOB_TO_VADER_SCALE = 3.0
# Below this subjectivity a textblob-fr adjective is mostly descriptive ("nouveau").
MIN_TEXTBLOB_SUBJECTIVITY = 0.3


def read_rows(name):
    """Yield the tab-separated fields of each non-comment line of a lexicon file."""
    with open(HERE / name, encoding="utf-8") as lines:
        for line in lines:
            line = line.rstrip("\n")
            if line.strip() and not line.startswith("#"):
                yield line.split("\t")


@lru_cache(maxsize=None)
def own_terms(language):
    """Return our valences for words and phrases in one language: {term: valence}."""
    return {term: float(valence) for term, valence in read_rows(f"{language}_terms.tsv")}


@lru_cache(maxsize=None)
def modifier_words(language):
    """Return the modifier words of one language grouped by kind: {kind: [term, ...]}."""
    kinds = defaultdict(list)
    for kind, term in read_rows(f"{language}_rules.tsv"):
        kinds[kind].append(term)
    return dict(kinds)


@lru_cache(maxsize=None)
def complaint_patterns(language):
    """Return (valence, regular expression source) pairs for one language."""
    return [(float(valence), pattern) for valence, pattern in read_rows(f"{language}_patterns.tsv")]


@lru_cache(maxsize=None)
def emoji_valences():
    """Return {emoji or emoticon: valence} and the set of those that mark irony."""
    valences, irony = {}, set()
    for fields in read_rows("emoji.tsv"):
        symbol = fields[0].replace("\uFE0F", "")
        valences[symbol] = float(fields[1])
        if fields[2:] == ["irony"]:
            irony.add(symbol)
    return valences, frozenset(irony)


@lru_cache(maxsize=None)
def language_words():
    """Return {language: set of frequent words} used to identify a post's language."""
    words = defaultdict(set)
    for language, line in read_rows("language_words.tsv"):
        words[language].update(line.split())
    return {language: frozenset(found) for language, found in words.items()}


def package_file(package, name):
    """Locate a data file inside an installed package without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None:
        raise RuntimeError(f"the {package} package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / name


@lru_cache(maxsize=None)
def base_valences(language):
    """Return the package lexicon a language starts from: {word: valence}."""
    return vader_valences() if language == "en" else textblob_fr_valences()


def vader_valences():
    """Read VADER's English lexicon: {token: mean valence}."""
    with open(package_file("vaderSentiment", "vader_lexicon.txt"), encoding="utf-8") as lines:
        rows = (line.split("\t") for line in lines if "\t" in line)
        return {fields[0]: float(fields[1]) for fields in rows}


def textblob_fr_valences():
    """Read textblob-fr's French adjectives, averaging senses, on VADER's scale."""
    senses = defaultdict(list)
    root = ElementTree.parse(package_file("textblob_fr", "fr-sentiment.xml")).getroot()
    for word in root.iter("word"):
        if float(word.get("subjectivity")) >= MIN_TEXTBLOB_SUBJECTIVITY:
            senses[word.get("form").lower()].append(float(word.get("polarity")))
    return {form: TEXTBLOB_TO_VADER_SCALE * sum(found) / len(found) for form, found in senses.items()}


# Part-of-speech tags whose words say nothing about the language of a post.
UNINFORMATIVE_TAGS = {"FW", "NNP", "NNPS", "SYM", "CD", "LS"}
VOCABULARY_FILES = {"en": ("textblob", "en/en-lexicon.txt"), "fr": ("textblob_fr", "fr-lexicon.txt")}


@lru_cache(maxsize=None)
def vocabulary(language):
    """Read the word forms of a language from its package's part-of-speech lexicon."""
    words = set()
    with open(package_file(*VOCABULARY_FILES[language]), encoding="utf-8") as lines:
        for line in lines:
            fields = line.split()
            if len(fields) >= 2 and not line.startswith(";") and fields[1] not in UNINFORMATIVE_TAGS:
                if fields[0].isalpha() or "'" in fields[0]:
                    words.add(fields[0].lower())
    return frozenset(words)
