"""Text normalisation shared by queries and texts: case, accents, ligatures, French elisions.

Texts and query terms go through the same `normalize`, so "L'Oréal", "l’oreal" and
"OREAL" all hold the word "oreal". `normalize_with_offsets` also maps each character
of the result back to the original text, for highlighting.
"""
import re
import unicodedata

APOSTROPHES = frozenset("'’‘ʼ`′＇")
# Letters that Unicode does not decompose into plain Latin letters.
EXTRA_FOLDS = {"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
# The French words that elide ("l'", "qu'", "jusqu'"...): the one list of the app.
ELIDED = r"jusqu|lorsqu|puisqu|qu|[cdjlmnst]"
# French elided words, dropped so that "l'Oréal" holds the word "oreal".
ELISION = re.compile(rf"\b(?:{ELIDED})'")
# One lower-case word with a straight apostrophe: its elided word and the rest ("l'oréal").
FRENCH_ELISION_RE = re.compile(rf"^({ELIDED})'(.+)$")
WORD = re.compile(r"[^ ']+")


def split_elision(word):
    """Split a lower-case French word after its elided article: "l'oréal" -> ["l'", "oréal"]."""
    elision = FRENCH_ELISION_RE.match(word)
    return [elision.group(1) + "'", elision.group(2)] if elision else [word]


class _FoldTable(dict):
    """Code point -> folded text, filled on first sight so str.translate does the work in C."""

    def __missing__(self, code_point: int) -> str:
        folded = self[code_point] = _fold_character(chr(code_point))
        return folded


def _fold_character(character: str) -> str:
    """Fold one character to lower-case unaccented letters, an apostrophe, or a space."""
    if character in APOSTROPHES:
        return "'"
    if unicodedata.category(character) == "Cf":
        return ""  # soft hyphens, zero-width spaces and joiners sit inside words: they must not split them
    pieces = []
    for part in unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", character).casefold()):
        category = unicodedata.category(part)
        if category in ("Mn", "Me"):
            continue  # accents and other marks that sit on the previous letter
        if part in APOSTROPHES:
            pieces.append("'")
        else:
            pieces.append(EXTRA_FOLDS.get(part, part) if part.isalnum() or category == "Mc" else " ")
    return "".join(pieces)


_FOLDS = _FoldTable()


def normalize(text: str) -> str:
    """Return the words of a text, folded and joined by single spaces."""
    folded = text.translate(_FOLDS)
    if "'" in folded:
        folded = ELISION.sub(" ", folded).replace("'", " ")
    return " ".join(folded.split())


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """Return normalize(text) and, for each of its characters, its index in the text.

    The list has one more item: where the text after the last word starts.
    """
    pieces = [_FOLDS[ord(character)] for character in text]
    folded = "".join(pieces)
    origin = [index for index, piece in enumerate(pieces) for _ in piece]
    origin.append(len(text))
    cleaned = ELISION.sub(lambda match: " " * len(match.group()), folded)
    words, offsets, last_end = [], [], 0
    for match in WORD.finditer(cleaned):
        if words:
            offsets.append(origin[last_end])  # the space stands for the separators after the last word
        words.append(match.group())
        offsets.extend(origin[match.start():match.end()])
        last_end = match.end()
    if not words:
        return "", [len(text)]
    offsets.append(origin[last_end])
    return " ".join(words), offsets


def tokenize(text: str) -> list[str]:
    """Return the normalised words of a text."""
    return normalize(text).split()


HASHTAG_MARK = "\x02"  # control characters: normalize never outputs them, so no word can look like these keys
ACCOUNT_MARK = "\x03"
TAGS = re.compile(r"(?<![\w@#＃])([#＃@])(\w[\w'’‘ʼ\u00ad\u200b-\u200d\u2060\ufeff-]*)")


def tag_key(mark: str, tag: str) -> str:
    """Return the key of a hashtag or account: "#L'Oréal" and "#LOreal" both give " \\x02loreal "."""
    return f" {mark}{normalize(''.join(c for c in tag if c not in APOSTROPHES)).replace(' ', '')} "


def tags_form(text: str) -> str:
    """Return the keys of the hashtags and @accounts of a text, one after the other."""
    if "#" not in text and "@" not in text and "＃" not in text:
        return ""
    return "".join(tag_key(HASHTAG_MARK if mark != "@" else ACCOUNT_MARK, tag)[1:]
                   for mark, tag in TAGS.findall(text))


def searchable_form(text: str) -> str:
    """Return the normalised text between two spaces, then its hashtag and account keys, as keys are looked for."""
    return f" {normalize(text)} {tags_form(text)}"
