"""The keyword query language: normalisation, parsing and boolean evaluation.

A query such as `(Danone OR "Blédina") -recrutement NOT "offre d'emploi"` becomes a
tree of Term / Not / And / Or nodes. Texts and terms go through the same
`normalize`, so matching ignores case, accents, ligatures and French elisions.
A term is looked for as a *key* in the searchable form of a text (the normalised text
between two spaces): " danone " for a whole word or phrase, " danon" for `danon*`.
The spaces make the word boundaries part of the pattern itself.
"""
from collections.abc import Set
from dataclasses import dataclass, field

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from saas.normalize import normalize, searchable_form

MAX_QUERY_LENGTH = 500
MAX_TERMS = 50
# A shorter prefix would match nearly every text and flood the mentions.
MIN_PREFIX_LENGTH = 3
class QueryError(ValueError):
    """A query a user typed cannot be understood.

    `message` is translatable and counts positions from 1, as a person counts characters;
    `position` is the 0-based index of the mistake in the query, for the form to point at.
    """

    def __init__(self, message: LazyString | str, position: int):
        super().__init__(message, position)
        self.message = message
        self.position = position

    def __str__(self) -> str:
        return str(self.message)


# Expression nodes; `position` is where the node starts in the query text (0-based).
@dataclass(frozen=True, slots=True)
class Term:
    """A word, phrase or prefix to look for, as its key in a searchable text."""

    key: str
    position: int = field(default=0, compare=False)

    def evaluate(self, hits: Set[str]) -> bool:
        """Tell whether this term was found."""
        return self.key in hits


@dataclass(frozen=True, slots=True)
class Not:
    """An exclusion: holds when its operand does not."""

    operand: "Node"
    position: int = field(default=0, compare=False)

    def evaluate(self, hits: Set[str]) -> bool:
        """Tell whether the operand does not hold."""
        return not self.operand.evaluate(hits)


@dataclass(frozen=True, slots=True)
class And:
    """Operands written side by side: every one must hold."""

    operands: tuple["Node", ...]
    position: int = field(default=0, compare=False)

    def evaluate(self, hits: Set[str]) -> bool:
        """Tell whether every operand holds."""
        return all(operand.evaluate(hits) for operand in self.operands)


@dataclass(frozen=True, slots=True)
class Or:
    """Alternatives: at least one operand must hold."""

    operands: tuple["Node", ...]
    position: int = field(default=0, compare=False)

    def evaluate(self, hits: Set[str]) -> bool:
        """Tell whether any operand holds."""
        return any(operand.evaluate(hits) for operand in self.operands)


Node = Term | Not | And | Or


@dataclass(frozen=True)
class Query:
    """A parsed query and the keys a matcher needs.

    keys: every term's key. positive_keys: the keys of terms that are not excluded
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

    def evaluate(self, hits: Set[str]) -> bool:
        """Tell whether the query holds, given the keys found in a text."""
        return self.expression.evaluate(hits)

    def matches(self, text: str) -> bool:
        """Tell whether one text matches this query (for many queries, see matcher.py)."""
        searchable = searchable_form(text)
        return self.evaluate({key for key in self.keys if key in searchable})


def parse_query(source: str) -> Query:
    """Parse a query typed by a user, or raise QueryError saying what to fix and where."""
    if len(source) > MAX_QUERY_LENGTH:
        raise QueryError(_l("The query is too long: keep it to %(max)d characters or fewer.", max=MAX_QUERY_LENGTH),
                         MAX_QUERY_LENGTH)
    expression = _Parser(source).parse()
    positive_keys = frozenset(_keys(expression, excluded=False))
    trigger_keys = _trigger_keys(expression)
    if trigger_keys is None and not positive_keys:
        raise QueryError(_l("The query only excludes words: add at least one word to look for."),
                         _missing_trigger(expression))
    if trigger_keys is None:
        position = _missing_trigger(expression)
        raise QueryError(_l("The part at position %(pos)d only excludes words: each side of OR needs a word "
                            "to look for.", pos=position + 1), position)
    simple = isinstance(expression, Term) or (
        isinstance(expression, Or) and all(isinstance(operand, Term) for operand in expression.operands))
    return Query(source, expression, frozenset(_keys(expression, excluded=True)), positive_keys, trigger_keys, simple)


QUOTES = {'"': '"', "“": "”", "«": "»"}
WORD_STOPS = frozenset("()|") | frozenset(QUOTES)
OPERATOR_WORDS = {"OR": "or", "AND": "and", "NOT": "not"}


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "word", "phrase", "or", "and", "not", "(" or ")"
    text: str
    position: int


def _lex(source: str) -> list[_Token]:
    """Cut a query into words, phrases, operators and parentheses."""
    tokens, index = [], 0
    while index < len(source):
        char = source[index]
        if char.isspace():
            index += 1
        elif char in "()|":
            tokens.append(_Token("or" if char == "|" else char, char, index))
            index += 1
        elif char in QUOTES:
            closing = source.find(QUOTES[char], index + 1)
            if closing < 0:
                raise QueryError(_l("The quote opened at position %(pos)d is never closed: add the closing quote "
                                    "after the phrase.", pos=index + 1), index)
            tokens.append(_Token("phrase", source[index + 1:closing], index))
            index = closing + 1
        elif char == "-":
            if index + 1 == len(source) or source[index + 1].isspace():
                raise _dangling_minus(index)
            tokens.append(_Token("not", char, index))
            index += 1
        else:
            end = index
            while end < len(source) and not source[end].isspace() and source[end] not in WORD_STOPS:
                end += 1
            word = source[index:end]
            tokens.append(_Token(OPERATOR_WORDS.get(word, "word"), word, index))
            index = end
    return tokens


class _Parser:
    """Recursive descent: OR binds loosest, then AND (implicit), then NOT / -."""

    def __init__(self, source: str):
        self.tokens = _lex(source)
        self.index = 0
        self.term_count = 0

    def peek(self) -> _Token | None:
        """Return the next token without taking it."""
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> _Token:
        """Take the next token."""
        self.index += 1
        return self.tokens[self.index - 1]

    def next_is_operand(self) -> bool:
        """Tell whether the next token can start something to look for."""
        token = self.peek()
        return token is not None and token.kind not in ("or", "and", ")")

    def parse(self) -> Node:
        """Parse the whole query."""
        if not self.tokens:
            raise QueryError(_l("The query is empty: type at least one word to look for."), 0)
        expression = self.parse_or()
        if self.peek() is not None:  # only a ")" stops parse_or early
            raise _unmatched_closing(self.peek().position)
        return expression

    def parse_or(self) -> Node:
        """Parse alternatives separated by OR or |."""
        branches = [self.parse_and()]
        while (token := self.peek()) is not None and token.kind == "or":
            self.take()
            if not self.next_is_operand():
                raise _operator_needs_sides(token)
            branches.append(self.parse_and())
        return branches[0] if len(branches) == 1 else Or(tuple(branches), branches[0].position)

    def parse_and(self) -> Node:
        """Parse operands written side by side (an optional AND between them)."""
        operands = []
        while (token := self.peek()) is not None and token.kind not in ("or", ")"):
            if token.kind == "and":
                self.take()
                if not operands or not self.next_is_operand():
                    raise _operator_needs_sides(token)
                continue
            operands.append(self.parse_unary())
        if not operands:
            if token.kind == "or":
                raise _operator_needs_sides(token)
            raise _unmatched_closing(token.position)
        return operands[0] if len(operands) == 1 else And(tuple(operands), operands[0].position)

    def parse_unary(self) -> Node:
        """Parse an exclusion, a group in parentheses, a word or a phrase."""
        token = self.take()
        if token.kind == "not":
            if not self.next_is_operand():
                if token.text == "-":
                    raise _dangling_minus(token.position)
                raise QueryError(_l("NOT at position %(pos)d must be followed by the word to exclude.",
                                    pos=token.position + 1), token.position)
            return Not(self.parse_unary(), token.position)
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

    def make_term(self, token: _Token) -> Term:
        """Turn a word or phrase into the term to look for."""
        self.term_count += 1
        if self.term_count > MAX_TERMS:
            raise QueryError(_l("The query has too many words: keep it to %(max)d words or fewer.", max=MAX_TERMS),
                             token.position)
        start = token.position + (token.kind == "phrase")  # a phrase's text starts after its quote
        stem = token.text.rstrip("*")
        is_prefix = stem != token.text
        if "*" in stem:
            position = start + stem.index("*")
            raise QueryError(_l("The * at position %(pos)d can only end a word, to find the words that start with "
                                "it.", pos=position + 1), position)
        words = normalize(stem)
        if not words:
            raise QueryError(_l("“%(text)s” at position %(pos)d has no letters or digits to look for.",
                                text=token.text, pos=token.position + 1), token.position)
        if is_prefix and len(words.rsplit(" ", 1)[-1]) < MIN_PREFIX_LENGTH:
            raise QueryError(_l("Put at least %(n)d letters before the * at position %(pos)d.",
                                n=MIN_PREFIX_LENGTH, pos=start + len(stem) + 1), start + len(stem))
        return Term(f" {words}" if is_prefix else f" {words} ", token.position)


def _dangling_minus(position: int) -> QueryError:
    """Build the error of a minus sign with no word right after it."""
    return QueryError(_l("The minus sign at position %(pos)d must be followed directly by the word to exclude, "
                         "with no space.", pos=position + 1), position)


def _unmatched_closing(position: int) -> QueryError:
    """Build the error of a closing parenthesis that closes nothing."""
    return QueryError(_l("The parenthesis closed at position %(pos)d was never opened.", pos=position + 1), position)


def _operator_needs_sides(token: _Token) -> QueryError:
    """Build the error of an OR / AND with nothing on one side."""
    return QueryError(_l("%(operator)s at position %(pos)d needs a word on each side.", operator=token.text,
                         pos=token.position + 1), token.position)


def _children(node: Node) -> tuple[Node, ...]:
    """Return the operands of a node."""
    if isinstance(node, Term):
        return ()
    return (node.operand,) if isinstance(node, Not) else node.operands


def _keys(node: Node, negated: bool = False, *, excluded: bool) -> set[str]:
    """Return the keys of the terms of an expression: all of them, or only those not excluded."""
    if isinstance(node, Term):
        return {node.key} if excluded or not negated else set()
    flipped = negated != isinstance(node, Not)
    return set().union(*(_keys(child, flipped, excluded=excluded) for child in _children(node)))


def _trigger_keys(node: Node, negated: bool = False) -> frozenset[str] | None:
    """Return keys one of which every text satisfying the expression holds, or None if there are none."""
    if isinstance(node, Term):
        return None if negated else frozenset((node.key,))
    if isinstance(node, Not):
        return _trigger_keys(node.operand, not negated)
    options = [_trigger_keys(operand, negated) for operand in node.operands]
    # An OR holds through any of its operands, and so does a negated AND (De Morgan): each must bring triggers.
    if isinstance(node, Or) != negated:
        return None if None in options else frozenset().union(*options)
    # Every operand must hold: one operand's triggers are enough; take the fewest and longest, likely the rarest.
    candidates = [keys for keys in options if keys is not None]
    return min(candidates, key=lambda keys: (len(keys), -min(map(len, keys))), default=None)


def _missing_trigger(node: Node, negated: bool = False) -> int | None:
    """Return where a way of satisfying the expression finds no term at all, or None if there is none."""
    if isinstance(node, Term):
        return node.position if negated else None
    if isinstance(node, Not):
        return _missing_trigger(node.operand, not negated)
    positions = [_missing_trigger(operand, negated) for operand in node.operands]
    if isinstance(node, Or) != negated:
        return next((position for position in positions if position is not None), None)
    return None if None in positions else positions[0]
