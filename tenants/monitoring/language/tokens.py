"""Split a social-media post into the tokens that the sentiment rules read."""
import re
from dataclasses import dataclass

from saas.normalize import split_elision

WORD = "word"
EMOJI = "emoji"
PUNCT = "punct"

# Order matters: a URL or a handle must be dropped before its letters read as words.
TOKEN_RE = re.compile(
    r"""
    (?P<url>https?://\S+|www\.\S+)
    | (?P<handle>@\w+)
    | \#(?P<hashtag>[^\W\d_]+)
    | (?P<emoticon>(?<!\w)(?:>:\(|:'\(|[:;=]-?[)(DPp/|]|[xX]D|<3|\^\^)(?!\w))
    | (?P<word>[^\W\d_]+(?:['’-][^\W\d_]+)*['’]?)
    | (?P<number>\d+(?:[.,:/h]\d+)*)
    | (?P<punct>[!?]+|\.{2,}|…|[.,;:])
    | (?P<emoji>[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2300-\u23FF][\uFE0F\u200D\U0001F3FB-\U0001F3FF]*)
    """,
    re.VERBOSE,
)
ENGLISH_NEGATED_RE = re.compile(r"^(.+)n't$")
ELONGATION_RE = re.compile(r"(.)\1{2,}")


@dataclass(frozen=True, slots=True)
class Token:
    """One unit of a post: a word, an emoji or emoticon, or a punctuation run."""

    text: str
    kind: str
    shouted: bool = False
    elongated: bool = False


def tokenize(text, language):
    """Split a post into lowercased tokens, dropping links, handles and numbers."""
    tokens = []
    for match in TOKEN_RE.finditer(text):
        kind = match.lastgroup
        if kind in ("word", "hashtag"):
            tokens.extend(word_tokens(match.group(kind), language))
        elif kind in ("emoji", "emoticon"):
            tokens.append(Token(normalise_emoji(match.group(kind)), EMOJI))
        elif kind == "punct":
            tokens.append(Token(normalise_punct(match.group(kind)), PUNCT))
    return tokens


def word_tokens(raw, language):
    """Turn one written word into tokens, splitting French elisions and English n't."""
    shouted = raw.isupper() and len(raw) > 1
    word = raw.lower().replace("’", "'")
    elongated = bool(ELONGATION_RE.search(word))
    parts = [word]
    if language == "fr" and "'" in word:
        parts = split_elision(word)
    elif language == "en" and (negated := ENGLISH_NEGATED_RE.match(word)):
        parts = [negated.group(1), "n't"]
    return [Token(part, WORD, shouted, elongated) for part in parts]


def collapse_elongation(word, keep=1):
    """Shorten letters repeated three times or more ("trooop" -> "trop" or "troop")."""
    return ELONGATION_RE.sub(lambda match: match.group(1) * keep, word)


def normalise_emoji(symbol):
    """Drop the variation selector so that "❤️" and "❤" read the same."""
    return symbol.replace("\uFE0F", "")


def normalise_punct(mark):
    """Map an ellipsis to "..." and keep "!", "?" runs as they are."""
    return "..." if mark == "…" or mark.startswith("..") else mark
