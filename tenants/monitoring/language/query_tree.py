"""The keyword query as a tree: its nodes, how each holds on a text, and what a matcher reads off it.

The parser (query.py) builds the tree; the matcher and the preview read it. A node's `evaluate(hits,
searchable)` takes the keys found in a text's searchable form (and that form, for NEAR and wildcards).
"""
import re
from collections.abc import Set
from dataclasses import dataclass, field

from flask_babel import LazyString

# The key marks of the segments that searchable texts carry after their words (query.fields_form).
FIELD_MARKS = {"title": "\x01", "author": "\x04", "site": "\x05", "lang": "\x06", "source": "\x07"}
_FIELD_MARKS = re.compile("[\x01-\x07]")


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
# `evaluate(hits, searchable)`: hits are the keys found in the searchable text; only NEAR and
# wildcards read the searchable text itself, to check word distances or letters.
@dataclass(frozen=True, slots=True)
class Term:
    """A word, phrase or prefix to look for, as its key in a searchable text, with its other spellings.

    keys: the main key and its variants (joined spelling, plurals...), any of which counts;
    notes: why each variant is there, for the preview; text: the term as the user wrote it.
    """

    key: str
    position: int = field(default=0, compare=False)
    keys: tuple[str, ...] = field(default=(), compare=False)
    notes: tuple[str, ...] = field(default=(), compare=False)
    text: str = field(default="", compare=False)
    kind: str = field(default="word", compare=False)  # word, phrase, prefix, hashtag, account or a field name

    def __post_init__(self):
        if not self.keys:
            object.__setattr__(self, "keys", (self.key,))

    def evaluate(self, hits: Set[str], searchable: str = "") -> bool:
        """Tell whether this term was found, in any of its spellings."""
        if len(self.keys) == 1:
            return self.key in hits
        return not hits.isdisjoint(self.keys)


@dataclass(frozen=True, slots=True)
class Pattern:
    """A word with wildcards inside (`gr?ve`, `r*ppel`): woken by its literal start, confirmed by a regex."""

    key: str
    regex: re.Pattern
    position: int = field(default=0, compare=False)
    text: str = field(default="", compare=False)
    kind: str = field(default="pattern", compare=False)

    @property
    def keys(self) -> tuple[str, ...]:
        """The trigger key, the only one the automaton knows."""
        return (self.key,)

    def evaluate(self, hits: Set[str], searchable: str = "") -> bool:
        """Tell whether a word of the text fits the pattern."""
        return self.key in hits and self.regex.search(searchable) is not None


@dataclass(frozen=True, slots=True)
class Not:
    """An exclusion: holds when its operand does not."""

    operand: "Node"
    position: int = field(default=0, compare=False)

    def evaluate(self, hits: Set[str], searchable: str = "") -> bool:
        """Tell whether the operand does not hold."""
        return not self.operand.evaluate(hits, searchable)


@dataclass(frozen=True, slots=True)
class And:
    """Operands written side by side: every one must hold."""

    operands: tuple["Node", ...]
    position: int = field(default=0, compare=False)

    def evaluate(self, hits: Set[str], searchable: str = "") -> bool:
        """Tell whether every operand holds."""
        return all(operand.evaluate(hits, searchable) for operand in self.operands)


@dataclass(frozen=True, slots=True)
class Or:
    """Alternatives: at least one operand must hold."""

    operands: tuple["Node", ...]
    position: int = field(default=0, compare=False)

    def evaluate(self, hits: Set[str], searchable: str = "") -> bool:
        """Tell whether any operand holds."""
        return any(operand.evaluate(hits, searchable) for operand in self.operands)


@dataclass(frozen=True, slots=True)
class Near:
    """Two terms (or alternatives of terms) at most `distance` words apart; in this order when `ordered`."""

    operands: tuple["Node", "Node"]
    distance: int
    ordered: bool = False
    position: int = field(default=0, compare=False)

    def evaluate(self, hits: Set[str], searchable: str = "") -> bool:
        """Tell whether an occurrence of each side lies close enough to one of the other."""
        left, right = (word_spans(operand, hits, searchable) for operand in self.operands)
        for left_start, left_end in left:
            for right_start, right_end in right:
                if right_start > left_end:
                    gap = right_start - left_end - 1
                elif left_start > right_end and not self.ordered:
                    gap = left_start - right_end - 1
                else:
                    continue
                if gap <= self.distance:
                    return True
        return False


Node = Term | Pattern | Not | And | Or | Near


def leaves(node: "Node") -> list:
    """Return the terms and patterns of an expression."""
    if isinstance(node, (Term, Pattern)):
        return [node]
    return [leaf for child in children(node) for leaf in leaves(child)]


def word_spans(node: "Node", hits: Set[str], searchable: str) -> list[tuple[int, int]]:
    """Return (first word, last word) indexes of each occurrence of the node's found keys in the main text."""
    mark = _FIELD_MARKS.search(searchable)
    end_of_text = mark.start() if mark else len(searchable)
    spans = []
    for leaf in leaves(node):
        for key in leaf.keys:
            if key not in hits:
                continue
            width = key.strip().count(" ")
            start = searchable.find(key, 0, end_of_text + 1)
            while start >= 0:
                first = searchable.count(" ", 0, start)
                spans.append((first, first + width))
                start = searchable.find(key, start + 1, end_of_text + 1)
    return spans


def only_terms(node: Node) -> bool:
    """Tell whether an expression is terms joined by OR only: finding any of their keys is enough."""
    if isinstance(node, Term):
        return True
    return isinstance(node, Or) and all(only_terms(operand) for operand in node.operands)


def children(node: Node) -> tuple[Node, ...]:
    """Return the operands of a node."""
    if isinstance(node, (Term, Pattern)):
        return ()
    return (node.operand,) if isinstance(node, Not) else node.operands


def keys_of(node: Node, negated: bool = False, *, excluded: bool) -> set[str]:
    """Return the keys of the terms of an expression: all of them, or only those not excluded."""
    if isinstance(node, (Term, Pattern)):
        return set(node.keys) if excluded or not negated else set()
    flipped = negated != isinstance(node, Not)
    return set().union(*(keys_of(child, flipped, excluded=excluded) for child in children(node)))


def trigger_keys_of(node: Node, negated: bool = False) -> frozenset[str] | None:
    """Return keys one of which every text satisfying the expression holds, or None if there are none."""
    if isinstance(node, (Term, Pattern)):
        return None if negated else frozenset(node.keys)
    if isinstance(node, Not):
        return trigger_keys_of(node.operand, not negated)
    if isinstance(node, Near):
        return None if negated else min((trigger_keys_of(operand) for operand in node.operands),
                                        key=lambda keys: (len(keys), -min(map(len, keys))))
    options = [trigger_keys_of(operand, negated) for operand in node.operands]
    # An OR holds through any of its operands, and so does a negated AND (De Morgan): each must bring triggers.
    if isinstance(node, Or) != negated:
        return None if None in options else frozenset().union(*options)
    # Every operand must hold: one operand's triggers are enough; take the fewest and longest, likely the rarest.
    candidates = [keys for keys in options if keys is not None]
    return min(candidates, key=lambda keys: (len(keys), -min(map(len, keys))), default=None)


def missing_trigger(node: Node, negated: bool = False) -> int | None:
    """Return where a way of satisfying the expression finds no term at all, or None if there is none."""
    if isinstance(node, (Term, Pattern)):
        return node.position if negated else None
    if isinstance(node, Not):
        return missing_trigger(node.operand, not negated)
    if isinstance(node, Near):
        return node.position if negated else None
    positions = [missing_trigger(operand, negated) for operand in node.operands]
    if isinstance(node, Or) != negated:
        return next((position for position in positions if position is not None), None)
    return None if None in positions else positions[0]
