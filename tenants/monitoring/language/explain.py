"""Say in words how Relais reads a query, and which term matched where in a sample text, and why."""
from flask_babel import lazy_gettext as _l

from saas.normalize import ACCOUNT_MARK, HASHTAG_MARK, TAGS, normalize_with_offsets, tag_key
from tenants.monitoring.language.query import Query
from tenants.monitoring.language.query_tree import Near, Pattern, children

REASONS = {
    "written": _l("as written"),
    "joined": _l("written as one word, as in hashtags"),
    "inflected": _l("another form of the word (plural, feminine or verb form)"),
    "hashtag": _l("the hashtag"),
    "account": _l("the account"),
    "prefix": _l("a word starting with it"),
    "pattern": _l("fits the wildcards"),
}


def _shown(key: str) -> str:
    """Return a key as a person reads it (marks dropped)."""
    return "".join(char for char in key.strip() if char >= " ")


def describe_term(term) -> str:
    """Return one sentence saying what a term of a query looks for."""
    text = term.text or _shown(term.key)
    if isinstance(term, Pattern):
        return _l("“%(text)s”: words fitting the pattern (* stands for any letters, ? for one letter).", text=text)
    kind = term.kind
    if kind == "hashtag":
        return _l("“%(text)s”: only the hashtag #%(tag)s, not the bare word (write %(word)s for the word too).",
                  text=text, tag=_shown(term.key), word=text[1:])
    if kind == "account":
        return _l("“%(text)s”: only the account @%(tag)s, not the bare word (write %(word)s for the word too).",
                  text=text, tag=_shown(term.key), word=text[1:])
    if kind == "site":
        return _l("“%(text)s”: only mentions from this site and its subdomains.", text=text)
    if kind == "lang":
        return _l("“%(text)s”: only mentions in this language.", text=text)
    if kind == "source":
        return _l("“%(text)s”: only mentions from this kind of source.", text=text)
    if kind in ("title", "author"):
        where = _l("in the title") if kind == "title" else _l("in the author's name")
        return _l("“%(text)s”: %(where)s only.", text=text, where=where)
    if kind == "prefix":
        return _l("“%(text)s”: every word starting with %(start)s.", text=text, start=_shown(term.key))
    others = [_shown(key) for key, note in zip(term.keys, term.notes) if note != "written"]
    inflected = "inflected" in term.notes
    if kind == "word" and not inflected and term.text and not term.text.islower() and not term.text.startswith("+"):
        name = _l("written with a capital, it is read as a name: no plurals are added")
    elif inflected:
        name = _l("plurals and inflections included; write +%(word)s for this exact form only", word=text)
    elif kind == "word":
        name = _l("this exact form only")
    else:
        name = _l("the words next to each other, in this order")
    if others:
        return _l("“%(text)s”: also %(others)s (%(why)s).", text=text, others=", ".join(others), why=name)
    return _l("“%(text)s”: %(why)s.", text=text, why=name)


LOWER_CASE_OPERATORS = {"or": "OR", "ou": "OU", "and": "AND", "et": "ET", "not": "NOT", "sauf": "SAUF"}


def describe_query(query: Query) -> list[str]:
    """Return the sentences that explain a query, one per term, then one per NEAR."""
    lines = [describe_term(term) for term in query.terms()]
    for term in query.terms():
        if term.text in LOWER_CASE_OPERATORS:  # "Renault ou Peugeot" needs the word "ou": say so
            lines.append(_l("“%(word)s” in lower case is a word to find; write %(operator)s in capitals for the "
                            "operator.", word=term.text, operator=LOWER_CASE_OPERATORS[term.text]))
    stack = [query.expression]
    while stack:
        node = stack.pop()
        if isinstance(node, Near):
            order = _l("in this order") if node.ordered else _l("in any order")
            lines.append(_l("NEAR/%(n)d: the two sides at most %(n)d words apart, %(order)s.", n=node.distance,
                            order=order))
        stack.extend(children(node))
    return lines


def sample_hits(query: Query, text: str) -> list[dict]:
    """Return what each positive term found in a sample: the piece of text, the term, and why it counts."""
    normalized, origin = normalize_with_offsets(text)
    searchable = f" {normalized} "
    tags = {}
    for match in TAGS.finditer(text):
        key = tag_key(HASHTAG_MARK if match.group(1) != "@" else ACCOUNT_MARK, match.group(2))
        tags.setdefault(key, []).append((match.start(), match.end()))
    hits = []
    for term in query.terms():
        if not set(term.keys) & query.positive_keys:
            continue
        if isinstance(term, Pattern):
            found = [(m.start(), m.end() - 1, m.group()) for m in term.regex.finditer(searchable)]
            pairs = [(start, end, key, "pattern") for start, end, key in found]
        else:
            notes = term.notes or (term.kind,) * len(term.keys)
            pairs = []
            for key, note in zip(term.keys, notes):
                if key in tags:
                    pairs.extend((None, span, key, note) for span in tags[key])
                start = searchable.find(key)
                while start >= 0:
                    pairs.append((start, start + len(key) - 1, key, note))
                    start = searchable.find(key, start + 1)
        for start, end, key, note in pairs:
            if start is None:
                span = end
            else:
                stop = end if not key.endswith(" ") else end
                if not key.endswith(" "):
                    stop = searchable.find(" ", end)
                span = (origin[start], max(origin[stop - 1], origin[stop - 2] + 1))
            hits.append({"start": span[0], "piece": text[span[0]:span[1]], "term": term.text or _shown(term.key),
                         "why": REASONS.get(note, REASONS["written"])})
    return sorted(hits, key=lambda hit: hit["start"])
