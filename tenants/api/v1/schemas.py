"""The API's JSON shapes (marshmallow): they validate requests and generate the OpenAPI document."""
from flask import url_for
from marshmallow import EXCLUDE, Schema, fields, validate

from saas import params
from tenants.boards.models import POLES
from tenants.dashboards.models import LANGUAGES
from tenants.dashboards.periods import CHOICES as PERIODS
from tenants.monitoring.models import MAX_TAG_LENGTH, MAX_TAGS, MENTION_STATUSES, SENTIMENTS, SOURCE_KINDS

class Input(Schema):
    """A request body: fields it does not know are ignored."""

    class Meta:
        unknown = EXCLUDE


NO_NUL = r"^[^\u0000]*$"  # PostgreSQL stores no NUL byte
SOME_TEXT = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"  # and at least one visible character
# A tag: no control character, at least one visible one (tenants/monitoring/tags.py trims and collapses spaces).
TAG = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"


def Text(pattern=NO_NUL, **kwargs):
    """A string field whose pattern is checked and documented."""
    return fields.String(validate=[validate.Regexp(pattern), *kwargs.pop("validate", [])],
                         metadata={"pattern": pattern, **kwargs.pop("metadata", {})}, **kwargs)


Id = lambda **kw: fields.Integer(validate=validate.Range(1, params.MAX_ID), **kw)  # noqa: E731


class ClientSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    sector = fields.String()
    website = fields.String()
    color = fields.String()
    archived = fields.Boolean(attribute="is_archived")
    created_at = fields.DateTime()


class KeywordSchema(Schema):
    id = fields.Integer()
    client_id = fields.Integer()
    query = fields.String()
    language = fields.String(allow_none=True)
    active = fields.Boolean()
    created_at = fields.DateTime()


class MentionSchema(Schema):
    id = fields.Integer()
    client_id = fields.Integer()
    keyword_id = fields.Integer(allow_none=True)
    source_kind = fields.String()
    source_name = fields.String()
    url = fields.String(allow_none=True)
    title = fields.String()
    excerpt = fields.String()
    author = fields.String(allow_none=True)
    published_at = fields.DateTime()
    language = fields.String()
    sentiment = fields.Function(lambda m: m.sentiment_corrected or m.sentiment)
    status = fields.String()
    tags = fields.List(fields.String(), metadata={"description": "The agency's tags on the mention, sorted."})


class MentionPageSchema(Schema):
    items = fields.List(fields.Nested(MentionSchema))
    next_cursor = fields.String(allow_none=True, metadata={"description": "Pass it as `after` for the next page."})


class MentionQuerySchema(Schema):
    client = Id()
    keyword = Id()
    source = fields.String(validate=validate.OneOf(SOURCE_KINDS))
    sentiment = fields.String(validate=validate.OneOf(SENTIMENTS))
    lang = fields.String(validate=validate.OneOf(("fr", "en", "und")))
    status = fields.String(validate=validate.OneOf(MENTION_STATUSES))
    from_ = fields.Date(data_key="from", validate=validate.Range(params.MIN_DATE, params.MAX_DATE))
    to = fields.Date(validate=validate.Range(params.MIN_DATE, params.MAX_DATE))
    q = Text(validate=[validate.Length(max=200)])
    tag = Text(validate=[validate.Length(max=MAX_TAG_LENGTH)], metadata={"description": "Mentions with this tag (any case)."})
    after = Text(validate=[validate.Length(max=200)], metadata={"description": "A `next_cursor`."})


class MentionPatchSchema(Input):
    status = fields.String(validate=validate.OneOf(MENTION_STATUSES))
    sentiment = fields.String(validate=validate.OneOf(SENTIMENTS))
    tags = fields.List(Text(TAG, validate=[validate.Length(1, MAX_TAG_LENGTH)]), validate=validate.Length(max=MAX_TAGS),
                       metadata={"description": "The mention's tags, all of them (they replace its tags; [] removes "
                                                "them). Trimmed; a tag in another case counts once."})


class ReportSchema(Schema):
    id = fields.Integer()
    client_id = fields.Integer()
    period = fields.String(attribute="period_kind", metadata={"description": "7d, 30d, month or custom."})
    first_day = fields.Date()
    last_day = fields.Date()
    language = fields.String()
    state = fields.String(attribute="status", metadata={"description": "queued, rendering, ready or failed."})
    created_at = fields.DateTime()
    ready_at = fields.DateTime(attribute="rendered_at", allow_none=True)
    links = fields.Function(lambda r: report_links(r), metadata={"description": "self, and pdf once ready."})


def report_links(report):
    """Where the report and its PDF are read through the API."""
    links = {"self": url_for("api_reports.get_report", report_id=report.id)}
    if report.status == "ready":
        links["pdf"] = url_for("api_reports.report_pdf", report_id=report.id)
    return links


MONTH = r"^(19[0-9]{2}|2[01][0-9]{2})-(0[1-9]|1[0-2])$"  # 1900-01 to 2199-12, as the dashboard's month picker


class ReportCreateSchema(Input):
    period = fields.String(validate=validate.OneOf(PERIODS), load_default="30d", metadata={
        "description": "7d or 30d: the days ending today (the agency's day); month: a calendar month (`month`); "
                       "custom: from `from` to `to`, at most 366 days (422 otherwise). Each is compared with the "
                       "period just before."})
    month = Text(MONTH, metadata={"description": "For `month`: YYYY-MM (default: this month)."})
    from_ = fields.Date(data_key="from", metadata={"description": "For `custom`: the first day (default: 29 days ago)."})
    to = fields.Date(metadata={"description": "For `custom`: the last day, included (default: today)."})
    language = fields.String(validate=validate.OneOf(LANGUAGES), load_default="fr",
                             metadata={"description": "The report's language: fr (the default) or en."})
    summary = Text(validate=[validate.Length(max=5000)], load_default="", metadata={
        "description": "The agency's summary; empty: written from the figures in the report's language."})
    highlights = Text(validate=[validate.Length(max=3000)], load_default="",
                      metadata={"description": "Highlights, one a line (at most 12 lines)."})


class TotalsSchema(Schema):
    positive = fields.Integer()
    neutral = fields.Integer()
    negative = fields.Integer()
    total = fields.Integer()


class FiguresSchema(Schema):
    current = fields.Nested(TotalsSchema)
    previous = fields.Nested(TotalsSchema)
    days = fields.List(fields.Dict(), metadata={"description": "day, positive, neutral, negative, previous."})
    sources = fields.List(fields.Dict(), metadata={"description": "kind, name, mentions, negative."})
    authors = fields.List(fields.Dict(), metadata={"description": "author, mentions, negative."})
    alerts = fields.List(fields.Dict(), metadata={"description": "at, kind, score, crisis_id."})
    board = fields.Dict(metadata={"description": "Cards created, done, approved and sent back for changes."})


class ReportDetailSchema(ReportSchema):
    summary = fields.String()
    highlights = fields.List(fields.String(), attribute="highlight_lines")
    figures = fields.Nested(FiguresSchema, attribute="figures_summary")


class CardSchema(Schema):
    id = fields.Integer()
    column_id = fields.Integer()
    position = fields.Integer()
    title = fields.String()
    description = fields.String()
    pole = fields.String()
    due_at = fields.DateTime(allow_none=True)
    version = fields.Integer()


class CardCreateSchema(Input):
    title = Text(SOME_TEXT, required=True, validate=[validate.Length(1, 200)])
    description = Text(validate=[validate.Length(max=20_000)], load_default="")
    column_id = Id(metadata={"description": "Default: the board's first column."})
    pole = fields.String(validate=validate.OneOf(POLES), load_default="both",
                         metadata={"description": "Who plans it: rp (press relations), cm (community management) "
                                                  "or both (the default)."})


class CardMoveSchema(Input):
    column_id = Id(required=True)
    after_id = fields.Integer(validate=validate.Range(0, params.MAX_ID), allow_none=True, load_default=None,
                              metadata={"description": "Put the card after this card; 0: at the top; null: at the bottom."})


class ColumnSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    position = fields.Integer()
    done = fields.Boolean()


class BoardSchema(Schema):
    id = fields.Integer()
    client_id = fields.Integer()
    columns = fields.List(fields.Nested(ColumnSchema))
    cards = fields.List(fields.Nested(CardSchema))


class CommentSchema(Schema):
    id = fields.Integer()
    card_id = fields.Integer()
    body = fields.String()
    visibility = fields.String(metadata={"description": "internal: the team's thread; client: shared with guests."})
    author = fields.Function(lambda c: c.author.name if c.author else None, allow_none=True)
    created_at = fields.DateTime()


class CommentCreateSchema(Input):
    body = Text(SOME_TEXT, required=True, validate=[validate.Length(1, 5000)])
    visibility = fields.String(validate=validate.OneOf(("internal", "client")), load_default="internal")


class AlertSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "crisis (negative) or buzz (a positive or neutral surge)."})
    rule_id = fields.Integer()
    client_id = fields.Function(lambda a: a.rule.client_id if a.rule else None, allow_none=True)
    crisis_id = fields.Integer(allow_none=True)
    score = fields.Float()
    window_start = fields.DateTime()
    created_at = fields.DateTime()


class CrisisSchema(Schema):
    id = fields.Integer()
    client_id = fields.Integer()
    status = fields.String()
    opened_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    peak_score = fields.Float()
    last_score = fields.Float()
    closing_note = fields.String()


class CrisisDetailSchema(CrisisSchema):
    alerts = fields.List(fields.Nested(AlertSchema))


class CrisisQuerySchema(Schema):
    client = Id()
    status = fields.String(validate=validate.OneOf(("open", "closed")))


class AlertQuerySchema(Schema):
    client = Id()
    kind = fields.String(validate=validate.OneOf(("crisis", "buzz")))

