"""The keyword query's lexer: a query cut into words, phrases, operators, fields and parentheses, and the
messages that say, in the reader's language, what an operator of another tool becomes in Relais."""
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from tenants.monitoring.language.query_tree import QueryError

FIELD_NAMES = {"title": "title", "titre": "title", "intitle": "title", "author": "author", "auteur": "author",
               "from": "author", "site": "site", "domain": "site", "domaine": "site", "lang": "lang",
               "language": "lang", "langue": "lang", "source": "source", "sourcetype": "source"}
SOURCE_NAMES = {"rss": "rss", "feed": "rss", "press": "rss", "news": "rss", "presse": "rss", "blog": "rss",
                "bluesky": "bluesky", "bsky": "bluesky", "mastodon": "mastodon", "reddit": "reddit",
                "hackernews": "hackernews", "hn": "hackernews"}
SUPPORTED_FIELDS = "title:, author:, site:, lang:, source:"
QUOTES = {'"': '"', "“": "”", "«": "»", "„": "“"}
WORD_STOPS = frozenset("()|") | frozenset(QUOTES)
OPERATOR_WORDS = {"OR": "or", "AND": "and", "NOT": "not", "OU": "or", "ET": "and", "SAUF": "not",
                  "&&": "and", "||": "or"}
NEAR_RE = re.compile(r"^(O?NEAR)/(\d+)$", re.IGNORECASE)
FIELD_RE = re.compile(r"^([A-Za-z]{2,15}):")
MAX_NEAR = 30


@dataclass(frozen=True, slots=True)
class Token:
    """One piece of a query: its kind, its text as typed, and where it starts (0-based)."""

    kind: str  # "word", "phrase", "or", "and", "not", "near", "field", "exact", "(" or ")"
    text: str
    position: int


def lex(source: str) -> list[Token]:
    """Cut a query into words, phrases, operators, fields and parentheses."""
    tokens, index = [], 0
    while index < len(source):
        char = source[index]
        if char.isspace():
            index += 1
        elif char in "()|":
            if source.startswith("||", index):
                tokens.append(Token("or", "||", index))
                index += 2
                continue
            tokens.append(Token("or" if char == "|" else char, char, index))
            index += 1
        elif char in QUOTES:
            closing = source.find(QUOTES[char], index + 1)
            if closing < 0:
                raise QueryError(_l("The quote opened at position %(pos)d is never closed: add the closing quote "
                                    "after the phrase.", pos=index + 1), index)
            tokens.append(Token("phrase", source[index + 1:closing], index))
            index = closing + 1
            if index < len(source) and source[index] == "~":
                raise tilde_error(index)
        elif char == "-":
            if index + 1 == len(source) or source[index + 1].isspace():
                raise dangling_minus_error(index)
            tokens.append(Token("not", char, index))
            index += 1
        elif char == "+" and index + 1 < len(source) and not source[index + 1].isspace():
            tokens.append(Token("exact", char, index))
            index += 1
        elif char == "!" and index + 1 < len(source) and not source[index + 1].isspace():
            raise QueryError(_l("“!” at position %(pos)d is not an operator here: to exclude a word, write -word "
                                "or NOT word.", pos=index + 1), index)
        elif char in "[]{}":
            raise QueryError(_l("“%(char)s” at position %(pos)d is not understood: group words with parentheses "
                                "( ).", char=char, pos=index + 1), index)
        else:
            end = index
            while end < len(source) and not source[end].isspace() and source[end] not in WORD_STOPS:
                end += 1
            word = source[index:end]
            if (field_match := FIELD_RE.match(word)) and (len(word) > len(field_match.group()) or (
                    end < len(source) and source[end] in "(\"“«")):
                tokens.append(Token("field", field_match.group(1), index))
                index += len(field_match.group())
                if FIELD_NAMES.get(field_match.group(1).lower()) == "site" and index < end:
                    tokens.append(Token("word", source[index:end], index))  # a domain, even written as a URL
                    index = end
                continue
            tokens.append(lex_word(word, index))
            index = end
    return tokens


def lex_word(word: str, index: int) -> Token:
    """Classify one bare word: an operator, a proximity operator, or a word to look for."""
    if word in OPERATOR_WORDS:
        return Token(OPERATOR_WORDS[word], word, index)
    if NEAR_RE.match(word):
        return Token("near", word, index)
    if word in ("NEAR", "ONEAR") or re.match(r"^(?:O?NEAR|W|PRE|ADJ)/\S*$", word, re.IGNORECASE):
        raise QueryError(_l("“%(word)s” at position %(pos)d: write NEAR/5 between two words to find them at most "
                            "5 words apart (any number from 1 to %(max)d).", word=word, pos=index + 1,
                            max=MAX_NEAR), index)
    if word in ("&", "&&&"):
        raise QueryError(_l("“&” at position %(pos)d is not an operator: write AND (or ET) between words, or put "
                            "a name such as \"Procter & Gamble\" in quotes.", pos=index + 1), index)
    if "~" in word:
        raise tilde_error(index + word.index("~"))
    return Token("word", word, index)


def tilde_error(position: int) -> QueryError:
    """Build the error of a ~ (Lucene proximity or fuzzy search)."""
    return QueryError(_l("“~” at position %(pos)d is not understood: to find words close to each other write "
                         "Renault NEAR/5 rappel; for other spellings write them with OR.", pos=position + 1), position)


def unknown_field_error(token: Token) -> QueryError:
    """Build the error of a field prefix Relais does not know (url:, country:, https:...)."""
    if token.text.lower() in ("http", "https", "url", "inurl"):
        return QueryError(_l("%(field)s: at position %(pos)d: to follow a site write site:lemonde.fr; to add a "
                             "feed, use “Add a feed” on the monitoring page.", field=token.text,
                             pos=token.position + 1), token.position)
    return QueryError(_l("%(field)s: at position %(pos)d is not a field Relais knows: use %(fields)s, or put the "
                         "text in quotes to look for it as written.", field=token.text, pos=token.position + 1,
                         fields=SUPPORTED_FIELDS), token.position)


def dangling_minus_error(position: int) -> QueryError:
    """Build the error of a minus sign with no word right after it."""
    return QueryError(_l("The minus sign at position %(pos)d must be followed directly by the word to exclude, "
                         "with no space.", pos=position + 1), position)


def unmatched_closing_error(position: int) -> QueryError:
    """Build the error of a closing parenthesis that closes nothing."""
    return QueryError(_l("The parenthesis closed at position %(pos)d was never opened.", pos=position + 1), position)


def operator_needs_sides_error(token: Token) -> QueryError:
    """Build the error of an OR / AND / NEAR with nothing on one side."""
    return QueryError(_l("%(operator)s at position %(pos)d needs a word on each side.", operator=token.text,
                         pos=token.position + 1), token.position)
