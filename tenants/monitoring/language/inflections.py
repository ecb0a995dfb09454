"""A word's other forms, added to a keyword's lower-case words when it allows them (`keywords.inflect`).

Plural or singular by the French and English rules, French feminine forms of adjectives, nouns and past
participles (unless the keyword is English only), and the -ed and -ing forms of an English keyword's verbs.
Each form is one more key of the matcher: a form that is not a word costs a key, never a wrong match of
real text, and the preview lists the forms.
"""

# A word written with a capital is a name: plurals and inflections are only added to lower-case words.
MIN_INFLECTED_LENGTH = 3


def inflections(word: str, written: str = "", language: str | None = None) -> list[str]:
    """Return the other forms of a lower-case word: its plural or singular (French and English rules), the
    French feminine forms of adjectives, nouns and past participles (unless the keyword is English only)
    and, for an English keyword, the verb's -ed and -ing forms.

    `word` is normalized (accents dropped); `written` is the word as typed, lower-case, which tells a French
    "é" (boycotté: boycottée, boycottés) from a plain "e".
    """
    if len(word) < MIN_INFLECTED_LENGTH or not word.isalpha():
        return []
    written = written or word
    forms = _plural_forms(word)
    if language != "en":
        forms += _french_gender_forms(word, written)
    if language == "en":
        forms += _english_verb_forms(word)
    return [form for form in dict.fromkeys(forms) if form != word and len(form) >= MIN_INFLECTED_LENGTH]


def _plural_forms(word: str) -> list[str]:
    """The plural of a singular, or the singular of a plural (French and English rules)."""
    if word.endswith("aux"):
        return [word[:-3] + "al", word[:-3] + "ail"]
    if word.endswith("ies"):
        return [word[:-3] + "y"]
    if word.endswith(("ses", "xes", "ches", "shes")):
        return [word[:-2]]
    if word.endswith(("s", "x")):
        return [word[:-1]]
    forms = [word + "s"]
    if word.endswith("al"):
        forms.append(word[:-2] + "aux")
    elif word.endswith(("eau", "au", "eu")):
        forms.append(word + "x")
    elif word.endswith("y") and word[-2] not in "aeiou":
        forms.append(word[:-1] + "ies")
    elif word.endswith(("ch", "sh")):
        forms.append(word + "es")
    return forms


# Masculine ending -> feminine ending (French adjectives and nouns), both also in the plural.
FEMININE = (("eux", "euse"), ("if", "ive"), ("el", "elle"), ("ien", "ienne"), ("on", "onne"))


def _french_gender_forms(word: str, written: str) -> list[str]:
    """Feminine and masculine forms, singular and plural: boycotté -> boycottée(s), boycottés; coûteux -> coûteuse(s)."""
    if written.endswith("é"):
        return [word + "e", word + "s", word + "es"]
    if written.endswith(("ée", "és")):
        stem = word[:-1]
        return [stem, stem + "e" if written.endswith("s") else stem + "s", stem + "es"]
    if written.endswith("ées"):
        stem = word[:-2]
        return [stem, stem + "e", stem + "s"]
    for masculine, feminine in FEMININE:
        if word.endswith(masculine) and len(word) > len(masculine) + 2:
            stem = word[:-len(masculine)]
            return [stem + feminine, stem + feminine + "s"] + ([stem + masculine + "s"] if masculine != "eux" else [])
        if word.endswith(feminine) and len(word) > len(feminine) + 2:
            stem = word[:-len(feminine)]
            return [stem + masculine, stem + feminine + "s"]
    return []


VOWELS = "aeiou"


def _english_verb_forms(word: str) -> list[str]:
    """-ed and -ing forms of an English verb written in its base form: recall -> recalled, recalling."""
    if word.endswith(("ed", "ing", "s")) or word[-1] in "x":
        return []
    if word.endswith("e"):
        return [word + "d", word[:-1] + "ing"] if not word.endswith("ee") else [word + "d", word + "ing"]
    if word.endswith("y") and word[-2] not in VOWELS:
        return [word[:-1] + "ied", word + "ing"]
    # One short syllable ending consonant-vowel-consonant doubles its last letter: ban -> banned, stop -> stopped.
    # (or not, when the stress is on the first syllable: open -> opened; both are kept for four letters).
    if len(word) <= 4 and word[-1] not in VOWELS + "wy" and word[-2] in VOWELS and word[-3] not in VOWELS:
        doubled = [word + word[-1] + "ed", word + word[-1] + "ing"]
        return doubled if len(word) == 3 else doubled + [word + "ed", word + "ing"]
    return [word + "ed", word + "ing"]
