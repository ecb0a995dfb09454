"""Match many keyword queries against many texts at once.

One Aho-Corasick automaton holds the keys of every term of every keyword. Each text is
normalised once and scanned once; the keys carry their own word boundaries (see
query.py), so a hit needs no further check. A keyword is looked at only when one of
its trigger keys was found (most texts wake no keyword), and its boolean expression is
evaluated only when finding a trigger key is not enough on its own. The language filter
is applied up front: each text language has its own view of which keys wake what.
"""
import logging
from collections.abc import Callable, Hashable, Iterable, Set
from dataclasses import dataclass, field
from operator import itemgetter
from typing import NamedTuple

import ahocorasick

from saas.normalize import ACCOUNT_MARK, HASHTAG_MARK, TAGS, normalize_with_offsets, searchable_form, tag_key
from tenants.monitoring.language.query import (
    Near, Node, Not, Or, Pattern, Query, QueryError, Term, fields_form, parse_query,
)

log = logging.getLogger(__name__)

KeywordId = Hashable
# (id, query, language filter), optionally followed by the keyword's inflect option (default True)
KeywordSpec = tuple[KeywordId, Query | str, str | None] | tuple[KeywordId, Query | str, str | None, bool]
Span = tuple[int, int]
Clause = tuple[frozenset[str], frozenset[str]]  # (keys that must be found, keys that must not)
# Past this many clauses, rewriting a query as an OR of clauses costs more than walking its tree.
MAX_CLAUSES = 16
OTHER_LANGUAGES = "*"  # the view of texts in a language that no keyword filters on

_found_key = itemgetter(1)  # automaton.iter yields (end index, key)


class WakeUp(NamedTuple):
    """A keyword that a trigger key wakes up, and how to confirm it (neither way: nothing to check)."""

    position: int  # in index.keywords
    clauses: tuple[Clause, ...] | None
    evaluate: Callable[[Set[str], str], bool] | None  # (found keys, searchable text)


class LanguageView(NamedTuple):
    """What the found keys wake up, among the keywords that texts in one language can match."""

    trigger_keys: frozenset[str]
    wake_ups: dict[str, tuple[WakeUp, ...]]  # trigger key -> the keywords it wakes up, in index order
    # trigger key -> ids of the keywords it wakes up, when finding that key alone matches them all
    sure_ids: dict[str, tuple[KeywordId, ...]]


@dataclass(frozen=True, slots=True)
class IndexedKeyword:
    """One keyword of the index."""

    keyword_id: KeywordId
    query: Query
    language: str | None


@dataclass
class MatchIndex:
    """Everything needed to match texts against a set of keywords; picklable."""

    automaton: ahocorasick.Automaton | None
    keywords: tuple[IndexedKeyword, ...]
    keyword_ids: tuple[KeywordId, ...]
    views: dict[str | None, LanguageView]  # None: language unknown, every keyword applies
    invalid: dict[KeywordId, QueryError] = field(default_factory=dict)


def language_code(language: str | None) -> str | None:
    """Return the two-letter code of a language tag ("fr-FR" -> "fr"), or None."""
    return language[:2].lower() if language else None


def build_index(keywords: Iterable[KeywordSpec]) -> MatchIndex:
    """Build the index of keywords given as (keyword id, query or query text, language filter or None).

    A query text that does not parse is left out and kept in `index.invalid`, so that one
    bad keyword does not stop the monitoring of all the others.
    """
    indexed, invalid = [], {}
    for keyword_id, query, language, *option in keywords:
        try:
            parsed = parse_query(query, *option, language=language) if isinstance(query, str) else query
        except QueryError as error:
            log.warning("keyword %r left out of the index: %s", keyword_id, error)
            invalid[keyword_id] = error
            continue
        indexed.append(IndexedKeyword(keyword_id, parsed, language_code(language)))
    wake_ups = [_wake_up(position, keyword.query) for position, keyword in enumerate(indexed)]
    # An unknown text language passes every filter: language detection fails on short posts.
    views = {None: _view(indexed, wake_ups, lambda language: True),
             OTHER_LANGUAGES: _view(indexed, wake_ups, lambda language: language is None)}
    for code in {keyword.language for keyword in indexed} - {None}:
        views[code] = _view(indexed, wake_ups, lambda language, code=code: language in (None, code))
    return MatchIndex(
        automaton=_build_automaton({key for keyword in indexed for key in keyword.query.keys}),
        keywords=tuple(indexed),
        keyword_ids=tuple(keyword.keyword_id for keyword in indexed),
        views=views,
        invalid=invalid,
    )


def _wake_up(position: int, query: Query) -> WakeUp:
    """Decide how to confirm a woken keyword: not at all, by its clauses, or by walking its tree."""
    if query.any_trigger_suffices:
        return WakeUp(position, None, None)
    clauses = _clauses(query.expression)
    if clauses is None:
        return WakeUp(position, None, query.expression.evaluate)
    return WakeUp(position, tuple(clauses), None)


def _view(indexed: list[IndexedKeyword], wake_ups: list[WakeUp],
          accepts: Callable[[str | None], bool]) -> LanguageView:
    """Gather the wake-ups of the keywords whose language filter `accepts`, by trigger key."""
    by_key: dict[str, list[WakeUp]] = {}
    for keyword, wake_up in zip(indexed, wake_ups):
        if accepts(keyword.language):
            for key in keyword.query.trigger_keys:
                by_key.setdefault(key, []).append(wake_up)
    sure_ids = {key: tuple(indexed[wake_up.position].keyword_id for wake_up in found) for key, found in by_key.items()
                if all(wake_up.clauses is None and wake_up.evaluate is None for wake_up in found)}
    return LanguageView(frozenset(by_key), {key: tuple(found) for key, found in by_key.items()}, sure_ids)


def _clauses(node: Node, negated: bool = False) -> list[Clause] | None:
    """Rewrite an expression as an OR of clauses (two set checks each), or None past MAX_CLAUSES."""
    if isinstance(node, Term):
        if negated:
            return [(frozenset(), frozenset(node.keys))]
        return [(frozenset((key,)), frozenset()) for key in node.keys]
    if isinstance(node, (Pattern, Near)):
        return None  # these read the text itself: the tree is walked
    if isinstance(node, Not):
        return _clauses(node.operand, not negated)
    parts = [_clauses(operand, negated) for operand in node.operands]
    if any(part is None for part in parts):
        return None
    if isinstance(node, Or) != negated:  # any operand will do (De Morgan for a negated AND)
        merged = [clause for part in parts for clause in part]
    else:  # every operand must hold: combine each clause of one with each clause of the others
        merged = [(frozenset(), frozenset())]
        for part in parts:
            merged = [(found | more_found, absent | more_absent)
                      for found, absent in merged for more_found, more_absent in part]
            if len(merged) > MAX_CLAUSES:
                return None
    merged = [(found, absent) for found, absent in merged if found.isdisjoint(absent)]  # drop "a AND NOT a"
    return merged if len(merged) <= MAX_CLAUSES else None


def _build_automaton(keys: set[str]) -> ahocorasick.Automaton | None:
    """Build the automaton that finds every key; each key is its own value."""
    if not keys:
        return None  # pyahocorasick refuses to search with an empty automaton
    automaton = ahocorasick.Automaton()
    for key in sorted(keys):
        automaton.add_word(key, key)
    automaton.make_automaton()
    return automaton


def language_view(index: MatchIndex, language: str | None) -> LanguageView:
    """Return the view of the keywords that a text in `language` can match."""
    code = language_code(language)
    return index.views[None] if code is None else index.views.get(code, index.views[OTHER_LANGUAGES])


def find_keys(index: MatchIndex, searchable: str) -> set[str]:
    """Return the keys found in a searchable text (see query.searchable_form)."""
    if index.automaton is None:
        return set()
    return set(map(_found_key, index.automaton.iter(searchable)))


def match_searchables(pairs: Iterable[tuple[str, str | None]], index: MatchIndex) -> list[tuple[KeywordId, ...]]:
    """Match (searchable text, language) pairs; return, for each in order, the ids of its keywords."""
    if index.automaton is None:
        return [() for _ in pairs]
    # The hot loop: one scan per text, then set work in C until a keyword wakes up. Texts that
    # match nothing share the empty tuple, and a lone sure trigger key its ready-made tuple of
    # ids: no allocation, nothing more for the garbage collector to walk.
    scan, keyword_id = index.automaton.iter, index.keyword_ids.__getitem__
    any_trigger_key = index.views[None].trigger_keys  # every language's trigger keys are among these
    views: dict[str | None, LanguageView] = {}
    results = []
    append = results.append
    new_set, each, found_key = set, map, _found_key  # local names: the cheapest lookups in CPython
    for searchable, language in pairs:
        hits = new_set(each(found_key, scan(searchable)))
        if any_trigger_key.isdisjoint(hits):
            append(())
            continue
        if (view := views.get(language)) is None:
            view = views[language] = language_view(index, language)
        trigger_keys, wake_ups, sure_ids = view
        woken = trigger_keys & hits
        if not woken:
            append(())
        elif len(woken) == 1 and (ids := sure_ids.get(next(iter(woken)))) is not None:
            append(ids)
        else:
            append(tuple(map(keyword_id, _confirm(wake_ups, hits, woken, searchable))))
    return results


def _confirm(wake_ups: dict[str, tuple[WakeUp, ...]], hits: Set[str], woken: Set[str], searchable: str) -> list[int]:
    """Return the positions of the woken keywords that the found keys satisfy, in index order."""
    confirmed = []
    for key in woken:
        for position, clauses, evaluate in wake_ups[key]:
            if clauses is not None:
                for found, absent in clauses:
                    if found <= hits and absent.isdisjoint(hits):
                        break
                else:  # no clause holds
                    continue
            elif evaluate is not None and not evaluate(hits, searchable):
                continue
            confirmed.append(position)
    # Two trigger keys may wake the same keyword.
    return sorted(set(confirmed)) if len(woken) > 1 else confirmed


def match_items(items: Iterable[tuple[str, str | None]], index: MatchIndex) -> list[tuple[KeywordId, ...]]:
    """Match (text, language) items; return, for each item in order, the ids of its keywords."""
    return match_searchables(((searchable_form(text), language) for text, language in items), index)


def match_text(index: MatchIndex, text: str, language: str | None = None,
               fields: dict | None = None) -> list[KeywordId]:
    """Return the ids of the keywords a text matches, in the order they were indexed.

    fields: the item's title, author, url, language and source kind, for title:, site:... (query.fields_form).
    """
    return list(match_searchables([(searchable_form(text) + fields_form(fields), language)], index)[0])


def match_details(index: MatchIndex, text: str, language: str | None = None,
                  fields: dict | None = None) -> dict[KeywordId, list[Span]]:
    """Return, for each keyword the text matches, the (start, end) spans in `text` of its terms found.

    Spans index the original text as given (accents, ligatures, elisions and all), so that
    an excerpt can highlight `text[start:end]`. Excluded terms are never spans.
    """
    searchable = searchable_form(text) + fields_form(fields)
    hits = find_keys(index, searchable)
    trigger_keys, wake_ups, _ = language_view(index, language)
    woken = trigger_keys & hits
    if not woken or not (confirmed := _confirm(wake_ups, hits, woken, searchable)):
        return {}
    # Only now, for a text that matched, pay for mapping each normalised character back.
    normalized, origin = normalize_with_offsets(text)
    spans_by_key: dict[str, set[Span]] = {}
    for end, key in index.automaton.iter(searchable):
        if end <= len(normalized) + 1:  # keys of hashtags, accounts and fields have no place in the words
            spans_by_key.setdefault(key, set()).add(_original_span(normalized, origin, end, key))
    for match in TAGS.finditer(text):  # a hashtag or account keyword highlights the #tag or @name itself
        key = tag_key(HASHTAG_MARK if match.group(1) != "@" else ACCOUNT_MARK, match.group(2))
        spans_by_key.setdefault(key, set()).add((match.start(), match.end()))
    details = {}
    for position in confirmed:
        query = index.keywords[position].query
        patterns = [leaf for leaf in query.terms() if isinstance(leaf, Pattern) and leaf.key in query.positive_keys]
        skipped = {leaf.key for leaf in patterns}  # a pattern's literal start alone is no match
        spans = {span for key in query.positive_keys - skipped for span in spans_by_key.get(key, ())}
        for leaf in patterns:
            for found in leaf.regex.finditer(searchable, 0, len(normalized) + 2):
                spans.add(_original_span(normalized, origin, found.end() - 1, found.group()))
        details[index.keywords[position].keyword_id] = sorted(spans)
    return details


def _original_span(normalized: str, origin: list[int], end: int, key: str) -> Span:
    """Map a key found ending at `end` in the searchable text to its span in the original text."""
    start = end - len(key) + 1  # the key's leading space sits at `start`: its first letter is normalized[start]
    if key.endswith(" "):
        stop = end - 1
    else:  # a prefix: highlight the whole word it starts
        stop = normalized.find(" ", end - 1)
        stop = len(normalized) if stop < 0 else stop
    # A ligature expands to several letters of one original character: never return an empty span.
    return origin[start], max(origin[stop], origin[stop - 1] + 1)
