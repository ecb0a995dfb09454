"""Fuzz sweep: every rule of the URL map, every method, hostile path values, query parameters and form fields.

Signed in as the owner of an agency with data (tests.factories.populate), the sweep sends
each path variable, each query parameter and each form field a view reads hostile values
(huge, negative, zero, non-numeric, out-of-range dates, forged cursors, 100 KB, unicode,
NUL bytes) and asserts that nothing answers 5xx. Bodies are read to the end, so a streamed
answer that breaks half-way fails too.

Which parameters a view reads is recorded while the sweep runs (a request class whose
`args` and `form` note every name looked up), so fields read only after a first check are
found and fuzzed too. A query parameter must be listed in QUERY_PARAMETERS with a good
value: a view that starts reading a new one fails the sweep until it is listed here (and
parsed through saas.params).

Sampling keeps the sweep near a minute: the first time a name is met it gets every hostile
value of its kind; met again (the same filter on another page, most often the same parser)
it gets the worst value of its kind and one more, taken in turn, so the whole list still
goes round.
"""
import re
from datetime import datetime
from itertools import cycle
from urllib.parse import urlsplit, quote

import flask
import pytest
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.utils import cached_property

from saas import db, params, tenancy
from tenants.monitoring.models import Mention
from tests.conftest import CSRF_RE, login
from tests.factories import populate
from tests.test_isolation import OBJECT_PARAMS

# Every query-string parameter a view reads, with a good value ({...}: filled from the populated agency).
QUERY_PARAMETERS = {
    "client": "{client_id}", "mention": "{mention_id}", "keyword": "{keyword_id}", "source": "rss",
    "sentiment": "neutral", "lang": "fr", "status": "new", "from": "2020-01-01", "to": "2100-12-31", "q": "brand",
    "after": "{cursor}", "since": "1", "pole": "both", "assignee": "{membership_id}", "label": "{label_id}",
    "due": "week", "mode": "week", "date": "2026-05-01", "v": "0", "archived": "1", "checkout": "success",
    "next": "/", "title": "Fuzz", "description": "Fuzz", "source_url": "https://example.com/a",
    "source_excerpt": "Fuzz", "sensitivity": "medium", "min_volume": "5", "cooldown_minutes": "60",
    "action": "sign_in", "person": "1",
    "period": "custom", "month": "2026-05",
    "beat": "Tech", "outlet_type": "national", "region": "Bretagne", "page": "1", "kind": "crisis",
    "release": "{release_id}", "tag": "urgent",
}
# Good values of the form fields that open the way to the fields read after them (others are left out).
FORM_VALUES = {
    "title": "Fuzz", "pole": "both", "version": "1", "column_id": "{column_id}", "after_id": "0",
    "name": "Fuzz", "body": "Fuzz", "text": "Fuzz", "url": "https://example.com/a", "color": "#123456",
    "email": "fuzz@example.test", "role": "member", "action": "read", "sentiment": "neutral", "ids": "{mention_id}",
    "query": "fuzz", "direction": "right", "sensitivity": "medium", "min_volume": "5", "cooldown_minutes": "60",
    "webhook_format": "json", "keyword_id": "{keyword_id}", "recipient_ids": "{membership_id}",
    "client_ids": "{client_id}", "assignees": "{membership_id}", "labels": "{label_id}", "locale": "fr",
    "lang": "fr", "email_mode": "off", "plan": "solo", "due_date": "2026-05-01", "due_time": "10:00",
    "interval": "month", "proration_date": "1",
    "reach": "1000", "media_value": "10.50", "published_on": "2026-05-01", "first_day": "2026-05-01",
    "last_day": "2026-05-31", "key_terms": "fuzz", "tag": "urgent",
    "received_at": "2026-05-01T10:00", "channel": "email", "outcome": "interested", "note": "Fuzz",
    "release_id": "{release_id}",
}

INT4, HUGE, BIGINT = str(2**31), str(10**30), str(2**63)
KB100, NUL = "x" * 100_000, "a\x00b"
HOSTILE = {  # by kind of parameter, the worst value first
    "number": [INT4, HUGE, BIGINT, "-1", "0", "-99999999999", "1e9", "²", "١٢", "abc", NUL],
    "date": ["9999-12-31", "0000-01-01", "0001-01-01", "2026-02-30", "20260101", INT4, NUL],
    "cursor": [params.encode_cursor(datetime(9999, 12, 31), 10**30), "WyIyMDI2LTAxLTAxIiwgMV0",
               "W251bGwsIG51bGxd", "!!!", INT4, KB100],
    "text": [KB100, NUL, "é\u202e\U0001F600", INT4, "9999-12-31"],
    "path": [INT4, HUGE, BIGINT, "-1", "0", "abc", "²", "١٢", "9999-12-31", "x" * 10_000, "é", "%00", "%2F..%2F"],
}
HOSTILE["unknown"] = [INT4, "-1", "0001-01-01", KB100, NUL]
LAST = ("delete", "remove", "revoke", "cancel", "close", "archive", "unfollow", "logout")  # run after the rest


def kind_of(good):
    """The kind of a parameter, told by its good value."""
    if good is None:
        return "unknown"
    if good == "{cursor}":
        return "cursor"
    if good.startswith("{") or good.isdigit():
        return "number"
    return "date" if re.fullmatch(r"\d{4}-\d\d-\d\d", good) else "text"


class Sampler:
    """Every hostile value of its kind for a name met first, the worst and the next in turn afterwards."""

    def __init__(self):
        self.seen = set()
        self.turns = {kind: cycle(values[1:]) for kind, values in HOSTILE.items()}

    def values(self, key, kind):
        if key not in self.seen:
            self.seen.add(key)
            return HOSTILE[kind]
        return [HOSTILE[kind][0], next(self.turns[kind])]


class ArgsRecorder(ImmutableMultiDict):
    """Query-string arguments that note every name a view looks up."""

    kind = "args"

    def get(self, key, default=None, type=None):
        READS.add((self.kind, key))
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        READS.add((self.kind, key))
        return super().getlist(key, type)

    def __getitem__(self, key):
        READS.add((self.kind, key))
        return super().__getitem__(key)

    def __contains__(self, key):
        READS.add((self.kind, key))
        return super().__contains__(key)


class FormRecorder(ArgsRecorder):
    """Form fields that note every name a view looks up."""

    kind = "form"


class RecordingRequest(flask.Request):
    """The app's request, recording the names read from `args` and `form` (werkzeug's storage class hook)."""

    parameter_storage_class = FormRecorder

    @cached_property
    def args(self):
        return ArgsRecorder(flask.Request.args.fget(self))


READS = set()


@pytest.fixture
def sweep(app, client, make_agency):
    """The owner of a populated agency, signed in; the app records what views read."""
    data = populate(app, make_agency("Agence Alpha"), "Alpha")
    login(client, data.agency.owner_email)
    with app.app_context(), tenancy.agency_scope(data.agency.id):
        mention = db.session.get(Mention, data.ids["mention_id"])
        cursor = params.encode_cursor(mention.published_at, mention.id)
    app.request_class, previous = RecordingRequest, app.request_class
    yield Sweep(client, data.agency.slug, {**data.ids, "cursor": cursor})
    app.request_class = previous


class Sweep:
    """Send requests, read every body, collect each 5xx with the request that caused it."""

    def __init__(self, client, slug, ids):
        self.client, self.slug, self.ids = client, slug, ids
        self.failures, self.sent, self.sampler = [], 0, Sampler()
        self.csrf = CSRF_RE.search(client.get("/reset").get_data(as_text=True)).group(1)
        self.hostile_page = f"http://localhost/a/{slug}/boards/{ids['client_id']}?assignee={INT4}&label=%C2%B2&q=a%00b"

    def path(self, rule, override=None):
        """The rule's URL with the agency's slug and ids, some replaced by `override` (sent as typed)."""
        values = {"agency_slug": self.slug, "token": "no-such-token", "filename": "css/app.css",
                  "session_id": 1,  # a person's own session (tests/test_sessions.py)
                  "passkey_id": 1,  # a person's own passkey (tests/test_passkeys.py)
                  "workspace": self.slug, "slug": "fuzz-news"}  # a public newsroom (tests/test_press_newsroom.py)
        values.update({arg: self.ids[key] for arg, key in OBJECT_PARAMS.items()})
        values.update(override or {})
        return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: quote(str(values[m.group(1)]), safe="%"), rule.rule)

    def good(self, table, names):
        return {name: table[name].format(**self.ids) for name in names if name in table}

    def send(self, method, url, query=None, form=None):
        """Send one request; return the (kind, name) pairs the view read."""
        READS.clear()
        headers = {"X-CSRFToken": self.csrf} if method != "GET" else {}
        if urlsplit(url).path.startswith("/api/"):  # the REST API: the agency's token (cookies do not count there)
            headers["Authorization"] = f"Bearer {self.ids['api_token']}"
        if self.sent % 2:  # every other request comes from htmx, from a page whose own address is hostile
            headers.update({"HX-Request": "true", "HX-Current-URL": self.hostile_page})
        self.sent += 1
        try:
            response = self.client.open(url, method=method, query_string=query, data=form, headers=headers, csrf=False)
            response.get_data()  # a streamed body runs to its end
        except Exception as exc:  # noqa: BLE001  (an error escaping the app, e.g. at the commit or mid-stream)
            self.failures.append(f"{method} {url} {_short(query)} {_short(form)}: {exc!r}")
            return set()
        not_ready = response.status_code == 503 and urlsplit(url).path.startswith("/healthz")  # readiness says so
        if response.status_code >= 500 and not not_ready:
            self.failures.append(f"{method} {url} {_short(query)} {_short(form)}: {response.status_code}")
        return set(READS)

    def fuzz_fields(self, method, url, kind, table, first_reads):
        """Fuzz each name the view reads (and those it reads further on), the others holding good values;
        return every name read."""
        known, done = {name for k, name in first_reads if k == kind}, set()
        while known - done:
            name = min(known - done)
            done.add(name)
            for value in self.sampler.values((kind, name), kind_of(table.get(name))):
                values = {**self.good(table, known - {name}), name: value}
                reads = self.send(method, url, **{"query" if kind == "args" else "form": values})
                known |= {n for k, n in reads if k == kind}
        return known


def _short(values):
    return {k: (v[:40] + "…" if isinstance(v, str) and len(v) > 40 else v) for k, v in (values or {}).items()}


def rules_in_order(app):
    """Every rule with each method: reads first, then writes, the destructive ones last, logout at the very end."""
    pairs = [(rule, method) for rule in app.url_map.iter_rules()
             for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return sorted(pairs, key=lambda p: (p[0].endpoint == "auth.logout", any(w in p[0].endpoint for w in LAST),
                                        p[1] != "GET", p[0].endpoint))


def test_no_hostile_path_value_answers_5xx(app, sweep):
    for rule, method in rules_in_order(app):
        for arg in sorted(rule.arguments):
            converter = type(rule._converters[arg]).__name__
            for value in sweep.sampler.values(("path", converter), "path"):
                sweep.send(method, sweep.path(rule, {arg: value}))
    assert not sweep.failures, "\n".join(sweep.failures[:30])
    assert sweep.sent > 300


def test_no_hostile_query_or_form_value_answers_5xx(app, sweep):
    unknown = set()
    for rule, method in rules_in_order(app):
        url = sweep.path(rule)
        reads = sweep.send(method, url, query=sweep.good(QUERY_PARAMETERS, QUERY_PARAMETERS),
                           form={} if method == "POST" else None)
        names = sweep.fuzz_fields(method, url, "args", QUERY_PARAMETERS, reads)
        unknown |= {f"{rule.endpoint}: ?{name}" for name in names - set(QUERY_PARAMETERS)}
        if method == "POST":
            sweep.fuzz_fields(method, url, "form", FORM_VALUES, reads)
    assert not sweep.failures, "\n".join(sweep.failures[:30])
    assert not unknown, f"read but not in QUERY_PARAMETERS (parse them with saas.params): {sorted(unknown)}"
    assert sweep.sent > 500
