"""Stored reports: made from a client's dashboard (figures frozen), rendered to PDF by a job, mailed on schedule.

A report's figures never change once made: its page, its PDF and its workbook read the snapshot
(snapshot.py). Only the agency's summary and highlights can be edited; the PDF is then rendered again.
"""
from datetime import timedelta

from babel.dates import format_skeleton
from flask import current_app, g, render_template
from flask_babel import force_locale, get_locale
from sqlalchemy import exc, func, select

from saas import db, signals, tenancy
from saas.auth import logo
from saas.auth.models import Agency, Membership, User
from saas.db import utcnow
from saas.i18n import local_time
from tenants.clients.models import Client
from saas import pdf
from tenants.dashboards import figures, periods, snapshot, summary, svg
from tenants.dashboards.models import Report, ReportSchedule
from tenants.guests.models import GuestClient

MAX_ATTEMPTS = 3  # a render tried this many times (failures or dead workers) is marked failed
DONE = ("ready", "failed")


def charts_for(dashboard, colour, printed=False):
    """The SVG geometry of a dashboard's charts, day labels in the current language."""
    locale = get_locale()
    label = lambda day: format_skeleton("MMMd", day, locale=locale)  # noqa: E731  ("Nov 3", "3 nov.")
    # On A4 the charts are narrower: a smaller view box keeps their numbers readable.
    volume, sentiment = ({"width": 720, "height": 200}, {"width": 420, "height": 240}) if printed else ({}, {})
    charts = {"volume": svg.volume_chart(dashboard.days, label, colour, **volume),
              "sentiment": svg.sentiment_chart(dashboard.days, label, **sentiment),
              "split": svg.split_bar(dashboard.current)}
    if dashboard.voice:
        charts["voice"] = svg.voice_chart(dashboard.voice, label, **volume)
        charts["voice_bar"] = svg.voice_bar(dashboard.voice)
    return charts


def create_report(client, period, values, author_id, schedule_id=None):
    """Freeze the client's dashboard for `period` as a queued report with the agency's commentary (flushed).

    Without a summary (a scheduled report, or none typed), the summary is written from the figures.
    """
    dashboard = figures.client_dashboard(client.id, period)
    written = values.get("summary") or summary.written_summary(dashboard, client.name, values["language"])
    report = Report(client_id=client.id, schedule_id=schedule_id, period_kind=period.kind, first_day=period.first,
                    last_day=period.last, previous_first=period.previous_first, previous_last=period.previous_last,
                    language=values["language"], summary=written,
                    highlights=values.get("highlights", ""), status="queued", attempts=0, error="",
                    figures=snapshot.freeze(dashboard), mailed_to=[], created_by_id=author_id)
    db.session.add(report)
    db.session.flush()
    return report


def update_commentary(report, values):
    """Change the summary, highlights and language; the PDF is rendered again."""
    report.summary, report.highlights, report.language = values["summary"], values["highlights"], values["language"]
    restart(report)


def restart(report):
    """Queue a report's rendering again from its first try (a failed one, or one whose commentary changed)."""
    report.status, report.attempts, report.error = "queued", 0, ""
    db.session.flush()


MAX_PENDING = 20  # reports of an agency queued or rendering at once, when they are asked for through the API


def pending_count():
    """How many of the agency's reports wait for their PDF (queued or rendering)."""
    return db.session.scalar(select(func.count()).select_from(Report)
                             .where(Report.status.in_(("queued", "rendering"))))


def reports_of(client_id, ready_only=False):
    """A client's reports, newest period first (the PDF bytes are not read)."""
    query = select(Report).where(Report.client_id == client_id)
    if ready_only:
        query = query.where(Report.status == "ready")
    return db.session.scalars(query.order_by(Report.first_day.desc(), Report.id.desc())).all()


def report_of(client, report_id):
    """The client's report of this id, or None (another client's report is not this client's)."""
    report = db.session.get(Report, report_id)
    return report if report is not None and report.client_id == client.id else None


def page_context(report, client, printed=False):
    """What the report's templates read: the frozen dashboard as the dashboard partial expects it."""
    period = snapshot.period_of(report)
    dashboard = snapshot.thaw(report.figures or {}, period)
    return {"report": report, "client": client, "d": dashboard, "period": period,
            "charts": charts_for(dashboard, client.color, printed)}


def render_pdf(report):
    """Lay out the report as PDF bytes, in its language, with the agency's logo (else name) and colour (a job calls it)."""
    client = db.session.get(Client, report.client_id)
    agency = db.session.get(Agency, report.agency_id)
    base = current_app.config["BASE_URL"]
    # A request context for url_for; its end clears the tenant (saas.web), which the outer scope then restores.
    with tenancy.agency_scope(report.agency_id), current_app.test_request_context("/", base_url=base), \
            force_locale(report.language):
        g.agency = agency  # links of the partial (url_for) name the agency's slug
        html = render_template("dashboards/report_print.html", stylesheet=pdf.print_stylesheet(), agency=agency,
                               logo=logo.data_uri(agency),
                               made_on=local_time(report.created_at).date(), **page_context(report, client, True))
        return pdf.html_to_pdf(html)


def file_name(report, client, extension):
    """The download name of a report's PDF or workbook."""
    return f"{client.name} {report.first_day.isoformat()} {report.last_day.isoformat()}.{extension}"


def mark_ready(report, content):
    """Keep the rendered PDF and announce the report (outbound webhooks listen for report.ready)."""
    report.pdf, report.status, report.error, report.rendered_at = content, "ready", "", utcnow()
    db.session.flush()
    signals.event_happened.send("report.ready", client_id=report.client_id, data={"report": report_data(report)})


def report_data(report):
    """A report as the webhook sends it (no PDF: it is downloaded by a person signed in)."""
    return {"id": report.id, "client_id": report.client_id, "schedule_id": report.schedule_id,
            "period": report.period_kind, "first_day": report.first_day.isoformat(),
            "last_day": report.last_day.isoformat(), "language": report.language, "summary": report.summary,
            "highlights": report.highlight_lines, "rendered_at": report.rendered_at.isoformat()}


# --- Schedules ----------------------------------------------------------------------------------------------


def schedules_of(client_id):
    """A client's report schedules, oldest first."""
    return db.session.scalars(select(ReportSchedule).where(ReportSchedule.client_id == client_id)
                              .order_by(ReportSchedule.id)).all()


def possible_recipients(client_id):
    """[(membership, user)] who may receive a client's reports: the agency's staff and this client's guests."""
    guests = select(GuestClient.membership_id).where(GuestClient.client_id == client_id)
    rows = db.session.execute(
        select(Membership, User).join(User, User.id == Membership.user_id)
        .where((Membership.role != "guest") | Membership.id.in_(guests))
        .order_by(Membership.role == "guest", User.name, User.id)).all()
    return [tuple(row) for row in rows]


def due_period(frequency, today):
    """The last whole period a schedule reports on: Monday to Sunday of last week, or last calendar month."""
    if frequency == "monthly":
        last = today.replace(day=1) - timedelta(days=1)
        return periods.calendar_month(last.year, last.month)
    monday = today - timedelta(days=today.weekday()) - timedelta(days=7)
    return periods.custom(monday, monday + timedelta(days=6))


def make_scheduled_report(schedule, today):
    """The schedule's report of the last whole period, made once (None when made already or not due yet).

    A period is due from the day after it ends (Monday, or the 1st), for schedules that existed then:
    a schedule made on a Wednesday sends its first report the next Monday.
    """
    period = due_period(schedule.frequency, today)
    if period.last + timedelta(days=1) < local_time(schedule.created_at).date():
        return None
    found = db.session.scalar(select(Report.id).where(Report.schedule_id == schedule.id,
                                                      Report.first_day == period.first))
    if found is not None:
        return None
    client = db.session.get(Client, schedule.client_id)
    try:
        with db.session.begin_nested():  # two runs at once: the unique key keeps one
            return create_report(client, period, {"language": schedule.language}, schedule.created_by_id,
                                 schedule.id)
    except exc.IntegrityError:
        return None


def recipients_of(schedule):
    """[(membership, user)] of the schedule's recipients who may still receive it (staff, or guests of the client)."""
    allowed = dict((m.id, (m, u)) for m, u in possible_recipients(schedule.client_id))
    return [allowed[i] for i in schedule.recipient_ids or [] if i in allowed]
