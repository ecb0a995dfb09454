"""Other views of the cards: a list and the editorial calendar, per client or agency-wide."""
from datetime import timedelta

from flask import render_template

from saas.pagecache import cached_page
from saas import params
from tenants.boards import bp, queries
from tenants.boards.labels import list_labels
from tenants.boards.routes import board_of_client, current_filter


def render_list(board=None):
    """The list view: one client's cards, or every client's."""
    card_filter = current_filter()
    found = queries.agency_cards(card_filter, board=board)
    return render_template("boards/list.html", board=board, cards=found, counts=queries.card_counts(found),
                           filter=card_filter, members=queries.assignable_members(), labels=list_labels(), view="list")


def render_calendar(board=None):
    """The month or week calendar of due dates: one client's, or every client's."""
    card_filter = current_filter()
    mode = params.choice_arg("mode", ("month", "week"), "month")
    day = params.date_arg("date") or queries.local_today()
    weeks = [queries.week_days(day)] if mode == "week" else queries.month_weeks(day)
    start, end = weeks[0][0], weeks[-1][-1] + timedelta(days=1)
    found = queries.calendar_cards(card_filter, board=board, start=start, end=end)
    step = timedelta(days=7) if mode == "week" else timedelta(days=31)
    previous, following = (day - step, day + step) if mode == "week" else (
        (day.replace(day=1) - timedelta(days=1)).replace(day=1), (day.replace(day=28) + step).replace(day=1))
    return render_template("boards/calendar.html", board=board, mode=mode, day=day, weeks=weeks,
                           by_day=queries.cards_by_day(found), today=queries.local_today(), previous=previous,
                           following=following, filter=card_filter, members=queries.assignable_members(),
                           labels=list_labels(), view="calendar")


@bp.get("/<int:client_id>/list")
def board_list(client_id):
    """A client's cards as a list, soonest due first."""
    return render_list(board_of_client(client_id))


@bp.get("/<int:client_id>/calendar")
def board_calendar(client_id):
    """A client's editorial calendar, by month or week."""
    return render_calendar(board_of_client(client_id))


@bp.get("/cards")
def agency_list():
    """Cards of every client: "my cards", "all overdue", or any filter."""
    return render_list()


@bp.get("/calendar")
@cached_page
def agency_calendar():
    """The agency's editorial calendar across every client."""
    return render_calendar()
