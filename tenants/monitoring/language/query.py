"""The keyword query language: parsing a query into a tree, and the query a matcher runs.

A query such as `(Danone OR "Blédina") -recrutement NOT "offre d'emploi"` becomes a
tree of Term / Not / And / Or nodes (query_tree.py), from the tokens of query_lexer.py.
Texts and terms go through the same `normalize`, so matching ignores case, accents,
ligatures and French elisions. A term is looked for as a *key* in the searchable form
of a text (the normalised text between two spaces): " danone " for a whole word or
phrase, " danon" for `danon*`. The spaces make the word boundaries part of the pattern itself.
"""
import re
from collections.abc import Set
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from saas.normalize import ACCOUNT_MARK, APOSTROPHES, HASHTAG_MARK, normalize, searchable_form, tag_key
from tenants.monitoring.language.inflections import inflections
from tenants.monitoring.language.query_lexer import (
    FIELD_NAMES, MAX_NEAR, NEAR_RE, SOURCE_NAMES, Token, dangling_minus_error, lex, operator_needs_sides_error,
    unknown_field_error, unmatched_closing_error,
)
from tenants.monitoring.language.query_tree import (  # noqa: F401  (QueryError and the nodes: this module's API too)
    FIELD_MARKS, And, Near, Node, Not, Or, Pattern, QueryError, Term, children, keys_of, leaves, missing_trigger,
    only_terms, trigger_keys_of,
)

MAX_QUERY_LENGTH = 500
MAX_TERMS = 50
# A shorter prefix would match nearly every text and flood the mentions.
MIN_PREFIX_LENGTH = 3
MIN_PATTERN_START = 2
MAX_JOINED_WORDS = 4


@dataclass(frozen=True)
class Query:
    """A parsed query and the keys a matcher needs.

    keys: every term's keys. positive_keys: the keys of terms that are not excluded
    (what to highlight). trigger_keys: a small set of keys one of which every matching
    text holds, so a matcher evaluates the query only when one of them is found.
    any_trigger_suffices: finding one trigger key is enough, nothing to evaluate.
    """

    source: str
    expression: Node
    keys: frozenset[str]
    positive_keys: frozenset[str]
    trigger_keys: frozenset[str]
    any_trigger_suffices: bool

    def evaluate(self, hits: Set[str], searchable: str = "") -> bool:
        """Tell whether the query holds, given the keys found in a searchable text (and that text)."""
        return self.expression.evaluate(hits, searchable)

    def matches(self, text: str, fields: dict | None = None) -> bool:
        """Tell whether one text matches this query (for many queries, see matcher.py)."""
        searchable = searchable_form(text) + fields_form(fields)
        return self.evaluate({key for key in self.keys if key in searchable}, searchable)

    def terms(self) -> list:
        """Return the terms and patterns of the query, in the order they were written."""
        return sorted(leaves(self.expression), key=lambda leaf: leaf.position)


def parse_query(source: str, inflect: bool = True, language: str | None = None) -> Query:
    """Parse a query typed by a user, or raise QueryError saying what to fix and where.

    inflect: lower-case words also find their other forms (the keyword's option); False: exact forms only.
    language: the keyword's language filter ("fr", "en" or None), which tells which forms: plurals always,
    French feminine forms unless the keyword is English only, English verb forms for an English keyword.
    """
    if len(source) > MAX_QUERY_LENGTH:
        raise QueryError(_l("The query is too long: keep it to %(max)d characters or fewer.", max=MAX_QUERY_LENGTH),
                         MAX_QUERY_LENGTH)
    expression = _Parser(source, inflect, language).parse()
    positive_keys = frozenset(keys_of(expression, excluded=False))
    trigger_keys = trigger_keys_of(expression)
    if trigger_keys is None and not positive_keys:
        raise QueryError(_l("The query only excludes words: add at least one word to look for."),
                         missing_trigger(expression))
    if trigger_keys is None:
        position = missing_trigger(expression)
        raise QueryError(_l("The part at position %(pos)d only excludes words: each side of OR needs a word "
                            "to look for.", pos=position + 1), position)
    return Query(source, expression, frozenset(keys_of(expression, excluded=True)), positive_keys, trigger_keys,
                 only_terms(expression))


# Fields: the segments that searchable texts carry after their words (marks: query_tree.FIELD_MARKS).
_DOMAIN = re.compile(r"^(?:https?://)?([a-z0-9-]+(?:\.[a-z0-9-]+)+)\.?/?$")
_URL_HOST = re.compile(r"^[a-z][a-z0-9+.-]*://([^/:?#]+)", re.IGNORECASE)


def domain_of(url: str | None) -> str:
    """Return the host of a URL, lower case, without "www."."""
    match = _URL_HOST.match(url or "")
    host = match.group(1).lower().rstrip(".") if match else ""
    return host[4:] if host.startswith("www.") else host


def fields_form(fields: dict | None) -> str:
    """Return the field segment of a searchable text: its title, author, site, language and source as keys.

    Each title or author word gets its field's mark (" \x01renault \x01rappel "), so that `title:renault`
    is the key " \x01renault " and a title phrase stays a run of marked words; the site holds each of
    its domain suffixes (www.lemonde.fr: lemonde.fr and fr too).
    """
    if not fields:
        return ""
    pieces = []
    for name in ("title", "author"):
        if value := fields.get(name):
            mark = FIELD_MARKS[name]
            pieces.extend(mark + word for word in normalize(value).split())
    if host := domain_of(fields.get("url")) or (fields.get("site") or "").lower():
        labels = host.split(".")
        pieces.extend(FIELD_MARKS["site"] + ".".join(labels[i:]) for i in range(len(labels)))
    if language := (fields.get("language") or "")[:2].lower():
        pieces.append(FIELD_MARKS["lang"] + language)
    if source := fields.get("source"):
        pieces.append(FIELD_MARKS["source"] + source)
    return " ".join(pieces) + " " if pieces else ""


class _Parser:
    """Recursive descent: OR binds loosest, then AND (implicit), then NEAR, then NOT / - / fields."""

    def __init__(self, source: str, inflect: bool = True, language: str | None = None):
        self.source = source
        self.inflect = inflect
        self.language = (language or "").lower()[:2] or None
        self.tokens = lex(source)
        self.index = 0
        self.term_count = 0
        self.field: str | None = None
        self.exact = False

    def peek(self) -> Token | None:
        """Return the next token without taking it."""
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> Token:
        """Take the next token."""
        self.index += 1
        return self.tokens[self.index - 1]

    def next_is_operand(self) -> bool:
        """Tell whether the next token can start something to look for."""
        token = self.peek()
        return token is not None and token.kind not in ("or", "and", ")", "near")

    def parse(self) -> Node:
        """Parse the whole query."""
        if not self.tokens:
            raise QueryError(_l("The query is empty: type at least one word to look for."), 0)
        expression = self.parse_or()
        if self.peek() is not None:  # only a ")" stops parse_or early
            raise unmatched_closing_error(self.peek().position)
        return expression

    def parse_or(self) -> Node:
        """Parse alternatives separated by OR, OU or |."""
        branches = [self.parse_and()]
        while (token := self.peek()) is not None and token.kind == "or":
            self.take()
            if not self.next_is_operand():
                raise operator_needs_sides_error(token)
            branches.append(self.parse_and())
        return branches[0] if len(branches) == 1 else Or(tuple(branches), branches[0].position)

    def parse_and(self) -> Node:
        """Parse operands written side by side (an optional AND / ET between them)."""
        operands = []
        while (token := self.peek()) is not None and token.kind not in ("or", ")"):
            if token.kind in ("and", "near"):
                self.take()
                if not operands or not self.next_is_operand():
                    raise operator_needs_sides_error(token)
                continue
            operands.append(self.parse_near())
        if not operands:
            if token.kind == "or":
                raise operator_needs_sides_error(token)
            raise unmatched_closing_error(token.position)
        return operands[0] if len(operands) == 1 else And(tuple(operands), operands[0].position)

    def parse_near(self) -> Node:
        """Parse a term, or two terms joined by NEAR/n (ONEAR/n: in that order)."""
        left = self.parse_unary()
        while (token := self.peek()) is not None and token.kind == "near":
            self.take()
            if not self.next_is_operand():
                raise operator_needs_sides_error(token)
            right = self.parse_unary()
            match = NEAR_RE.match(token.text)
            distance = int(match.group(2))
            if not 1 <= distance <= MAX_NEAR:
                raise QueryError(_l("%(word)s at position %(pos)d: the distance must be a number of words from 1 "
                                    "to %(max)d, as in NEAR/5.", word=token.text, pos=token.position + 1,
                                    max=MAX_NEAR), token.position)
            for side in (left, right):
                if not _nearable(side):
                    raise QueryError(_l("NEAR at position %(pos)d joins two words or phrases, or alternatives in "
                                        "parentheses: write (Renault NEAR/5 rappel) OR (Renault NEAR/5 recall), "
                                        "and exclusions or fields apart.", pos=token.position + 1), token.position)
            left = Near((left, right), distance, match.group(1).upper() == "ONEAR", left.position)
        return left

    def parse_unary(self) -> Node:
        """Parse an exclusion, a field, an exact word, a group in parentheses, a word or a phrase."""
        token = self.take()
        if token.kind == "not":
            if not self.next_is_operand():
                if token.text == "-":
                    raise dangling_minus_error(token.position)
                raise QueryError(_l("%(word)s at position %(pos)d must be followed by the word to exclude.",
                                    word=token.text, pos=token.position + 1), token.position)
            return Not(self.parse_unary(), token.position)
        if token.kind == "field":
            return self.parse_field(token)
        if token.kind == "exact":
            if self.peek() is None or self.peek().kind not in ("word", "phrase"):
                raise QueryError(_l("The + at position %(pos)d must be followed directly by the word to find in "
                                    "exactly this form.", pos=token.position + 1), token.position)
            self.exact, outer = True, self.exact
            try:
                return self.make_term(self.take())
            finally:
                self.exact = outer
        if token.kind == "(":
            inner = self.peek()
            if inner is not None and inner.kind == ")":
                raise QueryError(_l("The parentheses at position %(pos)d are empty: put words inside or remove "
                                    "them.", pos=token.position + 1), token.position)
            expression = None if inner is None else self.parse_or()
            if self.peek() is None:
                raise QueryError(_l("The parenthesis opened at position %(pos)d is never closed.",
                                    pos=token.position + 1), token.position)
            self.take()
            return expression
        return self.make_term(token)

    def parse_field(self, token: Token) -> Node:
        """Parse `title:Renault`, `site:lemonde.fr`, `lang:fr`, `source:bluesky`, `author:"Jean Dupont"`."""
        name = FIELD_NAMES.get(token.text.lower())
        if name is None:
            raise unknown_field_error(token)
        if self.field is not None:
            raise QueryError(_l("%(field)s: at position %(pos)d is inside another field: write each field once.",
                                field=token.text, pos=token.position + 1), token.position)
        value = self.peek()
        if value is None or value.kind not in ("word", "phrase", "("):
            raise QueryError(_l("%(field)s: at position %(pos)d must be followed directly by what to look for, "
                                "as in title:Renault.", field=token.text, pos=token.position + 1), token.position)
        if name in ("site", "lang", "source"):
            return self.make_value_term(name, token, self.take())
        self.field = name
        try:
            return self.parse_unary()
        finally:
            self.field = None

    def make_value_term(self, name: str, field_token: Token, token: Token) -> Term:
        """Turn the value of a site:, lang: or source: field into its key."""
        value = token.text.strip().lower()
        if name == "site":
            match = _DOMAIN.match(value)
            if token.kind != "word" or not match:
                raise QueryError(_l("site: at position %(pos)d needs a domain name, as in site:lemonde.fr.",
                                    pos=field_token.position + 1), field_token.position)
            value = match.group(1).removeprefix("www.")
        elif name == "lang":
            if not re.fullmatch(r"[a-z]{2}(?:[-_][a-z]{2})?", value):
                raise QueryError(_l("lang: at position %(pos)d needs a two-letter language code, as in lang:fr or "
                                    "lang:en.", pos=field_token.position + 1), field_token.position)
            value = value[:2]
        else:
            if value not in SOURCE_NAMES:
                raise QueryError(_l("source: at position %(pos)d: “%(value)s” is not a source Relais follows; "
                                    "write one of source:rss (press and blogs), source:bluesky, source:mastodon, "
                                    "source:reddit, source:hackernews.", pos=field_token.position + 1,
                                    value=token.text), field_token.position)
            value = SOURCE_NAMES[value]
        self.count_term(field_token)
        return Term(f" {FIELD_MARKS[name]}{value} ", field_token.position, text=f"{name}:{value}", kind=name)

    def count_term(self, token: Token) -> None:
        """Count one more term, refusing past MAX_TERMS."""
        self.term_count += 1
        if self.term_count > MAX_TERMS:
            raise QueryError(_l("The query has too many words: keep it to %(max)d words or fewer.", max=MAX_TERMS),
                             token.position)

    def make_term(self, token: Token) -> Term | Pattern:
        """Turn a word or phrase into the term to look for, with its other spellings."""
        if token.kind not in ("word", "phrase"):
            raise operator_needs_sides_error(token)
        self.count_term(token)
        start = token.position + (token.kind == "phrase")  # a phrase's text starts after its quote
        raw = token.text
        if token.kind == "word" and raw[:1] in "#＃@" and len(raw) > 1:
            return self.make_tag(token)
        if raw[:1] in "*?":
            raise QueryError(_l("A word cannot start with %(char)s (position %(pos)d): write the start of the word, "
                                "as in rappel* or gr?ve.", char=raw[0], pos=start + 1), start)
        stem = raw.rstrip("*")
        is_prefix = stem != raw
        if "*" in stem or "?" in stem:
            return self.make_pattern(token, start)
        words = normalize(stem)
        if not words:
            raise QueryError(_l("“%(text)s” at position %(pos)d has no letters or digits to look for.",
                                text=token.text, pos=token.position + 1), token.position)
        if is_prefix and len(words.rsplit(" ", 1)[-1]) < MIN_PREFIX_LENGTH:
            raise QueryError(_l("Put at least %(n)d letters before the * at position %(pos)d.",
                                n=MIN_PREFIX_LENGTH, pos=start + len(stem) + 1), start + len(stem))
        mark = FIELD_MARKS[self.field] if self.field else ""
        marked = " ".join(mark + word for word in words.split())
        if is_prefix:
            return Term(f" {marked}", token.position, text=raw, kind=self.field or "prefix")
        variants, notes = [f" {marked} "], ["written"]
        joined = normalize("".join(c for c in stem if c not in APOSTROPHES)).replace(" ", "")
        if joined != words and len(words.split()) <= MAX_JOINED_WORDS:
            variants.append(f" {mark}{joined} ")
            notes.append("joined")
        if self.inflect and not self.exact and token.kind == "word" and " " not in words and stem == stem.lower():
            for form in inflections(words, stem.lower(), self.language):
                variants.append(f" {mark}{form} ")
                notes.append("inflected")
        kind = self.field or ("phrase" if token.kind == "phrase" or " " in words else "word")
        return Term(variants[0], token.position, tuple(variants), tuple(notes), raw, kind)

    def make_tag(self, token: Token) -> Term:
        """Turn #hashtag or @account into the key of that hashtag or account only."""
        if self.field:
            raise QueryError(_l("%(text)s at position %(pos)d: a hashtag or an account cannot be inside a field.",
                                text=token.text, pos=token.position + 1), token.position)
        is_account = token.text[0] == "@"
        key = tag_key(ACCOUNT_MARK if is_account else HASHTAG_MARK, token.text[1:])
        if len(key.strip()) < 2 or "*" in token.text or "?" in token.text:
            raise QueryError(_l("“%(text)s” at position %(pos)d: write a hashtag as #word and an account as @name, "
                                "without wildcards.", text=token.text, pos=token.position + 1), token.position)
        return Term(key, token.position, text=token.text, kind="account" if is_account else "hashtag")

    def make_pattern(self, token: Token, start: int) -> Pattern:
        """Turn a word with * or ? inside into a pattern woken by its literal start."""
        raw = token.text
        pieces = [piece for piece in re.split(r"([*?])", raw) if piece]
        first_wildcard = start + len(pieces[0])
        literal = normalize(pieces[0])
        if len(literal.rsplit(" ", 1)[-1]) < MIN_PATTERN_START or pieces[0][-1:].isspace():
            raise QueryError(_l("Put at least %(n)d letters before the wildcard at position %(pos)d (* stands for "
                                "any letters, ? for one letter).", n=MIN_PATTERN_START, pos=first_wildcard + 1),
                             first_wildcard)
        mark = FIELD_MARKS[self.field] if self.field else ""
        regex = ""
        for piece in pieces:
            if piece in "*?":
                regex += r"[^ ]*" if piece == "*" else r"[^ ]"
                continue
            words = normalize(piece).split()
            # A piece that starts or ends with a space or punctuation ends a word there.
            opens = not regex or not piece[:1].isalnum()
            regex += (" " if opens else "") + " ".join(
                (mark if (index or opens) else "") + re.escape(word) for index, word in enumerate(words))
            if piece[-1:].isalnum() is False and words:
                regex += " "
        regex = regex if raw.endswith("*") or regex.endswith(" ") else regex + " "
        key = " " + " ".join(mark + word for word in literal.split())
        return Pattern(key, re.compile(regex), token.position, raw, self.field or "pattern")


def _nearable(node: Node) -> bool:
    """Tell whether NEAR can measure distances around this node: terms in the text, or ORs of them."""
    if isinstance(node, (Term, Pattern)):
        return node.kind in ("word", "phrase", "prefix", "pattern")
    return isinstance(node, Or) and all(_nearable(operand) for operand in node.operands)


